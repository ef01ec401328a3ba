package catalogue

import (
	"context"
	"errors"
	"time"
)

// A derived view (the search index) can fall behind the store: an update
// that fails after the commit (a full disk) must not fail the write, which
// is committed and acknowledged. Such a view refuses further single
// updates until it has caught up from the store's change numbers; the
// service keeps trying (KeepInStep). Writes go on meanwhile; no change is
// applied to the views while one catches up, so nothing falls between.

// Lagging is an Indexer that can fall behind the store and catch up.
type Lagging interface {
	Behind() bool
	// CatchUp applies every change the view missed.
	CatchUp(ctx context.Context) error
	// Lag is how many change numbers the view is behind.
	Lag(ctx context.Context) (int64, error)
	// Applied is the change number up to which the view applied every
	// change.
	Applied(ctx context.Context) (int64, error)
}

// CatchUp brings every derived view that fell behind back in step. No
// change is applied to the views meanwhile; writes go on, and are applied
// after.
func (s *Service) CatchUp(ctx context.Context) error {
	s.apply.applyMu.Lock()
	defer s.apply.applyMu.Unlock()
	var errs []error
	for _, l := range s.apply.lagging() {
		if l.Behind() {
			errs = append(errs, l.CatchUp(ctx))
		}
	}
	return errors.Join(errs...)
}

// KeepInStep runs CatchUp every interval until ctx ends: once the disk
// has room again, the index catches up without a restart.
func (s *Service) KeepInStep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "search index still behind; trying again", "err", err)
			}
		}
	}
}

// Health is whether the service can do its work now.
type Health struct {
	// Ready: the database takes writes and the search index is in step.
	Ready bool `json:"ready"`
	// Database is "writable", "full" or "unreachable".
	Database string `json:"database"`
	// Index is "behind" when the search index missed changes and is
	// catching up; IndexLag is how many changes it is behind the database
	// (under writes, also those committed and still being applied).
	Index    string   `json:"index"`
	IndexLag int64    `json:"index_lag"`
	Problems []string `json:"problems,omitempty"`
}

// Health checks the database and every derived view.
func (s *Service) Health(ctx context.Context) Health {
	h := Health{Ready: true, Database: "writable", Index: "in step"}
	if err := s.store.Writable(ctx); err != nil {
		h.Ready = false
		h.Database = "unreachable"
		if errors.Is(err, ErrStorageFull) {
			h.Database = "full"
		}
		h.Problems = append(h.Problems, err.Error())
	}
	for _, l := range s.apply.lagging() {
		lag, err := l.Lag(ctx)
		if err != nil {
			h.Problems = append(h.Problems, "index: "+err.Error())
		}
		h.IndexLag = max(h.IndexLag, lag)
		// Only a view that missed changes is behind: under writes the lag
		// is never 0 for long, as committed changes are still being applied.
		if l.Behind() || err != nil {
			h.Ready, h.Index = false, "behind"
		}
	}
	return h
}
