package transfer_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"massanzug/catalogue"
	"massanzug/transfer"
)

func TestParseCSV(t *testing.T) {
	file := "\xef\xbb\xbfname,home.district,districts,help_kinds,languages,availability,capacity,police_certificate.clear,home.lat\n" +
		"Ayşe Yılmaz,weststadt-soeflingen,weststadt-soeflingen|eselsberg,einkaufshilfe,tr:native|de:good,tue 14:00-17:00|thu 09:00-11:30,2,ja,\"48,399\"\n" +
		"\n" +
		"Bad Row,eselsberg,eselsberg,besuchsdienst,turkish,mon,zwei,vielleicht,\n"
	rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, strings.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	v, ok := rows[0].Input.(*catalogue.VolunteerInput)
	if !ok || len(rows[0].Errors) > 0 {
		t.Fatalf("row 1: %+v", rows[0])
	}
	if v.Name != "Ayşe Yılmaz" || len(v.Districts) != 2 || v.Languages[1] != (catalogue.LanguageSkill{Code: "de", Level: "good"}) ||
		v.Availability[1].To != "11:30" || v.Capacity != 2 || v.PoliceCertificate == nil || !v.PoliceCertificate.Clear || *v.Home.Lat != 48.399 {
		t.Errorf("row 1 read as %+v", v)
	}
	if rows[1].Line != 4 {
		t.Errorf("bad row on line %d, want 4", rows[1].Line)
	}
	fields := map[string]bool{}
	for _, e := range rows[1].Errors {
		fields[e.Field] = true
	}
	for _, f := range []string{"languages", "availability", "capacity", "police_certificate.clear"} {
		if !fields[f] {
			t.Errorf("bad row: %s not named in %+v", f, rows[1].Errors)
		}
	}
}

func TestParseCSVSemicolonsAndHeaderErrors(t *testing.T) {
	rows, err := transfer.Parse(catalogue.KindOffer, transfer.CSV, strings.NewReader("name;category;accessible\nCafé; cafe_treffpunkt ;nein\n"), nil)
	if err != nil || len(rows) != 1 || rows[0].Input.(*catalogue.OfferInput).Category != "cafe_treffpunkt" {
		t.Fatalf("%+v %v", rows, err)
	}
	if _, err := transfer.Parse(catalogue.KindOffer, transfer.CSV, strings.NewReader("name;colour\nx;y\n"), nil); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown column: %v", err)
	}
	if _, err := transfer.Parse(catalogue.KindOffer, transfer.CSV, strings.NewReader("name;name\nx;y\n"), nil); err == nil {
		t.Error("repeated column accepted")
	}
}

func TestParseJSON(t *testing.T) {
	file := "[\n  {\"name\": \"A\", \"districts\": [\"eselsberg\"]},\n  {\"name\": \"B\", \"nAme\": \"C\"},\n  {\"id\": \"vol_1\", \"capacity\": \"two\"}\n]"
	rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.JSON, strings.NewReader(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Input == nil || rows[1].Errors == nil || rows[1].Errors[0].Field != "nAme" || rows[2].Errors[0].Field != "capacity" {
		t.Errorf("rows: %+v", rows)
	}
	if rows[0].Line != 2 || rows[1].Line != 3 || rows[2].Line != 4 {
		t.Errorf("lines %d %d %d", rows[0].Line, rows[1].Line, rows[2].Line)
	}
	if _, err := transfer.Parse(catalogue.KindVolunteer, transfer.JSON, strings.NewReader(`{"name":"x"}`), nil); err == nil {
		t.Error("an object instead of an array accepted")
	}
}

// TestCSVRoundTrip: what an export writes, an import reads back the same.
func TestCSVRoundTrip(t *testing.T) {
	lat, lon := 48.4, 9.95
	in := catalogue.VolunteerInput{Name: "Jonas; \"Jo\" Keller", Home: catalogue.Place{District: "eselsberg", Lat: &lat, Lon: &lon},
		Districts: []string{"eselsberg"}, HelpKinds: []string{"einkaufshilfe", "fahrdienst"},
		Languages:    []catalogue.LanguageSkill{{Code: "de", Level: "native"}},
		Availability: []catalogue.Slot{{Day: "mon", From: "08:00", To: "10:00"}}, Capacity: 3, Load: 1,
		LifeExperience: "Zeile eins\nZeile zwei", Consent: &catalogue.Consent{GivenOn: "2026-01-01"}, Status: catalogue.StatusActive}
	var buf bytes.Buffer
	if err := transfer.Write(&buf, catalogue.KindVolunteer, transfer.CSV, ';', []any{catalogue.Volunteer{Header: catalogue.Header{ID: "vol_1", Version: 3}, VolunteerInput: in}}, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, &buf, nil)
	if err != nil || len(rows) != 1 || len(rows[0].Errors) > 0 {
		t.Fatalf("%+v %v\n%s", rows, err, buf.String())
	}
	got := rows[0].Input.(*catalogue.VolunteerInput)
	if got.Name != in.Name || got.LifeExperience != in.LifeExperience || len(got.HelpKinds) != 2 || got.Availability[0] != in.Availability[0] || *got.Home.Lat != lat {
		t.Errorf("round trip: %+v", got)
	}
}

// FuzzParseCSV: no spreadsheet makes the parser panic or hang.
func FuzzParseCSV(f *testing.F) {
	f.Add("name;districts;languages\nA;eselsberg;de:native\n")
	f.Add("name,availability\nA,mon 10:00-12:00|tue\n")
	f.Add("\xef\xbb\xbfname\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := transfer.Parse(catalogue.KindVolunteer, transfer.CSV, strings.NewReader(s), nil)
		if err == nil {
			for _, r := range rows {
				if r.Input == nil && len(r.Errors) == 0 {
					t.Fatalf("row without input or error: %+v", r)
				}
			}
		}
	})
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
