package index_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"massanzug/access"
	"massanzug/catalogue"
)

// TestNoHiddenEntryLeaks: entries a role may not see appear in no hit, no
// total and no facet count.
func TestNoHiddenEntryLeaks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	admin := access.Principal{Role: access.RoleAdmin}
	p1, _ := w.svc.CreateProvider(ctx, admin, catalogue.ProviderInput{Name: "AG West"})
	p2, _ := w.svc.CreateProvider(ctx, admin, catalogue.ProviderInput{Name: "Caritas"})
	prov1 := access.Principal{Role: access.RoleProvider, ProviderID: p1.ID, TokenID: "p1"}
	// Every word "geheim" marks an entry some role must not find.
	visible := w.volunteer("Sichtbar Aktiv", "Zauberwort", "eselsberg", "Eselsberg", "besuchsdienst")
	paused := w.volunteer("Geheim Pausiert", "Zauberwort", "eselsberg", "Eselsberg", "besuchsdienst")
	if _, err := w.svc.UpdateVolunteer(ctx, rm, paused, 1, catalogue.VolunteerInput{Name: "Geheim Pausiert", LifeExperience: "Zauberwort",
		Home: catalogue.Place{District: "eselsberg"}, Districts: []string{"eselsberg"}, HelpKinds: []string{"besuchsdienst"}, Capacity: 1,
		Consent: &catalogue.Consent{GivenOn: "2026-01-01"}, Status: catalogue.StatusPaused, Languages: []catalogue.LanguageSkill{{Code: "ar", Level: "native"}}}); err != nil {
		t.Fatal(err)
	}
	offer := func(p access.Principal, name, provider, from, until string) string {
		o, err := w.svc.CreateOffer(ctx, p, catalogue.OfferInput{ProviderID: provider, Name: name, Description: "Zauberwort", Category: "beratung",
			HelpKinds: []string{"beratung_test_never"}[:0:0], Districts: []string{"eselsberg"}, ValidFrom: from, ValidUntil: until})
		if err == nil {
			return o.ID
		}
		// help_kinds is required: use a real one
		o, err = w.svc.CreateOffer(ctx, p, catalogue.OfferInput{ProviderID: provider, Name: name, Description: "Zauberwort", Category: "beratung",
			HelpKinds: []string{"schuldnerberatung"}, Districts: []string{"eselsberg"}, ValidFrom: from, ValidUntil: until})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	approved := offer(rm, "Sichtbar Angebot", p2.ID, "", "")
	expired := offer(rm, "Geheim Abgelaufen", p2.ID, "2025-01-01", "2025-12-31")
	submittedOwn := offer(prov1, "Eigenes Eingereicht", "", "", "")
	// A provider's own offer out of its period stays visible to them.
	expiredOwn := offer(rm, "Eigenes Abgelaufen", prov1.ProviderID, "2025-01-01", "2025-12-31")
	submittedOther := offer(access.Principal{Role: access.RoleProvider, ProviderID: p2.ID}, "Geheim Fremd Eingereicht", "", "", "")
	archived := offer(rm, "Geheim Archiviert", p2.ID, "", "")
	if err := w.svc.ArchiveOffer(ctx, rm, archived, 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who   string
		p     access.Principal
		want  []string
		total int
	}{
		{"case manager", fm, []string{visible, approved}, 2},
		// A provider sees its own offers only, as on GET (404 for others').
		{"provider", prov1, []string{submittedOwn, expiredOwn}, 2},
		{"staff", rm, []string{visible, paused, approved, expired, submittedOwn, expiredOwn, submittedOther}, 7},
	} {
		res := w.search(c.p, catalogue.SearchQuery{Text: "Zauberwort"})
		got := map[string]bool{}
		for _, h := range res.Items {
			got[h.ID] = true
			if c.p.Role != access.RoleResourceManager && strings.Contains(h.Name, "Geheim") {
				t.Errorf("%s finds hidden %q", c.who, h.Name)
			}
		}
		for _, id := range c.want {
			if !got[id] {
				t.Errorf("%s misses %s: %s", c.who, id, names(res))
			}
		}
		if res.Total != c.total || len(res.Items) != c.total {
			t.Errorf("%s: total %d, %d hits, want %d", c.who, res.Total, len(res.Items), c.total)
		}
		sum := 0
		for _, f := range res.Facets["kind"] {
			sum += f.Count
		}
		if sum != c.total {
			t.Errorf("%s: kind facet counts %d, want %d: %v", c.who, sum, c.total, res.Facets)
		}
		for _, f := range res.Facets["language"] {
			if f.Value == "ar" && c.p.Role != access.RoleResourceManager {
				t.Errorf("%s: the paused volunteer's language leaks through the facet", c.who)
			}
		}
		// Without text, with filters only, the same holds.
		if all := w.search(c.p, catalogue.SearchQuery{District: "eselsberg"}); all.Total != c.total {
			t.Errorf("%s: filter-only total %d, want %d", c.who, all.Total, c.total)
		}
	}
	if res := w.search(prov1, catalogue.SearchQuery{Kinds: []catalogue.Kind{catalogue.KindVolunteer}}); res.Total != 0 {
		t.Errorf("a provider finds volunteers: %s", names(res))
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Zauberwort", Status: catalogue.StatusArchived}); res.Total != 1 {
		t.Errorf("staff cannot find archived entries on request: %s", names(res))
	}
	if _, err := w.svc.Search(ctx, access.Principal{Role: access.RoleAdmin}, w.ix, catalogue.SearchQuery{}); err == nil {
		t.Error("the admin searches personal data")
	}
}

func TestGeoFiltersAndFacets(t *testing.T) {
	w := newWorld(t)
	near := w.volunteer("Nah Weststadt", "Einkauf", "weststadt-soeflingen", "Weststadt", "einkaufshilfe")
	mid := w.volunteer("Mittel Söflingen", "Einkauf", "weststadt-soeflingen", "Söflingen", "einkaufshilfe")
	far := w.volunteer("Fern Göggingen", "Einkauf", "wiblingen", "Göggingen", "einkaufshilfe")
	res := w.search(fm, catalogue.SearchQuery{NearQuarter: "Weststadt", Sort: "distance"})
	if len(res.Items) != 3 || res.Items[0].ID != near || res.Items[1].ID != mid || res.Items[2].ID != far {
		t.Fatalf("by distance: %s", names(res))
	}
	if d := res.Items[1].DistanceKM; d == nil || *d < 0.5 || *d > 2 {
		t.Errorf("Weststadt to Söflingen: %v km", d)
	}
	if res := w.search(fm, catalogue.SearchQuery{NearQuarter: "Weststadt", RadiusKM: 3}); res.Total != 2 {
		t.Errorf("within 3 km: %s", names(res))
	}
	if res := w.search(fm, catalogue.SearchQuery{Quarter: "Göggingen"}); res.Total != 1 || res.Items[0].ID != far {
		t.Errorf("quarter filter: %s", names(res))
	}
	res = w.search(fm, catalogue.SearchQuery{Text: "Einkauf"})
	counts := map[string]int{}
	for _, f := range res.Facets["district"] {
		counts[f.Value] = f.Count
	}
	if counts["weststadt-soeflingen"] != 2 || counts["wiblingen"] != 1 {
		t.Errorf("district facet: %v", res.Facets["district"])
	}
	if len(res.Items) == 0 || len(res.Items[0].Highlights) == 0 {
		t.Errorf("no highlights: %+v", res.Items)
	}
}

// TestHitsShowTheirOwnEntry: after many changes (each a new document in a
// new segment, the old one deleted but not yet merged away), every hit
// shows its entry as stored now, and the scope follows the status of now.
func TestHitsShowTheirOwnEntry(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	var ids []string
	for i := range 40 {
		ids = append(ids, w.volunteer(fmt.Sprintf("Helferin %02d", i), "Sammelwort", "eselsberg", "Eselsberg", "einkaufshilfe"))
	}
	for round := range 3 {
		for i, id := range ids {
			if (i+round)%3 != 0 {
				continue
			}
			v, err := w.svc.Volunteer(ctx, rm, id)
			if err != nil {
				t.Fatal(err)
			}
			in := v.VolunteerInput
			in.Name = fmt.Sprintf("Helferin %02d Runde %d", i, round)
			in.Status = []catalogue.Status{catalogue.StatusActive, catalogue.StatusPaused}[(i+round)%2]
			if _, err := w.svc.UpdateVolunteer(ctx, rm, id, v.Version, in); err != nil {
				t.Fatal(err)
			}
			// Search at once, while the snapshot still holds the deleted
			// document: each hit must show what is stored now.
			for _, h := range w.search(rm, catalogue.SearchQuery{Text: "Sammelwort", Page: catalogue.Page{Limit: 100}}).Items {
				if h.ID == id && h.Name != in.Name {
					t.Fatalf("right after the change, %s shows %q, stored %q", id, h.Name, in.Name)
				}
			}
		}
	}
	for _, p := range []access.Principal{rm, fm} {
		res := w.search(p, catalogue.SearchQuery{Text: "Sammelwort", Page: catalogue.Page{Limit: 100}})
		active := 0
		for _, id := range ids {
			v, err := w.svc.Volunteer(ctx, rm, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status == catalogue.StatusActive {
				active++
			}
		}
		want := map[access.Role]int{access.RoleResourceManager: len(ids), access.RoleCaseManager: active}[p.Role]
		if res.Total != want || len(res.Items) != want {
			t.Errorf("%s: total %d, %d hits, want %d", p.Role, res.Total, len(res.Items), want)
		}
		for _, h := range res.Items {
			v, err := w.svc.Volunteer(ctx, rm, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if h.Name != v.Name || h.Status != v.Status {
				t.Errorf("%s: hit %s shows %q (%s), stored %q (%s)", p.Role, h.ID, h.Name, h.Status, v.Name, v.Status)
			}
			if p.Role == access.RoleCaseManager && v.Status != catalogue.StatusActive {
				t.Errorf("case manager finds %s, %s", h.ID, v.Status)
			}
		}
	}
}
