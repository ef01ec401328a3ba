package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSynonyms: the shipped list works in search at once, staff change it
// through the API with their changes searched at once, bad input writes
// nothing, and a list staff emptied stays empty after a restart.
func TestSynonyms(t *testing.T) {
	e := newEnv(t)
	find := func(q string) []string {
		t.Helper()
		return ids(t, e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?q=" + q}))
	}
	nh := e.create("rm", "/v1/neighbourhood-helps", helpInput())
	offer := e.create("rm", "/v1/offers", with(with(offerInput(e.provider), "name", "Familienzentrum am Kuhberg"), "help_kinds", []string{"kinderbetreuung"}))
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + offer + "/approve"})
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"NBH", nh},
		{"nbh%20Eselsberg", nh},
		{"FZ", offer},
		{"Babysitter", offer}, // Babysitter → Kinderbetreuung, a help kind the offer gives
	} {
		if got := find(tc.q); !contains(got, tc.want) {
			t.Errorf("%s: %v, want %s", tc.q, got, tc.want)
		}
	}
	if got := find("Familienzentrum"); contains(got, nh) {
		t.Errorf("a synonym works the other way round: %v", got)
	}

	list := func() string {
		t.Helper()
		r := e.do(req{Who: "traeger", Method: "GET", Path: "/v1/synonyms"})
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	before := list()
	for _, bad := range []struct {
		path string
		body any
		want string
	}{
		{"/v1/synonyms/Kiez", map[string]any{"means": ""}, "means"},
		{"/v1/synonyms/Kiez", map[string]any{"means": "  KIEZ "}, "the word itself"},
		{"/v1/synonyms/Kiez", map[string]any{"word": "Quartier", "means": "Nachbarschaft"}, "not the word of the address"},
		{"/v1/synonyms/Kiez", map[string]any{"means": strings.Repeat("x", 201)}, "means"},
		{"/v1/synonyms/Kiez", map[string]any{"means": "Nachbarschaft", "extra": 1}, "extra"},
	} {
		r := e.do(req{Who: "rm", Method: "PUT", Path: bad.path, Body: bad.body})
		if r.Status/100 != 4 || !strings.Contains(string(r.Body), bad.want) {
			t.Errorf("PUT %v: %d %s, want a 4xx naming %q", bad.body, r.Status, r.Body, bad.want)
		}
	}
	if list() != before {
		t.Fatal("a rejected change was written")
	}

	// A word of its own, with umlauts, typed without them later.
	r := e.do(req{Who: "rm", Method: "PUT", Path: "/v1/synonyms/Gr%C3%BC%C3%9Fe%20Runde", Body: map[string]any{"means": "Eselsberg"}})
	if r.Status != http.StatusCreated || r.object(t)["word"] != "Grüße Runde" {
		t.Fatalf("put: %d %s", r.Status, r.Body)
	}
	if got := find("gruesse%20runde"); !contains(got, nh) {
		t.Errorf("a new synonym is not searched at once: %v", got)
	}
	if r := e.do(req{Who: "rm", Method: "PUT", Path: "/v1/synonyms/GR%C3%9CSSE%20RUNDE", Body: map[string]any{"means": "Kuhberg"}}); r.Status != http.StatusOK {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if got := find("Gr%C3%BC%C3%9Fe%20Runde"); contains(got, nh) || !contains(got, offer) {
		t.Errorf("after the change: %v", got)
	}

	// Emptied, the list stays empty across a restart (seeded once).
	var l struct {
		Items []struct {
			Word string `json:"word"`
		} `json:"items"`
	}
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/synonyms"}).decode(t, &l)
	for _, s := range l.Items {
		if r := e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/synonyms/" + strings.ReplaceAll(s.Word, " ", "%20")}); r.Status != http.StatusNoContent {
			t.Fatalf("delete %q: %d %s", s.Word, r.Status, r.Body)
		}
	}
	if r := e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/synonyms/NBH"}); r.Status != http.StatusNotFound {
		t.Errorf("deleting twice: %d", r.Status)
	}
	e.restart()
	if got := list(); !strings.Contains(got, `"total":0`) {
		t.Errorf("the shipped list came back: %s", got)
	}
	if got := find("NBH"); contains(got, nh) {
		t.Errorf("a deleted synonym still works: %v", got)
	}
}

// TestDidYouMean: a misspelt word that no entry holds is corrected into
// the city's vocabulary when that finds something; a real word, a name
// from a volunteer's text, and a word nothing is near are left alone.
func TestDidYouMean(t *testing.T) {
	e := newEnv(t)
	e.create("rm", "/v1/volunteers", with(volunteerInput(), "life_experience", "Fußballtrainerin im Ruhestand"))
	e.create("rm", "/v1/neighbourhood-helps", helpInput())
	meant := func(q string) string {
		t.Helper()
		var r struct {
			DidYouMean string `json:"did_you_mean"`
		}
		e.do(req{Who: "rm", Method: "GET", Path: "/v1/search?q=" + q}).decode(t, &r)
		return r.DidYouMean
	}
	for q, want := range map[string]string{
		"Einkaufshilve":             "Einkaufshilfe",
		"einkaufshilfe%20Eselsbreg": "einkaufshilfe Eselsberg",
		"Nachbarschafthilfe":        "Nachbarschaftshilfe",
		"Besuchsdinst":              "Besuchsdienst",
		"Einkaufshilfe":             "", // spelt right
		"Fu%C3%9Fballtrainerin":     "", // an entry holds it
		"Yilmas":                    "", // near a volunteer's name: never suggested
		"Quantenphysik":             "", // nothing near
		"Wohnraumsicherng":          "", // corrected, it would still find nothing
	} {
		if got := meant(q); got != want {
			t.Errorf("%s: did you mean %q, want %q", q, got, want)
		}
	}
}
