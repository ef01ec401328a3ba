package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"massanzug/api"
	"massanzug/catalogue"
	"massanzug/matching"
)

// TestSecurityHeaders: every answer forbids sniffing and caching, the
// personal data answers included.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	id := e.create("rm", "/v1/volunteers", volunteerInput())
	for _, r := range []req{
		{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id},
		{Who: "rm", Method: "GET", Path: "/v1/volunteers"},
		{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id + "/personal-data"},
		{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer"},
		{Who: "fm", Method: "GET", Path: "/v1/search?q=Einkauf"},
		{Who: "fm", Method: "GET", Path: "/v1/volunteers/vol_0000000000000000"},
		{Who: "bad", Method: "GET", Path: "/v1/taxonomy"},
		{Method: "GET", Path: "/healthz"},
	} {
		got := e.do(r)
		if got.Header.Get("X-Content-Type-Options") != "nosniff" || got.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s → %d: headers %v", r.Method, r.Path, got.Status, got.Header)
		}
	}
}

// TestFailedLoginsAreThrottled: after 10 failed authentications in a
// minute an address gets 429 with Retry-After, even with a good token,
// and a warning is logged; other addresses are not affected.
func TestFailedLoginsAreThrottled(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) }), nil))
	h := api.New(e.domain(matching.New(e.svc, e.db, e.ix, matching.DefaultWeights(), log)), log)
	send := func(addr, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/v1/taxonomy", nil)
		r.RemoteAddr = addr + ":4711"
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 10 {
		if w := send("127.0.0.7", e.tokens["bad"]); w.Code != 401 {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	w := send("127.0.0.7", e.tokens["fm"])
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("11th attempt: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if w := send("127.0.0.8", e.tokens["fm"]); w.Code != 200 {
		t.Errorf("another address: %d", w.Code)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "throttled") || strings.Contains(logs.String(), e.tokens["bad"]) {
		t.Errorf("log: %s", logs.String())
	}
}

// TestOverloadAnswers503AtOnce: beyond the requests in flight the
// service answers 503 with Retry-After at once, instead of queueing.
func TestOverloadAnswers503AtOnce(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	block := &blockingSearcher{release: release, started: make(chan struct{}, 2)}
	h := api.New(api.Domain{Catalogue: e.svc, Search: block, Matcher: matching.New(e.svc, e.db, e.ix, matching.DefaultWeights(), testLog), Referrals: e.rs}, testLog, api.WithMaxInFlight(2))
	get := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", "Bearer "+e.tokens["fm"])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { get("/v1/search?q=x") })
	}
	<-block.started
	<-block.started
	start := time.Now()
	w := get("/v1/taxonomy")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" || time.Since(start) > time.Second {
		t.Errorf("third request: %d %v after %s", w.Code, w.Header(), time.Since(start))
	}
	close(release)
	wg.Wait()
	if w := get("/v1/taxonomy"); w.Code != 200 {
		t.Errorf("after the load: %d", w.Code)
	}
}

// TestAbandonedRequestIsNoServerError: a request whose client went away
// is logged as abandoned, not as an error.
func TestAbandonedRequestIsNoServerError(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := api.New(e.domain(matching.New(e.svc, e.db, e.ix, matching.DefaultWeights(), log)), log)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/v1/volunteers", nil).WithContext(ctx)
	r.Header.Set("Authorization", "Bearer "+e.tokens["rm"])
	h.ServeHTTP(httptest.NewRecorder(), r)
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "abandoned") {
		t.Errorf("log of an abandoned request: %s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// blockingSearcher holds every search until released.
type blockingSearcher struct {
	release chan struct{}
	started chan struct{}
}

func (b *blockingSearcher) Search(ctx context.Context, q catalogue.SearchQuery, sc catalogue.Scope) (catalogue.SearchResult, error) {
	b.started <- struct{}{}
	<-b.release
	return catalogue.SearchResult{Items: []catalogue.SearchHit{}, Facets: map[string][]catalogue.FacetCount{}}, nil
}
