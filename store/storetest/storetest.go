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
	"sync"
	"testing"
	"time"

	"massanzug/access"
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
		{"a bulk write is all or none too", bulkAllOrNone},
		{"change numbers follow commit order", commitOrder},
		{"no change number shows before a smaller one", visibleInOrder},
		{"changes are read after a change number, in order", changesAfter},
		{"versions guard updates", versions},
		{"the audit event is written with the change", auditWithChange},
		{"erasure is for good", erasure},
		{"an id is taken once", duplicateID},
		{"names and ids are looked up by kind", lookUps},
		{"providers have versions", providers},
		{"synonyms are created, replaced and deleted", synonyms},
		{"reference data is seeded once and kept", reference},
		{"tokens are kept as hashes and revoked once", tokens},
		{"lists filter and count", lists},
		{"the audit log filters by entry, token, action and period", auditFilters},
		{"an unmet need is counted once per case", unmet},
		{"the review queue holds what is due", reviewQueue},
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

func reference(t *testing.T, s catalogue.Store) {
	ds, _ := catalogue.DefaultDistricts()
	tax, _ := catalogue.DefaultTaxonomy()
	must(t, s.Seed(ctx, ds, tax, nil)) // again: nothing doubles
	got, err := s.Districts(ctx)
	if err != nil || len(got) != len(ds) || got[0].ID != ds[0].ID || len(got[0].Quarters) != len(ds[0].Quarters) {
		t.Fatalf("districts: %d %v", len(got), err)
	}
	d := ds[0]
	d.Name = "Neu"
	if created, err := s.PutDistrict(ctx, d); err != nil || created {
		t.Errorf("replace a district: %v %v", created, err)
	}
	d.ID, d.Name = "neustadt", "Neustadt"
	if created, err := s.PutDistrict(ctx, d); err != nil || !created {
		t.Errorf("add a district: %v %v", created, err)
	}
	if got, _ := s.Districts(ctx); got[0].Name != "Neu" || got[len(got)-1].ID != "neustadt" {
		t.Errorf("districts keep their order, a new one last: %v", got)
	}
	term := catalogue.Term{Code: "lesepaten", Label: "Lesepatenschaft", Theme: tax.Themes[0].Code, Minors: true,
		ProvidedBy: []catalogue.Kind{catalogue.KindVolunteer}, NeedsCar: true}
	must(t, s.AddTerm(ctx, catalogue.VocabHelpKinds, term))
	if err := s.AddTerm(ctx, catalogue.VocabHelpKinds, term); !errors.Is(err, catalogue.ErrConflict) {
		t.Errorf("a code twice: %v", err)
	}
	term.Label = "Lesepatenschaften"
	must(t, s.UpdateTerm(ctx, catalogue.VocabHelpKinds, term))
	if err := s.UpdateTerm(ctx, catalogue.VocabHelpKinds, catalogue.Term{Code: "nichts", Label: "x"}); !errors.Is(err, catalogue.ErrNotFound) {
		t.Errorf("update of an unknown term: %v", err)
	}
	got2, err := s.Taxonomy(ctx)
	must(t, err)
	h, ok := got2.HelpKind("lesepaten")
	if !ok || h.Label != "Lesepatenschaften" || !h.Minors || !h.NeedsCar || len(h.ProvidedBy) != 1 || h.Theme != tax.Themes[0].Code {
		t.Errorf("the term as stored: %+v", h)
	}
	if len(got2.TargetGroups) != len(tax.TargetGroups) || len(got2.OfferCategories) != len(tax.OfferCategories) {
		t.Errorf("vocabularies: %d %d", len(got2.TargetGroups), len(got2.OfferCategories))
	}
}

func tokens(t *testing.T, s catalogue.Store) {
	p := catalogue.Provider{ID: "prv_t", Version: 1, Status: catalogue.StatusActive, CreatedAt: now, UpdatedAt: now, ProviderInput: catalogue.ProviderInput{Name: "T"}}
	must(t, s.CreateProvider(ctx, p))
	tok := access.Token{ID: "tok1", Name: "RM West", Role: access.RoleResourceManager, Districts: []string{"eselsberg"}, CreatedAt: now, SecretHash: []byte{1, 2, 3}}
	must(t, s.CreateToken(ctx, tok))
	must(t, s.CreateToken(ctx, access.Token{ID: "tok2", Name: "Träger", Role: access.RoleProvider, ProviderID: "prv_t", CreatedAt: now.Add(time.Hour), SecretHash: []byte{4}}))
	got, err := s.TokenByID(ctx, "tok1")
	if err != nil || got.Name != "RM West" || string(got.SecretHash) != "\x01\x02\x03" || len(got.Districts) != 1 || got.RevokedAt != nil {
		t.Errorf("token: %+v %v", got, err)
	}
	if _, err := s.TokenByID(ctx, "nobody"); !errors.Is(err, access.ErrTokenNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "tok2" {
		t.Errorf("tokens, newest first: %+v %v", list, err)
	}
	must(t, s.RevokeToken(ctx, "tok1", now))
	must(t, s.RevokeToken(ctx, "tok1", now.Add(time.Hour))) // the first revocation stays
	if got, _ := s.TokenByID(ctx, "tok1"); got.RevokedAt == nil || !got.RevokedAt.Equal(now) {
		t.Errorf("revoked at %v, want %v", got.RevokedAt, now)
	}
	if err := s.RevokeToken(ctx, "nobody", now); !errors.Is(err, access.ErrTokenNotFound) {
		t.Errorf("revoke nobody: %v", err)
	}
	if ok, err := s.ProviderExists(ctx, "prv_t"); err != nil || !ok {
		t.Errorf("provider exists: %v %v", ok, err)
	}
	if ok, _ := s.ProviderExists(ctx, "prv_nobody"); ok {
		t.Error("an unknown provider exists")
	}
}

func lists(t *testing.T, s catalogue.Store) {
	p := catalogue.Provider{ID: "prv_l", Version: 1, Status: catalogue.StatusActive, CreatedAt: now, UpdatedAt: now, ProviderInput: catalogue.ProviderInput{Name: "L"}}
	must(t, s.CreateProvider(ctx, p))
	var recs []catalogue.Record
	for i := range 7 {
		r := record(catalogue.KindVolunteer, fmt.Sprintf("vol_l%d", i), fmt.Sprintf("Person %d", i))
		if i%2 == 1 {
			r.Status, r.Districts = catalogue.StatusPaused, []string{"boefingen"}
		}
		recs = append(recs, r)
	}
	o := record(catalogue.KindOffer, "off_l", "Kurs")
	o.Status, o.ProviderID, o.HelpKinds, o.ValidFrom, o.ValidUntil = catalogue.StatusApproved, "prv_l", []string{"begegnung"}, "2026-01-01", "2026-06-30"
	recs = append(recs, o)
	_, err := s.WriteEntries(ctx, recs, nil, nil)
	must(t, err)
	for _, c := range []struct {
		f     catalogue.EntryFilter
		total int
	}{
		{catalogue.EntryFilter{Kind: catalogue.KindVolunteer, Page: catalogue.Page{Limit: 2}}, 7},
		{catalogue.EntryFilter{Kind: catalogue.KindVolunteer, Statuses: []catalogue.Status{catalogue.StatusPaused}, Page: catalogue.Page{Limit: 10}}, 3},
		{catalogue.EntryFilter{Kind: catalogue.KindVolunteer, District: "boefingen", Page: catalogue.Page{Limit: 10}}, 3},
		{catalogue.EntryFilter{Kind: catalogue.KindVolunteer, AnyDistrict: []string{"eselsberg", "wiblingen"}, Page: catalogue.Page{Limit: 10}}, 4},
		{catalogue.EntryFilter{Kind: catalogue.KindOffer, HelpKind: "begegnung", ProviderID: "prv_l", Page: catalogue.Page{Limit: 10}}, 1},
		{catalogue.EntryFilter{Kind: catalogue.KindOffer, CurrentOn: "2026-12-01", Page: catalogue.Page{Limit: 10}}, 0},
		{catalogue.EntryFilter{Kind: catalogue.KindOffer, CurrentOn: "2026-03-01", Page: catalogue.Page{Limit: 10}}, 1},
	} {
		got, total, err := s.ListEntries(ctx, c.f)
		if err != nil || total != c.total || len(got) != min(c.total, c.f.Limit) {
			t.Errorf("%+v: %d of %d (%v), want %d", c.f, len(got), total, err, c.total)
		}
	}
	page2, _, _ := s.ListEntries(ctx, catalogue.EntryFilter{Kind: catalogue.KindVolunteer, Page: catalogue.Page{Limit: 2, Offset: 2}})
	page1, _, _ := s.ListEntries(ctx, catalogue.EntryFilter{Kind: catalogue.KindVolunteer, Page: catalogue.Page{Limit: 2}})
	if len(page1) != 2 || len(page2) != 2 || page1[0].ID == page2[0].ID {
		t.Errorf("pages overlap: %v / %v", page1, page2)
	}
	if n, err := s.CountEntries(ctx); err != nil || n != 8 {
		t.Errorf("count: %d %v", n, err)
	}
}

func auditFilters(t *testing.T, s catalogue.Store) {
	for i, e := range []catalogue.AuditEvent{
		{At: now, TokenID: "t1", TokenName: "A", Action: "read", Kind: catalogue.KindVolunteer, EntryIDs: []string{"vol_1"}},
		{At: now.Add(time.Hour), TokenID: "t2", TokenName: "B", Action: "search", Kind: catalogue.KindVolunteer, EntryIDs: []string{"vol_1", "vol_2"}},
		{At: now.Add(2 * time.Hour), TokenID: "t1", TokenName: "A", Action: "export", Kind: catalogue.KindVolunteer, EntryIDs: []string{"vol_3"}},
	} {
		if err := s.Audit(ctx, e); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	page := catalogue.Page{Limit: 10}
	for _, c := range []struct {
		f    catalogue.AuditFilter
		want int
	}{
		{catalogue.AuditFilter{Page: page}, 3},
		{catalogue.AuditFilter{EntryID: "vol_1", Page: page}, 2},
		{catalogue.AuditFilter{TokenID: "t1", Page: page}, 2},
		{catalogue.AuditFilter{Action: "search", Page: page}, 1},
		{catalogue.AuditFilter{From: now.Add(time.Hour), Until: now.Add(2 * time.Hour), Page: page}, 1},
	} {
		got, total, err := s.ListAudit(ctx, c.f)
		if err != nil || total != c.want || len(got) != c.want {
			t.Errorf("%+v: %d of %d (%v), want %d", c.f, len(got), total, err, c.want)
		}
	}
	evs, err := s.AuditOf(ctx, "vol_1")
	if err != nil || len(evs) != 2 || !evs[0].At.Before(evs[1].At) {
		t.Errorf("audit of vol_1, oldest first: %+v %v", evs, err)
	}
}

func unmet(t *testing.T, s catalogue.Store) {
	for _, key := range []string{"case-1", "case-1", "case-2", ""} {
		must(t, s.CountUnmet(ctx, "eselsberg", "einkaufshilfe", "2026-11", key))
	}
	must(t, s.CountUnmet(ctx, "boefingen", "besuchsdienst", "2026-12", ""))
	got, err := s.UnmetNeeds(ctx, "eselsberg", "")
	if err != nil || len(got) != 1 || got[0].Count != 3 || got[0].Month != "2026-11" {
		t.Errorf("unmet needs at Eselsberg: %+v %v", got, err)
	}
	all, _ := s.UnmetNeeds(ctx, "", "")
	if len(all) != 2 || all[0].Month != "2026-12" {
		t.Errorf("unmet needs, newest month first: %+v", all)
	}
}

func reviewQueue(t *testing.T, s catalogue.Store) {
	old, recent := now.AddDate(-2, 0, 0), now.AddDate(0, -1, 0)
	never := record(catalogue.KindVolunteer, "vol_never", "Nie")
	due := record(catalogue.KindVolunteer, "vol_due", "Fällig")
	due.VerifiedAt = &old
	fresh := record(catalogue.KindVolunteer, "vol_fresh", "Frisch")
	fresh.VerifiedAt = &recent
	gone := record(catalogue.KindVolunteer, "vol_gone", "Archiviert")
	gone.Status = catalogue.StatusArchived
	ended := record(catalogue.KindOffer, "off_ended", "Vorbei")
	ended.Status, ended.VerifiedAt, ended.ValidUntil = catalogue.StatusApproved, &recent, "2026-06-30"
	p := catalogue.Provider{ID: "prv_r", Version: 1, Status: catalogue.StatusActive, CreatedAt: now, UpdatedAt: now, ProviderInput: catalogue.ProviderInput{Name: "R"}}
	must(t, s.CreateProvider(ctx, p))
	ended.ProviderID = "prv_r"
	_, err := s.WriteEntries(ctx, []catalogue.Record{never, due, fresh, gone, ended}, nil, nil)
	must(t, err)
	got, total, err := s.ReviewQueue(ctx, catalogue.ReviewQuery{VerifiedBefore: now.AddDate(-1, 0, 0), Today: "2026-12-01", Page: catalogue.Page{Limit: 10}})
	ids := map[string]bool{}
	for _, r := range got {
		ids[r.ID] = true
	}
	if err != nil || total != 3 || !ids["vol_never"] || !ids["vol_due"] || !ids["off_ended"] {
		t.Errorf("review queue: %v (%d) %v", ids, total, err)
	}
}

// visibleInOrder: while writers commit at once, a reader never sees a
// change number before every smaller one is visible too — what a derived
// view that catches up from the last number it saw relies on.
func visibleInOrder(t *testing.T, s catalogue.Store) {
	const writers, each = 4, 40
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, fmt.Sprintf("vol_w%d_%d", w, i), "W"), nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	for reads := 0; ; reads++ {
		finished := false
		select {
		case <-done:
			finished = true
		default:
		}
		recs, _, err := s.ListEntries(ctx, catalogue.EntryFilter{Kind: catalogue.KindVolunteer, Page: catalogue.Page{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		seqs := make([]int64, len(recs))
		for i, r := range recs {
			seqs[i] = r.Seq
		}
		slices.Sort(seqs)
		for i, seq := range seqs {
			if seq != int64(i+1) {
				t.Fatalf("read %d sees change %d but not %d: %v", reads, seq, i+1, seqs)
			}
		}
		if finished {
			if len(seqs) != writers*each {
				t.Fatalf("%d entries, want %d", len(seqs), writers*each)
			}
			return
		}
	}
}

// changesAfter: what another instance reads of the writes it did not
// make: the last write of each entry and the erasures, in change order,
// in pages.
func changesAfter(t *testing.T, s catalogue.Store) {
	_, before, err := s.Fingerprint(ctx)
	must(t, err)
	var seqs []int64
	for _, id := range []string{"vol_a", "vol_b", "vol_c"} {
		seq, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, id, id), nil)
		must(t, err)
		seqs = append(seqs, seq)
	}
	r := record(catalogue.KindVolunteer, "vol_a", "A again")
	r.Version = 2
	seq, err := s.UpdateEntry(ctx, r, 1, nil)
	must(t, err)
	seqs = append(seqs, seq)
	seq, err = s.EraseEntry(ctx, catalogue.KindVolunteer, "vol_b", nil)
	must(t, err)
	seqs = append(seqs, seq)
	// vol_a's first write and vol_b's are superseded: c, a's update, b's
	// erasure remain, in that order.
	type got struct {
		seq        int64
		id, erased string
	}
	want := []got{{seqs[2], "vol_c", ""}, {seqs[3], "vol_a", ""}, {seqs[4], "", "vol_b"}}
	read := func(after int64, limit int) []got {
		cs, err := s.ChangesAfter(ctx, after, limit)
		must(t, err)
		var out []got
		for _, c := range cs {
			out = append(out, got{c.Seq, c.Record.ID, c.Erased})
			if c.Erased == "" && c.Record.Seq != c.Seq {
				t.Errorf("change %d carries record of change %d", c.Seq, c.Record.Seq)
			}
		}
		return out
	}
	if all := read(before, 100); !slices.Equal(all, want) {
		t.Errorf("changes after %d: %v, want %v", before, all, want)
	}
	if page := read(before, 2); !slices.Equal(page, want[:2]) {
		t.Errorf("first page of two: %v, want %v", page, want[:2])
	}
	if rest := read(seqs[3], 2); !slices.Equal(rest, want[2:]) {
		t.Errorf("after %d: %v, want %v", seqs[3], rest, want[2:])
	}
	if none := read(seqs[4], 10); len(none) != 0 {
		t.Errorf("after the last change: %v", none)
	}
	if a := read(seqs[2], 1); len(a) != 1 || a[0].id != "vol_a" {
		t.Errorf("the update comes with the record as it is now: %v", a)
	} else if cs, _ := s.ChangesAfter(ctx, seqs[2], 1); cs[0].Record.Name != "A again" || cs[0].Record.Version != 2 ||
		!slices.Equal(cs[0].Record.HelpKinds, []string{"einkaufshilfe"}) || !slices.Equal(cs[0].Record.Districts, []string{"eselsberg"}) {
		t.Errorf("record of the update: %+v", cs[0].Record)
	}
}

// bulkAllOrNone: an import's many creates (which a store may write another
// way than a few) keep every promise of a few: all or none with a stale
// update, change numbers strictly rising in the order given, every link.
func bulkAllOrNone(t *testing.T, s catalogue.Store) {
	_, err := s.CreateEntry(ctx, record(catalogue.KindVolunteer, "vol_c", "C"), nil)
	must(t, err)
	var many []catalogue.Record
	for i := range 300 {
		many = append(many, record(catalogue.KindVolunteer, fmt.Sprintf("vol_%03d", i), fmt.Sprintf("Name %d", i)))
	}
	stale := record(catalogue.KindVolunteer, "vol_c", "C changed")
	stale.Version = 3
	if _, err := s.WriteEntries(ctx, many, []catalogue.Replacement{{Record: stale, Expected: 2}}, event("import")); !errors.Is(err, catalogue.ErrVersionMismatch) {
		t.Fatalf("a stale update among 300 creates: %v", err)
	}
	if n, _, _ := s.Fingerprint(ctx); n != 1 {
		t.Errorf("a refused bulk write left %d entries", n)
	}
	next := record(catalogue.KindVolunteer, "vol_c", "C changed")
	next.Version = 2
	seqs, err := s.WriteEntries(ctx, many, []catalogue.Replacement{{Record: next, Expected: 1}}, event("import"))
	must(t, err)
	if len(seqs) != 301 || !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != 301 {
		t.Fatalf("change numbers of a bulk write: %d, sorted %v", len(seqs), slices.IsSorted(seqs))
	}
	for i, id := range []string{"vol_000", "vol_299"} {
		r, err := s.Entry(ctx, catalogue.KindVolunteer, id)
		if err != nil || r.Seq != seqs[i*299] || !slices.Equal(r.Districts, []string{"eselsberg"}) || !slices.Equal(r.HelpKinds, []string{"einkaufshilfe"}) {
			t.Errorf("%s after the bulk write: %+v %v", id, r, err)
		}
	}
	if _, err := s.WriteEntries(ctx, many[:100], nil, nil); !errors.Is(err, catalogue.ErrConflict) {
		t.Errorf("100 ids taken again: %v", err)
	}
}
