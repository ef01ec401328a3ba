package transfer

import (
	"fmt"
	"reflect"
	"strings"

	"massanzug/catalogue"
)

// Columns every file of entries may carry beside the input's fields: the
// entry's id and the version it was exported at (an import updates the
// entry with that id if it is still at that version), and, for offers,
// the status the review gave (for volunteers and neighbourhood helps the
// status is a field of the input).
const (
	IDColumn      = "id"
	VersionColumn = "version"
	StatusColumn  = "status"
)

// column is one column of a kind's spreadsheet: the JSON path of its field,
// its German title, the Go type of its cells, whether it holds dates, and
// the vocabulary whose labels it also accepts.
type column struct {
	path  string
	title string
	typ   reflect.Type
	date  bool
	vocab string
}

// columnsOf lists the columns of kind k: id, version, an offer's status,
// then the input's fields in their order.
func columnsOf(k catalogue.Kind) ([]column, error) {
	t, err := InputType(k)
	if err != nil {
		return nil, err
	}
	cols := []column{
		{path: IDColumn, title: "ID", typ: reflect.TypeOf("")},
		{path: VersionColumn, title: "Version", typ: reflect.TypeOf(0)},
	}
	if k == catalogue.KindOffer {
		cols = append(cols, column{path: StatusColumn, title: "Status", typ: reflect.TypeOf(""), vocab: "offer_status"})
	}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, prefix+name+".")
				continue
			}
			path := prefix + name
			c := column{path: path, title: title(path), typ: ft, date: strings.Contains(f.Tag.Get("validate"), "date"), vocab: vocabOf(k, path)}
			cols = append(cols, c)
		}
	}
	walk(t, "")
	return cols, nil
}

// vocabOf names the vocabulary of a column, or "".
func vocabOf(k catalogue.Kind, path string) string {
	leaf := path[strings.LastIndex(path, ".")+1:]
	switch leaf {
	case "districts", "district":
		return "district"
	case "help_kinds":
		return "help_kind"
	case "target_groups":
		return "target_group"
	case "category":
		return "category"
	case "languages":
		if k == catalogue.KindVolunteer {
			return "language_skill"
		}
		return "language"
	case "mobility", "gender":
		return leaf
	case "availability", "schedule":
		return "slot"
	case "status":
		return "entry_status"
	}
	return ""
}

var groupTitles = map[string]string{
	"contact": "Kontakt", "coordinator": "Koordination", "home": "Wohnort", "location": "Ort", "address": "Adresse",
	"police_certificate": "Führungszeugnis", "consent": "Einwilligung", "eligibility": "Voraussetzung",
}

var fieldTitles = map[string]string{
	"name": "Name", "email": "E-Mail", "phone": "Telefon", "district": "Sozialraum", "quarter": "Stadtteil",
	"lat": "Breitengrad", "lon": "Längengrad", "districts": "Sozialräume", "help_kinds": "Hilfearten",
	"target_groups": "Zielgruppen", "languages": "Sprachen", "availability": "Verfügbarkeit", "capacity": "Kapazität",
	"load": "Belegt", "mobility": "Mobilität", "gender": "Geschlecht", "birth_year": "Geburtsjahr",
	"life_experience": "Lebenserfahrung", "interests": "Interessen", "seen_on": "gesehen am", "issued_on": "ausgestellt am",
	"valid_until": "gültig bis", "clear": "ohne Eintrag", "trainings": "Schulungen", "groups": "Gruppen",
	"given_on": "gegeben am", "status": "Status", "description": "Beschreibung", "quarters": "Stadtteile",
	"cost_per_hour": "Kosten je Stunde (EUR)", "provider_id": "Träger (ID)", "category": "Kategorie", "street": "Straße",
	"postal_code": "PLZ", "city": "Ort", "opening_times": "Öffnungszeiten", "schedule": "Zeiten", "valid_from": "gültig ab",
	"cost_eur": "Kosten (EUR)", "cost_note": "Hinweis zu Kosten", "accessible": "barrierefrei", "min_age": "Mindestalter",
	"max_age": "Höchstalter", "note": "Hinweis", "registration_required": "Anmeldung nötig",
}

// title is the German column title of a path: "Kontakt: E-Mail".
func title(path string) string {
	group, leaf, ok := strings.Cut(path, ".")
	if !ok {
		return titleOr(fieldTitles[path], path)
	}
	return titleOr(groupTitles[group], group) + ": " + titleOr(fieldTitles[leaf], leaf)
}

func titleOr(t, path string) string {
	if t == "" {
		return path
	}
	return t
}

// meaning says in German what a column holds and how to write it, for the
// explanation sheet.
func (c column) meaning() string {
	switch c.path {
	case IDColumn:
		return "Kennung des Eintrags. Leer lassen für einen neuen Eintrag; mit ID wird der Eintrag geändert."
	case VersionColumn:
		return "Stand beim Export. Ist der Eintrag seither geändert worden, wird die Zeile abgelehnt (oder mit „Überschreiben“ übernommen)."
	}
	switch {
	case c.date:
		return "Datum als TT.MM.JJJJ (oder JJJJ-MM-TT)."
	case c.vocab == "slot":
		return "Zeiten als Tag HH:MM-HH:MM, mehrere mit | getrennt, z. B. Di 14:00-17:00|Do 09:00-12:00."
	case c.vocab == "language_skill":
		return "Sprache:Niveau, mehrere mit | getrennt, z. B. Türkisch:Muttersprache|Deutsch:gut (oder tr:native|de:good)."
	case c.typ.Kind() == reflect.Slice:
		return "Liste, Einträge mit | getrennt; Bezeichnung oder Code."
	case c.typ.Kind() == reflect.Bool:
		return "ja oder nein."
	case c.typ.Kind() == reflect.Float64:
		return "Zahl, Komma oder Punkt als Dezimalzeichen."
	case c.typ.Kind() == reflect.Int:
		return "ganze Zahl."
	case c.vocab != "":
		return "Bezeichnung oder Code."
	}
	return "Text."
}

// header maps a file's header cells to the kind's columns: a cell is a
// column's JSON path or its German title (case and spaces do not matter).
func header(k catalogue.Kind, cells []string) ([]*column, error) {
	cols, err := columnsOf(k)
	if err != nil {
		return nil, err
	}
	byName := map[string]*column{}
	for i := range cols {
		byName[headerKey(cols[i].path)] = &cols[i]
		byName[headerKey(cols[i].title)] = &cols[i]
	}
	out := make([]*column, len(cells))
	seen := map[string]bool{}
	var bad []string
	for i, h := range cells {
		c := byName[headerKey(h)]
		if c == nil || seen[c.path] {
			bad = append(bad, fmt.Sprintf("%q", strings.TrimSpace(h)))
			continue
		}
		seen[c.path] = true
		out[i] = c
	}
	if len(bad) > 0 {
		titles := make([]string, len(cols))
		for i, c := range cols {
			titles[i] = c.path
		}
		return nil, fmt.Errorf("header: unknown or repeated columns %s; the columns are: %s (or their German titles)", strings.Join(bad, ", "), strings.Join(titles, ", "))
	}
	return out, nil
}

func headerKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Title is the German title of a column path ("contact.email" →
// "Kontakt: E-Mail"); paths with an index ("languages[0].code") are named by
// their column.
func Title(path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return ""
	}
	return title(path)
}
