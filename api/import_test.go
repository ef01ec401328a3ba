package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

const volunteersCSV = "name;home.district;home.quarter;districts;help_kinds;languages;capacity;consent.given_on;life_experience\n" +
	"Ayşe Yılmaz;weststadt-soeflingen;Weststadt;weststadt-soeflingen;einkaufshilfe;tr:native|de:good;2;2026-01-10;Selbst alleinerziehend gewesen\n" +
	"Hans Wolf;boefingen;;boefingen;reparatur_garten;de:native;1;2026-02-01;Rentner mit Werkstatt\n"

func TestImportAllOrNothing(t *testing.T) {
	e := newEnv(t)
	csvHeaders := map[string]string{"Content-Type": "text/csv"}
	bad := volunteersCSV + "Ohne Bezirk;;;atlantis;zauberei;de:native;1;2026-01-01;\n"
	before := e.counts()
	r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/import?kind=volunteer", Body: bad, Headers: csvHeaders})
	if r.Status != 422 {
		t.Fatalf("bad import: %d %s", r.Status, r.Body)
	}
	var p struct {
		Report struct {
			Rows     int `json:"rows"`
			Imported int `json:"imported"`
			Errors   []struct {
				Line  int    `json:"line"`
				Field string `json:"field"`
			} `json:"errors"`
		} `json:"report"`
	}
	r.decode(t, &p)
	lines := map[string]bool{}
	for _, er := range p.Report.Errors {
		lines[er.Field] = er.Line == 4
	}
	if p.Report.Rows != 3 || p.Report.Imported != 0 || !lines["districts[0]"] || !lines["help_kinds[0]"] || !lines["home"] {
		t.Errorf("report: %s", r.Body)
	}
	if after := e.counts(); after != before {
		t.Errorf("a refused import wrote:\n%s\n%s", before, after)
	}
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/import?kind=volunteer&dry_run=true", Body: volunteersCSV, Headers: csvHeaders})
	if r.Status != 200 || e.counts() != before {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/import?kind=volunteer", Body: volunteersCSV, Headers: csvHeaders})
	if o := r.object(t); r.Status != 201 || o["imported"] != float64(2) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if got := ids(t, e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?q=alleinerziehend"})); len(got) != 1 {
		t.Errorf("imported volunteer not searchable at once: %v", got)
	}
	// JSON, and the export reads back.
	offers, _ := json.Marshal([]map[string]any{offerInput(e.provider), with(offerInput(e.provider2), "name", "Sprachcafé")})
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/import?kind=offer", Body: offers})
	if r.Status != 201 {
		t.Fatalf("JSON import: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer&format=csv"})
	if r.Status != 200 || !strings.Contains(string(r.Body), "Ayşe Yılmaz") || !strings.Contains(string(r.Body), "tr:native|de:good") {
		t.Errorf("CSV export: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=offer&format=json"})
	var list []map[string]any
	r.decode(t, &list)
	if len(list) != 2 || list[0]["status"] != "approved" {
		t.Errorf("JSON export: %s", r.Body)
	}
	for _, c := range []struct {
		r      req
		status int
	}{
		{req{Who: "rm", Method: "POST", Path: "/v1/import?kind=cat", Body: volunteersCSV, Headers: csvHeaders}, 400},
		{req{Who: "rm", Method: "POST", Path: "/v1/import", Body: volunteersCSV, Headers: csvHeaders}, 400},
		{req{Who: "rm", Method: "POST", Path: "/v1/import?kind=volunteer", Body: "name;colour\nA;blau\n", Headers: csvHeaders}, 400},
		{req{Who: "rm", Method: "POST", Path: "/v1/import?kind=volunteer", Body: volunteersCSV, Headers: map[string]string{"Content-Type": "text/plain"}}, 415},
		{req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer&format=xlsx"}, 400},
	} {
		if got := e.do(c.r); got.Status != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.r.Method, c.r.Path, got.Status, c.status, got.Body)
		}
	}
}
