package matching_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/internal/testbackend"
	"massanzug/matching"
)

func TestMain(m *testing.M) { testbackend.Main(m) }

// world is a catalogue on a real database (SQLite, or PostgreSQL with
// MASSANZUG_TEST_BACKEND=postgres) with the search index, as the service
// runs it.
func world(t *testing.T) (*catalogue.Service, *index.Index, testbackend.Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := testbackend.Open(t, dir)
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(ctx, dir, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	clock := func() time.Time { return evalToday }
	return catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithClock(clock), catalogue.WithLogger(quiet)), ix, db
}

func helper(name string) catalogue.VolunteerInput {
	return catalogue.VolunteerInput{Name: name, Home: catalogue.Place{District: "wiblingen", Quarter: "Wiblingen"},
		Districts: []string{"wiblingen"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 2,
		LifeExperience: "Hat lange im Supermarkt gearbeitet.", Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}
}

func suggested(t *testing.T, m *matching.Matcher) map[string]bool {
	t.Helper()
	res, err := m.Match(context.Background(), caseMgr, matching.Case{Quarter: "Wiblingen", HelpKinds: []string{"einkaufshilfe"}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range res.Suggestions {
		out[s.ID] = true
	}
	return out
}

// TestMatchingFollowsChanges: the matcher keeps the catalogue in memory,
// and every acknowledged change counts in the next match.
func TestMatchingFollowsChanges(t *testing.T) {
	ctx := context.Background()
	svc, ix, db := world(t)
	before, err := svc.CreateVolunteer(ctx, staff, helper("Erika Vorher"))
	if err != nil {
		t.Fatal(err)
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), quiet)
	if got := suggested(t, m); !got[before.ID] || len(got) != 1 {
		t.Fatalf("after the first load: %v", got)
	}
	after, err := svc.CreateVolunteer(ctx, staff, helper("Nora Nachher"))
	if err != nil {
		t.Fatal(err)
	}
	if got := suggested(t, m); !got[after.ID] {
		t.Fatalf("a volunteer created after the load is not suggested: %v", got)
	}
	in := helper("Erika Vorher")
	in.Status = catalogue.StatusPaused
	paused, err := svc.UpdateVolunteer(ctx, staff, before.ID, before.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := suggested(t, m); got[before.ID] {
		t.Fatal("a paused volunteer is still suggested")
	}
	in.Status, in.HelpKinds = catalogue.StatusActive, []string{"aemterbegleitung"}
	moved, err := svc.UpdateVolunteer(ctx, staff, before.ID, paused.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := suggested(t, m); got[before.ID] {
		t.Fatal("a volunteer who no longer offers the help is still suggested")
	}
	in.HelpKinds = []string{"einkaufshilfe"}
	back, err := svc.UpdateVolunteer(ctx, staff, before.ID, moved.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := suggested(t, m); !got[before.ID] {
		t.Fatal("a volunteer active again with the help is not suggested")
	}
	if err := svc.ArchiveVolunteer(ctx, staff, before.ID, back.Version); err != nil {
		t.Fatal(err)
	}
	if got := suggested(t, m); got[before.ID] || !got[after.ID] || len(got) != 1 {
		t.Fatalf("after archiving: %v", got)
	}
}

// TestMatchingLoadsWhileWritten: entries written while the matcher reads
// the catalogue at its start are neither lost nor overwritten by older
// versions.
func TestMatchingLoadsWhileWritten(t *testing.T) {
	ctx := context.Background()
	svc, ix, db := world(t)
	rows := make([]catalogue.ImportRow, 2000)
	for i := range rows {
		in := helper(fmt.Sprintf("Helfer %04d", i))
		rows[i] = catalogue.ImportRow{Line: i + 2, Input: &in}
	}
	if rep, err := svc.Import(ctx, staff, catalogue.KindVolunteer, rows, catalogue.ImportOptions{AllowDuplicates: true}); err != nil || len(rep.Errors) > 0 {
		t.Fatalf("%v %+v", err, rep.Errors)
	}
	list, _, err := svc.Volunteers(ctx, staff, catalogue.ListQuery{Page: catalogue.Page{Limit: 30}})
	if err != nil {
		t.Fatal(err)
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), quiet)
	loaded := make(chan error)
	go func() { loaded <- m.Warm(ctx) }()
	// Meanwhile: pause 30, archive one, create 10.
	for _, v := range list {
		in := v.VolunteerInput
		in.Status = catalogue.StatusPaused
		if _, err := svc.UpdateVolunteer(ctx, staff, v.ID, v.Version, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.ArchiveVolunteer(ctx, staff, list[0].ID, list[0].Version+1); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := svc.CreateVolunteer(ctx, staff, helper(fmt.Sprintf("Später %02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
	pooled := m.Pooled()
	want := 0
	err = db.EachEntry(ctx, func(r catalogue.Record) error {
		if r.Status == catalogue.StatusArchived {
			if _, ok := pooled[r.ID]; ok {
				t.Errorf("archived %s still in memory", r.ID)
			}
			return nil
		}
		want++
		if got, ok := pooled[r.ID]; !ok || got != r.Seq {
			t.Errorf("%s: change %d in memory, %d stored", r.ID, got, r.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want != 2009 || len(pooled) != want {
		t.Errorf("%d in memory, %d stored (want 2009)", len(pooled), want)
	}
}
