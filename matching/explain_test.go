package matching_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"massanzug/catalogue"
	"massanzug/matching"
)

// TestExplanationsAreTrue: every sentence of an explanation follows from
// the data beside it, and what speaks against a helper is said too.
func TestExplanationsAreTrue(t *testing.T) {
	ctx := context.Background()
	svc, ix, db := world(t)
	cert := &catalogue.PoliceCertificate{IssuedOn: "2025-01-10", SeenOn: "2025-01-20", ValidUntil: "2030-01-09", Clear: true}
	vol := func(name, quarter string, change func(*catalogue.VolunteerInput)) string {
		in := catalogue.VolunteerInput{Name: name, Home: catalogue.Place{District: "weststadt-soeflingen", Quarter: quarter},
			Districts: []string{"weststadt-soeflingen"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 3, Gender: "female",
			PoliceCertificate: cert, Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}
		change(&in)
		v, err := svc.CreateVolunteer(ctx, staff, in)
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	// Speaks Turkish natively; another speaks German only.
	turkish := vol("Ayşe", "Weststadt", func(in *catalogue.VolunteerInput) {
		in.Languages = []catalogue.LanguageSkill{{Code: "tr", Level: "native"}, {Code: "de", Level: "good"}}
		in.LifeExperience = "Hat einen Garten. War selbst alleinerziehend mit zwei Töchtern."
		in.Availability = []catalogue.Slot{{Day: "mon", From: "08:00", To: "12:00"}}
		in.Load = 0
	})
	german := vol("Berta", "Söflingen", func(in *catalogue.VolunteerInput) {
		in.Languages = []catalogue.LanguageSkill{{Code: "de", Level: "native"}}
		in.Mobility = []string{"walking"}
		in.Load = 2
	})
	group, err := svc.CreateNeighbourhoodHelp(ctx, staff, catalogue.NeighbourhoodHelpInput{Name: "Nachbarschaftshilfe Weststadt",
		Coordinator: catalogue.Contact{Name: "Frau Koordination", Phone: "0731 555"}, Location: catalogue.Place{District: "weststadt-soeflingen", Quarter: "Söflingen"},
		Districts: []string{"weststadt-soeflingen"}, Quarters: []string{"Weststadt"}, HelpKinds: []string{"einkaufshilfe"}})
	if err != nil {
		t.Fatal(err)
	}
	member := vol("Frau K.", "Söflingen", func(in *catalogue.VolunteerInput) { in.Groups = []string{group.ID} })
	offer, err := svc.CreateOffer(ctx, staff, catalogue.OfferInput{ProviderID: provider(t, svc), Name: "Einkaufsbus", Category: "sonstiges",
		HelpKinds: []string{"einkaufshilfe"}, Districts: []string{"weststadt-soeflingen"}, Location: catalogue.Place{District: "weststadt-soeflingen", Quarter: "Weststadt"}})
	if err != nil {
		t.Fatal(err)
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), quiet)
	res, err := m.Match(ctx, caseMgr, matching.Case{Quarter: "Weststadt", HelpKinds: []string{"einkaufshilfe"}, Languages: []string{"tr"},
		FallbackLanguages: []string{"de"}, GenderPreference: "female", Text: "Ich bin alleinerziehend und möchte Hilfe",
		TimeWindows: []catalogue.Slot{{Day: "mon", From: "08:00", To: "12:00"}, {Day: "tue", From: "14:00", To: "18:00"}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]matching.Suggestion{}
	for _, s := range res.Suggestions {
		got[s.ID] = s
		if strings.Contains(s.Explanation, "0,0 km") {
			t.Errorf("%s: a distance from quarters' centres told to the metre: %s", s.Name, s.Explanation)
		}
		if strings.Contains(s.Explanation, "wie die Klientin") {
			t.Errorf("%s: the client's gender was never given: %s", s.Name, s.Explanation)
		}
	}
	for _, id := range []string{turkish, german, member, offer.ID, group.ID} {
		if _, ok := got[id]; !ok {
			t.Fatalf("%s not suggested: %+v", id, res.Suggestions)
		}
	}
	has := func(s matching.Suggestion, in []string, want string) {
		t.Helper()
		if !slices.ContainsFunc(in, func(x string) bool { return strings.Contains(x, want) }) {
			t.Errorf("%s: %q missing in %q", s.Name, want, in)
		}
	}
	reasons := func(s matching.Suggestion) []string { return strings.Split(s.Explanation, " · ") }
	tr, de, k, off, nbh := got[turkish], got[german], got[member], got[offer.ID], got[group.ID]
	has(tr, reasons(tr), "spricht Türkisch wie die ratsuchende Person")
	has(tr, reasons(tr), "im selben Quartier (Weststadt)")
	has(tr, reasons(tr), "„War selbst alleinerziehend mit zwei Töchtern“")
	has(tr, tr.Drawbacks, "nur vormittags")
	has(de, de.Drawbacks, "spricht nicht Türkisch, nur Deutsch")
	if i := slices.IndexFunc(de.Factors, func(f matching.Factor) bool { return f.Name == "capacity" }); i < 0 || de.Factors[i].Value != 0.333 {
		t.Errorf("capacity of one free place of three: %+v", de.Factors)
	}
	if strings.Contains(de.Explanation, "spricht Deutsch") {
		t.Errorf("a fallback language given as a reason: %s", de.Explanation)
	}
	has(k, reasons(k), "hilft in: Nachbarschaftshilfe Weststadt")
	if len(k.Groups) != 1 || k.Groups[0].ID != group.ID || k.Groups[0].Coordinator.Phone != "0731 555" {
		t.Errorf("the member's group and its contact: %+v", k.Groups)
	}
	has(nbh, reasons(nbh), "kommt zu Ihnen nach Hause, hilft in Weststadt")
	// What is not known of an entry is not weighed: an offer has no
	// capacity, no times and no gender here.
	for _, f := range off.Factors {
		if f.Name == "capacity" || f.Name == "availability" || f.Name == "gender" {
			t.Errorf("the offer is scored on %s, which is not known of it: %+v", f.Name, off.Factors)
		}
	}
	// Shopping help is a volunteer's or a neighbourhood help's job.
	has(off, off.Drawbacks, "solche Hilfe geben sonst eher Ehrenamtliche oder Nachbarschaftshilfen")
	if tr.Score <= de.Score {
		t.Errorf("the client's own language, words and times count for nothing: %.3f ≤ %.3f", tr.Score, de.Score)
	}

	// Required language: a helper without it is removed, and said so.
	res, err = m.Match(ctx, caseMgr, matching.Case{Quarter: "Weststadt", HelpKinds: []string{"einkaufshilfe"}, Languages: []string{"tr"},
		LanguageRequired: true, ClientGender: "female", ExplainRemoved: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Suggestions) != 1 || res.Suggestions[0].ID != turkish || !strings.Contains(res.Suggestions[0].Explanation, "spricht Türkisch wie die Klientin") {
		t.Errorf("with Turkish required: %+v", res.Suggestions)
	}
	if !slices.ContainsFunc(res.Removed, func(r matching.Removed) bool { return r.ID == german && r.Rule == "language" }) {
		t.Errorf("the German speaker is not removed by the language rule: %+v", res.Removed)
	}
}

func provider(t *testing.T, svc *catalogue.Service) string {
	t.Helper()
	p, err := svc.CreateProvider(context.Background(), staff, catalogue.ProviderInput{Name: "Träger"})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestNoCarDrawback: help the taxonomy says needs a car brings "kein Auto"
// for a volunteer who travels without one, unless the client has a car;
// RM decides which help that is.
func TestNoCarDrawback(t *testing.T) {
	ctx := context.Background()
	svc, ix, db := world(t)
	cert := &catalogue.PoliceCertificate{IssuedOn: "2025-01-10", SeenOn: "2025-01-20", ValidUntil: "2030-01-09", Clear: true}
	in := catalogue.VolunteerInput{Name: "Zu Fuß", Home: catalogue.Place{District: "weststadt-soeflingen", Quarter: "Weststadt"},
		Districts: []string{"weststadt-soeflingen"}, HelpKinds: []string{"fahrdienst", "einkaufshilfe"}, Capacity: 3, Mobility: []string{"walking"},
		PoliceCertificate: cert, Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}
	v, err := svc.CreateVolunteer(ctx, staff, in)
	if err != nil {
		t.Fatal(err)
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), quiet)
	noCar := func(help string, clientHasCar bool) bool {
		t.Helper()
		res, err := m.Match(ctx, caseMgr, matching.Case{Quarter: "Weststadt", HelpKinds: []string{help}, HasCar: clientHasCar, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Suggestions {
			if s.ID == v.ID {
				return slices.Contains(s.Drawbacks, "kein Auto")
			}
		}
		t.Fatalf("%s: the volunteer is not suggested: %+v", help, res.Suggestions)
		return false
	}
	if !noCar("fahrdienst", false) || noCar("fahrdienst", true) || noCar("einkaufshilfe", false) {
		t.Errorf("shipped: fahrdienst without a car %v, with the client's car %v, shopping %v", noCar("fahrdienst", false), noCar("fahrdienst", true), noCar("einkaufshilfe", false))
	}
	tax, err := svc.Taxonomy(ctx, staff)
	if err != nil {
		t.Fatal(err)
	}
	for code, needs := range map[string]bool{"fahrdienst": false, "einkaufshilfe": true} {
		h, _ := tax.HelpKind(code)
		h.NeedsCar = needs
		if err := svc.UpdateTerm(ctx, staff, catalogue.VocabHelpKinds, code, h); err != nil {
			t.Fatal(err)
		}
	}
	if noCar("fahrdienst", false) || !noCar("einkaufshilfe", false) {
		t.Errorf("after RM's change: fahrdienst %v, shopping %v", noCar("fahrdienst", false), noCar("einkaufshilfe", false))
	}
}
