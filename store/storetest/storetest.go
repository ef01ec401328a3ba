// Package storetest is the behaviour every implementation of
// catalogue.Store promises, as one suite any backend runs: writes are all
// or none with their audit event, change numbers follow commit order,
// versions guard against lost updates, erasure is for good, and the
// look-ups an import makes return what they should. The SQLite store runs
// it; a second backend must pass it unchanged.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"massanzug/catalogue"
)

// Open returns an empty store for one test, closed when the test ends.
type Open func(t *testing.T) catalogue.Store

// Run runs the suite against stores from open.
func Run(t *testing.T, open Open) {
	for _, c := range []struct {
		name string
		test func(t *testing.T, s catalogue.Store)
	}{
		{"writes are all or none", allOrNone},
		{"change numbers follow commit order", commitOrder},
		{"versions guard updates", versions},
		{"the audit event is written with the change", auditWithChange},
		{"erasure is for good", erasure},
		{"an id is taken once", duplicateID},
		{"names and ids are looked up by kind", lookUps},
		{"providers have versions", providers},
		{"synonyms are created, replaced and deleted", synonyms},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			seed(t, s)
			c.test(t, s)
		})
	}
}

var ctx = context.Background()

func seed(t *testing.T, s catalogue.Store) {
	t.Helper()
	ds, err := catalogue.DefaultDistricts()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := catalogue.DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Seed(ctx, ds, tax, nil); err != nil {
		t.Fatal(err)
	}
}

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// record makes a stored volunteer (or another kind) with id.
func record(k catalogue.Kind, id, name string) catalogue.Record {
	return catalogue.Record{Header: catalogue.Header{ID: id, Kind: k, Version: 1, CreatedAt: now, UpdatedAt: now},
		Name: name, Status: catalogue.StatusActive, Districts: []string{"eselsberg"}, HelpKinds: []string{"einkaufshilfe"},
		Doc: []byte(fmt.Sprintf(`{"name":%q,"contact":{"phone":"0731 1"}}`, name))}
}

func event(action string, ids ...string) *catalogue.AuditEvent {
	return &catalogue.AuditEvent{At: now, TokenID: "t1", TokenName: "Test", Action: action, Kind: catalogue.KindVolunteer, EntryIDs: ids}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func allOrNone(t *testing.T, s catalogue.Store) {
	_, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_c", "C"), event("create", "vol_c"))
	must(t, err)
	stale := record(catalogue.KindVolunteer, "vol_c", "C changed")
	stale.Version = 3
	_, err = s.WriteEntries(ctx, []catalogue.Record{record(catalogue.KindVolunteer, "vol_a", "A"), record(catalogue.KindVolunteer, "vol_b", "B")},
		[]catalogue.Replacement{{Record: stale, Expected: 2}}, event("import", "vol_a", "vol_b", "vol_c"))
	if !errors.Is(err, catalogue.ErrVersionMismatch) {
		t.Fatalf("a stale update among creates: %v, want a version mismatch", err)
	}
	for _, id := range []string{"vol_a", "vol_b"} {
		if _, err := s.Entry(ctx, catalogue.KindVolunteer, id); !errors.Is(err, catalogue.ErrNotFound) {
			t.Errorf("%s was written by a refused import: %v", id, err)
		}
		if evs, _ := s.AuditOf(ctx, id); len(evs) != 0 {
			t.Errorf("the audit event of a refused import was kept: %v", evs)
		}
	}
	if r, err := s.Entry(ctx, catalogue.KindVolunteer, "vol_c"); err != nil || r.Name != "C" || r.Version != 1 {
		t.Errorf("the stale update changed vol_c: %+v %v", r, err)
	}
	next := record(catalogue.KindVolunteer, "vol_c", "C changed")
	next.Version = 2
	seqs, err := s.WriteEntries(ctx, []catalogue.Record{record(catalogue.KindVolunteer, "vol_a", "A")}, []catalogue.Replacement{{Record: next, Expected: 1}}, event("import", "vol_a", "vol_c"))
	if err != nil || len(seqs) != 2 || seqs[0] >= seqs[1] {
		t.Fatalf("import: %v %v", seqs, err)
	}
	if r, _ := s.Entry(ctx, catalogue.KindVolunteer, "vol_c"); r.Name != "C changed" || r.Version != 2 {
		t.Errorf("after the import: %+v", r)
	}
}

func commitOrder(t *testing.T, s catalogue.Store) {
	var seqs []int64
	for _, id := range []string{"vol_1", "vol_2"} {
		seq, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, id, id), nil)
		must(t, err)
		seqs = append(seqs, seq)
	}
	r := record(catalogue.KindVolunteer, "vol_1", "eins")
	r.Version = 2
	seq, err := s.UpdateEntry(ctx, r, 1, nil)
	must(t, err)
	seqs = append(seqs, seq)
	erased, err := s.EraseEntry(ctx, catalogue.KindVolunteer, "vol_2", nil)
	must(t, err)
	seqs = append(seqs, erased)
	if !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Errorf("change numbers %v are not strictly increasing", seqs)
	}
	n, last, err := s.Fingerprint(ctx)
	if err != nil || n != 1 || last != seqs[len(seqs)-1] {
		t.Errorf("fingerprint %d %d %v, want 1 entry and change %d", n, last, err, seqs[len(seqs)-1])
	}
	if got, _ := s.Entry(ctx, catalogue.KindVolunteer, "vol_1"); got.Seq != seqs[2] {
		t.Errorf("the entry carries change %d, its last write was %d", got.Seq, seqs[2])
	}
}

func versions(t *testing.T, s catalogue.Store) {
	_, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_v", "V"), nil)
	must(t, err)
	r := record(catalogue.KindVolunteer, "vol_v", "V2")
	r.Version = 2
	if _, err := s.UpdateEntry(ctx, r, 7, nil); !errors.Is(err, catalogue.ErrVersionMismatch) {
		t.Errorf("stale update: %v", err)
	}
	r.ID = "vol_nobody"
	if _, err := s.UpdateEntry(ctx, r, 1, nil); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("update of nobody: %v", err)
	}
	r.ID, r.Kind = "vol_v", catalogue.KindOffer
	if _, err := s.UpdateEntry(ctx, r, 1, nil); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("update as another kind: %v", err)
	}
}

func auditWithChange(t *testing.T, s catalogue.Store) {
	_, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_x", "X"), event("create", "vol_x"))
	must(t, err)
	evs, err := s.AuditOf(ctx, "vol_x")
	if err != nil || len(evs) != 1 || evs[0].Action != "create" || evs[0].TokenID != "t1" {
		t.Errorf("audit of vol_x: %+v %v", evs, err)
	}
	list, total, err := s.ListAudit(ctx, catalogue.AuditFilter{EntryID: "vol_x", Page: catalogue.Page{Limit: 10}})
	if err != nil || total != 1 || len(list) != 1 {
		t.Errorf("audit list: %d %v", total, err)
	}
}

func erasure(t *testing.T, s catalogue.Store) {
	_, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_e", "Erika"), event("create", "vol_e"))
	must(t, err)
	_, err = s.EraseEntry(ctx, catalogue.KindVolunteer, "vol_e", event("erase", "vol_e"))
	must(t, err)
	if _, err := s.Entry(ctx, catalogue.KindVolunteer, "vol_e"); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("erased entry read: %v", err)
	}
	if _, err := s.EraseEntry(ctx, catalogue.KindVolunteer, "vol_e", nil); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("erased twice: %v", err)
	}
	must(t, s.EachEntry(ctx, func(r catalogue.Record) error {
		if r.ID == "vol_e" {
			t.Error("EachEntry passes an erased entry")
		}
		return nil
	}))
	evs, _ := s.AuditOf(ctx, "vol_e")
	if len(evs) != 2 || evs[1].Action != "erase" {
		t.Errorf("the audit log keeps that she was erased: %+v", evs)
	}
}

func duplicateID(t *testing.T, s catalogue.Store) {
	_, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_d", "D"), nil)
	must(t, err)
	if _, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_d", "D again"), nil); !errors.Is(err, catalogue.ErrConflict) {
		t.Errorf("the same id twice: %v", err)
	}
}

func lookUps(t *testing.T, s catalogue.Store) {
	var recs []catalogue.Record
	var ids []string
	for i := range 1203 { // more than one batch of a store that asks in batches
		id := fmt.Sprintf("vol_%04d", i)
		recs, ids = append(recs, record(catalogue.KindVolunteer, id, fmt.Sprintf("Name %d", i%10))), append(ids, id)
	}
	recs = append(recs, record(catalogue.KindOffer, "off_1", "Name 1"))
	_, err := s.WriteEntries(ctx, recs, nil, nil)
	must(t, err)
	names := 0
	must(t, s.EntryNames(ctx, catalogue.KindVolunteer, func(id, name string) error {
		if id == "off_1" {
			t.Error("EntryNames of volunteers passes an offer")
		}
		names++
		return nil
	}))
	if names != 1203 {
		t.Errorf("%d names, want 1203", names)
	}
	got := map[string]bool{}
	must(t, s.EntriesByID(ctx, catalogue.KindVolunteer, append(ids, "vol_nobody", "off_1"), func(r catalogue.Record) error {
		got[r.ID] = true
		if string(r.Doc) == "" || r.Name == "" {
			t.Errorf("%s read without its document", r.ID)
		}
		return nil
	}))
	if len(got) != 1203 || got["off_1"] || got["vol_nobody"] {
		t.Errorf("EntriesByID found %d, off_1 %v, nobody %v", len(got), got["off_1"], got["vol_nobody"])
	}
}

func providers(t *testing.T, s catalogue.Store) {
	p := catalogue.Provider{ID: "prv_1", Version: 1, Status: catalogue.StatusActive, CreatedAt: now, UpdatedAt: now,
		ProviderInput: catalogue.ProviderInput{Name: "AG West e.V."}}
	must(t, s.CreateProvider(ctx, p))
	if err := s.CreateProvider(ctx, p); !errors.Is(err, catalogue.ErrConflict) {
		t.Errorf("the same provider twice: %v", err)
	}
	p.Name, p.Version = "AG West", 2
	if err := s.UpdateProvider(ctx, p, 5); !errors.Is(err, catalogue.ErrVersionMismatch) {
		t.Errorf("stale provider update: %v", err)
	}
	must(t, s.UpdateProvider(ctx, p, 1))
	if got, err := s.Provider(ctx, "prv_1"); err != nil || got.Name != "AG West" || got.Version != 2 {
		t.Errorf("provider: %+v %v", got, err)
	}
	if _, err := s.Provider(ctx, "prv_nobody"); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("unknown provider: %v", err)
	}
}

func synonyms(t *testing.T, s catalogue.Store) {
	syn := catalogue.Synonym{Word: "NBH", Means: "Nachbarschaftshilfe"}
	created, err := s.PutSynonym(ctx, "nbh", syn)
	if err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	syn.Means = "Nachbarschaftshilfen"
	if created, err := s.PutSynonym(ctx, "nbh", syn); err != nil || created {
		t.Errorf("replace: %v %v", created, err)
	}
	list, err := s.Synonyms(ctx)
	if err != nil || len(list) != 1 || list[0].Means != "Nachbarschaftshilfen" {
		t.Errorf("synonyms: %+v %v", list, err)
	}
	must(t, s.DeleteSynonym(ctx, "nbh"))
	if err := s.DeleteSynonym(ctx, "nbh"); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}
