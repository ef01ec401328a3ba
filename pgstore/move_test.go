package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"massanzug/catalogue"
	"massanzug/internal/pgtest"
	"massanzug/pgstore"
	"massanzug/store"
)

// TestMoveIsVerified: a copy that PostgreSQL does not hold as read (here
// a trigger changes a name on the way in) fails the move, and nothing of
// it stays.
func TestMoveIsVerified(t *testing.T) {
	ctx := context.Background()
	src, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ds, _ := catalogue.DefaultDistricts()
	tax, _ := catalogue.DefaultTaxonomy()
	if err := src.Seed(ctx, ds, tax, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	r := catalogue.Record{Header: catalogue.Header{ID: "vol_1", Kind: catalogue.KindVolunteer, Version: 1, CreatedAt: now, UpdatedAt: now},
		Name: "Anna", Status: catalogue.StatusActive, Districts: []string{"eselsberg"}, HelpKinds: []string{"einkaufshilfe"}, Doc: []byte(`{"name":"Anna"}`)}
	if _, err := src.CreateEntry(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	dst, err := pgstore.Open(ctx, pgtest.Start(t).Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Exec(ctx, `CREATE FUNCTION garble() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name || '?'; RETURN NEW; END $$;
		CREATE TRIGGER garble BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION garble()`); err != nil {
		t.Fatal(err)
	}
	move := func() ([]pgstore.TableMoved, error) {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Rollback()
		return dst.MoveFrom(ctx, pgstore.Source{Tx: snap, ParseTime: store.ParseTime})
	}
	if _, err := move(); err == nil || !strings.Contains(err.Error(), "copy of entries does not match") {
		t.Fatalf("a garbled copy: %v", err)
	}
	for _, table := range []string{"entries", "districts", "terms"} {
		if n, err := dst.CountRows(ctx, table); err != nil || n != 0 {
			t.Errorf("%s after the failed move: %d rows, %v", table, n, err)
		}
	}
	if err := dst.Exec(ctx, `DROP TRIGGER garble ON entries`); err != nil {
		t.Fatal(err)
	}
	moved, err := move()
	if err != nil {
		t.Fatalf("the move without the trigger: %v", err)
	}
	if got, _ := dst.Entry(ctx, catalogue.KindVolunteer, "vol_1"); got.Name != "Anna" || got.Seq != 1 || !got.CreatedAt.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("moved entry: %+v", got)
	}
	if len(moved) < 15 {
		t.Errorf("moved %d tables", len(moved))
	}
}
