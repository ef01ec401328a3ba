package index

import (
	"fmt"
	"slices"
	"testing"
)

// TestStrictCompounds: a word is split only where it is made whole of
// dictionary words; no part is found inside a word by chance.
func TestStrictCompounds(t *testing.T) {
	words, err := Words("")
	if err != nil {
		t.Fatal(err)
	}
	c := newCompounds(words)
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"nachbarschaftshilfe", []string{"nachbarschaft", "hilfe"}},
		{"schuldnerberatung", []string{"schuldner", "beratung"}},
		{"rollstuhlfahrerin", []string{"rollstuhl", "fahrerin"}},
		{"rollstuhlgerecht", []string{"rollstuhl", "gerecht"}},
		{"einkaufshilfe", []string{"einkauf", "hilfe"}},
		{"aemterbegleitung", []string{"aemter", "begleitung"}},
		{"ämterbegleitung", []string{"ämter", "begleitung"}},
		{"grundschulkinder", []string{"grundschule", "kinder"}},
		{"schwimmlehrerin", []string{"schwimmen", "lehrerin"}},
		{"vereinsamte", nil}, // not verein + amt
		{"beratung", nil},    // not rat
		{"tagsüber", nil},    // not tag
		{"migration", nil},
		{"hausaufgaben", nil}, // a word of the list itself, not haus + …
		{"lehrerin", nil},
	} {
		if got := c.split(tc.word); !slices.Equal(got, tc.want) {
			t.Errorf("split(%q) = %v, want %v", tc.word, got, tc.want)
		}
	}
}

// TestMatchTermsMeetAcrossForms: the terms matching compares let forms of
// one word meet and keep unrelated words apart.
func TestMatchTermsMeetAcrossForms(t *testing.T) {
	words, _ := Words("")
	m, _, err := newMapping(words)
	if err != nil {
		t.Fatal(err)
	}
	ix := &Index{compounds: newCompounds(words)}
	ix.lower, ix.plain = plainAnalyzers(m)
	meet := func(a, b string) bool {
		ta, tb := ix.MatchTerms(a), ix.MatchTerms(b)
		for x := range ta {
			if tb[x] {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"pflegt", "pflegende", true},
		{"Schulden", "Schuldnerberatung", true},
		{"Rollstuhlfahrerin", "rollstuhlgerecht", true},
		{"Einkaufen", "Einkaufshilfe", true},
		{"Vereinsamte", "Verein", false},
		{"Vereinsamte", "Amt", false},
		{"Beratung", "Rat", false},
		{"tagsüber", "Tag", false},
		{"Beratung", "Migration", false},
		{"Hausaufgaben", "Haushaltshilfe", false},
	} {
		if got := meet(tc.a, tc.b); got != tc.want {
			t.Errorf("%s ~ %s: %v, want %v (%v / %v)", tc.a, tc.b, got, tc.want, fmt.Sprint(ix.MatchTerms(tc.a)), fmt.Sprint(ix.MatchTerms(tc.b)))
		}
	}
}
