package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestGermanProblems: with Accept-Language: de every problem answer says in
// German what is wrong, in its detail and its field messages, under the
// same type; without, in English. Neither names the service's inside
// ("load volunteer …: not found"); an unknown code comes with what was
// likely meant.
func TestGermanProblems(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	off := e.create("rm", "/v1/offers", offerInput(e.provider))
	e.do(req{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + vol, Body: with(volunteerInput(), "interests", "Lesen"), Headers: map[string]string{"If-Match": `"1"`}})
	bad := with(with(volunteerInput(), "contact", map[string]any{"email": "kein-at"}), "districts", []string{"eselsberk"})
	badCSV := "name;districts;help_kinds;capacity;consent.given_on\nA;eselsberg;einkaufshilfe;2;31.02.2026\n"
	for _, c := range []struct {
		name    string
		r       req
		status  int
		german  []string // in the German answer
		english []string // in the English one
	}{
		{"invalid fields", req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: bad}, 422,
			[]string{"Angabe(n) sind ungültig", "muss eine E-Mail-Adresse sein", "meinten Sie „eselsberg“?"},
			[]string{"field(s) are invalid", "must be an email address", `did you mean "eselsberg"?`}},
		{"unknown entry", req{Who: "rm", Method: "GET", Path: "/v1/volunteers/vol_0000000000000000"}, 404,
			[]string{"Nicht gefunden (oder für Sie nicht sichtbar)"}, []string{"not found, or not visible to this token"}},
		{"a role that may not", req{Who: "fm", Method: "POST", Path: "/v1/offers/" + off + "/approve"}, 403,
			[]string{"Die Rolle fallmanager darf das nicht: Angebote freigeben"}, []string{"role fallmanager may not approve offers"}},
		{"a stale version", req{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + vol, Body: volunteerInput(), Headers: map[string]string{"If-Match": `"1"`}}, 412,
			[]string{"Ehrenamtliche " + vol + " ist inzwischen bei Version 2, nicht 1", "bitte neu laden"}, []string{"is at version 2, not 1"}},
		{"an unknown parameter", req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + vol + "?farbe=blau"}, 400,
			[]string{"ist kein Parameter dieser Adresse"}, []string{"is not a parameter of this endpoint"}},
		{"an unknown help kind in a search", req{Who: "fm", Method: "GET", Path: "/v1/search?help_kind=einkaufshife"}, 422,
			[]string{"steht nicht im Katalog der Hilfearten; meinten Sie „einkaufshilfe“?"}, []string{`did you mean "einkaufshilfe"?`}},
		{"an unknown district far from any", req{Who: "fm", Method: "GET", Path: "/v1/search?district=atlantis"}, 422,
			[]string{"die Sozialräume sind: boefingen, eselsberg"}, []string{"the districts are: boefingen, eselsberg"}},
		{"a bad spreadsheet row", req{Who: "rm", Method: "POST", Path: "/v1/import?kind=volunteer", Body: badCSV, Headers: map[string]string{"Content-Type": "text/csv"}}, 422,
			[]string{"Fehler in 1 Zeile(n); nichts wurde übernommen", "„31.02.2026“ ist kein Datum"}, []string{"problem(s) in 1 row(s)", `"31.02.2026" is not a date`}},
		{"no token", req{Method: "GET", Path: "/v1/volunteers"}, 401,
			[]string{"Bitte einen gültigen Schlüssel"}, []string{"send a valid token"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var types [2]string
			for i, lang := range []string{"de-DE,de;q=0.9,en;q=0.5", "en"} {
				r := c.r
				r.Headers = map[string]string{"Accept-Language": lang}
				for k, v := range c.r.Headers {
					r.Headers[k] = v
				}
				got := e.do(r)
				if got.Status != c.status {
					t.Fatalf("%s: %d, want %d: %s", lang, got.Status, c.status, got.Body)
				}
				var p struct {
					Type, Detail string
					Errors       []struct{ Field, Message string }
				}
				json.Unmarshal(got.Body, &p)
				types[i] = p.Type
				text := p.Detail
				for _, fe := range p.Errors {
					text += " | " + fe.Message
				}
				want := c.english
				if i == 0 {
					want = c.german
					if got.Header.Get("Content-Language") != "de" {
						t.Errorf("no Content-Language: de")
					}
					for _, english := range []string{" is not ", " must ", " may not ", "not found"} {
						if strings.Contains(text, english) {
							t.Errorf("English left in the German answer: %q in %s", english, text)
						}
					}
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s: no %q in %s", lang, w, text)
					}
				}
				for _, inside := range []string{"load ", ": not found", "update volunteer", "invalid input:"} {
					if strings.Contains(p.Detail, inside) {
						t.Errorf("%s: the inside shows: %q in %s", lang, inside, p.Detail)
					}
				}
			}
			if types[0] != types[1] {
				t.Errorf("type differs by language: %v", types)
			}
		})
	}
}

// TestLabelsBesideCodes: the search's facets and the review queue's
// reasons carry German labels beside their codes.
func TestLabelsBesideCodes(t *testing.T) {
	e := newEnv(t)
	e.create("rm", "/v1/neighbourhood-helps", helpInput())
	var res struct {
		Facets map[string][]struct{ Value, Label string }
	}
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?q=Nachbarn"}).decode(t, &res)
	want := map[string]string{"kind": "Nachbarschaftshilfe", "district": "Eselsberg", "help_kind": "Einkaufshilfe", "language": "Russisch"}
	for facet, label := range want {
		found := false
		for _, f := range res.Facets[facet] {
			found = found || f.Label == label
		}
		if !found {
			t.Errorf("facet %s: no label %q in %+v", facet, label, res.Facets[facet])
		}
	}
	var q struct {
		Items []struct {
			Reasons      []string
			ReasonLabels []string `json:"reason_labels"`
		}
	}
	if err := e.db.Exec(context.Background(), "UPDATE entries SET verified_at = NULL"); err != nil {
		t.Fatal(err)
	}
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/review-queue"}).decode(t, &q)
	if len(q.Items) == 0 || len(q.Items[0].ReasonLabels) != len(q.Items[0].Reasons) || q.Items[0].ReasonLabels[0] != "nie geprüft" {
		t.Errorf("review queue: %+v", q.Items)
	}
}
