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

	mu sync.RWMutex
	// Codes (districts, kinds, statuses, help kinds, departments,
	// outcomes) are numbered, so that counting indexes arrays instead of
	// hashing strings; the facts sit in slices, which iterate fast.
	codes      map[string]uint16
	names      []string
	entries    []entryFact
	entryAt    map[string]int32
	referrals  []referralFact
	referralAt map[string]int32

	loadMu sync.Mutex
	loaded bool
}

// entryFact is an entry as the figures see it; an archived or erased one
// keeps only its change number, so that an older write arriving later
// cannot bring it back.
type entryFact struct {
	seq          int64
	gone         bool
	kind, status uint16
	districts    []uint16
	helpKinds    []uint16
	verifiedAt   int64 // Unix seconds, 0 for never
	validUntil   int32 // day number, 0 for none
}

// referralFact is a referral as the figures see it, its days as numbers
// (days since 1970-01-01, 0 for none).
type referralFact struct {
	version                         int64
	district, dept, status, outcome uint16
	created, active, ended          int32
	monthlyCost                     float64
}

func newTally(st Store) *tally {
	return &tally{store: st, codes: map[string]uint16{}, entryAt: map[string]int32{}, referralAt: map[string]int32{}}
}

// code numbers s. The caller holds mu for writing.
func (t *tally) code(s string) uint16 {
	if c, ok := t.codes[s]; ok {
		return c
	}
	c := uint16(len(t.names))
	t.codes[s] = c
	t.names = append(t.names, s)
	return c
}

func (t *tally) codeList(ss []string) []uint16 {
	out := make([]uint16, len(ss))
	for i, s := range ss {
		out[i] = t.code(s)
	}
	return out
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
	t.setEntry(id, entryFact{seq: seq, gone: true})
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
		t.putReferral(r.ID, ReferralRow{Version: r.Version, District: r.District, Department: r.Department, Status: r.Status, Outcome: r.Outcome,
			CreatedOn: r.CreatedAt.UTC().Format(time.DateOnly), ActiveSince: r.ActiveSince, EndedOn: r.EndedOn, MonthlyCost: cost})
	}
}

// putEntry keeps r unless a newer change of the entry is there: loading
// and commits meanwhile may come in any order. The caller holds mu.
func (t *tally) putEntry(r catalogue.Record) {
	if r.Status == catalogue.StatusArchived {
		t.setEntry(r.ID, entryFact{seq: r.Seq, gone: true})
		return
	}
	f := entryFact{seq: r.Seq, kind: t.code(string(r.Kind)), status: t.code(string(r.Status)), districts: t.codeList(r.Districts),
		helpKinds: t.codeList(r.HelpKinds), validUntil: dayOf(r.ValidUntil)}
	if r.VerifiedAt != nil {
		f.verifiedAt = r.VerifiedAt.Unix()
	}
	t.setEntry(r.ID, f)
}

func (t *tally) setEntry(id string, f entryFact) {
	i, ok := t.entryAt[id]
	switch {
	case !ok:
		t.entryAt[id] = int32(len(t.entries))
		t.entries = append(t.entries, f)
	case t.entries[i].seq < f.seq:
		t.entries[i] = f
	}
}

func (t *tally) putReferral(id string, r ReferralRow) {
	f := referralFact{version: r.Version, district: t.code(r.District), dept: t.code(r.Department), status: t.code(string(r.Status)),
		outcome: t.code(string(r.Outcome)), created: dayOf(r.CreatedOn), active: dayOf(r.ActiveSince), ended: dayOf(r.EndedOn), monthlyCost: r.MonthlyCost}
	i, ok := t.referralAt[id]
	switch {
	case !ok:
		t.referralAt[id] = int32(len(t.referrals))
		t.referrals = append(t.referrals, f)
	case t.referrals[i].version < f.version:
		t.referrals[i] = f
	}
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
			t.putReferral(r.ID, r)
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
