package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"massanzug/catalogue"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
)

// TestFullReadsCrossPages: the figures' full reads page by id; every row
// comes once, whether the last page is full or not.
func TestFullReadsCrossPages(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		t.Fatal(err)
	}
	defer store.SetReadPage(3)()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	var rs []*referral.Referral
	for i := range 7 {
		rs = append(rs, &referral.Referral{ID: fmt.Sprintf("ref_%016d", i), Version: 1, CaseRef: fmt.Sprintf("FM-%d", i),
			Entry: catalogue.Placement{Kind: catalogue.KindVolunteer, ID: "vol_0000000000000001"}, District: "eselsberg", Department: "altenhilfe",
			Status: referral.Proposed, CreatedAt: now, UpdatedAt: now})
	}
	written := 0
	for _, n := range []int{6, 7} { // a full last page, then one more
		if err := db.CreateReferrals(ctx, rs[written:n], nil, nil); err != nil {
			t.Fatal(err)
		}
		written = n
		seen := map[string]int{}
		if err := db.EachReferralRow(ctx, func(r report.ReferralRow) error { seen[r.ID]++; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(seen) != n {
			t.Errorf("%d referrals stored, %d read: %v", n, len(seen), seen)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s read %d times", id, k)
			}
		}
	}
}
