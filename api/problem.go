package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
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
		return newProblem(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("%d field(s) are invalid: %s", len(ve.Fields), ve.Error()), ve.Fields...).p, false
	case errors.As(err, &grant):
		return newProblem(http.StatusUnprocessableEntity, "validation", grant.Reason).p, false
	case errors.Is(err, access.ErrUnauthenticated):
		return newProblem(http.StatusUnauthorized, "unauthenticated", "send a valid token as 'Authorization: Bearer <token>'").p, false
	case errors.Is(err, catalogue.ErrForbidden):
		return newProblem(http.StatusForbidden, "forbidden", err.Error()).p, false
	case errors.Is(err, catalogue.ErrNotFound), errors.Is(err, access.ErrTokenNotFound):
		return newProblem(http.StatusNotFound, "not-found", err.Error()).p, false
	case errors.Is(err, catalogue.ErrVersionMismatch):
		return newProblem(http.StatusPreconditionFailed, "version-mismatch", err.Error()+"; read the item again and repeat your change with its new ETag").p, false
	case errors.Is(err, catalogue.ErrStorageFull):
		return newProblem(http.StatusInsufficientStorage, "storage-full",
			"the service's storage is full: nothing was written; try again once the operators have freed space").p, false
	case errors.Is(err, catalogue.ErrConflict):
		return newProblem(http.StatusConflict, "conflict", err.Error()).p, false
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
		detail := fmt.Sprint(he.Message)
		if he.Code == http.StatusRequestEntityTooLarge {
			detail = "the request body is larger than the service accepts: at most 256 KiB (262,144 bytes); import larger spreadsheets through POST /v1/import"
		}
		return newProblem(he.Code, code, detail).p, he.Code >= 500
	}
	return newProblem(http.StatusInternalServerError, "internal", "an internal error occurred; it has been logged").p, true
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
