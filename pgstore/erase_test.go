package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"massanzug/catalogue"
	"massanzug/internal/pgtest"
	"massanzug/pgstore"
	"massanzug/referral"
)

// TestErasureLeavesNoTrace: once a volunteer is erased, no page of any
// table, index or TOAST relation of the database holds her name, her
// phone or the case reference of a referral to her: PostgreSQL keeps a
// deleted row's bytes in its page (a dead tuple) until VACUUM prunes it,
// so the store vacuums what an erasure touched before it returns. (WAL and
// backups are outside the database's pages; see the README.)
func TestErasureLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t).Database(t)
	db, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ds, _ := catalogue.DefaultDistricts()
	tax, _ := catalogue.DefaultTaxonomy()
	if err := db.Seed(ctx, ds, tax, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// A long text, so that the document goes to the TOAST table too.
	long := ""
	for i := range 400 {
		long += fmt.Sprintf("Zenzi Quackenbusch hilft %d ", i)
	}
	r := catalogue.Record{Header: catalogue.Header{ID: "vol_zenzi", Kind: catalogue.KindVolunteer, Version: 1, CreatedAt: now, UpdatedAt: now},
		Name: "Zenzi Quackenbusch", Status: catalogue.StatusActive, Districts: []string{"eselsberg"}, HelpKinds: []string{"einkaufshilfe"},
		Doc: []byte(fmt.Sprintf(`{"name":"Zenzi Quackenbusch","contact":{"phone":"0731 7654321"},"life_experience":%q}`, long))}
	if _, err := db.CreateEntry(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	r.Version, r.Name = 2, "Zenzi Quackenbusch-Maier" // an update leaves the first version dead
	r.Doc = []byte(`{"name":"Zenzi Quackenbusch-Maier","contact":{"phone":"0731 7654321"}}`)
	if _, err := db.UpdateEntry(ctx, r, 1, nil); err != nil {
		t.Fatal(err)
	}
	ref := &referral.Referral{ID: "ref_zenzi", Version: 1, CaseRef: "JH-GEHEIM-4711", Entry: catalogue.Placement{ID: "vol_zenzi", Kind: catalogue.KindVolunteer, Name: r.Name},
		District: "eselsberg", Department: "jugendhilfe", Status: referral.Proposed, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateReferrals(ctx, []*referral.Referral{ref}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EraseEntry(ctx, catalogue.KindVolunteer, "vol_zenzi", nil); err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pageinspect`); err != nil {
		t.Skipf("pageinspect: %v", err)
	}
	rows, err := conn.Query(ctx, `SELECT c.oid::regclass::text, pg_relation_size(c.oid) / current_setting('block_size')::int
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') AND c.relpersistence = 'p'`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct {
		name   string
		blocks int64
	}
	rels, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (r rel, err error) { err = row.Scan(&r.name, &r.blocks); return r, err })
	if err != nil {
		t.Fatal(err)
	}
	for _, rl := range rels {
		for blk := int64(0); blk < rl.blocks; blk++ {
			var page []byte
			if err := conn.QueryRow(ctx, `SELECT get_raw_page($1, 'main', $2::bigint)`, rl.name, blk).Scan(&page); err != nil {
				continue // a relation of another kind of access method
			}
			for _, secret := range []string{"Quackenbusch", "7654321", "GEHEIM-4711"} {
				if containsBytes(page, secret) {
					t.Errorf("%s block %d still holds %q", rl.name, blk, secret)
				}
			}
		}
	}
}

func containsBytes(page []byte, s string) bool {
	for i := 0; i+len(s) <= len(page); i++ {
		if string(page[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}
