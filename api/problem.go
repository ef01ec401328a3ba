package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/wording"
)

// Problem is an RFC 9457 problem details body. Type is a stable code a
// client can act on; Detail says, for a person, what exactly is wrong.
type Problem struct {
	Type     string                 `json:"type"`
	Title    string                 `json:"title"`
	Status   int                    `json:"status"`
	Detail   string                 `json:"detail,omitempty"`
	Instance string                 `json:"instance,omitempty"`
	Errors   []catalogue.FieldError `json:"errors,omitempty"`
}

const problemBase = "urn:massanzug:problem:"

// problemError is an error that already knows its response.
type problemError struct {
	p   Problem
	err error
}

func (e *problemError) Error() string { return e.p.Detail }
func (e *problemError) Unwrap() error { return e.err }

func newProblem(status int, code, detail string, fields ...catalogue.FieldError) *problemError {
	return &problemError{p: Problem{Type: problemBase + code, Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}}
}

func badRequest(code, format string, args ...any) *problemError {
	return newProblem(http.StatusBadRequest, code, fmt.Sprintf(format, args...))
}

// toProblem maps any error to the problem a client sees. Domain errors map
// by kind; anything unknown is a 500 whose detail reveals nothing inside.
func toProblem(err error) (Problem, bool) {
	var pe *problemError
	var ve *catalogue.ValidationError
	var he *echo.HTTPError
	var grant access.ErrInvalidGrant
	switch {
	case errors.As(err, &pe):
		return pe.p, false
	case errors.As(err, &ve):
		parts := make([]string, len(ve.Fields))
		for i, f := range ve.Fields {
			parts[i] = f.Field + ": " + f.Message
		}
		return newProblem(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("%d field(s) are invalid: %s", len(ve.Fields), strings.Join(parts, "; ")), ve.Fields...).p, false
	case errors.As(err, &grant):
		return newProblem(http.StatusUnprocessableEntity, "validation", grant.Reason).p, false
	case errors.Is(err, access.ErrUnauthenticated):
		return newProblem(http.StatusUnauthorized, "unauthenticated", "send a valid token as 'Authorization: Bearer <token>'").p, false
	case errors.Is(err, catalogue.ErrForbidden):
		return newProblem(http.StatusForbidden, "forbidden", reason(err, "this token may not do this")).p, false
	case errors.Is(err, catalogue.ErrNotFound), errors.Is(err, access.ErrTokenNotFound):
		return newProblem(http.StatusNotFound, "not-found", reason(err, "not found, or not visible to this token")).p, false
	case errors.Is(err, catalogue.ErrVersionMismatch):
		return newProblem(http.StatusPreconditionFailed, "version-mismatch", reason(err, "the item was changed since you read it")+"; read it again and repeat your change with its new ETag").p, false
	case errors.Is(err, catalogue.ErrStorageFull):
		return newProblem(http.StatusInsufficientStorage, "storage-full",
			"the service's storage is full: nothing was written; try again once the operators have freed space").p, false
	case errors.Is(err, catalogue.ErrConflict):
		return newProblem(http.StatusConflict, "conflict", reason(err, "the change clashes with the current state")).p, false
	case errors.Is(err, context.Canceled):
		// The client gave up and is gone; nothing went wrong here.
		return newProblem(statusClientClosed, "client-closed-request", "the client closed the request").p, false
	case errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusServiceUnavailable, "timeout", "the request took too long; try again").p, true
	case errors.As(err, &he):
		code := map[int]string{
			http.StatusNotFound: "no-route", http.StatusMethodNotAllowed: "method-not-allowed",
			http.StatusRequestEntityTooLarge: "body-too-large", http.StatusUnauthorized: "unauthenticated",
		}[he.Code]
		if code == "" {
			code = "http"
		}
		detail := map[int]string{
			http.StatusNotFound: "no such address", http.StatusMethodNotAllowed: "this address does not take that method",
			http.StatusRequestEntityTooLarge: "the request body is larger than the service accepts: at most 256 KiB (262,144 bytes); import larger spreadsheets through POST /v1/import",
			http.StatusUnauthorized:          "send a valid token as 'Authorization: Bearer <token>'",
		}[he.Code]
		if detail == "" {
			detail = fmt.Sprint(he.Message)
		}
		return newProblem(he.Code, code, detail).p, he.Code >= 500
	}
	return newProblem(http.StatusInternalServerError, "internal", "an internal error occurred; it has been logged").p, true
}

// reason is what a domain error tells the user, never the context wrapped
// around it for the log; fallback when it tells nothing.
func reason(err error, fallback string) string {
	if r := catalogue.Reason(err); r != "" {
		return r
	}
	return fallback
}

// inGerman turns a problem into German when the request asks for it
// (Accept-Language), keeping its type: the detail, and every field
// message (the domain's own German where it wrote one).
func inGerman(c echo.Context, p *Problem) {
	if !wording.WantsGerman(c.Request().Header.Get("Accept-Language")) {
		return
	}
	c.Response().Header().Set("Content-Language", "de")
	p.Title = wording.Say(true, p.Title)
	if p.Type == problemBase+"validation" && len(p.Errors) > 0 {
		parts := make([]string, len(p.Errors))
		for i, fe := range germanFields(p.Errors) {
			parts[i] = fe.Field + ": " + fe.Message
		}
		p.Detail = fmt.Sprintf("%d Angabe(n) sind ungültig: %s", len(p.Errors), strings.Join(parts, "; "))
	} else {
		p.Detail = wording.Say(true, p.Detail)
	}
	p.Errors = germanFields(p.Errors)
}

// germanFields returns the German of field messages.
func germanFields(fs []catalogue.FieldError) []catalogue.FieldError {
	if fs == nil {
		return nil
	}
	out := make([]catalogue.FieldError, len(fs))
	for i, fe := range fs {
		out[i] = fe
		if fe.German != "" {
			out[i].Message = fe.German
		} else {
			out[i].Message = wording.Say(true, fe.Message)
		}
	}
	return out
}

// statusClientClosed is what logs call a request its client abandoned
// (nginx's 499); the client never sees it.
const statusClientClosed = 499

// errorHandler is the one place where errors become responses.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p, internal := toProblem(err)
	p.Instance = c.Request().URL.Path
	inGerman(c, &p)
	switch {
	case internal:
		s.log.ErrorContext(c.Request().Context(), "request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	case p.Status == http.StatusInsufficientStorage:
		s.log.WarnContext(c.Request().Context(), "storage full: request refused", "method", c.Request().Method, "path", c.Request().URL.Path)
	case p.Status == statusClientClosed:
		s.log.InfoContext(c.Request().Context(), "request abandoned by the client", "method", c.Request().Method, "path", c.Request().URL.Path)
	}
	if p.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="massanzug"`)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	if err := jsonEncode(c.Response(), p); err != nil {
		s.log.ErrorContext(c.Request().Context(), "write problem", "err", err)
	}
}
