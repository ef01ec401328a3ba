package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"massanzug/api"
	"massanzug/matching"
)

// TestCreatedHasLocation: a created resource answers where it lives.
func TestCreatedHasLocation(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: volunteerInput()})
	id, _ := r.object(t)["id"].(string)
	if r.Status != http.StatusCreated || r.Header.Get("Location") != "/v1/volunteers/"+id {
		t.Fatalf("create: %d, Location %q for %s", r.Status, r.Header.Get("Location"), id)
	}
	if got := e.do(req{Who: "rm", Method: "GET", Path: r.Header.Get("Location")}); got.Status != http.StatusOK {
		t.Errorf("the Location does not lead to it: %d", got.Status)
	}
	if r := e.do(req{Who: "rm", Method: "PUT", Path: "/v1/synonyms/Quartierstreff", Body: map[string]any{"means": "Begegnung"}}); r.Header.Get("Location") != "/v1/synonyms/Quartierstreff" {
		t.Errorf("synonym: Location %q", r.Header.Get("Location"))
	}
}

// syncBuffer is a log sink the server writes to from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRequestLog: every answer carries a request id, the log line of it
// names the id, the route, the entity and the token, never the search
// text; a failed authentication is a warning.
func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := api.New(e.domain(matching.New(e.svc, e.db, e.ix, matching.DefaultWeights(), testLog)), log, api.WithAuthThrottle(1_000_000, time.Minute))
	send := func(path, token, requestID string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "Bearer "+token)
		if requestID != "" {
			r.Header.Set("X-Request-ID", requestID)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send("/v1/search?q=Geheimwort", e.tokens["fm"], "")
	id := w.Header().Get("X-Request-ID")
	if w.Code != http.StatusOK || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Fatalf("search: %d, request id %q", w.Code, id)
	}
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	if got := send("/v1/volunteers/"+vol, e.tokens["rm"], "client-chosen-42").Header().Get("X-Request-ID"); got != "client-chosen-42" {
		t.Errorf("the client's request id: %q", got)
	}
	if got := send("/v1/districts", e.tokens["rm"], "bad id with spaces").Header().Get("X-Request-ID"); got == "bad id with spaces" {
		t.Error("a request id that is no plain token is kept")
	}
	send("/v1/districts", e.tokens["bad"], "")
	out := logs.String()
	for _, want := range []string{
		"request_id=" + id, "route=/v1/search", "route=/v1/volunteers/:id", "entity=" + vol, "token=" + e.tokenIDs["fm"],
		"level=WARN msg=\"failed authentication\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Geheimwort") {
		t.Errorf("a search text reached the log:\n%s", out)
	}
}
