package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"massanzug/access"
	"massanzug/api"
	"massanzug/catalogue"
	"massanzug/gap"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
)

// LoadResult holds the figures of a mixed load over HTTP.
type LoadResult struct {
	Entries, Writers, Readers int
	Duration                  time.Duration
	Writes, Reads             int
	WriteP50, WriteP99        time.Duration
	SearchP50, SearchP99      time.Duration
	MatchP50, MatchP99        time.Duration
	ListP50, ListP99          time.Duration
	Errors                    int
	ErrorSamples              []string
}

// RunLoad builds a catalogue of n entries in dir and serves it over HTTP
// on a loopback port, then runs writers (each creating volunteers, one
// after another) and readers (searches, matches and the staff's volunteer
// list in turn) against it for d. Only 127.0.0.1 is ever a target.
func RunLoad(ctx context.Context, dir string, n, writers, readers int, d time.Duration, log *slog.Logger) (LoadResult, error) {
	g, _, err := build(ctx, dir, n, log)
	if err != nil {
		return LoadResult{}, err
	}
	db, err := store.Open(ctx, dir)
	if err != nil {
		return LoadResult{}, err
	}
	defer db.Close()
	return loadOn(ctx, db, dir, g, n, writers, readers, d, log)
}

// loadOn serves the catalogue of db (its index in dir) and runs the mixed
// load against it.
func loadOn(ctx context.Context, db Backend, dir string, g *generator, n, writers, readers int, d time.Duration, log *slog.Logger) (LoadResult, error) {
	res := LoadResult{Entries: n, Writers: writers, Readers: readers, Duration: d}
	ix, err := index.Open(ctx, dir, db, log)
	if err != nil {
		return res, err
	}
	defer ix.Close()
	svc := catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithLogger(log))
	rs, err := referral.Open(ctx, db, svc, log)
	if err != nil {
		return res, err
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), log, matching.WithPlacements(rs))
	if err := m.Warm(ctx); err != nil {
		return res, err
	}
	admin := access.Principal{TokenID: "bench", Role: access.RoleAdmin}
	rm, _, err := svc.IssueToken(ctx, admin, "Last RM", access.RoleResourceManager, "")
	if err != nil {
		return res, err
	}
	fm, _, err := svc.IssueToken(ctx, admin, "Last FM", access.RoleCaseManager, "")
	if err != nil {
		return res, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	srv := &http.Server{Handler: api.New(api.Domain{Catalogue: svc, Search: ix, Matcher: m, Referrals: rs, Reports: report.New(db, svc, rs, 12), Gaps: gap.New(db, svc)}, log), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	defer srv.Shutdown(context.WithoutCancel(ctx)) // waits for the requests in flight
	base := "http://" + l.Addr().String()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: writers + readers}}

	// Bodies made ahead, so that the clients spend no time on them.
	var bodies [][]byte
	for _, row := range g.rows(catalogue.KindVolunteer, 500) {
		b, err := json.Marshal(row.Input)
		if err != nil {
			return res, err
		}
		bodies = append(bodies, b)
	}
	var cases [][]byte
	for _, c := range g.cases(200) {
		b, _ := json.Marshal(c)
		cases = append(cases, b)
	}
	var searches []string
	for _, q := range mixedQueries() {
		searches = append(searches, "/v1/search?"+searchParams(q).Encode())
	}

	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	record := func(kind string, d time.Duration, status int, want int, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		if status != want {
			res.Errors++
			if len(res.ErrorSamples) < 5 {
				res.ErrorSamples = append(res.ErrorSamples, fmt.Sprintf("%s: %d %.200s", kind, status, body))
			}
			return
		}
		lat[kind] = append(lat[kind], d)
	}
	do := func(method, path, token string, body []byte) (int, []byte, time.Duration) {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		t0 := time.Now()
		r, err := client.Do(req)
		if err != nil {
			return 0, []byte(err.Error()), time.Since(t0)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		return r.StatusCode, b, time.Since(t0)
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline); i += writers {
				status, b, took := do("POST", "/v1/volunteers", rm, bodies[i%len(bodies)])
				record("write", took, status, http.StatusCreated, b)
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for i := r; time.Now().Before(deadline); i++ {
				switch i % 3 {
				case 0:
					status, b, took := do("GET", searches[i%len(searches)], []string{fm, rm}[i%2], nil)
					record("search", took, status, http.StatusOK, b)
				case 1:
					status, b, took := do("POST", "/v1/match", fm, cases[i%len(cases)])
					record("match", took, status, http.StatusOK, b)
				default:
					status, b, took := do("GET", "/v1/volunteers?limit=50&offset="+strconv.Itoa(50*(i%20)), rm, nil)
					record("list", took, status, http.StatusOK, b)
				}
			}
		})
	}
	wg.Wait()
	res.Writes = len(lat["write"])
	res.Reads = len(lat["search"]) + len(lat["match"]) + len(lat["list"])
	res.WriteP50, res.WriteP99 = percentile(lat["write"], 50), percentile(lat["write"], 99)
	res.SearchP50, res.SearchP99 = percentile(lat["search"], 50), percentile(lat["search"], 99)
	res.MatchP50, res.MatchP99 = percentile(lat["match"], 50), percentile(lat["match"], 99)
	res.ListP50, res.ListP99 = percentile(lat["list"], 50), percentile(lat["list"], 99)
	return res, nil
}

// searchParams writes a search as the query of GET /v1/search.
func searchParams(q catalogue.SearchQuery) url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	set("q", q.Text)
	set("district", q.District)
	set("quarter", q.Quarter)
	set("help_kind", q.HelpKind)
	set("target_group", q.TargetGroup)
	set("language", q.Language)
	set("near_quarter", q.NearQuarter)
	set("sort", q.Sort)
	var kinds []string
	for _, k := range q.Kinds {
		kinds = append(kinds, string(k))
	}
	set("kind", strings.Join(kinds, ","))
	if q.RadiusKM > 0 {
		v.Set("radius_km", strconv.FormatFloat(q.RadiusKM, 'f', -1, 64))
	}
	if q.Accessible != nil {
		v.Set("accessible", strconv.FormatBool(*q.Accessible))
	}
	v.Set("facets", strconv.FormatBool(q.Facets))
	v.Set("limit", strconv.Itoa(q.Limit))
	v.Set("offset", strconv.Itoa(q.Offset))
	return v
}

// ReportLoad writes the load figures as a Markdown table.
func ReportLoad(w io.Writer, r LoadResult) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintf(w, "Mixed load on %d entries for %s: %d writers, %d readers (loopback HTTP)\n\n", r.Entries, r.Duration, r.Writers, r.Readers)
	fmt.Fprintln(w, "| writes | write p50 | write p99 | reads | search p50 | search p99 | match p50 | match p99 | staff list p50 | p99 | errors |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	fmt.Fprintf(w, "| %d | %s | %s | %d | %s | %s | %s | %s | %s | %s | %d |\n", r.Writes, ms(r.WriteP50), ms(r.WriteP99), r.Reads,
		ms(r.SearchP50), ms(r.SearchP99), ms(r.MatchP50), ms(r.MatchP99), ms(r.ListP50), ms(r.ListP99), r.Errors)
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(w, "\nERROR: %s\n", e)
	}
}
