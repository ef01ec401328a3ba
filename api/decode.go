package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/transfer"
)

// maxBody is the largest request body accepted; the largest real entry is
// a few kilobytes.
const maxBody = 256 << 10

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// readBody checks the content type and reads the body.
func readBody(c echo.Context, types ...string) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	ok := false
	for _, t := range types {
		ok = ok || (err == nil && mt == t)
	}
	if !ok {
		return nil, newProblem(http.StatusUnsupportedMediaType, "unsupported-media-type",
			fmt.Sprintf("Content-Type %q is not accepted here; send %s", ct, strings.Join(types, " or ")))
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.ErrStatusRequestEntityTooLarge
		}
		return nil, badRequest("unreadable-body", "the request body could not be read: %v", err)
	}
	if len(body) > maxBody {
		return nil, echo.ErrStatusRequestEntityTooLarge
	}
	return body, nil
}

// decodeStrict decodes a JSON object into v, refusing unknown fields,
// values of the wrong type and trailing data, naming the field at fault.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("malformed-json", "the request body is empty; send a JSON object")
	}
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		return jsonProblem(err)
	}
	if field, ok := transfer.NUL(generic, ""); ok {
		return newProblem(http.StatusBadRequest, "malformed-json", "the request body holds the NUL character, which no text may hold",
			catalogue.FieldError{Field: field, Message: "must not contain the NUL character"})
	}
	if err := transfer.CheckKeys(generic, reflect.TypeOf(v), ""); err != nil {
		var uf *transfer.UnknownFieldError
		errors.As(err, &uf)
		return newProblem(http.StatusBadRequest, "unknown-field", err.Error(),
			catalogue.FieldError{Field: uf.Field, Message: "is not a field of this resource"})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return badRequest("malformed-json", "the request body holds more than one JSON value")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return badRequest("malformed-json", "the request body holds data after the JSON object")
	}
	return nil
}

func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return badRequest("malformed-json", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return badRequest("malformed-json", "the request body must be a JSON object, not %s", typ.Value)
		}
		return newProblem(http.StatusBadRequest, "wrong-type", fmt.Sprintf("field %s must be %s, not %s", field, typeName(typ.Type.String()), typ.Value),
			catalogue.FieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", typeName(typ.Type.String()), typ.Value)})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed-json", "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return newProblem(http.StatusBadRequest, "unknown-field", fmt.Sprintf("unknown field %q", name),
			catalogue.FieldError{Field: name, Message: "is not a field of this resource"})
	}
	return badRequest("malformed-json", "the request body is not valid JSON: %v", err)
}

func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	case strings.HasSuffix(goType, "string"), strings.HasSuffix(goType, "Status"), strings.HasSuffix(goType, "Role"):
		return "a string"
	case goType == "bool":
		return "true or false"
	}
	return "an object"
}

// bindJSON reads and strictly decodes an application/json body.
func bindJSON(c echo.Context, v any) error {
	body, err := readBody(c, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

// applyPatch applies the merge patch to what the caller last could read of
// an item (cur, its writable part) and strictly decodes the result into
// next, so that a patch obeys the same rules as a full update.
func applyPatch(cur any, patch []byte, next any) error {
	doc, err := json.Marshal(cur)
	if err != nil {
		return fmt.Errorf("encode current item: %w", err)
	}
	merged, err := mergePatch(doc, patch)
	if err != nil {
		return err
	}
	return decodeStrict(merged, next)
}

// mergePatch applies an RFC 7396 JSON merge patch to doc.
func mergePatch(doc, patch []byte) ([]byte, error) {
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, jsonProblem(err)
	}
	po, ok := p.(map[string]any)
	if !ok {
		return nil, badRequest("malformed-json", "a merge patch must be a JSON object")
	}
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("decode current document: %w", err)
	}
	return json.Marshal(mergeObject(d, po))
}

func mergeObject(target, patch map[string]any) map[string]any {
	if target == nil {
		target = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(target, k)
			continue
		}
		if pv, ok := v.(map[string]any); ok {
			tv, _ := target[k].(map[string]any)
			target[k] = mergeObject(tv, pv)
			continue
		}
		target[k] = v
	}
	return target
}

// query reads the query parameters of a request, refusing unknown ones so
// that a typo does not silently return everything.
type query struct {
	v    url.Values
	errs []catalogue.FieldError
}

func newQuery(c echo.Context, allowed ...string) *query {
	q := &query{v: c.QueryParams()}
	for name, vals := range q.v {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		switch {
		case !known && len(allowed) == 0:
			q.fail(name, "is not a parameter of this endpoint, which takes none")
		case !known:
			q.fail(name, "is not a parameter of this endpoint (allowed: %s)", strings.Join(allowed, ", "))
		case len(vals) > 1:
			q.fail(name, "is given %d times; give it once", len(vals))
		case strings.ContainsRune(vals[0], 0):
			q.fail(name, "must not contain the NUL character")
		}
	}
	return q
}

func (q *query) fail(name, format string, args ...any) {
	q.errs = append(q.errs, catalogue.FieldError{Field: name, Message: fmt.Sprintf(format, args...)})
}

// enum reads a parameter the spec lists the values of; another value is
// a bad request (400), like every value outside a spec's enum.
func (q *query) enum(name string, allowed []catalogue.Status) string {
	v := q.v.Get(name)
	if v == "" {
		return ""
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if string(a) == v {
			return v
		}
		names[i] = string(a)
	}
	q.fail(name, "%q is not one of %s", v, strings.Join(names, ", "))
	return ""
}

func (q *query) str(name string, max int) string {
	s := q.v.Get(name)
	if len(s) > max {
		q.fail(name, "must be at most %d characters long", max)
		return ""
	}
	return s
}

func (q *query) int(name string, def, min, max int) int {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		q.fail(name, "must be a whole number from %d to %d", min, max)
		return def
	}
	return n
}

// boolean reads true or false; nil when the parameter is absent.
func (q *query) boolean(name string) *bool {
	switch q.v.Get(name) {
	case "":
		return nil
	case "true":
		b := true
		return &b
	case "false":
		b := false
		return &b
	}
	q.fail(name, "must be true or false")
	return nil
}

// instant reads a day (YYYY-MM-DD, in UTC) or an RFC 3339 instant; the
// zero time when the parameter is absent. A day given as the end of a
// period counts whole (until=2026-05-04 includes that day).
func (q *query) instant(name string, end bool) time.Time {
	s := q.v.Get(name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.fail(name, "must be a day (YYYY-MM-DD) or an instant (RFC 3339, e.g. 2026-05-04T10:00:00Z)")
		return time.Time{}
	}
	return t.UTC()
}

// entryKind reads the required kind of entry of an import or export.
func (q *query) entryKind() catalogue.Kind {
	k := catalogue.Kind(q.str("kind", 32))
	switch k {
	case catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer:
	default:
		q.fail("kind", "is required: volunteer, neighbourhood_help or offer")
	}
	return k
}

func (q *query) page() catalogue.Page {
	return catalogue.Page{Limit: q.int("limit", 50, 1, 500), Offset: q.int("offset", 0, 0, 10_000_000)}
}

func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	parts := make([]string, len(q.errs))
	for i, e := range q.errs {
		parts[i] = e.Field + ": " + e.Message
	}
	return newProblem(http.StatusBadRequest, "bad-query", "invalid query parameters: "+strings.Join(parts, "; "), q.errs...)
}

// etag and ifMatch carry an item's version through HTTP.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the expected version. With required, a missing header is
// a 428: a full or partial update must say which version it changes.
func ifMatch(c echo.Context, required bool) (int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		if required {
			return 0, newProblem(http.StatusPreconditionRequired, "precondition-required",
				"send If-Match with the ETag you read, so that concurrent edits cannot overwrite each other")
		}
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, badRequest("bad-if-match", "If-Match must be an ETag as returned by this service, like \"3\"")
	}
	return v, nil
}
