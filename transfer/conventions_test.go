package transfer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"massanzug/catalogue"
	"massanzug/transfer"
)

func testVocab(t *testing.T) *transfer.Vocab {
	t.Helper()
	ds, err := catalogue.DefaultDistricts()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := catalogue.DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	return transfer.NewVocab(ds, tax)
}

// TestGermanExcelConventions: what Excel on German Windows saves reads as
// the same input as the API's own spellings.
func TestGermanExcelConventions(t *testing.T) {
	v := testVocab(t)
	german := "Name;Wohnort: Sozialraum;Sozialräume;Hilfearten;Sprachen;Verfügbarkeit;Kapazität;Wohnort: Breitengrad;Einwilligung: gegeben am;Mobilität;Geschlecht;Status;Kontakt: Telefon\n" +
		"Jürgen Weiß;Weststadt/Söflingen;Eselsberg|weststadt-soeflingen;Einkaufshilfe|besuchsdienst;Türkisch:Muttersprache|de:gut;Di 9:00-12:00|Donnerstag 14:00-17:00;2;48,399;10.01.2026;Bus und Bahn|Auto;männlich;pausiert;'+49 731 123456\n"
	codes := "name,home.district,districts,help_kinds,languages,availability,capacity,home.lat,consent.given_on,mobility,gender,status,contact.phone\n" +
		"Jürgen Weiß,weststadt-soeflingen,eselsberg|weststadt-soeflingen,einkaufshilfe|besuchsdienst,tr:native|de:good,tue 09:00-12:00|thu 14:00-17:00,2,48.399,2026-01-10,public_transport|car,male,paused,+49 731 123456\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(german)
	if err != nil {
		t.Fatal(err)
	}
	var want *catalogue.VolunteerInput
	for name, file := range map[string]string{"codes": codes, "German, UTF-8 with BOM": "\ufeff" + german, "German, Windows-1252": cp1252} {
		rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, strings.NewReader(file), v)
		if err != nil || len(rows) != 1 || len(rows[0].Errors) > 0 {
			t.Fatalf("%s: %+v %v", name, rows, err)
		}
		got := rows[0].Input.(*catalogue.VolunteerInput)
		if want == nil {
			want = got
			if got.Home.District != "weststadt-soeflingen" || got.Languages[0].Code != "tr" || got.Availability[0].From != "09:00" ||
				got.Consent.GivenOn != "2026-01-10" || *got.Home.Lat != 48.399 || got.Status != catalogue.StatusPaused {
				t.Fatalf("codes read as %+v", got)
			}
			continue
		}
		a, b := asJSON(t, want), asJSON(t, got)
		if a != b {
			t.Errorf("%s reads differently:\n%s\n%s", name, b, a)
		}
	}
	// A label nobody knows stays as typed, for the validation to refuse
	// with the valid choices; a date that is none is an error at once.
	rows, _ := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, strings.NewReader("name;districts;consent.given_on\nA;Atlantis;31.02.2026\n"), v)
	if len(rows) != 1 || len(rows[0].Errors) != 1 || rows[0].Errors[0].Field != "consent.given_on" || !strings.Contains(rows[0].Errors[0].Message, "TT.MM.JJJJ") {
		t.Errorf("bad date: %+v", rows)
	}
}

// TestExportForGermanExcel: a CSV export starts with a byte order mark and,
// separated by ";", writes decimal commas and German dates; separated by
// ",", the API's spellings.
func TestExportForGermanExcel(t *testing.T) {
	lat := 48.399
	e := catalogue.Volunteer{Header: catalogue.Header{ID: "vol_1", Version: 2}, VolunteerInput: catalogue.VolunteerInput{Name: "Ayşe", Home: catalogue.Place{Lat: &lat},
		Consent: &catalogue.Consent{GivenOn: "2026-01-10"}, Capacity: 2}}
	for sep, want := range map[rune][]string{';': {"48,399", "10.01.2026", ";2;"}, ',': {"48.399", "2026-01-10"}} {
		var buf bytes.Buffer
		if err := transfer.Write(&buf, catalogue.KindVolunteer, transfer.CSV, sep, []any{e}, nil); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbfid"+string(sep)+"version")) {
			t.Errorf("%q: no byte order mark before the header: %q", sep, buf.String()[:20])
		}
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%q: no %q in %s", sep, w, buf.String())
			}
		}
	}
}

// TestXLSXRoundTrip: an XLSX export reads back as the same inputs, with its
// ids and versions; it carries German titles and an explanation sheet
// naming the allowed values; text that looks like a formula stays text.
func TestXLSXRoundTrip(t *testing.T) {
	v := testVocab(t)
	lat, cost := 48.4, 12.5
	in := catalogue.OfferInput{ProviderID: "prv_1", Name: "=HYPERLINK(\"http://x\")", Category: "beratung", HelpKinds: []string{"schuldnerberatung"},
		Districts: []string{"eselsberg"}, Location: catalogue.Place{Lat: &lat}, ValidFrom: "2026-01-01", CostEUR: &cost, Accessible: true,
		Schedule: []catalogue.Slot{{Day: "mon", From: "09:00", To: "12:00"}}, Languages: []string{"de", "tr"}}
	var buf bytes.Buffer
	o := catalogue.Offer{Header: catalogue.Header{ID: "off_1", Version: 4}, OfferInput: in, Status: catalogue.StatusApproved}
	if err := transfer.Write(&buf, catalogue.KindOffer, transfer.XLSX, ';', []any{o}, v); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Einträge" || got[1] != "Erläuterung" {
		t.Fatalf("sheets %v", got)
	}
	head, _ := f.GetRows("Einträge")
	if head[0][0] != "ID" || !strings.Contains(strings.Join(head[0], "|"), "Kontakt: E-Mail") {
		t.Errorf("header %v", head[0])
	}
	if formula, _ := f.GetCellFormula("Einträge", "E2"); formula != "" {
		t.Errorf("a name became a formula: %q", formula)
	}
	help, _ := f.GetRows("Erläuterung")
	joined := ""
	for _, r := range help {
		joined += strings.Join(r, "|") + "\n"
	}
	for _, w := range []string{"Hilfearten|help_kinds", "schuldnerberatung (", "eselsberg (Eselsberg)", "TT.MM.JJJJ", "approved (freigegeben)"} {
		if !strings.Contains(joined, w) {
			t.Errorf("explanation sheet lacks %q", w)
		}
	}
	rows, err := transfer.Parse(catalogue.KindOffer, transfer.XLSX, bytes.NewReader(buf.Bytes()), v)
	if err != nil || len(rows) != 1 || len(rows[0].Errors) > 0 {
		t.Fatalf("%+v %v", rows, err)
	}
	r := rows[0]
	if r.ID != "off_1" || r.Version != 4 || r.Status != catalogue.StatusApproved {
		t.Errorf("id, version, status: %+v", r)
	}
	if a, b := asJSON(t, &in), asJSON(t, r.Input); a != b {
		t.Errorf("round trip:\n%s\n%s", b, a)
	}
}

// TestMergeKeepsMissingColumns: an update from a sheet without some
// columns changes only the columns it has; an empty cell clears its field.
func TestMergeKeepsMissingColumns(t *testing.T) {
	rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, strings.NewReader("id;version;name;interests\nvol_1;3;Neuer Name;\n"), testVocab(t))
	if err != nil || len(rows) != 1 || rows[0].Merge == nil {
		t.Fatalf("%+v %v", rows, err)
	}
	cur := &catalogue.VolunteerInput{Name: "Alt", Interests: "Schach", Capacity: 2, Districts: []string{"eselsberg"}}
	next := &catalogue.VolunteerInput{}
	if err := rows[0].Merge(cur, next); err != nil {
		t.Fatal(err)
	}
	if next.Name != "Neuer Name" || next.Interests != "" || next.Capacity != 2 || len(next.Districts) != 1 {
		t.Errorf("merged %+v", next)
	}
}

// FuzzParseXLSX: no workbook makes the parser panic.
func FuzzParseXLSX(f *testing.F) {
	var buf bytes.Buffer
	in := catalogue.Volunteer{Header: catalogue.Header{ID: "vol_1", Version: 1}, VolunteerInput: catalogue.VolunteerInput{Name: "A", Districts: []string{"eselsberg"}}}
	if err := transfer.Write(&buf, catalogue.KindVolunteer, transfer.XLSX, ';', []any{in}, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.XLSX, bytes.NewReader(b), nil)
		if err == nil {
			for _, r := range rows {
				if r.Input == nil && len(r.Errors) == 0 {
					t.Fatalf("row without input or error: %+v", r)
				}
			}
		}
	})
}

// TestFifteenDigits: Excel keeps 15 significant digits of a number; a
// coordinate that comes back so is the stored one, not a change.
func TestFifteenDigits(t *testing.T) {
	rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, strings.NewReader("id;version;home.lat;home.lon\nvol_1;1;48,3270497731767;9,9\n"), nil)
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	lat, lon := 48.32704977317678, 9.95
	cur := &catalogue.VolunteerInput{Name: "A", Home: catalogue.Place{Lat: &lat, Lon: &lon}}
	next := &catalogue.VolunteerInput{}
	if err := rows[0].Merge(cur, next); err != nil {
		t.Fatal(err)
	}
	if *next.Home.Lat != lat || *next.Home.Lon != 9.9 {
		t.Errorf("merged %v %v", *next.Home.Lat, *next.Home.Lon)
	}
}
