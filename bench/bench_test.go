package bench

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/store"
)

// TestRunSmall runs the whole measurement on a small catalogue, so that the
// benchmark command cannot rot; the figures themselves come from
// `massanzug bench`.
func TestRunSmall(t *testing.T) {
	r, err := Run(context.Background(), t.TempDir(), 600, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Entries != 600 || r.Queries == 0 || r.ImportPerSec <= 0 || r.SearchP99 <= 0 || r.ScanP99 <= 0 || r.MemScanP99 <= 0 {
		t.Errorf("result %+v", r)
	}
	if f := r.Referral; f.Referrals != 1200 || f.CreateP99 <= 0 || f.MatchP99 <= 0 || f.MatchBaseP99 <= 0 || f.ReportP50 <= 0 {
		t.Errorf("referral figures %+v", f)
	}
	if len(r.Referral.Pages) < 15 {
		t.Errorf("only %d screens timed", len(r.Referral.Pages))
	}
	for _, p := range r.Referral.Pages {
		if p.P50 <= 0 || p.KB <= 0 {
			t.Errorf("screen %+v", p)
		}
	}
	// The scans are the floor only if they answer what the index answers.
	for _, d := range r.Disagreements {
		t.Error(d)
	}
}

// BenchmarkSearch times the mixed queries as a case manager:
// go test ./bench -run XXX -bench Search -benchtime 200x
func BenchmarkSearch(b *testing.B) {
	svc, ix, _ := openCatalogue(b)
	qs := mixedQueries()
	p := access.Principal{Role: access.RoleCaseManager}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Search(context.Background(), p, ix, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEachQuery times each query of the mixed set on its own.
func BenchmarkEachQuery(b *testing.B) {
	svc, ix, _ := openCatalogue(b)
	for i, q := range mixedQueries() {
		for _, p := range []access.Principal{{Role: access.RoleCaseManager}, staff} {
			b.Run(string(p.Role)+"-"+string(rune('a'+i)), func(b *testing.B) {
				for j := 0; j < b.N; j++ {
					if _, err := svc.Search(context.Background(), p, ix, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// openCatalogue opens a catalogue of 10,000 entries, or the one in
// MASSANZUG_BENCH_DIR (made by an earlier run with MASSANZUG_BENCH_ENTRIES
// entries) to study larger sizes.
func openCatalogue(b *testing.B) (*catalogue.Service, *index.Index, *store.DB) {
	ctx := context.Background()
	dir := os.Getenv("MASSANZUG_BENCH_DIR")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		n := 10_000
		if s := os.Getenv("MASSANZUG_BENCH_ENTRIES"); s != "" {
			n, _ = strconv.Atoi(s)
		}
		if _, err := Run(ctx, dir, n, quiet); err != nil {
			b.Fatal(err)
		}
	}
	db, err := store.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := index.Open(ctx, dir, db, quiet)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close(); db.Close() })
	return catalogue.NewService(db), ix, db
}

// BenchmarkMatch times case profiles one after another, the matcher loaded.
func BenchmarkMatch(b *testing.B) {
	svc, ix, db := openCatalogue(b)
	m := matching.New(svc, db, ix, matching.DefaultWeights(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t0 := time.Now()
	if err := m.Warm(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("matching pool loaded in %s", time.Since(t0))
	g := &generator{rng: rand.New(rand.NewPCG(3, 4))}
	if err := g.load(context.Background(), svc); err != nil {
		b.Fatal(err)
	}
	cases := g.cases(100)
	p := access.Principal{Role: access.RoleCaseManager}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := m.Match(context.Background(), p, cases[i%len(cases)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99-ms")
}
