package report

import (
	"context"
	"fmt"
	"sync"
	"time"

	"massanzug/catalogue"
	"massanzug/referral"
)

// tally is what the figures count, held in memory and kept current from
// the commits of the catalogue (catalogue.Indexer) and of referrals
// (referral.Follower), like the search index and the matching pool: at
// 100,000 entries and 200,000 referrals, counting them in SQL took
// seconds per report, counting them here milliseconds. The store stays
// the truth; the tally is read from it at first use and after a restart.
type tally struct {
	store Store

	mu        sync.RWMutex
	entries   map[string]entryFact
	referrals map[string]referralFact

	loadMu sync.Mutex
	loaded bool
}

// entryFact is an entry as the figures see it; an archived or erased one
// keeps only its change number, so that an older write arriving later
// cannot bring it back.
type entryFact struct {
	seq        int64
	gone       bool
	kind       catalogue.Kind
	status     catalogue.Status
	districts  []string
	helpKinds  []string
	verifiedAt *time.Time
	validUntil string
}

// referralFact is a referral as the figures see it, its days as numbers
// (days since 1970-01-01, 0 for none).
type referralFact struct {
	version         int64
	district, dept  string
	status          referral.Status
	outcome         referral.Outcome
	created, active int32
	ended           int32
	monthlyCost     float64
}

func newTally(st Store) *tally {
	return &tally{store: st, entries: map[string]entryFact{}, referrals: map[string]referralFact{}}
}

// PutMany implements catalogue.Indexer.
func (t *tally) PutMany(_ context.Context, rs []catalogue.Record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rs {
		t.putEntry(r)
	}
	return nil
}

// Delete implements catalogue.Indexer: an erased entry is counted no more.
func (t *tally) Delete(_ context.Context, id string, seq int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.entries[id]; !ok || old.seq < seq {
		t.entries[id] = entryFact{seq: seq, gone: true}
	}
	return nil
}

// Referred implements referral.Follower.
func (t *tally) Referred(rs []*referral.Referral) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rs {
		cost := 0.0
		if r.Replaces != nil {
			cost = r.Replaces.MonthlyCost
		}
		t.putReferral(r.ID, referralFact{version: r.Version, district: r.District, dept: r.Department, status: r.Status, outcome: r.Outcome,
			created: dayOf(r.CreatedAt.Format(time.DateOnly)), active: dayOf(r.ActiveSince), ended: dayOf(r.EndedOn), monthlyCost: cost})
	}
}

// putEntry keeps r unless a newer change of the entry is there: loading
// and commits meanwhile may come in any order. The caller holds mu.
func (t *tally) putEntry(r catalogue.Record) {
	if old, ok := t.entries[r.ID]; ok && old.seq >= r.Seq {
		return
	}
	if r.Status == catalogue.StatusArchived {
		t.entries[r.ID] = entryFact{seq: r.Seq, gone: true}
		return
	}
	t.entries[r.ID] = entryFact{seq: r.Seq, kind: r.Kind, status: r.Status, districts: r.Districts, helpKinds: r.HelpKinds,
		verifiedAt: r.VerifiedAt, validUntil: r.ValidUntil}
}

func (t *tally) putReferral(id string, f referralFact) {
	if old, ok := t.referrals[id]; ok && old.version >= f.version {
		return
	}
	t.referrals[id] = f
}

// load reads every entry and referral from the store, once. It must
// start after the tally follows the commits, so that nothing falls
// between the two.
func (t *tally) load(ctx context.Context) error {
	t.loadMu.Lock()
	defer t.loadMu.Unlock()
	if t.loaded {
		return nil
	}
	var batch []catalogue.Record
	flush := func() {
		t.mu.Lock()
		for _, r := range batch {
			t.putEntry(r)
		}
		t.mu.Unlock()
		batch = batch[:0]
	}
	if err := t.store.EachEntryFact(ctx, func(r catalogue.Record) error {
		if batch = append(batch, r); len(batch) == 2000 {
			flush()
		}
		return ctx.Err()
	}); err != nil {
		return fmt.Errorf("load figures of entries: %w", err)
	}
	flush()
	var rows []ReferralRow
	flushRows := func() {
		t.mu.Lock()
		for _, r := range rows {
			t.putReferral(r.ID, referralFact{version: r.Version, district: r.District, dept: r.Department, status: r.Status, outcome: r.Outcome,
				created: dayOf(r.CreatedOn), active: dayOf(r.ActiveSince), ended: dayOf(r.EndedOn), monthlyCost: r.MonthlyCost})
		}
		t.mu.Unlock()
		rows = rows[:0]
	}
	if err := t.store.EachReferralRow(ctx, func(r ReferralRow) error {
		if rows = append(rows, r); len(rows) == 2000 {
			flushRows()
		}
		return ctx.Err()
	}); err != nil {
		return fmt.Errorf("load figures of referrals: %w", err)
	}
	flushRows()
	t.loaded = true
	return nil
}

// epoch is day 0 of the day numbers.
var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// dayOf is the day number of a day YYYY-MM-DD, 0 for none (or one that
// is no day).
func dayOf(s string) int32 {
	if s == "" {
		return 0
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0
	}
	return int32(d.Sub(epoch).Hours() / 24)
}
