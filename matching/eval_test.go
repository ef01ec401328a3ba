package matching_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/demo"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/store"
)

// evalCase is one labelled case of testdata/eval_cases.json. From it the
// test writes three entries into a catalogue that already holds the demo's
// 180: the ideal one (near, the client's language, a life story or text in
// the client's words, the target group), a good one (same help, same
// district, German only, no story) and a decoy: the ideal one but for one
// hard rule.
type evalCase struct {
	Case                string   `json:"case"`
	Kind                string   `json:"kind"`
	District            string   `json:"district"`
	Quarter             string   `json:"quarter"`
	HelpKinds           []string `json:"help_kinds"`
	Text                string   `json:"text"`
	Languages           []string `json:"languages"`
	TargetGroups        []string `json:"target_groups"`
	GenderPreference    string   `json:"gender_preference"`
	MinorsInvolved      bool     `json:"minors_involved"`
	AccessibilityNeeded bool     `json:"accessibility_needed"`
	ClientAge           *int     `json:"client_age"`
	IdealLanguage       string   `json:"ideal_language"`
	IdealStory          string   `json:"ideal_story"`
	Decoy               string   `json:"decoy"`
}

type labels struct{ ideal, good, decoy string }

type metrics struct {
	hit3, mrr, ndcg5 float64
	violations       int
}

var (
	evalToday = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	staff     = access.Principal{Role: access.RoleResourceManager, TokenID: "eval"}
	caseMgr   = access.Principal{Role: access.RoleCaseManager, TokenID: "eval"}
	quiet     = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func intp(n int) *int { return &n }

// TestEvaluation scores the matcher on the labelled cases against a plain
// keyword search over the same catalogue, and fails on any hard-rule
// violation in the matcher's top 10.
func TestEvaluation(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile("testdata/eval_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []evalCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	dir := t.TempDir()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := func() time.Time { return evalToday }
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(ctx, dir, db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	svc := catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithClock(clock), catalogue.WithLogger(quiet))
	res, err := demo.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	provider := access.Principal{Role: access.RoleProvider, ProviderID: res.ProviderID, TokenID: "eval"}
	lab := make([]labels, len(cases))
	for i, c := range cases {
		lab[i] = writeEntries(t, svc, provider, res.ProviderID, i, c)
	}
	if n, _ := db.CountEntries(ctx); n < 250 {
		t.Fatalf("catalogue of %d entries", n)
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), quiet)
	var mine, base metrics
	for i, c := range cases {
		mc := matching.Case{District: c.District, Quarter: c.Quarter, HelpKinds: c.HelpKinds, Text: c.Text, Languages: c.Languages,
			TargetGroups: c.TargetGroups, GenderPreference: c.GenderPreference, MinorsInvolved: c.MinorsInvolved,
			AccessibilityNeeded: c.AccessibilityNeeded, ClientAge: c.ClientAge, Kinds: []catalogue.Kind{catalogue.Kind(c.Kind)}, Limit: 10}
		got, err := m.Match(ctx, caseMgr, mc)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var ranked []string
		for _, s := range got.Suggestions {
			ranked = append(ranked, s.ID)
		}
		score(&mine, ranked, lab[i])
		if v := violations(ranked, lab[i]); v > 0 {
			t.Errorf("case %d (%s): the decoy %s is suggested despite its hard rule (%s)", i, c.Case, lab[i].decoy, c.Decoy)
		}
		if r := rank(ranked, lab[i].ideal); r != 1 {
			t.Logf("case %d (%s): ideal at rank %d; first: %s", i, c.Case, r, got.Suggestions[0].Explanation)
		}
		// The baseline: what a case manager gets by typing the client's
		// words into the search, with the kind of entry chosen.
		sr, err := svc.Search(ctx, caseMgr, ix, catalogue.SearchQuery{Text: c.Text, Kinds: []catalogue.Kind{catalogue.Kind(c.Kind)}, Page: catalogue.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, h := range sr.Items {
			found = append(found, h.ID)
		}
		score(&base, found, lab[i])
	}
	n := float64(len(cases))
	t.Logf("%d cases over %d entries", len(cases), 180+3*len(cases))
	t.Logf("matcher:  hit@3 %.2f  MRR %.2f  nDCG@5 %.2f  violations in top 10: %d", mine.hit3/n, mine.mrr/n, mine.ndcg5/n, mine.violations)
	t.Logf("keywords: hit@3 %.2f  MRR %.2f  nDCG@5 %.2f  violations in top 10: %d", base.hit3/n, base.mrr/n, base.ndcg5/n, base.violations)
	if mine.violations > 0 {
		t.Errorf("%d hard-rule violations in the matcher's top 10", mine.violations)
	}
	if mine.mrr/n < base.mrr/n+0.15 || mine.hit3/n < base.hit3/n+0.15 || mine.ndcg5/n < base.ndcg5/n+0.15 {
		t.Errorf("the matcher does not clearly beat keyword search")
	}
}

func rank(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i + 1
		}
	}
	return 0
}

func violations(ids []string, l labels) int {
	if rank(ids, l.decoy) > 0 {
		return 1
	}
	return 0
}

func score(m *metrics, ids []string, l labels) {
	r := rank(ids, l.ideal)
	if r > 0 && r <= 3 {
		m.hit3++
	}
	if r > 0 {
		m.mrr += 1 / float64(r)
	}
	dcg := 0.0
	for i, id := range ids[:min(5, len(ids))] {
		rel := 0.0
		switch id {
		case l.ideal:
			rel = 2
		case l.good:
			rel = 1
		}
		dcg += rel / math.Log2(float64(i+2))
	}
	m.ndcg5 += dcg / (2/math.Log2(2) + 1/math.Log2(3))
	m.violations += violations(ids[:min(10, len(ids))], l)
}

// writeEntries writes the ideal, good and decoy entries of case i.
func writeEntries(t *testing.T, svc *catalogue.Service, provider access.Principal, providerID string, i int, c evalCase) labels {
	t.Helper()
	ctx := context.Background()
	ds, _ := svc.Districts(ctx, staff)
	otherQuarter := c.Quarter
	for _, d := range ds {
		if d.ID == c.District {
			for _, q := range d.Quarters {
				if q.Name != c.Quarter {
					otherQuarter = q.Name
					break
				}
			}
		}
	}
	gender := c.GenderPreference
	if gender == "" {
		gender = "female"
	}
	cert := &catalogue.PoliceCertificate{IssuedOn: "2025-01-10", SeenOn: "2025-01-20", ValidUntil: "2030-01-09", Clear: true}
	var l labels
	for _, role := range []string{"ideal", "good", "decoy"} {
		name := fmt.Sprintf("Eintrag %02d %s", i, role)
		quarter, story, langs := c.Quarter, c.IdealStory, []string{c.IdealLanguage}
		groups := c.TargetGroups
		if role == "good" {
			quarter, story, langs, groups = otherQuarter, "Hilft gern im Stadtteil, wo es gebraucht wird.", []string{"de"}, nil
		}
		var id string
		var err error
		switch c.Kind {
		case "volunteer":
			in := catalogue.VolunteerInput{Name: name, Home: catalogue.Place{District: c.District, Quarter: quarter}, Districts: []string{c.District},
				HelpKinds: c.HelpKinds, TargetGroups: groups, Capacity: 2, Gender: gender, LifeExperience: story,
				PoliceCertificate: cert, Consent: &catalogue.Consent{GivenOn: "2025-01-01"}}
			for _, lg := range langs {
				in.Languages = append(in.Languages, catalogue.LanguageSkill{Code: lg, Level: "native"})
			}
			if langs[0] != "de" {
				in.Languages = append(in.Languages, catalogue.LanguageSkill{Code: "de", Level: "good"})
			}
			if role == "decoy" {
				switch c.Decoy {
				case "paused":
					in.Status = catalogue.StatusPaused
				case "full":
					in.Capacity, in.Load = 1, 1
				case "police_certificate":
					in.PoliceCertificate = nil
				}
			}
			var v *catalogue.Volunteer
			v, err = svc.CreateVolunteer(ctx, staff, in)
			if err == nil {
				id = v.ID
			}
		case "neighbourhood_help":
			capacity := 10
			in := catalogue.NeighbourhoodHelpInput{Name: name, Description: story, Coordinator: catalogue.Contact{Name: "Koordination", Phone: "0731 1234"},
				Location: catalogue.Place{District: c.District, Quarter: quarter}, Districts: []string{c.District}, Quarters: []string{quarter},
				HelpKinds: c.HelpKinds, TargetGroups: groups, Languages: langs, Capacity: &capacity}
			if role == "decoy" {
				switch c.Decoy {
				case "paused":
					in.Status = catalogue.StatusPaused
				case "full":
					in.Load = capacity
				}
			}
			var n *catalogue.NeighbourhoodHelp
			n, err = svc.CreateNeighbourhoodHelp(ctx, staff, in)
			if err == nil {
				id = n.ID
			}
		default:
			in := catalogue.OfferInput{ProviderID: providerID, Name: name, Description: story, Category: "beratung", HelpKinds: c.HelpKinds,
				TargetGroups: groups, Districts: []string{c.District}, Location: catalogue.Place{District: c.District, Quarter: quarter},
				Accessible: true, Languages: langs}
			who := staff
			if role == "decoy" {
				switch c.Decoy {
				case "accessibility":
					in.Accessible = false
				case "age":
					in.Eligibility.MinAge = intp(*c.ClientAge + 5)
				case "expired":
					in.ValidFrom, in.ValidUntil = "2025-07-01", "2025-08-31"
				case "not_approved":
					who = provider
				}
			}
			var o *catalogue.Offer
			o, err = svc.CreateOffer(ctx, who, in)
			if err == nil {
				id = o.ID
			}
		}
		if err != nil {
			t.Fatalf("case %d %s: %v", i, role, err)
		}
		switch role {
		case "ideal":
			l.ideal = id
		case "good":
			l.good = id
		default:
			l.decoy = id
		}
	}
	return l
}
