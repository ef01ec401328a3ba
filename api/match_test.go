package api_test

import (
	"strings"
	"testing"
)

func volunteer(name, quarter, district string, fields map[string]any) map[string]any {
	v := with(with(with(volunteerInput(), "name", name), "home", map[string]any{"district": district, "quarter": quarter}), "districts", []string{district})
	for k, x := range fields {
		v = with(v, k, x)
	}
	return v
}

type matchResult struct {
	Suggestions []struct {
		ID          string  `json:"id"`
		Name        string  `json:"name"`
		Score       float64 `json:"score"`
		Explanation string  `json:"explanation"`
	} `json:"suggestions"`
	Removed []struct {
		ID   string `json:"id"`
		Rule string `json:"rule"`
	} `json:"removed"`
	RemovedUnnamed []struct {
		Rule  string `json:"rule"`
		Count int    `json:"count"`
	} `json:"removed_unnamed"`
	Unmet bool `json:"unmet"`
}

// TestMatchFrauG is the council paper's case: a single mother of two small
// girls, Turkish-speaking, no car, who finds shopping stressful and wants no
// professional. The neighbour of similar life story nearby comes first.
func TestMatchFrauG(t *testing.T) {
	e := newEnv(t)
	noCert := map[string]any{"police_certificate": "<delete>"}
	ideal := e.create("rm", "/v1/volunteers", volunteer("Ayşe Yılmaz", "Weststadt", "weststadt-soeflingen", map[string]any{
		"help_kinds": []string{"einkaufshilfe"}, "capacity": 2, "load": 1, "gender": "female",
		"life_experience": "War selbst alleinerziehend mit zwei Töchtern. Kam vor zwanzig Jahren nach Ulm."}))
	far := e.create("rm", "/v1/volunteers", volunteer("Bernd Adler", "Göggingen", "wiblingen", map[string]any{
		"help_kinds": []string{"einkaufshilfe"}, "languages": []map[string]any{{"code": "de", "level": "native"}}, "gender": "male",
		"life_experience": "Rentner, früher Buchhalter."}))
	paused := e.create("rm", "/v1/volunteers", volunteer("Canan Demir", "Weststadt", "weststadt-soeflingen", map[string]any{
		"help_kinds": []string{"einkaufshilfe"}, "status": "paused", "life_experience": "Selbst alleinerziehend gewesen."}))
	full := e.create("rm", "/v1/volunteers", volunteer("Derya Kaya", "Söflingen", "weststadt-soeflingen", map[string]any{
		"help_kinds": []string{"einkaufshilfe"}, "capacity": 1, "load": 1}))
	uncertified := e.create("rm", "/v1/volunteers", volunteer("Elif Şahin", "Weststadt", "weststadt-soeflingen", with(noCert, "help_kinds", []string{"einkaufshilfe", "kinderbetreuung"})))
	frauG := map[string]any{"reference": "WS-2026-117", "quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"},
		"text": "Einkaufen ist sehr stressig, ich bin allein mit zwei kleinen Mädchen", "languages": []string{"tr"}, "fallback_languages": []string{"de"},
		"client_gender": "female", "has_car": false,
		"target_groups": []string{"alleinerziehende"}, "gender_preference": "female", "explain_removed": true}
	r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: frauG})
	if r.Status != 200 {
		t.Fatalf("match: %d %s", r.Status, r.Body)
	}
	var res matchResult
	r.decode(t, &res)
	if len(res.Suggestions) == 0 || res.Suggestions[0].ID != ideal {
		t.Fatalf("the ideal helper is not first: %s", r.Body)
	}
	for _, want := range []string{"spricht Türkisch wie die Klientin", "im selben Quartier (Weststadt)", "noch 1 freier Platz", "alleinerziehend", "Einkaufshilfe"} {
		if !strings.Contains(res.Suggestions[0].Explanation, want) {
			t.Errorf("explanation %q lacks %q", res.Suggestions[0].Explanation, want)
		}
	}
	rank := map[string]int{}
	for i, s := range res.Suggestions {
		rank[s.ID] = i + 1
	}
	if rank[far] == 0 || rank[far] < rank[uncertified] {
		t.Errorf("ranks: far %d, nearby %d: %s", rank[far], rank[uncertified], r.Body)
	}
	for _, id := range []string{paused, full} {
		if rank[id] != 0 {
			t.Errorf("hard rule broken: %s suggested", id)
		}
	}
	rules := map[string]string{}
	for _, rm := range res.Removed {
		rules[rm.ID] = rm.Rule
	}
	// A case manager may not read a paused volunteer (404 on GET): the
	// removal is counted, never named.
	if rules[full] != "full" || rules[paused] != "" || strings.Contains(string(r.Body), "Canan") || strings.Contains(string(r.Body), paused) {
		t.Errorf("removed: %v: %s", rules, r.Body)
	}
	if len(res.RemovedUnnamed) != 1 || res.RemovedUnnamed[0].Rule != "not_active" || res.RemovedUnnamed[0].Count != 1 {
		t.Errorf("removed, unnamed: %+v", res.RemovedUnnamed)
	}
	// Staff may read it, and see it named.
	var staff matchResult
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/match", Body: frauG}).decode(t, &staff)
	rules = map[string]string{}
	for _, rm := range staff.Removed {
		rules[rm.ID] = rm.Rule
	}
	if rules[paused] != "not_active" || rules[full] != "full" || len(staff.RemovedUnnamed) != 0 {
		t.Errorf("removed for staff: %v %+v", rules, staff.RemovedUnnamed)
	}
	if res.Unmet {
		t.Error("a good match counted as unmet")
	}

	// Minors involved: only volunteers with a valid police certificate.
	r = e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: with(with(frauG, "help_kinds", []string{"kinderbetreuung"}), "minors_involved", true)})
	r.decode(t, &res)
	for _, s := range res.Suggestions {
		if s.ID == uncertified {
			t.Error("a volunteer without police certificate suggested where minors are involved")
		}
	}
	if !strings.Contains(string(r.Body), "kein gültiges Führungszeugnis") {
		t.Errorf("removal reason missing: %s", r.Body)
	}

	// Excluded helpers stay out.
	r = e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: with(frauG, "exclude", []string{ideal})})
	r.decode(t, &res)
	if len(res.Suggestions) > 0 && res.Suggestions[0].ID == ideal {
		t.Error("excluded helper suggested")
	}
}

func TestUnmetNeedsAreCounted(t *testing.T) {
	e := newEnv(t)
	need := map[string]any{"district": "boefingen", "help_kinds": []string{"schuldnerberatung", "umzugshilfe"}}
	for i := 0; i < 2; i++ {
		r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: need})
		var res matchResult
		r.decode(t, &res)
		if r.Status != 200 || !res.Unmet || len(res.Suggestions) != 0 {
			t.Fatalf("nothing fits, yet: %d %s", r.Status, r.Body)
		}
	}
	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/unmet-needs?district=boefingen"})
	var l struct {
		Items []struct {
			District string
			HelpKind string `json:"help_kind"`
			Count    int
		}
	}
	r.decode(t, &l)
	if len(l.Items) != 2 || l.Items[0].Count != 2 {
		t.Errorf("unmet needs: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "reference") {
		t.Error("the report holds something of the case")
	}
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"district": "boefingen", "help_kinds": []string{}}, "help_kinds"},
		{map[string]any{"district": "boefingen", "help_kinds": []string{"zauberei"}}, "help_kinds[0]"},
		{map[string]any{"help_kinds": []string{"einkaufshilfe"}}, "district"},
		{map[string]any{"district": "boefingen", "help_kinds": []string{"einkaufshilfe"}, "languages": []string{"turkish"}}, "languages[0]"},
		{map[string]any{"quarter": "Weststadt", "district": "wiblingen", "help_kinds": []string{"einkaufshilfe"}}, "quarter"},
	} {
		r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: c.body})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
			t.Errorf("%v: %d %s", c.body, r.Status, r.Body)
		}
	}
}

// TestAssignSharesScarcePlaces: two cases want the same helper, who has one
// free place; the assignment serves both with the best total.
func TestAssignSharesScarcePlaces(t *testing.T) {
	e := newEnv(t)
	near := e.create("rm", "/v1/volunteers", volunteer("Ayşe Yılmaz", "Weststadt", "weststadt-soeflingen", map[string]any{
		"help_kinds": []string{"einkaufshilfe"}, "capacity": 1, "load": 0}))
	other := e.create("rm", "/v1/volunteers", volunteer("Olga Iwanow", "Söflingen", "weststadt-soeflingen", map[string]any{
		"help_kinds": []string{"einkaufshilfe"}, "capacity": 1, "load": 0, "languages": []map[string]any{{"code": "ru", "level": "native"}}}))
	cases := []map[string]any{
		{"reference": "A", "quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}, "languages": []string{"tr"}},
		{"reference": "B", "quarter": "Söflingen", "help_kinds": []string{"einkaufshilfe"}, "languages": []string{"ru"}},
		{"reference": "C", "quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}},
	}
	r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match/assign", Body: map[string]any{"cases": cases}})
	var res struct {
		Assignments []struct {
			Reference  string
			Suggestion struct{ ID string }
		}
		Unassigned []struct{ Reference string }
	}
	r.decode(t, &res)
	if r.Status != 200 || len(res.Assignments) != 2 || len(res.Unassigned) != 1 {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Reference] = a.Suggestion.ID
	}
	if got["A"] != near || got["B"] != other || res.Unassigned[0].Reference != "C" {
		t.Errorf("assignment %v, unassigned %v", got, res.Unassigned)
	}
	bad := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match/assign", Body: map[string]any{"cases": []map[string]any{{"quarter": "Weststadt", "help_kinds": []string{}}}}})
	if bad.Status != 422 || !strings.Contains(string(bad.Body), "cases[0].help_kinds") {
		t.Errorf("bad case: %d %s", bad.Status, bad.Body)
	}
}
