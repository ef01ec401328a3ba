package index_test

import (
	"slices"
	"testing"

	"massanzug/catalogue"
)

// TestNoFalseHitsFromParts: a word finds the entries that hold it, whole
// or as a part of a real compound, never those that hold some other word
// with the same letters inside (Beratung is not Migration's "rat").
func TestNoFalseHitsFromParts(t *testing.T) {
	w := newWorld(t)
	id := map[string]string{}
	for name, text := range map[string]string{
		"migration":   "Begleitung für Menschen mit Migrationsgeschichte.",
		"reparatur":   "Kleine Reparaturen im Haushalt.",
		"haushalt":    "Haushaltshilfe für ältere Menschen.",
		"grundschule": "Lernhilfe für Grundschulkinder am Nachmittag.",
		"beratung":    "Offene Beratung zu Anträgen.",
		"schuldner":   "Schuldnerberatung mit Haushaltsplan.",
		"hilfe":       "Nachbarschaftshilfe im Quartier.",
		"aemter":      "Aemterbegleitung, ohne Umlaute geschrieben.",
	} {
		id[name] = w.volunteer("Person "+name, text, "eselsberg", "Eselsberg", "besuchsdienst")
	}
	lehr := w.volunteer("Person lehr", "Wohnt in Lehr und hilft gern.", "boefingen", "Lehr", "besuchsdienst")
	for _, tc := range []struct {
		query     string
		want, not []string
	}{
		{"Beratung", []string{id["beratung"], id["schuldner"]}, []string{id["migration"], id["reparatur"]}},
		{"Hausaufgaben", nil, []string{id["haushalt"]}},
		{"Lehrerin", nil, []string{lehr}},
		{"Grundschule", []string{id["grundschule"]}, []string{id["schuldner"]}},
		{"Hilfe", []string{id["hilfe"], id["haushalt"]}, []string{id["beratung"]}},
		{"Begleitung", []string{id["aemter"], id["migration"]}, nil},
		{"Ämterbegleitung", []string{id["aemter"]}, nil},
	} {
		got := w.found(tc.query)
		for _, x := range tc.want {
			if !slices.Contains(got, x) {
				t.Errorf("%q misses %s: %v", tc.query, x, got)
			}
		}
		for _, x := range tc.not {
			if slices.Contains(got, x) {
				t.Errorf("%q finds %s by a false part: %v", tc.query, x, got)
			}
		}
	}
}

// TestLanguageNamesFindLanguages: a language typed as a word finds the
// entries that speak it, however it is spelled.
func TestLanguageNamesFindLanguages(t *testing.T) {
	w := newWorld(t)
	turkish := w.volunteer("Person eins", "Hilft beim Einkaufen.", "eselsberg", "Eselsberg", "einkaufshilfe") // speaks tr (newWorld's volunteer)
	for _, q := range []string{"Türkisch", "tuerkisch", "türkischsprachige Begleitung"} {
		res := w.search(rm, catalogue.SearchQuery{Text: q})
		found := false
		for _, h := range res.Items {
			found = found || h.ID == turkish
		}
		if !found {
			t.Errorf("%q does not find the Turkish speaker: %v", q, res.Items)
		}
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Arabisch"}); res.Total != 0 {
		t.Errorf("Arabisch finds %d entries, none speaks it", res.Total)
	}
}

// TestWordsNearAPlaceBlend: with words and a place, what fits and is near
// comes first; far and equally fitting comes after.
func TestWordsNearAPlaceBlend(t *testing.T) {
	w := newWorld(t)
	far := w.volunteer("Fern", "Hilft beim Einkaufen.", "wiblingen", "Donaustetten", "einkaufshilfe")
	near := w.volunteer("Nah", "Hilft beim Einkaufen.", "eselsberg", "Eselsberg", "einkaufshilfe")
	res := w.search(rm, catalogue.SearchQuery{Text: "Einkaufen", NearQuarter: "Eselsberg"})
	if len(res.Items) < 2 || res.Items[0].ID != near || res.Items[1].ID != far {
		t.Errorf("near first: %+v", res.Items)
	}
}

// TestTypoPerWord: a word no entry holds is forgiven a typo even when
// another word of the query matches; a word some entry holds is not
// bent into another.
func TestTypoPerWord(t *testing.T) {
	w := newWorld(t)
	nbh := w.volunteer("Eins", "Aktiv in der Nachbarschaftshilfe.", "eselsberg", "Eselsberg", "besuchsdienst")
	shop := w.volunteer("Zwei", "Hilft beim Einkauf.", "eselsberg", "Eselsberg", "einkaufshilfe")
	debts := w.volunteer("Drei", "Kennt sich mit Schulden aus.", "eselsberg", "Eselsberg", "schuldnerberatung")
	school := w.volunteer("Vier", "Hilft Kindern in der Schule.", "eselsberg", "Eselsberg", "hausaufgabenhilfe")
	if got := w.found("Nachbarschaftshilve Einkauf"); !slices.Contains(got, nbh) || !slices.Contains(got, shop) {
		t.Errorf("the misspelt word beside a right one: %v", got)
	}
	if got := w.found("Schule"); !slices.Contains(got, school) || slices.Contains(got, debts) {
		t.Errorf("Schule bent into Schulden: %v", got)
	}
}

// TestHelpKindWords: a kind of help typed as a word finds the entries that
// give it first, also where their texts do not say it.
func TestHelpKindWords(t *testing.T) {
	w := newWorld(t)
	says := w.volunteer("Sagt es", "Erwähnt Einkaufshilfe im Text.", "eselsberg", "Eselsberg", "besuchsdienst")
	gives := w.volunteer("Gibt es", "Geht gern mit.", "eselsberg", "Eselsberg", "aemterbegleitung")
	shops := w.volunteer("Kauft ein", "Geht gern mit.", "eselsberg", "Eselsberg", "einkaufshilfe")
	if got := w.found("Ämterbegleitung"); len(got) == 0 || got[0] != gives {
		t.Errorf("Ämterbegleitung: %v", got)
	}
	if got := w.found("Einkaufshilfe"); len(got) < 2 || got[0] != shops || !slices.Contains(got, says) {
		t.Errorf("Einkaufshilfe: %v (gives %s, says %s)", got, shops, says)
	}
}

// found are the ids staff find for text, best first.
func (w *world) found(text string) []string {
	var out []string
	for _, h := range w.search(rm, catalogue.SearchQuery{Text: text}).Items {
		out = append(out, h.ID)
	}
	return out
}

// TestWholeWordsFirst: an entry holding the word asked for ranks above
// one holding it only inside a compound, and an entry holding a compound
// asked for above those holding only its parts.
func TestWholeWordsFirst(t *testing.T) {
	w := newWorld(t)
	// The part hits come first in the store, so that the order found is
	// the search's, not the order of writing.
	// Whole-word hits have the longer texts, which weigh each word less.
	inside := w.volunteer("Eins", "Nachbarschaftshilfe.", "eselsberg", "Eselsberg", "besuchsdienst")
	whole := w.volunteer("Zwei", "Schnelle Hilfe und guter Rat im ganzen Quartier, für alle Nachbarn, an jedem Tag der Woche.", "eselsberg", "Eselsberg", "besuchsdienst")
	grund := w.volunteer("Drei", "Grundschulkinder.", "eselsberg", "Eselsberg", "besuchsdienst")
	kinder := w.volunteer("Vier", "Geht mit Kindern aus der ganzen Straße ins Quartier, zum Spielplatz und zum Schwimmen.", "eselsberg", "Eselsberg", "besuchsdienst")
	parts := w.volunteer("Fünf", "Senioren.", "eselsberg", "Eselsberg", "besuchsdienst")
	compound := w.volunteer("Sechs", "Leitet seit vielen Jahren den Seniorentreff im Quartier und kocht dort Kaffee.", "eselsberg", "Eselsberg", "besuchsdienst")
	for _, tc := range []struct {
		query         string
		first, second string
	}{
		{"Hilfe", whole, inside},
		{"Kinder", kinder, grund},
		{"Seniorentreff", compound, parts},
	} {
		got := w.found(tc.query)
		i, j := slices.Index(got, tc.first), slices.Index(got, tc.second)
		if i < 0 || j < 0 || i > j {
			t.Errorf("%q: %v, want %s before %s", tc.query, got, tc.first, tc.second)
		}
	}
}
