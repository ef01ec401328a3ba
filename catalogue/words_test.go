package catalogue

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestContentWords(t *testing.T) {
	for in, want := range map[string]string{
		"jemand der für meine Mutter einkaufen geht": "der für meine Mutter einkaufen",
		"Hilfe":                   "Hilfe", // nothing else would stay
		"Hilfe beim Umzug":        "beim Umzug",
		"Beratung bei Sucht":      "Beratung bei Sucht", // the noun stays
		"Jugendlicher sucht Rat":  "Jugendlicher Rat",
		"Sie möchte gern, bitte!": "Sie",
		"":                        "",
	} {
		if got := ContentWords(in); got != want {
			t.Errorf("ContentWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSynonymsIn(t *testing.T) {
	list := []Synonym{{Word: "NBH", Means: "Nachbarschaftshilfe"}, {Word: "Essen auf Rädern", Means: "Essensversorgung"}, {Word: "Kauf", Means: "Einkauf"}}
	for text, want := range map[string][]string{
		"nbh Eselsberg":           {"NBH"},
		"essen auf raedern bitte": {"Essen auf Rädern"},
		"Essen auf dem Rad":       nil,
		"Einkauf":                 nil, // a word, not a part of one
		"NBH, Kauf":               {"NBH", "Kauf"},
		"":                        nil,
	} {
		var got []string
		for _, s := range SynonymsIn(list, text) {
			got = append(got, s.Word)
		}
		if !slices.Equal(got, want) {
			t.Errorf("SynonymsIn(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestHelpKindsNamed(t *testing.T) {
	tax, err := DefaultTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		"Einkaufshilfe":                   "einkaufshilfe",
		"aemterbegleitung":                "aemterbegleitung",  // the code, umlaut spelt out
		"Begleitung zu Ämtern und Ärzten": "aemterbegleitung",  // the whole label
		"Hausaufgabenhilfe":               "hausaufgabenhilfe", // a label's own word
		"Arbeitssuche":                    "bewerbungshilfe",
		"sport_bewegung":                  "sport_bewegung",
		"Einkaufshilve":                   "einkaufshilfe", // one typo in a long word
		"Begleitung":                      "",              // several labels hold it
		"Menschen":                        "",              // a target group's word
		"Einkauf":                         "",
		"":                                "",
	} {
		if got := strings.Join(tax.HelpKindsNamed(text), ","); got != want {
			t.Errorf("HelpKindsNamed(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		max  int
		want int
	}{
		{"demenz", "demenz", 2, 0},
		{"demnz", "demenz", 2, 1},
		{"eselsbreg", "eselsberg", 2, 1}, // neighbours swapped count one
		{"schuldnerbratung", "schuldnerberatung", 2, 1},
		{"hund", "katze", 1, 2}, // beyond max: max+1
		{"a", "abcdef", 2, 3},
	} {
		if got := editDistance(tc.a, tc.b, tc.max); got != tc.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.max, got, tc.want)
		}
	}
}

// FuzzSearchWords: whatever a search text holds, reading its words never
// fails and keeps text valid.
func FuzzSearchWords(f *testing.F) {
	tax, err := DefaultTaxonomy()
	if err != nil {
		f.Fatal(err)
	}
	ds, err := DefaultDistricts()
	if err != nil {
		f.Fatal(err)
	}
	syns, err := DefaultSynonyms()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"jemand der für meine Mutter einkaufen geht", "NBH Böfingen", "Einkaufshilve", "ÄÖÜß ae oe", "\xff\xfe", "a,,;;b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := ContentWords(text)
		if utf8.ValidString(text) && !utf8.ValidString(c) {
			t.Errorf("ContentWords(%q) = %q, not valid UTF-8", text, c)
		}
		for _, s := range SynonymsIn(syns, text) {
			if SynonymKey(s.Word) == "" {
				t.Errorf("%q: a synonym without a key: %+v", text, s)
			}
		}
		for _, code := range tax.HelpKindsNamed(text) {
			if _, ok := tax.HelpKind(code); !ok {
				t.Errorf("%q names %q, no help kind", text, code)
			}
		}
		NamedPlaces(ds, text)
	})
}
