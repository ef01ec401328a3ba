package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"massanzug/access"
	"massanzug/api"
	"massanzug/catalogue"
	"massanzug/gap"
	"massanzug/index"
	"massanzug/internal/testbackend"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/transfer"
)

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// loadSpec parses openapi.yaml once for all tests.
func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		// The service's CSV is separated by ";" (German Excel), which the
		// validator's own CSV reader does not know; the spec types it as a
		// string. An XLSX is a file.
		openapi3filter.RegisterBodyDecoder("text/csv", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
		openapi3filter.RegisterBodyDecoder(transfer.XLSXType, openapi3filter.FileBodyDecoder)
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromFile("../openapi.yaml")
		if specErr != nil {
			return
		}
		if specErr = specDoc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = legacy.NewRouter(specDoc)
	})
	if specErr != nil {
		t.Fatalf("openapi.yaml: %v", specErr)
	}
	return specDoc, specRouter
}

// env is a running service on a fresh SQLite database in a temp folder,
// with one token per role. Every request made through do is checked
// against openapi.yaml.
type env struct {
	t      testing.TB
	dir    string
	db     backend
	ix     *index.Index
	svc    *catalogue.Service
	rs     *referral.Service
	h      http.Handler
	tokens map[string]string
	// the ids of the tokens, by the same keys
	tokenIDs map[string]string
	// two providers, each with a traeger token ("traeger", "traeger2")
	provider, provider2 string

	mu  sync.Mutex
	now time.Time
}

// backend is every store of the service, on SQLite or PostgreSQL, and a
// look inside.
type backend = testbackend.Store

// testLog keeps warnings for a failing package (go test shows output only
// then), so that what went wrong in the service is seen beside the test.
var testLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvIn(t, t.TempDir())
}

// newEnvIn is newEnv on a data folder of the caller's.
func newEnvIn(t testing.TB, dir string) *env {
	t.Helper()
	e := &env{t: t, dir: dir, tokens: map[string]string{}, tokenIDs: map[string]string{}, now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	e.open()
	ctx := context.Background()
	staff := access.Principal{Role: access.RoleAdmin, TokenID: "setup"}
	p1, err := e.svc.CreateProvider(ctx, staff, catalogue.ProviderInput{Name: "AG West e.V.", Districts: []string{"weststadt-soeflingen"}})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.svc.CreateProvider(ctx, staff, catalogue.ProviderInput{Name: "Caritas"})
	if err != nil {
		t.Fatal(err)
	}
	e.provider, e.provider2 = p1.ID, p2.ID
	for key, grant := range map[string]struct {
		role     access.Role
		provider string
	}{
		"admin": {access.RoleAdmin, ""}, "rm": {access.RoleResourceManager, ""}, "fm": {access.RoleCaseManager, ""},
		"traeger": {access.RoleProvider, p1.ID}, "traeger2": {access.RoleProvider, p2.ID},
	} {
		plain, tok, err := access.Issue(ctx, e.db, "test "+key, grant.role, grant.provider, e.clock())
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[key], e.tokenIDs[key] = plain, tok.ID
	}
	e.tokens["bad"] = "mz_0123456789abcdef_" + strings.Repeat("0", 48)
	return e
}

// open (re)opens the database and builds the handler, as a start would.
func (e *env) open() {
	e.t.Helper()
	ctx := context.Background()
	// On PostgreSQL the folder's database: the same again when reopened.
	db := testbackend.Open(e.t, e.dir)
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		e.t.Fatal(err)
	}
	ix, err := index.Open(ctx, e.dir, db, testLog)
	if err != nil {
		e.t.Fatal(err)
	}
	e.db, e.ix = db, ix
	e.svc = catalogue.NewService(db, catalogue.WithClock(e.clock), catalogue.WithLogger(testLog), catalogue.WithIndexer(ix))
	// Tests send many bad tokens from one address on purpose; the throttle
	// has a test of its own (TestFailedLoginsAreThrottled).
	rs, err := referral.Open(ctx, db, e.svc, testLog)
	if err != nil {
		e.t.Fatal(err)
	}
	e.rs = rs
	e.h = api.New(e.domain(matching.New(e.svc, db, ix, matching.DefaultWeights(), testLog, matching.WithPlacements(rs))), testLog,
		api.WithAuthThrottle(1_000_000, time.Minute))
	e.t.Cleanup(func() { ix.Close(); db.Close() })
}

// domain is the env's services around matcher m.
func (e *env) domain(m *matching.Matcher) api.Domain {
	return api.Domain{Catalogue: e.svc, Search: e.ix, Matcher: m, Referrals: e.rs, Reports: report.New(e.db, e.svc, e.rs, 12), Gaps: gap.New(e.db, e.svc)}
}

// restart closes the database and opens it again.
func (e *env) restart() {
	e.t.Helper()
	if err := e.ix.Close(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) object(t testing.TB) map[string]any {
	var m map[string]any
	r.decode(t, &m)
	return m
}

// req describes a request; Body may be a string (sent as is) or anything
// else (sent as JSON).
type req struct {
	Who     string
	Method  string
	Path    string
	Body    any
	Headers map[string]string
	// Unavailable allows 503 and 507 (a full disk, a busy service): the
	// answers a client may retry. Every other 5xx fails the test.
	Unavailable bool
}

// do sends r and checks the exchange against the contract: the operation
// must be documented, a request expected to succeed must match its schema,
// and every response must match the documented status and schema.
func (e *env) do(r req) resp {
	e.t.Helper()
	var body []byte
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	mk := func() *http.Request {
		hr := httptest.NewRequest(r.Method, r.Path, bytes.NewReader(body))
		if body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		if tok, ok := e.tokens[r.Who]; ok {
			hr.Header.Set("Authorization", "Bearer "+tok)
		}
		for k, v := range r.Headers {
			hr.Header.Set(k, v)
		}
		return hr
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, mk())
	out := resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if out.Status >= 500 && !(r.Unavailable && (out.Status == 503 || out.Status == 507)) {
		e.t.Fatalf("%s %s: server error %d: %s", r.Method, r.Path, out.Status, out.Body)
	}
	e.checkContract(mk(), out, body)
	return out
}

func (e *env) checkContract(hr *http.Request, out resp, reqBody []byte) {
	e.t.Helper()
	_, router := loadSpec(e.t)
	hr.URL.Scheme, hr.URL.Host, hr.Host = "http", "127.0.0.1:8080", "127.0.0.1:8080" // the spec's server
	route, params, err := router.FindRoute(hr)
	if err != nil {
		if out.Status == http.StatusNotFound || out.Status == http.StatusMethodNotAllowed || out.Status == http.StatusUnauthorized {
			return // an undocumented path is refused, as it should be
		}
		e.t.Fatalf("%s %s answered %d but is not in openapi.yaml: %v", hr.Method, hr.URL, out.Status, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route, Options: opts}
	if out.Status < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			e.t.Errorf("%s %s: request does not match openapi.yaml: %v", hr.Method, hr.URL, err)
		}
	}
	rv := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: out.Status, Header: out.Header,
		Body: io.NopCloser(bytes.NewReader(out.Body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
		e.t.Errorf("%s %s → %d: response does not match openapi.yaml: %v\nbody: %s", hr.Method, hr.URL, out.Status, err, out.Body)
	}
	if out.Status < 300 && strings.HasPrefix(out.Header.Get("Content-Type"), "application/json") {
		// Answers' schemas take unknown fields; the service sends none.
		if r := route.Operation.Responses.Value(strconv.Itoa(out.Status)); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				var v any
				if json.Unmarshal(out.Body, &v) == nil {
					if bad := undocumented(mt.Schema.Value, v); len(bad) > 0 {
						e.t.Errorf("%s %s → %d: fields not in openapi.yaml: %v", hr.Method, hr.URL, out.Status, bad)
					}
				}
			}
		}
	}
	recordExample(route.Method, route.Path, out, reqBody, hr.Header.Get("Content-Type"))
}

// recordExample keeps the first JSON answer of each operation and status
// in the file MASSANZUG_RECORD_EXAMPLES names, one JSON object a line: the
// source of openapi.yaml's examples (see api/testdata/examples.py).
func recordExample(method, path string, out resp, reqBody []byte, reqType string) {
	file := os.Getenv("MASSANZUG_RECORD_EXAMPLES")
	if file == "" || out.Status >= 300 {
		return
	}
	rec := map[string]any{"method": method, "path": path, "status": out.Status}
	if strings.HasPrefix(out.Header.Get("Content-Type"), "application/json") {
		rec["body"] = json.RawMessage(out.Body)
	}
	if len(reqBody) > 0 && strings.HasPrefix(reqType, "application/json") && json.Valid(reqBody) {
		rec["request"] = json.RawMessage(reqBody)
	}
	recordMu.Lock()
	defer recordMu.Unlock()
	key := method + " " + path + " " + strconv.Itoa(out.Status)
	if recorded[key] {
		return
	}
	recorded[key] = true
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	line, _ := json.Marshal(rec)
	f.Write(append(line, '\n'))
}

var (
	recordMu sync.Mutex
	recorded = map[string]bool{}
)

// counts is a fingerprint of everything a write could change.
func (e *env) counts() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{"entries", "entry_districts", "entry_help_kinds", "providers", "terms", "districts", "tokens"} {
		n, err := e.db.CountRows(context.Background(), q)
		if err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%d ", q, n)
	}
	return b.String()
}

// Fixtures --------------------------------------------------------------

func volunteerInput() map[string]any {
	return map[string]any{
		"name": "Ayşe Yılmaz", "contact": map[string]any{"email": "ayse@example.org", "phone": "0176 1234567"},
		"home":      map[string]any{"district": "weststadt-soeflingen", "quarter": "Weststadt", "lat": 48.399, "lon": 9.974},
		"districts": []string{"weststadt-soeflingen"}, "help_kinds": []string{"einkaufshilfe", "kinderbetreuung"},
		"target_groups": []string{"alleinerziehende"},
		"languages":     []map[string]any{{"code": "tr", "level": "native"}, {"code": "de", "level": "fluent"}},
		"availability":  []map[string]any{{"day": "tue", "from": "14:00", "to": "17:00"}},
		"capacity":      2, "load": 1, "mobility": []string{"public_transport"}, "gender": "female", "birth_year": 1985,
		"life_experience": "War selbst alleinerziehend.", "interests": "Kochen",
		"police_certificate": map[string]any{"seen_on": "2025-02-01", "issued_on": "2025-01-15", "valid_until": "2030-01-14", "clear": true},
		"consent":            map[string]any{"given_on": "2025-01-10"},
	}
}

func helpInput() map[string]any {
	return map[string]any{
		"name": "Organisierte Nachbarschaftshilfe Eselsberg", "description": "Nachbarn helfen Nachbarn.",
		"coordinator": map[string]any{"name": "Petra Keller", "phone": "0731 123456"},
		"districts":   []string{"eselsberg"}, "quarters": []string{"Eselsberg"},
		"help_kinds": []string{"einkaufshilfe", "besuchsdienst"}, "languages": []string{"de", "ru"}, "capacity": 20, "load": 3, "cost_per_hour": 8.5,
	}
}

func offerInput(provider string) map[string]any {
	m := map[string]any{
		"name": "Canapé Café", "description": "Offenes Stadtteilcafé.", "category": "cafe_treffpunkt",
		"help_kinds": []string{"begegnung"}, "target_groups": []string{"familien"}, "districts": []string{"weststadt-soeflingen"},
		"address":       map[string]any{"street": "Söflinger Straße 12", "postal_code": "89077", "city": "Ulm"},
		"location":      map[string]any{"district": "weststadt-soeflingen", "quarter": "Weststadt"},
		"opening_times": "Di–Fr 9–17 Uhr", "accessible": true, "languages": []string{"de", "tr"},
		"eligibility": map[string]any{"min_age": 0, "max_age": 99}, "cost_eur": 0,
	}
	if provider != "" {
		m["provider_id"] = provider
	}
	return m
}

// create posts body as who and returns the new id, failing unless 201.
func (e *env) create(who, path string, body any) string {
	e.t.Helper()
	r := e.do(req{Who: who, Method: "POST", Path: path, Body: body})
	if r.Status != http.StatusCreated {
		e.t.Fatalf("POST %s as %s: %d %s", path, who, r.Status, r.Body)
	}
	return r.object(e.t)["id"].(string)
}

// onPostgres reports whether the suite runs on PostgreSQL
// (MASSANZUG_TEST_BACKEND=postgres, as .ci/run's second run of it sets):
// every env then gets a fresh database of one throw-away cluster.
func onPostgres() bool { return testbackend.OnPostgres() }

// needsSQLite skips a test of what only the SQLite store does (files in
// the data folder, its backup, its full disk).
func (e *env) needsSQLite(why string) {
	if onPostgres() {
		e.t.Skip("SQLite only: " + why)
	}
}

func TestMain(m *testing.M) { testbackend.Main(m) }
