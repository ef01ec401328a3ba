package report_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/internal/testbackend"
	"massanzug/referral"
	"massanzug/report"
)

func TestMain(m *testing.M) { testbackend.Main(m) }

// TestRecent: the figures screen's report is counted once and served
// while fresh, served stale while counted again in the background, and
// counted anew when too old; Districts always counts.
func TestRecent(t *testing.T) {
	ctx := context.Background()
	db := testbackend.Open(t, t.TempDir())
	var mu sync.Mutex
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	wait := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	cat := catalogue.NewService(db, catalogue.WithClock(clock), catalogue.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := cat.Init(ctx); err != nil {
		t.Fatal(err)
	}
	refs, err := referral.Open(ctx, db, cat, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	reports := report.New(db, cat, refs, 14)
	rm := access.Principal{Role: access.RoleResourceManager, TokenID: "rm"}
	add := func(name string) {
		t.Helper()
		if _, err := cat.CreateNeighbourhoodHelp(ctx, rm, catalogue.NeighbourhoodHelpInput{Name: name, Districts: []string{"eselsberg"},
			HelpKinds: []string{"einkaufshilfe"}, Coordinator: catalogue.Contact{Name: "Petra Keller", Phone: "0731 123456"}}); err != nil {
			t.Fatal(err)
		}
	}
	helps := func(r *report.Report) int {
		return r.City.Current.Entries[catalogue.KindNeighbourhoodHelp][catalogue.StatusActive]
	}
	recent := func() (int, time.Time) {
		t.Helper()
		r, at, err := reports.Recent(ctx, rm, "")
		if err != nil {
			t.Fatal(err)
		}
		return helps(r), at
	}
	add("Eins")
	if n, at := recent(); n != 1 || !at.Equal(clock()) {
		t.Fatalf("first: %d at %v", n, at)
	}
	add("Zwei")
	if n, _ := recent(); n != 1 {
		t.Errorf("a fresh report was counted again: %d", n)
	}
	if r, err := reports.Districts(ctx, rm, ""); err != nil || helps(r) != 2 {
		t.Errorf("Districts does not count anew: %v", err)
	}
	wait(2 * time.Minute)
	if n, _ := recent(); n != 1 {
		t.Errorf("a stale report is not served while counted again: %d", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n, _ := recent(); n != 2; n, _ = recent() {
		if time.Now().After(deadline) {
			t.Fatal("the background count never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	add("Drei")
	wait(20 * time.Minute)
	if n, at := recent(); n != 3 || !at.Equal(clock()) {
		t.Errorf("a report older than Stale is served: %d at %v", n, at)
	}
	if _, _, err := reports.Recent(ctx, access.Principal{Role: access.RoleCaseManager}, ""); err == nil {
		t.Error("a case manager reads the figures")
	}
}
