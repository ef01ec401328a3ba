package report

import (
	"context"
	"testing"

	"massanzug/catalogue"
	"massanzug/referral"
)

// staleStore answers the load with what was stored before the commits
// the tally already followed: the load must not undo them.
type staleStore struct {
	entries   []catalogue.Record
	referrals []ReferralRow
}

func (s staleStore) EachEntryFact(_ context.Context, fn func(catalogue.Record) error) error {
	for _, r := range s.entries {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s staleStore) EachReferralRow(_ context.Context, fn func(ReferralRow) error) error {
	for _, r := range s.referrals {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (staleStore) UnmetCounts(context.Context, string, string) (map[string]int, error) {
	return nil, nil
}
func (staleStore) GapCounts(context.Context, string, string) (map[string]int, map[string]int, error) {
	return nil, nil, nil
}

func TestTallyKeepsTheNewest(t *testing.T) {
	active := func(id string, seq int64) catalogue.Record {
		return catalogue.Record{Header: catalogue.Header{ID: id, Kind: catalogue.KindVolunteer}, Status: catalogue.StatusActive,
			Districts: []string{"eselsberg"}, HelpKinds: []string{"einkaufshilfe"}, Seq: seq}
	}
	st := staleStore{
		entries: []catalogue.Record{active("vol_a", 1), active("vol_b", 2), active("vol_c", 3), active("vol_d", 9)},
		referrals: []ReferralRow{{ID: "ref_1", Version: 1, District: "eselsberg", Status: referral.Proposed, CreatedOn: "2026-01-02"},
			{ID: "ref_2", Version: 3, District: "eselsberg", Status: referral.Active, CreatedOn: "2026-01-02", ActiveSince: "2026-01-05"}},
	}
	tl := newTally(st)
	ctx := context.Background()
	// Committed while the load ran, newer than what it reads.
	archived := active("vol_a", 5)
	archived.Status = catalogue.StatusArchived
	tl.PutMany(ctx, []catalogue.Record{archived})
	tl.Delete(ctx, "vol_b", 6)
	tl.PutMany(ctx, []catalogue.Record{active("vol_d", 4)}) // older than the store's: ignored
	tl.Referred([]*referral.Referral{{ID: "ref_1", Version: 2, District: "eselsberg", Status: referral.Requested}})
	tl.Referred([]*referral.Referral{{ID: "ref_2", Version: 2, District: "eselsberg", Status: referral.Requested}}) // older: ignored
	if err := tl.load(ctx); err != nil {
		t.Fatal(err)
	}
	entry := func(id string) entryFact { return tl.entries[tl.entryAt[id]] }
	ref := func(id string) referralFact { return tl.referrals[tl.referralAt[id]] }
	var live int
	for _, e := range tl.entries {
		if !e.gone {
			live++
		}
	}
	if live != 2 || entry("vol_d").seq != 9 || !entry("vol_a").gone || !entry("vol_b").gone || entry("vol_c").gone {
		t.Errorf("entries after the load: %+v", tl.entries)
	}
	if ref("ref_1").status != tl.codes["requested"] || ref("ref_2").status != tl.codes["active"] || ref("ref_2").active != dayOf("2026-01-05") {
		t.Errorf("referrals after the load: %+v", tl.referrals)
	}
}

func TestActiveDays(t *testing.T) {
	r := referralFact{active: dayOf("2025-01-20"), ended: dayOf("2025-07-20")}
	for _, c := range []struct {
		from, to string
		want     int
	}{
		{"2025-01-01", "2025-12-31", 181},
		{"2025-01-01", "2025-01-20", 1},
		{"2025-07-19", "2025-12-31", 1},
		{"2025-07-20", "2025-12-31", 0},
		{"2024-01-01", "2024-12-31", 0},
	} {
		if got := activeDays(r, dayOf(c.from), dayOf(c.to)); got != c.want {
			t.Errorf("active days %s to %s: %d, want %d", c.from, c.to, got, c.want)
		}
	}
}
