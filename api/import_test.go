package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"massanzug/access"

	"massanzug/transfer"
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
		{req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer&format=ods"}, 400},
	} {
		if got := e.do(c.r); got.Status != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.r.Method, c.r.Path, got.Status, c.status, got.Body)
		}
	}
}

// importReport is what the tests read of an import's answer.
type importReport struct {
	Rows, Imported, Created, Updated, Unchanged, Rejected, Duplicates int
	CreatedIDs                                                        []string `json:"created_ids"`
	Results                                                           []rowResult
}

type rowResult struct {
	Line     int
	Outcome  string
	ID       string
	Fields   []string
	Warnings []struct{ Field, Message string }
	Errors   []struct{ Field, Message string }
}

// rejected returns the first rejected row of a report.
func rejected(rep importReport) (r rowResult) {
	for _, r := range rep.Results {
		if r.Outcome == "rejected" {
			return r
		}
	}
	return r
}

func (e *env) importFile(t *testing.T, path, contentType, body string) (int, importReport) {
	t.Helper()
	r := e.do(req{Who: "rm", Method: "POST", Path: path, Body: body, Headers: map[string]string{"Content-Type": contentType}})
	var rep importReport
	if r.Status == 422 {
		var p struct{ Report importReport }
		r.decode(t, &p)
		return r.Status, p.Report
	}
	if r.Status >= 300 {
		t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
	r.decode(t, &rep)
	return r.Status, rep
}

// TestSpreadsheetRoundTrip: an export corrected in a spreadsheet imports
// as updates of the entries it came from, not as new ones; a stale row is
// refused unless overwrite is asked for; the export imported again without
// its ids is stopped as duplicates; XLSX round-trips like CSV.
func TestSpreadsheetRoundTrip(t *testing.T) {
	e := newEnv(t)
	const csvType = "text/csv"
	status, rep := e.importFile(t, "/v1/import?kind=volunteer", csvType, volunteersCSV)
	if status != 201 || rep.Created != 2 || len(rep.CreatedIDs) != 2 || rep.Results[0].ID != rep.CreatedIDs[0] || rep.Results[0].Outcome != "created" {
		t.Fatalf("first import: %d %+v", status, rep)
	}
	export := string(e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer"}).Body)
	lines := strings.Split(strings.TrimSpace(export), "\n")
	if len(lines) != 3 {
		t.Fatalf("export: %s", export)
	}
	// Whatever Excel did to the cells it did not touch, reading it again
	// changes nothing.
	before := e.counts()
	status, rep = e.importFile(t, "/v1/import?kind=volunteer&dry_run=true", csvType, export)
	if status != 200 || rep.Unchanged != 2 || rep.Created+rep.Updated+rep.Rejected != 0 {
		t.Fatalf("the export as it is: %d %+v", status, rep)
	}
	// One cell corrected: Hans Wolf's interests.
	edited := strings.Replace(export, "Rentner mit Werkstatt", "Rentner mit Werkstatt und Garten", 1)
	status, rep = e.importFile(t, "/v1/import?kind=volunteer&dry_run=true", csvType, edited)
	if status != 200 || rep.Updated != 1 || rep.Unchanged != 1 || e.counts() != before {
		t.Fatalf("dry run of one correction: %d %+v", status, rep)
	}
	var updated string
	for _, r := range rep.Results {
		if r.Outcome == "updated" {
			updated = r.ID
			if strings.Join(r.Fields, ",") != "life_experience" {
				t.Errorf("fields changed: %v", r.Fields)
			}
		}
	}
	status, rep = e.importFile(t, "/v1/import?kind=volunteer", csvType, edited)
	if status != 201 || rep.Updated != 1 || rep.Imported != 1 || e.counts() != before {
		t.Fatalf("import of one correction: %d %+v\n%s\n%s", status, rep, before, e.counts())
	}
	got := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + updated}).object(t)
	if got["life_experience"] != "Rentner mit Werkstatt und Garten" || got["version"] != float64(2) {
		t.Errorf("after the import: %v", got)
	}
	// The old export again: that row is stale now.
	status, rep = e.importFile(t, "/v1/import?kind=volunteer", csvType, export)
	if status != 422 || rep.Rejected != 1 || rejected(rep).Errors[0].Field != "version" {
		t.Fatalf("stale row: %d %+v", status, rep)
	}
	status, rep = e.importFile(t, "/v1/import?kind=volunteer&overwrite=true", csvType, export)
	if status != 201 || rep.Updated != 1 {
		t.Fatalf("stale row, overwritten: %d %+v", status, rep)
	}
	// The export without its ids, as a list sent around again: every row
	// is a likely duplicate, and nothing is written unless allowed.
	var noIDs []string
	for _, l := range lines {
		noIDs = append(noIDs, l[strings.Index(l, ";"):])
	}
	anew := "\ufeff" + strings.Join(noIDs, "\n")
	anew = strings.Replace(anew, ";version", "version", 1)
	status, rep = e.importFile(t, "/v1/import?kind=volunteer", csvType, strings.ReplaceAll(anew, "\n;", "\n"))
	if status != 422 || rep.Duplicates != 2 || rep.Rejected != 2 || !strings.Contains(rep.Results[0].Warnings[0].Message, "likely a duplicate of volunteer vol_") {
		t.Fatalf("the list again: %d %+v", status, rep)
	}
	if e.counts() != before {
		t.Error("duplicates were written")
	}
	// An id nobody has is refused, not created.
	status, rep = e.importFile(t, "/v1/import?kind=volunteer", csvType, strings.Replace(edited, updated, "vol_doesnotexist", 1))
	if status != 422 || rep.Rejected != 1 || rejected(rep).Errors[0].Field != "id" {
		t.Fatalf("unknown id: %d %+v", status, rep)
	}
	// XLSX: the export imports again unchanged, and an edited cell updates.
	xlsx := e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer&format=xlsx"})
	if xlsx.Status != 200 || xlsx.Header.Get("Content-Type") != transfer.XLSXType {
		t.Fatalf("XLSX export: %d %s", xlsx.Status, xlsx.Header)
	}
	status, rep = e.importFile(t, "/v1/import?kind=volunteer", transfer.XLSXType, string(xlsx.Body))
	if status != 200 || rep.Unchanged != 2 {
		t.Fatalf("XLSX again: %d %+v", status, rep)
	}
	// An offer's status is the review's: an import that changes it is
	// refused, one that leaves it passes.
	offers, _ := json.Marshal([]map[string]any{offerInput(e.provider)})
	if status, rep = e.importFile(t, "/v1/import?kind=offer", "application/json", string(offers)); status != 201 {
		t.Fatalf("offers: %d %+v", status, rep)
	}
	oexport := string(e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=offer"}).Body)
	if !strings.Contains(oexport, ";approved;") {
		t.Fatalf("offer export without its status: %s", oexport)
	}
	status, rep = e.importFile(t, "/v1/import?kind=offer", csvType, strings.Replace(oexport, ";approved;", ";abgelehnt;", 1))
	if status != 422 || rep.Results[0].Errors[0].Field != "status" {
		t.Errorf("status changed by import: %d %+v", status, rep)
	}
	// A JSON export imports again, too.
	jexport := string(e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=offer&format=json"}).Body)
	if status, rep = e.importFile(t, "/v1/import?kind=offer", "application/json", jexport); status != 200 || rep.Unchanged != 1 {
		t.Errorf("JSON export again: %d %+v", status, rep)
	}
}

// TestImportDuplicates: a new row like an entry there is, or like an
// earlier row, is reported and stops the import unless duplicates are
// allowed; rows that only share a name are not.
func TestImportDuplicates(t *testing.T) {
	e := newEnv(t)
	e.create("rm", "/v1/volunteers", volunteerInput()) // Ayşe Yılmaz, 0176 1234567, born 1985
	e.create("rm", "/v1/neighbourhood-helps", helpInput())
	e.create("rm", "/v1/offers", offerInput(e.provider))
	vol := func(name, phone, email string, born int, home string) map[string]any {
		v := with(with(volunteerInput(), "name", name), "contact", map[string]any{"phone": phone, "email": email})
		v["birth_year"], v["home"] = born, map[string]any{"district": home}
		if born == 0 {
			delete(v, "birth_year")
		}
		return v
	}
	for _, c := range []struct {
		name string
		kind string
		rows []map[string]any
		want []string // per row: "" or a part of its first warning
	}{
		{"same name, phone written otherwise", "volunteer", []map[string]any{vol("Ayse Yilmaz", "+49 176 1234567", "", 0, "eselsberg")}, []string{"same name and phone"}},
		{"same name and e-mail", "volunteer", []map[string]any{vol("AYŞE YILMAZ", "", "Ayse@Example.org", 0, "eselsberg")}, []string{"same name and e-mail"}},
		{"same name and birth year", "volunteer", []map[string]any{vol("Ayşe Yılmaz", "0731 999", "", 1985, "eselsberg")}, []string{"birth year 1985"}},
		{"same name, nothing else alike", "volunteer", []map[string]any{vol("Ayşe Yılmaz", "0731 999", "b@example.org", 1990, "eselsberg")}, []string{""}},
		{"two rows of one person", "volunteer", []map[string]any{vol("Jonas Keller", "0731 1", "", 0, "eselsberg"), vol("Jonas Keller", "0731 1", "", 0, "boefingen")}, []string{"", "line 1"}},
		{"neighbourhood help in its district", "neighbourhood_help", []map[string]any{helpInput()}, []string{"same name in the district eselsberg"}},
		{"neighbourhood help elsewhere", "neighbourhood_help", []map[string]any{with(with(helpInput(), "districts", []string{"boefingen"}), "quarters", []string{})}, []string{""}},
		{"offer at its provider", "offer", []map[string]any{offerInput(e.provider)}, []string{"same name at provider"}},
		{"offer at another provider", "offer", []map[string]any{offerInput(e.provider2)}, []string{""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, _ := json.Marshal(c.rows)
			status, rep := e.importFile(t, "/v1/import?kind="+c.kind+"&dry_run=true", "application/json", string(body))
			dup := false
			for i, w := range c.want {
				r := rep.Results[i]
				switch {
				case w == "" && len(r.Warnings) > 0:
					t.Errorf("row %d: warned %v", i, r.Warnings)
				case w != "" && (len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0].Message, w)):
					t.Errorf("row %d: warnings %v, want %q", i, r.Warnings, w)
				}
				dup = dup || w != ""
			}
			if dup != (status == 422) {
				t.Errorf("status %d with duplicates %v", status, dup)
			}
			if dup {
				if status, rep = e.importFile(t, "/v1/import?kind="+c.kind+"&dry_run=true&allow_duplicates=true", "application/json", string(body)); status != 200 || rep.Duplicates == 0 {
					t.Errorf("allowed: %d %+v", status, rep)
				}
			}
		})
	}
}

// TestImportReadsAreAudited: comparing a file's rows with stored
// volunteers, and naming a likely twin, is a read of their personal data,
// in a dry run too; a twin the caller may not see is never named.
func TestImportReadsAreAudited(t *testing.T) {
	e := newEnv(t)
	boef := e.create("rm", "/v1/volunteers", with(with(volunteerInput(), "districts", []string{"boefingen"}), "home", map[string]any{"district": "boefingen"}))
	west := e.create("rm", "/v1/volunteers", volunteerInput()) // Weststadt
	export := string(e.do(req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer"}).Body)
	if status, rep := e.importFile(t, "/v1/import?kind=volunteer&dry_run=true", "text/csv", export); status != 200 || rep.Unchanged != 2 {
		t.Fatalf("dry run: %d %+v", status, rep)
	}
	var log struct {
		Items []struct {
			Action   string
			EntryIDs []string `json:"entry_ids"`
		}
	}
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?action=read&limit=10"}).decode(t, &log)
	if len(log.Items) == 0 || strings.Join(log.Items[0].EntryIDs, ",") != strings.Join(sortedIDs(boef, west), ",") {
		t.Errorf("the dry run's comparison is not audited as a read of both: %+v", log.Items)
	}
	// A staff member of Weststadt imports a namesake living in Böfingen:
	// the Böfingen volunteer, outside her districts, is not named.
	plain, _, err := access.IssueGrant(context.Background(), e.db, access.Grant{Name: "RM West", Role: access.RoleResourceManager,
		Districts: []string{"weststadt-soeflingen"}}, e.clock())
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["rmwest"] = plain
	twin, _ := json.Marshal([]map[string]any{with(volunteerInput(), "home", map[string]any{"district": "boefingen"})})
	r := e.do(req{Who: "rmwest", Method: "POST", Path: "/v1/import?kind=volunteer&dry_run=true", Body: string(twin), Headers: map[string]string{"Content-Type": "application/json"}})
	if strings.Contains(string(r.Body), boef) {
		t.Errorf("a volunteer outside the caller's districts is named: %s", r.Body)
	}
	if !strings.Contains(string(r.Body), west) {
		t.Errorf("the visible twin (same name and phone) is not named: %d %s", r.Status, r.Body)
	}
}

func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}
