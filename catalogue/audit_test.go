package catalogue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"massanzug/catalogue"
	"massanzug/internal/testbackend"
)

func TestMain(m *testing.M) { testbackend.Main(m) }

func auditWorld(t *testing.T) (*catalogue.Service, testbackend.Store) {
	t.Helper()
	ctx := context.Background()
	db := testbackend.Open(t, t.TempDir())
	svc := catalogue.NewService(db, catalogue.WithClock(func() time.Time { return time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC) }))
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	return svc, db
}

func helperInput(name string) catalogue.VolunteerInput {
	return catalogue.VolunteerInput{Name: name, Home: catalogue.Place{District: "wiblingen", Quarter: "Wiblingen"},
		Districts: []string{"wiblingen"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 2,
		Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}
}

// failAudit makes every audit insert fail, as a full disk or a broken
// table would, until the returned function undoes it.
func failAudit(t *testing.T, db testbackend.Store) func() {
	t.Helper()
	ctx := context.Background()
	create, drop := `CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END`, `DROP TRIGGER fail_audit`
	if testbackend.OnPostgres() {
		create = `CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
			CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit()`
		drop = `DROP TRIGGER fail_audit ON audit_log; DROP FUNCTION fail_audit()`
	}
	if err := db.Exec(ctx, create); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := db.Exec(ctx, drop); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditIsPartOfTheWrite: a change whose audit event cannot be written
// is not made, and a read whose event cannot be written is not answered.
func TestAuditIsPartOfTheWrite(t *testing.T) {
	ctx := context.Background()
	svc, db := auditWorld(t)
	kept, err := svc.CreateVolunteer(ctx, rmP, helperInput("Vorher Da"))
	if err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		n, err := db.CountRows(ctx, "entries")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	events := func() int {
		n, err := db.CountRows(ctx, "audit_log")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, eventsBefore := entries(), events()
	undo := failAudit(t, db)

	if _, err := svc.CreateVolunteer(ctx, rmP, helperInput("Nie Gespeichert")); err == nil {
		t.Error("a create without its audit event succeeded")
	}
	rows := []catalogue.ImportRow{{Line: 2, Input: new(helperInput("Import Eins"))}, {Line: 3, Input: new(helperInput("Import Zwei"))}}
	if _, err := svc.Import(ctx, rmP, catalogue.KindVolunteer, rows, catalogue.ImportOptions{}); err == nil {
		t.Error("an import without its audit event succeeded")
	}
	in := kept.VolunteerInput
	in.Name = "Geändert"
	if _, err := svc.UpdateVolunteer(ctx, rmP, kept.ID, kept.Version, in); err == nil {
		t.Error("an update without its audit event succeeded")
	}
	if err := svc.ArchiveVolunteer(ctx, rmP, kept.ID, 0); err == nil {
		t.Error("an archive without its audit event succeeded")
	}
	if err := svc.EraseVolunteer(ctx, rmP, kept.ID); err == nil {
		t.Error("an erasure without its audit event succeeded")
	}
	if _, err := svc.Volunteer(ctx, rmP, kept.ID); err == nil {
		t.Error("a read was answered without its audit event")
	}
	if err := svc.Export(ctx, rmP, catalogue.KindVolunteer, func(any) error { return errors.New("an export was answered without its audit event") }); err == nil {
		t.Error("an export without its audit event succeeded")
	}
	if n := entries(); n != before {
		t.Errorf("%d entries after refused writes, want %d", n, before)
	}
	undo()
	if n := events(); n != eventsBefore {
		t.Errorf("%d audit events after refused writes, want %d", n, eventsBefore)
	}
	got, err := svc.Volunteer(ctx, rmP, kept.ID)
	if err != nil || got.Name != "Vorher Da" || got.Version != kept.Version || got.Status != catalogue.StatusActive {
		t.Fatalf("the entry changed: %+v %v", got, err)
	}
	// With the audit log writable again, every write records itself once.
	if err := svc.EraseVolunteer(ctx, rmP, kept.ID); err != nil {
		t.Fatal(err)
	}
	log, _, err := svc.AuditLog(ctx, adminP, catalogue.AuditFilter{EntryID: kept.ID, Page: catalogue.Page{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if len(actions) != 3 || actions[0] != "erase" || actions[1] != "read" || actions[2] != "create" {
		t.Errorf("audit of the entry, newest first: %v", actions)
	}
}

// TestAuditLogFilters: the admin narrows the log by entry, token, action
// and period.
func TestAuditLogFilters(t *testing.T) {
	ctx := context.Background()
	svc, _ := auditWorld(t)
	a, err := svc.CreateVolunteer(ctx, rmP, helperInput("Anna A"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateVolunteer(ctx, rmP, helperInput("Berta B"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Volunteer(ctx, fmP, a.ID); err != nil {
		t.Fatal(err)
	}
	page := catalogue.Page{Limit: 50}
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    catalogue.AuditFilter
		want int
	}{
		{"all", catalogue.AuditFilter{Page: page}, 3},
		{"entry a", catalogue.AuditFilter{EntryID: a.ID, Page: page}, 2},
		{"entry b", catalogue.AuditFilter{EntryID: b.ID, Page: page}, 1},
		{"token of the case manager", catalogue.AuditFilter{TokenID: "fm", Page: page}, 1},
		{"reads", catalogue.AuditFilter{Action: "read", Page: page}, 1},
		{"creates of b", catalogue.AuditFilter{Action: "create", EntryID: b.ID, Page: page}, 1},
		{"the day", catalogue.AuditFilter{From: day, Until: day.AddDate(0, 0, 1), Page: page}, 3},
		{"the day before", catalogue.AuditFilter{From: day.AddDate(0, 0, -1), Until: day, Page: page}, 0},
	} {
		got, total, err := svc.AuditLog(ctx, adminP, c.f)
		if err != nil || total != c.want || len(got) != c.want {
			t.Errorf("%s: %d events (total %d), want %d: %v", c.name, len(got), total, c.want, err)
		}
	}
	if _, _, err := svc.AuditLog(ctx, rmP, catalogue.AuditFilter{Page: page}); !errors.Is(err, catalogue.ErrForbidden) {
		t.Errorf("staff read the audit log: %v", err)
	}
}
