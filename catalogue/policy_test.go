package catalogue_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/internal/testbackend"
)

const policyToday = "2026-05-05"

var (
	rmP    = access.Principal{Role: access.RoleResourceManager, TokenID: "rm"}
	fmP    = access.Principal{Role: access.RoleCaseManager, TokenID: "fm"}
	ownP   = access.Principal{Role: access.RoleProvider, ProviderID: "prv_own", TokenID: "own"}
	adminP = access.Principal{Role: access.RoleAdmin, TokenID: "admin"}
)

// periods of an entry relative to policyToday.
var periods = map[string][2]string{
	"open":    {"", ""},
	"current": {"2026-05-05", "2026-05-05"},
	"future":  {"2026-05-06", ""},
	"ended":   {"", "2026-05-04"},
}

// TestVisibilityTable is the whole rule: role × kind × status × period ×
// provider → visible, in lists (archived not asked for) and single reads.
func TestVisibilityTable(t *testing.T) {
	type row struct {
		p        access.Principal
		kind     catalogue.Kind
		status   catalogue.Status
		period   string
		provider string
		list     bool // visible in lists and searches
		read     bool // visible on GET
	}
	V, N, O := catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer
	rows := []row{
		// Staff curate everything; archived only on request in lists.
		{rmP, V, catalogue.StatusActive, "open", "", true, true},
		{rmP, V, catalogue.StatusPaused, "open", "", true, true},
		{rmP, N, catalogue.StatusInactive, "open", "", true, true},
		{rmP, V, catalogue.StatusArchived, "open", "", false, true},
		{rmP, O, catalogue.StatusSubmitted, "future", "prv_x", true, true},
		{rmP, O, catalogue.StatusRejected, "ended", "prv_x", true, true},
		{rmP, O, catalogue.StatusArchived, "open", "prv_x", false, true},
		// Case managers: what is public now.
		{fmP, V, catalogue.StatusActive, "open", "", true, true},
		{fmP, N, catalogue.StatusActive, "open", "", true, true},
		{fmP, V, catalogue.StatusPaused, "open", "", false, false},
		{fmP, V, catalogue.StatusInactive, "open", "", false, false},
		{fmP, N, catalogue.StatusPaused, "open", "", false, false},
		{fmP, V, catalogue.StatusArchived, "open", "", false, false},
		{fmP, O, catalogue.StatusApproved, "open", "prv_x", true, true},
		{fmP, O, catalogue.StatusApproved, "current", "prv_x", true, true},
		{fmP, O, catalogue.StatusApproved, "future", "prv_x", false, false},
		{fmP, O, catalogue.StatusApproved, "ended", "prv_x", false, false},
		{fmP, O, catalogue.StatusSubmitted, "open", "prv_x", false, false},
		{fmP, O, catalogue.StatusRejected, "open", "prv_x", false, false},
		{fmP, O, catalogue.StatusArchived, "open", "prv_x", false, false},
		// Providers: their own offers in every state, nothing else.
		{ownP, O, catalogue.StatusSubmitted, "open", "prv_own", true, true},
		{ownP, O, catalogue.StatusRejected, "ended", "prv_own", true, true},
		{ownP, O, catalogue.StatusApproved, "future", "prv_own", true, true},
		{ownP, O, catalogue.StatusArchived, "open", "prv_own", false, true},
		{ownP, O, catalogue.StatusApproved, "open", "prv_x", false, false},
		{ownP, O, catalogue.StatusSubmitted, "open", "prv_x", false, false},
		{ownP, V, catalogue.StatusActive, "open", "", false, false},
		{ownP, N, catalogue.StatusActive, "open", "", false, false},
		// The admin sees no entry.
		{adminP, V, catalogue.StatusActive, "open", "", false, false},
		{adminP, O, catalogue.StatusApproved, "open", "prv_x", false, false},
	}
	for _, r := range rows {
		pr := periods[r.period]
		f := catalogue.Facts{Kind: r.kind, Status: r.status, ProviderID: r.provider, ValidFrom: pr[0], ValidUntil: pr[1]}
		list := catalogue.ScopeOf(r.p, policyToday, false)
		read := catalogue.ScopeOf(r.p, policyToday, true)
		if got := list.Decide(&f).Visible(); got != r.list {
			t.Errorf("%s %s %s %s of %q in a list: visible %v, want %v", r.p.Role, r.kind, r.status, r.period, r.provider, got, r.list)
		}
		if got := read.Decide(&f).Visible(); got != r.read {
			t.Errorf("%s %s %s %s of %q read: visible %v, want %v", r.p.Role, r.kind, r.status, r.period, r.provider, got, r.read)
		}
	}
	// Matching suggests what is public today, to whoever asks.
	pub := catalogue.PublicScope(policyToday)
	fm := catalogue.ScopeOf(fmP, policyToday, false)
	for _, k := range []catalogue.Kind{V, N, O} {
		for _, st := range []catalogue.Status{catalogue.StatusActive, catalogue.StatusPaused, catalogue.StatusApproved, catalogue.StatusSubmitted} {
			for name, pr := range periods {
				f := catalogue.Facts{Kind: k, Status: st, ValidFrom: pr[0], ValidUntil: pr[1]}
				if pub.Decide(&f) != fm.Decide(&f) {
					t.Errorf("%s %s %s: public and case manager's scope differ", k, st, name)
				}
			}
		}
	}
}

// TestFilterAgreesWithDecide: the store's form of the rule (Scope.Filter,
// run as SQL on a real database) returns exactly what Decide lets through,
// for every scope, kind, status, period, provider and status asked for.
func TestFilterAgreesWithDecide(t *testing.T) {
	ctx := context.Background()
	db := testbackend.Open(t, t.TempDir())
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"prv_own", "prv_x"} {
		if err := db.CreateProvider(ctx, catalogue.Provider{ID: id, Version: 1, Status: catalogue.StatusActive, CreatedAt: now, UpdatedAt: now,
			ProviderInput: catalogue.ProviderInput{Name: id, Districts: []string{}}}); err != nil {
			t.Fatal(err)
		}
	}
	var recs []catalogue.Record
	for _, k := range []catalogue.Kind{catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer} {
		statuses := []catalogue.Status{catalogue.StatusActive, catalogue.StatusPaused, catalogue.StatusInactive, catalogue.StatusArchived}
		providers := []string{""}
		if k == catalogue.KindOffer {
			statuses = []catalogue.Status{catalogue.StatusSubmitted, catalogue.StatusApproved, catalogue.StatusRejected, catalogue.StatusArchived}
			providers = []string{"prv_own", "prv_x"}
		}
		for _, st := range statuses {
			for name, pr := range periods {
				if k != catalogue.KindOffer && name != "open" {
					continue
				}
				for _, prov := range providers {
					for i, ds := range [][]string{{}, {"eselsberg"}, {"weststadt-soeflingen", "eselsberg"}, {"boefingen"}} {
						recs = append(recs, catalogue.Record{Header: catalogue.Header{ID: fmt.Sprintf("%s-%s-%s-%s-%d", k, st, name, prov, i), Kind: k, Version: 1,
							CreatedAt: now, UpdatedAt: now}, Name: "x", Status: st, ProviderID: prov, ValidFrom: pr[0], ValidUntil: pr[1],
							Districts: ds, HelpKinds: []string{}, Doc: []byte("{}")})
					}
				}
			}
		}
	}
	if _, err := db.WriteEntries(ctx, recs, nil, nil); err != nil {
		t.Fatal(err)
	}
	asked := []catalogue.Status{"", catalogue.StatusActive, catalogue.StatusPaused, catalogue.StatusApproved, catalogue.StatusSubmitted, catalogue.StatusArchived}
	rmWest := access.Principal{Role: access.RoleResourceManager, TokenID: "rm-west", Districts: []string{"weststadt-soeflingen", "wiblingen"}}
	for _, p := range []access.Principal{rmP, rmWest, fmP, ownP, adminP} {
		for _, k := range []catalogue.Kind{catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer} {
			for _, st := range asked {
				for _, prov := range []string{"", "prv_own", "prv_x"} {
					sc := catalogue.ScopeOf(p, policyToday, st == catalogue.StatusArchived)
					var want []string
					for _, r := range recs {
						f := catalogue.FactsOf(r)
						if r.Kind == k && (st == "" || r.Status == st) && (prov == "" || r.ProviderID == prov) && sc.Decide(&f).Visible() {
							want = append(want, r.ID)
						}
					}
					var got []string
					if f, ok := sc.Filter(k, st, prov); ok {
						f.Page = catalogue.Page{Limit: 1000}
						rs, _, err := db.ListEntries(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						for _, r := range rs {
							got = append(got, r.ID)
						}
					}
					slices.Sort(want)
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Errorf("%s lists %s (status %q, provider %q):\n got %v\nwant %v", p.Role, k, st, prov, got, want)
					}
				}
			}
		}
	}
}

// TestDistrictBinding: staff bound to districts see the volunteers and
// helps of those districts (any one of an entry's districts), offers and
// everything else city-wide; unbound staff see all.
func TestDistrictBinding(t *testing.T) {
	west := access.Principal{Role: access.RoleResourceManager, TokenID: "w", Districts: []string{"weststadt-soeflingen"}}
	for _, c := range []struct {
		p         access.Principal
		kind      catalogue.Kind
		districts []string
		want      bool
	}{
		{west, catalogue.KindVolunteer, []string{"weststadt-soeflingen"}, true},
		{west, catalogue.KindVolunteer, []string{"eselsberg", "weststadt-soeflingen"}, true},
		{west, catalogue.KindVolunteer, []string{"eselsberg"}, false},
		{west, catalogue.KindVolunteer, nil, false},
		{west, catalogue.KindNeighbourhoodHelp, []string{"eselsberg"}, false},
		{west, catalogue.KindOffer, []string{"eselsberg"}, true},
		{rmP, catalogue.KindVolunteer, []string{"eselsberg"}, true},
		{fmP, catalogue.KindVolunteer, []string{"eselsberg"}, true},
	} {
		sc := catalogue.ScopeOf(c.p, policyToday, false)
		f := catalogue.Facts{Kind: c.kind, Status: catalogue.StatusActive, Districts: c.districts}
		if c.kind == catalogue.KindOffer {
			f.Status = catalogue.StatusApproved
		}
		if got := sc.Decide(&f).Visible(); got != c.want {
			t.Errorf("%s sees %s in %v: %v, want %v", c.p.TokenID, c.kind, c.districts, got, c.want)
		}
	}
}
