package catalogue

import (
	"context"
	"fmt"
	"massanzug/progress"
	"sync"
	"time"
)

// Committed writes reach the derived views (search index, matcher) in the
// order of their change numbers, and before the write returns, so that an
// acknowledged change is found by the next search. The store commits
// writes in groups (one fsync for many); the views are fed the same way:
// one goroutine applies every change committed so far, in change order, in
// one batch per view, while the writers wait for their own change number.
// No lock is held across the store's write, so writes queue only where
// the disk makes them. Changes another instance committed to the same
// store have no writer here: the applier reads them from the store, in
// change order, when a number it waits for does not come or when told of
// them (poke, see instances.go).

type applier struct {
	s *Service

	startMu sync.Mutex
	started bool

	mu      sync.Mutex
	cond    *sync.Cond
	next    int64 // the next change number to take for applying
	applied int64 // every change up to this one is applied
	pending map[int64]Change
	// stale: the store may hold changes no writer of this service handed
	// over (another instance wrote them); they are read from the store.
	stale   bool
	running bool
	views   []Indexer

	// applyMu is held while changes are applied to the views, and by
	// CatchUp, so that a view is never fed from two places at once.
	applyMu sync.Mutex
}

func newApplier(s *Service, views []Indexer) *applier {
	a := &applier{s: s, pending: map[int64]Change{}, views: views}
	a.cond = sync.NewCond(&a.mu)
	return a
}

// lagging returns the views that can fall behind and catch up.
func (a *applier) lagging() []Lagging {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Lagging
	for _, ix := range a.views {
		if l, ok := ix.(Lagging); ok {
			out = append(out, l)
		}
	}
	return out
}

// start learns, once, from which change number on the views need
// changes: the store's, or the oldest a view that keeps its place (the
// search index on disk) applied, if that is older. Other instances may
// have written since that view was opened; the first look at the store
// brings those.
func (a *applier) start(ctx context.Context) error {
	a.startMu.Lock()
	defer a.startMu.Unlock()
	if a.started {
		return nil
	}
	_, seq, err := a.s.store.Fingerprint(ctx)
	if err != nil {
		return fmt.Errorf("read the change number: %w", err)
	}
	for _, l := range a.lagging() {
		at, err := l.Applied(ctx)
		if err != nil {
			return fmt.Errorf("read the change number a view applied: %w", err)
		}
		seq = min(seq, at)
	}
	a.mu.Lock()
	a.next, a.applied = seq+1, seq
	a.mu.Unlock()
	a.started = true
	return nil
}

// follow adds a view; it gets every change applied from now on.
func (a *applier) follow(ix Indexer) {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.views = append(a.views, ix)
}

// kick has run look at what is pending. The caller holds mu.
func (a *applier) kick(ctx context.Context) {
	if !a.running {
		a.running = true
		go a.run(context.WithoutCancel(ctx))
	} else {
		a.cond.Broadcast() // run may be waiting for one of these
	}
}

// hand gives committed changes, in change order, to the views and waits
// until they are applied.
func (a *applier) hand(ctx context.Context, cs []Change) {
	a.mu.Lock()
	for _, c := range cs {
		// One the store gave the views already (read for another instance's
		// changes) is not applied again: a newer write may be applied since.
		if c.Seq > a.applied {
			a.pending[c.Seq] = c
		}
	}
	a.kick(ctx)
	first, last := cs[0].Seq, cs[len(cs)-1].Seq
	// A bulk write (an import) shows how far the derived views are.
	var m *progress.Meter
	if len(cs) >= 1000 {
		m = progress.Start(ctx, nil, "indexing", len(cs))
	}
	for a.applied < last {
		a.cond.Wait()
		if m != nil {
			m.Set(int(max(0, a.applied-first+1)))
		}
	}
	a.mu.Unlock()
	if m != nil {
		m.Done()
	}
}

// poke tells the applier that the store may hold changes another writer
// committed: it reads them and applies them in change order.
func (a *applier) poke(ctx context.Context) {
	a.mu.Lock()
	a.stale = true
	a.kick(ctx)
	a.mu.Unlock()
}

// run applies pending changes in change order until none is left. A
// change number missing before pending ones was taken by a writer still
// on its way, or by another instance: after gapWait, or at once when told
// of other writers (poke), the changes are read from the store, which
// holds every one committed, in change order.
func (a *applier) run(ctx context.Context) {
	var waiting time.Time
	failures := 0
	a.mu.Lock()
	for {
		var run []Change
		for {
			c, ok := a.pending[a.next]
			if !ok || len(run) == applyBatch {
				break
			}
			delete(a.pending, a.next)
			run = append(run, c)
			a.next++
		}
		if len(run) > 0 {
			waiting = time.Time{}
			a.applyRun(ctx, run)
			a.applied = max(a.applied, run[len(run)-1].Seq)
			a.cond.Broadcast()
			continue
		}
		if len(a.pending) == 0 && !a.stale {
			a.running = false
			a.mu.Unlock()
			return
		}
		if !a.stale {
			if waiting.IsZero() {
				waiting = time.Now()
				time.AfterFunc(gapWait, a.wake)
			}
			if time.Since(waiting) < gapWait {
				a.cond.Wait()
				continue
			}
		}
		waiting, a.stale = time.Time{}, false
		from := a.applied
		a.mu.Unlock()
		cs, err := a.s.store.ChangesAfter(ctx, from, applyBatch)
		a.mu.Lock()
		if err != nil {
			// The writers that wait committed to this store a moment ago: it
			// is back soon. Until then they wait; nothing is skipped.
			failures++
			a.s.log.ErrorContext(ctx, "derived views cannot read the changes of other writers; trying again", "after", from, "err", err)
			a.stale = true
			time.AfterFunc(min(time.Duration(failures)*gapWait*10, 5*time.Second), a.wake)
			a.cond.Wait()
			continue
		}
		failures = 0
		if len(cs) > 0 {
			a.applyRun(ctx, cs)
			a.applied = max(a.applied, cs[len(cs)-1].Seq)
		}
		a.stale = a.stale || len(cs) == applyBatch
		a.next = a.applied + 1
		for seq := range a.pending {
			if seq <= a.applied {
				delete(a.pending, seq)
			}
		}
		a.cond.Broadcast()
	}
}

// applyRun applies cs to the views, without holding mu. The caller holds
// mu.
func (a *applier) applyRun(ctx context.Context, cs []Change) {
	views := a.views
	a.mu.Unlock()
	a.applyMu.Lock()
	a.apply(ctx, views, cs)
	a.applyMu.Unlock()
	a.mu.Lock()
}

// apply feeds changes in change order to every view: writes in batches,
// erasures one by one.
func (a *applier) apply(ctx context.Context, views []Indexer, cs []Change) {
	for i := 0; i < len(cs); {
		if cs[i].Erased != "" {
			for _, ix := range views {
				if err := ix.Delete(ctx, cs[i].Erased, cs[i].Seq); err != nil {
					// The database forgot the entry; a view that still holds it
					// is behind and catches up from the change numbers, which
					// carry the erasure.
					a.s.log.WarnContext(ctx, "derived view could not forget an erased entry yet; it catches up", "id", cs[i].Erased, "err", err)
				}
			}
			i++
			continue
		}
		j := i
		var recs []Record
		for j < len(cs) && cs[j].Erased == "" {
			recs = append(recs, cs[j].Record)
			j++
		}
		for _, ix := range views {
			if err := ix.PutMany(ctx, recs); err != nil {
				// The changes are committed and acknowledged; the view is
				// derived, now behind, and catches up from the change numbers
				// (KeepInStep, or the next start).
				a.s.log.WarnContext(ctx, "derived view behind the database; it catches up", "changes", len(recs), "err", err)
			}
		}
		i = j
	}
}

// applyBatch is how many changes are applied, or read from the store, at
// once.
const applyBatch = 5000

// gapWait is how long a missing change number is waited for from a writer
// of this service before the store is asked.
const gapWait = 10 * time.Millisecond

// wake lets run look again (after gapWait).
func (a *applier) wake() {
	a.mu.Lock()
	a.cond.Broadcast()
	a.mu.Unlock()
}
