package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"massanzug/backend"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/pgstore"
	"massanzug/store"
)

// Backend is a store of the whole service: SQLite or PostgreSQL.
type Backend = backend.Store

// BackendResult holds the figures of one backend on the same generated
// catalogue.
type BackendResult struct {
	Backend              string
	Entries              int
	Import               time.Duration
	ImportPerSec         float64
	SearchP50, SearchP99 time.Duration
	MatchP50, MatchP99   time.Duration
	Load                 LoadResult
	// Propagation: from a write's arrival in the views of the instance
	// that made it (right after its commit) to its arrival in those of a
	// second instance on the same database (PostgreSQL only).
	Propagated                     int
	PropagationP50, PropagationP99 time.Duration
}

// RunBackends measures the same catalogue of n entries (the generator is
// seeded: the same rows) on SQLite and on the PostgreSQL database of dsn
// (empty): import, search, match, the mixed load, and the propagation
// between two instances on PostgreSQL.
func RunBackends(ctx context.Context, dir string, n int, dsn string, writers, readers int, d time.Duration, log *slog.Logger) ([]BackendResult, error) {
	for _, d := range []string{"sqlite", "postgres-a", "postgres-b"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, err
		}
	}
	sq, err := store.Open(ctx, filepath.Join(dir, "sqlite"))
	if err != nil {
		return nil, err
	}
	defer sq.Close()
	lite, err := measureOn(ctx, "SQLite", sq, filepath.Join(dir, "sqlite"), n, writers, readers, d, log)
	if err != nil {
		return nil, fmt.Errorf("SQLite: %w", err)
	}
	pg, err := pgstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer pg.Close()
	dirA := filepath.Join(dir, "postgres-a")
	post, err := measureOn(ctx, "PostgreSQL", pg, dirA, n, writers, readers, d, log)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	if err := propagation(ctx, &post, pg, dsn, dirA, filepath.Join(dir, "postgres-b"), log); err != nil {
		return nil, fmt.Errorf("propagation: %w", err)
	}
	return []BackendResult{lite, post}, nil
}

func measureOn(ctx context.Context, name string, db Backend, dir string, n, writers, readers int, d time.Duration, log *slog.Logger) (BackendResult, error) {
	res := BackendResult{Backend: name, Entries: n}
	g, took, err := buildOn(ctx, db, dir, n, log)
	if err != nil {
		return res, err
	}
	res.Import, res.ImportPerSec = took, float64(n)/took.Seconds()
	ix, err := index.Open(ctx, dir, db, log)
	if err != nil {
		return res, err
	}
	svc := catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithLogger(log))
	roles := caseAndStaff()
	var lat []time.Duration
	queries := mixedQueries()
	for round := 0; round < 20; round++ {
		for i, q := range queries {
			t0 := time.Now()
			if _, err := svc.Search(ctx, roles[i%2], ix, q); err != nil {
				ix.Close()
				return res, fmt.Errorf("query %d: %w", i, err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	res.SearchP50, res.SearchP99 = percentile(lat, 50), percentile(lat, 99)
	m := matching.New(svc, db, ix, matching.DefaultWeights(), log)
	if err := m.Warm(ctx); err != nil {
		ix.Close()
		return res, err
	}
	lat = lat[:0]
	for _, c := range g.cases(200) {
		t0 := time.Now()
		if _, err := m.Match(ctx, roles[0], c); err != nil {
			ix.Close()
			return res, err
		}
		lat = append(lat, time.Since(t0))
	}
	res.MatchP50, res.MatchP99 = percentile(lat, 50), percentile(lat, 99)
	ix.Close()
	if res.Load, err = loadOn(ctx, db, dir, g, n, writers, readers, d, log); err != nil {
		return res, err
	}
	return res, nil
}

// arrivals is a derived view that notes when each entry reaches it.
type arrivals struct {
	mu   sync.Mutex
	at   map[string]time.Time
	wait map[string]chan struct{}
}

func (a *arrivals) PutMany(_ context.Context, rs []catalogue.Record) error {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range rs {
		if _, ok := a.at[r.ID]; !ok {
			a.at[r.ID] = now
			if ch := a.wait[r.ID]; ch != nil {
				close(ch)
			}
		}
	}
	return nil
}

func (a *arrivals) Delete(context.Context, string, int64) error { return nil }

// propagation runs a second instance B on the database A wrote (its own
// pool, its own index: a copy of A's folder, as a new instance would be
// seeded), then writes volunteers on A one at a time and notes when each
// reaches B's search index, which B learns of by LISTEN/NOTIFY and reads
// by change number.
func propagation(ctx context.Context, res *BackendResult, a *pgstore.DB, dsn, dirA, dirB string, log *slog.Logger) error {
	if out, err := exec.Command("cp", "-a", filepath.Join(dirA, index.DirName), dirB).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the index: %v: %s", err, out)
	}
	b, err := pgstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer b.Close()
	ixA, err := index.Open(ctx, dirA, a, log)
	if err != nil {
		return err
	}
	defer ixA.Close()
	ixB, err := index.Open(ctx, dirB, b, log)
	if err != nil {
		return err
	}
	defer ixB.Close()
	// Both instances note when a change reaches their views: on A right
	// after its commit (the write waits for it), on B once B learnt of it
	// and read it. The difference is the propagation.
	origin := &arrivals{at: map[string]time.Time{}, wait: map[string]chan struct{}{}}
	svcA := catalogue.NewService(a, catalogue.WithIndexer(ixA), catalogue.WithIndexer(origin), catalogue.WithLogger(log))
	seen := &arrivals{at: map[string]time.Time{}, wait: map[string]chan struct{}{}}
	svcB := catalogue.NewService(b, catalogue.WithIndexer(ixB), catalogue.WithIndexer(seen), catalogue.WithLogger(log))
	wctx, stop := context.WithCancel(ctx)
	watching := make(chan error, 1)
	go func() {
		watching <- b.Watch(wctx, log, func(topic string) {
			if err := svcB.OthersWrote(wctx, topic); err != nil && wctx.Err() == nil {
				log.Warn("instance B", "err", err)
			}
		})
	}()
	defer func() { stop(); <-watching }()
	g, err := newGenerator(ctx, svcA)
	if err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond) // B listens
	var lat []time.Duration
	for _, row := range g.rows(catalogue.KindVolunteer, 300) {
		rep, err := svcA.Import(ctx, staff, catalogue.KindVolunteer, []catalogue.ImportRow{row}, catalogue.ImportOptions{AllowDuplicates: true})
		if err != nil || len(rep.CreatedIDs) != 1 {
			return fmt.Errorf("write on A: %v %+v", err, rep.Errors)
		}
		id := rep.CreatedIDs[0]
		origin.mu.Lock()
		committed := origin.at[id]
		origin.mu.Unlock()
		seen.mu.Lock()
		ch := make(chan struct{})
		if _, ok := seen.at[id]; ok {
			close(ch)
		} else {
			seen.wait[id] = ch
		}
		seen.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("%s written on A did not reach B in 10 s", id)
		}
		seen.mu.Lock()
		lat = append(lat, seen.at[id].Sub(committed))
		seen.mu.Unlock()
		time.Sleep(10 * time.Millisecond) // a write now and then, not a flood
	}
	res.Propagated = len(lat)
	res.PropagationP50, res.PropagationP99 = percentile(lat, 50), percentile(lat, 99)
	return nil
}

// ReportBackends writes the comparison as a Markdown table.
func ReportBackends(w io.Writer, rs []BackendResult) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintln(w, "| backend | entries | import | import/s | search p50 | search p99 | match p50 | match p99 | load: writes | write p50 | write p99 | search p99 | match p99 | errors | propagation p50 | p99 |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		prop := []string{"–", "–"}
		if r.Propagated > 0 {
			prop = []string{ms(r.PropagationP50), ms(r.PropagationP99)}
		}
		fmt.Fprintf(w, "| %s | %d | %.1f s | %.0f | %s | %s | %s | %s | %d | %s | %s | %s | %s | %d | %s |\n", r.Backend, r.Entries,
			r.Import.Seconds(), r.ImportPerSec, ms(r.SearchP50), ms(r.SearchP99), ms(r.MatchP50), ms(r.MatchP99),
			r.Load.Writes, ms(r.Load.WriteP50), ms(r.Load.WriteP99), ms(r.Load.SearchP99), ms(r.Load.MatchP99), r.Load.Errors, strings.Join(prop, " | "))
	}
	for _, r := range rs {
		for _, e := range r.Load.ErrorSamples {
			fmt.Fprintf(w, "\nERROR (%s): %s\n", r.Backend, e)
		}
	}
}
