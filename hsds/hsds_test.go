package hsds_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"massanzug/catalogue"
	"massanzug/hsds"
)

// Schemas compiles the HSDS 3.0 service schema from testdata (its
// references resolve to the files beside it), formats asserted.
func schemas(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	abs, err := filepath.Abs("testdata/schema/service.json")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(abs)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func sample(t *testing.T) catalogue.OpenData {
	t.Helper()
	ds, err := catalogue.DefaultDistricts()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := catalogue.DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	lat, lon, cost, perHour, minAge, maxAge, capacity := 48.4, 9.95, 12.5, 8.5, 6, 99, 20
	now := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	return catalogue.OpenData{
		Today: "2026-12-01", Districts: ds, Taxonomy: tax,
		Providers: []catalogue.Provider{{ID: "prv_1", Status: catalogue.StatusActive, ProviderInput: catalogue.ProviderInput{Name: "Caritas Ulm",
			Website: "https://caritas-ulm.de", Contact: catalogue.Contact{Email: "info@caritas-ulm.de", Phone: "0731 1234"}}}},
		Offers: []*catalogue.Offer{
			{Header: catalogue.Header{ID: "off_1", UpdatedAt: now}, Status: catalogue.StatusApproved, OfferInput: catalogue.OfferInput{
				ProviderID: "prv_1", Name: "Schuldnerberatung", Description: "Offene Sprechstunde.", Category: "beratung",
				HelpKinds: []string{"schuldnerberatung"}, TargetGroups: []string{"familien"}, Districts: []string{"eselsberg", "mitte-ost"},
				Address:  catalogue.Address{Street: "Olgastraße 1", PostalCode: "89073", City: "Ulm"},
				Location: catalogue.Place{District: "eselsberg", Quarter: "Eselsberg", Lat: &lat, Lon: &lon}, OpeningTimes: "Di 9–12 Uhr",
				Schedule: []catalogue.Slot{{Day: "tue", From: "09:00", To: "12:00"}}, ValidFrom: "2026-01-01", ValidUntil: "2026-12-31",
				CostEUR: &cost, CostNote: "ermäßigt 5 €", Accessible: true, Languages: []string{"de", "tr"},
				Eligibility: catalogue.Eligibility{MinAge: &minAge, MaxAge: &maxAge, Note: "mit Wohnsitz in Ulm"}, RegistrationRequired: true,
				Contact: catalogue.Contact{Name: "Beratungsstelle", Email: "beratung@caritas-ulm.de", Phone: "0731 5678"}, Capacity: &capacity}},
			{Header: catalogue.Header{ID: "off_2", UpdatedAt: now}, Status: catalogue.StatusApproved, OfferInput: catalogue.OfferInput{
				ProviderID: "prv_1", Name: "Stadtteilcafé", Category: "cafe_treffpunkt", HelpKinds: []string{"begegnung"}, Districts: []string{"wiblingen"}}},
		},
		Helps: []*catalogue.NeighbourhoodHelp{{Header: catalogue.Header{ID: "nbh_1", UpdatedAt: now}, NeighbourhoodHelpInput: catalogue.NeighbourhoodHelpInput{
			Name: "Nachbarschaftshilfe Eselsberg", Description: "Nachbarn helfen Nachbarn.", Coordinator: catalogue.Contact{Phone: "0731 999", Email: "nbh@example.org"},
			Districts: []string{"eselsberg"}, Quarters: []string{"Eselsberg"}, HelpKinds: []string{"einkaufshilfe", "besuchsdienst"},
			Languages: []string{"de", "ru"}, Availability: []catalogue.Slot{{Day: "mon", From: "14:00", To: "17:00"}}, CostPerHour: &perHour}}},
	}
}

// TestJSONValidatesAgainstHSDS: every service of the JSON export is valid
// under the HSDS 3.0 schema, with every field the catalogue fills.
func TestJSONValidatesAgainstHSDS(t *testing.T) {
	var buf bytes.Buffer
	if err := hsds.WriteJSON(&buf, hsds.Build(sample(t), hsds.Options{})); err != nil {
		t.Fatal(err)
	}
	var page struct {
		TotalItems int `json:"total_items"`
		Contents   []json.RawMessage
	}
	if err := json.Unmarshal(buf.Bytes(), &page); err != nil || page.TotalItems != 3 || len(page.Contents) != 3 {
		t.Fatalf("page: %v %s", err, buf.String()[:200])
	}
	sch := schemas(t)
	for _, c := range page.Contents {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("not valid HSDS: %v\n%s", err, c)
		}
	}
	out := buf.String()
	for _, want := range []string{`"byday": "TU"`, `"opens_at": "09:00"`, `"state_province": "Baden-Württemberg"`, `"amount": 12.5`,
		`"minimum_age": 6`, `"code": "schuldnerberatung"`, `"name": "Schuldnerberatung"`, `"Sozialraum Eselsberg, Quartiere: Eselsberg"`,
		`"description": "barrierefrei"`, `"name": "Türkisch"`, `"fees_description": "8,50 € je Stunde"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in the export", want)
		}
	}
	// Stable ids: the same catalogue gives the same UUIDs.
	var again bytes.Buffer
	hsds.WriteJSON(&again, hsds.Build(sample(t), hsds.Options{}))
	if again.String() != out {
		t.Error("two exports of one catalogue differ")
	}
}

// TestDatapackage: the ZIP holds datapackage.json and one CSV per table it
// names; every column is a field of that HSDS table, every row has the
// fields HSDS requires, and every reference points at a row there is.
func TestDatapackage(t *testing.T) {
	var buf bytes.Buffer
	if err := hsds.WriteDatapackage(&buf, hsds.Build(sample(t), hsds.Options{})); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, _ := f.Open()
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	var pkg struct {
		Profile   string
		Resources []struct {
			Name, Path string
			Schema     struct{ Fields []struct{ Name string } }
		}
	}
	if err := json.Unmarshal(files["datapackage.json"], &pkg); err != nil || pkg.Profile != "tabular-data-package" {
		t.Fatalf("datapackage.json: %v %s", err, files["datapackage.json"])
	}
	raw, err := os.ReadFile("testdata/schema/compiled/tabular.json")
	if err != nil {
		t.Fatal(err)
	}
	var tabular struct {
		Properties map[string]struct {
			Items struct {
				Path            string
				Required        []string
				TabularRequired []string `json:"tabular_required"`
				Properties      map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &tabular); err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]bool{}
	refs := map[string][][2]string{} // table → (column, value)
	for _, res := range pkg.Resources {
		spec, ok := tabular.Properties[res.Name]
		if !ok || spec.Items.Path != res.Path {
			t.Errorf("%s (%s) is not an HSDS table (path %q)", res.Name, res.Path, spec.Items.Path)
			continue
		}
		recs, err := csv.NewReader(bytes.NewReader(files[res.Path])).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: %v", res.Path, err)
		}
		for i, col := range recs[0] {
			if _, ok := spec.Items.Properties[col]; !ok {
				t.Errorf("%s: %q is not a field of %s", res.Path, col, res.Name)
			}
			if i >= len(res.Schema.Fields) || res.Schema.Fields[i].Name != col {
				t.Errorf("%s: column %q not as datapackage.json declares", res.Path, col)
			}
		}
		ids[res.Name] = map[string]bool{}
		for _, rec := range recs[1:] {
			row := map[string]string{}
			for i, col := range recs[0] {
				row[col] = rec[i]
			}
			for _, req := range append(spec.Items.Required, spec.Items.TabularRequired...) {
				if row[req] == "" {
					t.Errorf("%s: a row without %s: %v", res.Path, req, rec)
				}
			}
			ids[res.Name][row["id"]] = true
			for col, v := range row {
				if strings.HasSuffix(col, "_id") && v != "" {
					refs[res.Name] = append(refs[res.Name], [2]string{col, v})
				}
			}
		}
	}
	target := map[string]string{"organization_id": "organization", "service_id": "service", "location_id": "location",
		"taxonomy_term_id": "taxonomy_term", "taxonomy_id": "taxonomy", "link_id": "service"}
	for table, rs := range refs {
		for _, r := range rs {
			if to, ok := target[r[0]]; ok && !ids[to][r[1]] {
				t.Errorf("%s.%s = %s names no row of %s", table, r[0], r[1], to)
			}
		}
	}
	for _, want := range []string{"services.csv", "organizations.csv", "locations.csv", "schedules.csv", "taxonomy_terms.csv", "service_areas.csv"} {
		if len(bytes.Split(bytes.TrimSpace(files[want]), []byte("\n"))) < 2 {
			t.Errorf("%s has no rows", want)
		}
	}
	if n := len(bytes.Split(bytes.TrimSpace(files["organizations.csv"]), []byte("\n"))) - 1; n != 2 {
		t.Errorf("%d organizations, want the provider (once for its two offers) and the group", n)
	}
	if !slices.ContainsFunc(pkg.Resources, func(r struct {
		Name, Path string
		Schema     struct{ Fields []struct{ Name string } }
	}) bool {
		return r.Name == "taxonomy"
	}) {
		t.Error("no taxonomies")
	}
}
