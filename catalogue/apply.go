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
// the disk makes them.

// change is one committed change: a write (rec) or, with erase set, the
// erasure of that id.
type change struct {
	rec   Record
	erase string
}

type applier struct {
	s       *Service
	once    sync.Once
	initErr error

	mu      sync.Mutex
	cond    *sync.Cond
	next    int64 // the next change number to take for applying
	applied int64 // every change up to this one is applied
	pending map[int64]change
	running bool
	views   []Indexer

	// applyMu is held while changes are applied to the views, and by
	// CatchUp, so that a view is never fed from two places at once.
	applyMu sync.Mutex
}

func newApplier(s *Service, views []Indexer) *applier {
	a := &applier{s: s, pending: map[int64]change{}, views: views}
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

// start learns the change number the store is at, once, before this
// service's first write: every change it will commit comes after it.
func (a *applier) start(ctx context.Context) error {
	a.once.Do(func() {
		_, seq, err := a.s.store.Fingerprint(ctx)
		if err != nil {
			a.initErr = fmt.Errorf("read the change number: %w", err)
			a.once = sync.Once{} // try again at the next write
			return
		}
		a.mu.Lock()
		a.next, a.applied = seq+1, seq
		a.mu.Unlock()
	})
	return a.initErr
}

// follow adds a view; it gets every change applied from now on.
func (a *applier) follow(ix Indexer) {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.views = append(a.views, ix)
}

// hand gives committed changes to the views and waits until they are
// applied.
func (a *applier) hand(ctx context.Context, seqs []int64, cs []change) {
	a.mu.Lock()
	for i, seq := range seqs {
		a.pending[seq] = cs[i]
	}
	if !a.running {
		a.running = true
		go a.run(context.WithoutCancel(ctx))
	} else {
		a.cond.Broadcast() // run may be waiting for one of these
	}
	last := seqs[len(seqs)-1]
	// A bulk write (an import) shows how far the derived views are.
	var m *progress.Meter
	if len(seqs) >= 1000 {
		m = progress.Start(ctx, nil, "indexing", len(seqs))
	}
	for a.applied < last {
		a.cond.Wait()
		if m != nil {
			m.Set(int(max(0, a.applied-seqs[0]+1)))
		}
	}
	a.mu.Unlock()
	if m != nil {
		m.Done()
	}
}

// run applies pending changes in change order until none is left.
func (a *applier) run(ctx context.Context) {
	var waiting time.Time
	a.mu.Lock()
	for {
		var run []change
		first := a.next
		for {
			c, ok := a.pending[a.next]
			if !ok || len(run) == 5000 {
				break
			}
			delete(a.pending, a.next)
			run = append(run, c)
			a.next++
		}
		if len(run) == 0 {
			if len(a.pending) == 0 {
				a.running = false
				a.mu.Unlock()
				return
			}
			// A change committed before one pending is still on its way
			// from its writer: it comes in a moment. One that never comes
			// was written past this service (a second service on the same
			// store, as tests make them); after a while it is skipped.
			if waiting.IsZero() {
				waiting = time.Now()
				time.AfterFunc(gapWait, a.wake)
			} else if time.Since(waiting) >= gapWait {
				skipTo := int64(-1)
				for seq := range a.pending {
					if skipTo < 0 || seq < skipTo {
						skipTo = seq
					}
				}
				a.s.log.ErrorContext(ctx, "changes committed past this service skipped by its derived views", "from", a.next, "to", skipTo-1)
				a.next, a.applied = skipTo, skipTo-1
				a.cond.Broadcast()
				waiting = time.Time{}
				continue
			}
			a.cond.Wait()
			continue
		}
		waiting = time.Time{}
		views := a.views
		a.mu.Unlock()
		a.applyMu.Lock()
		a.apply(ctx, views, first, run)
		a.applyMu.Unlock()
		a.mu.Lock()
		a.applied = first + int64(len(run)) - 1
		a.cond.Broadcast()
	}
}

// apply feeds one run of consecutive changes to every view: writes in
// batches, erasures one by one.
func (a *applier) apply(ctx context.Context, views []Indexer, first int64, run []change) {
	for i := 0; i < len(run); {
		if run[i].erase != "" {
			for _, ix := range views {
				if err := ix.Delete(ctx, run[i].erase, first+int64(i)); err != nil {
					// The database forgot the entry; a view that still holds it
					// is behind and catches up from the change numbers, which
					// carry the erasure.
					a.s.log.WarnContext(ctx, "derived view could not forget an erased entry yet; it catches up", "id", run[i].erase, "err", err)
				}
			}
			i++
			continue
		}
		j := i
		var recs []Record
		for j < len(run) && run[j].erase == "" {
			recs = append(recs, run[j].rec)
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

// gapWait is how long a missing change number is waited for.
const gapWait = 2 * time.Second

// wake lets run look again (after gapWait).
func (a *applier) wake() {
	a.mu.Lock()
	a.cond.Broadcast()
	a.mu.Unlock()
}
