package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestHSDSExport: the open-data export holds what is public today and
// nothing else (no volunteer, no submitted, expired or archived-provider
// offer, no paused group, no coordinator's name), and its JSON is valid
// HSDS 3.0; the datapackage carries the same services.
func TestHSDSExport(t *testing.T) {
	e := newEnv(t)
	e.create("rm", "/v1/volunteers", volunteerInput())
	e.create("rm", "/v1/neighbourhood-helps", helpInput())
	e.create("rm", "/v1/neighbourhood-helps", with(with(helpInput(), "name", "Pausierte Gruppe"), "status", "paused"))
	e.create("rm", "/v1/offers", offerInput(e.provider))
	e.create("rm", "/v1/offers", with(with(offerInput(e.provider), "name", "Abgelaufener Kurs"), "valid_until", "2020-12-31"))
	e.create("traeger", "/v1/offers", with(offerInput(""), "name", "Eingereichtes Angebot"))
	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/export/hsds?format=json"})
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	body := string(r.Body)
	for _, absent := range []string{"Ayşe", "Pausierte Gruppe", "Abgelaufener Kurs", "Eingereichtes Angebot", "Petra Keller"} {
		if strings.Contains(body, absent) {
			t.Errorf("%q is in the open data", absent)
		}
	}
	for _, present := range []string{"Canapé Café", "Organisierte Nachbarschaftshilfe Eselsberg", "0731 123456"} {
		if !strings.Contains(body, present) {
			t.Errorf("%q is not in the open data", present)
		}
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	abs, _ := filepath.Abs("../hsds/testdata/schema/service.json")
	sch, err := c.Compile(abs)
	if err != nil {
		t.Fatal(err)
	}
	var page struct{ Contents []json.RawMessage }
	r.decode(t, &page)
	if len(page.Contents) != 2 {
		t.Fatalf("%d services, want the offer and the group", len(page.Contents))
	}
	for _, s := range page.Contents {
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(s))
		if err := sch.Validate(v); err != nil {
			t.Errorf("not HSDS 3.0: %v", err)
		}
	}
	zipped := e.do(req{Who: "admin", Method: "GET", Path: "/v1/export/hsds"})
	if zipped.Status != 200 || zipped.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("datapackage: %d %s", zipped.Status, zipped.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Body), int64(len(zipped.Body)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	if !names["datapackage.json"] || !names["services.csv"] || !names["organizations.csv"] {
		t.Errorf("datapackage files: %v", names)
	}
	if got := e.do(req{Who: "rm", Method: "GET", Path: "/v1/export/hsds?format=xml"}); got.Status != 400 {
		t.Errorf("format=xml: %d", got.Status)
	}
}
