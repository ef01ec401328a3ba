package catalogue

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"massanzug/access"
)

// Synonym says what a word people type means besides itself: a search
// for Word also finds the entries that hold Means ("Behördengang" →
// "Ämterbegleitung", "NBH" → "Nachbarschaftshilfe"). It works one way;
// staff add the other way round where both words name one thing. Word
// may be several words ("Essen auf Rädern"); it matches however it is
// written (case, umlauts or their spellings).
type Synonym struct {
	Word  string `json:"word" validate:"required,max=60"`
	Means string `json:"means" validate:"required,max=200"`
}

// SynonymKey is how a word of the list is recognised, and the key a
// store keeps it under: its words, folded.
func SynonymKey(word string) string { return strings.Join(foldedWords(word), " ") }

func foldedWords(text string) []string {
	ws := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range ws {
		ws[i] = foldGerman(w)
	}
	return ws
}

// DefaultSynonyms returns the list shipped with the binary: the words and
// abbreviations of German social work that mean an entry's words.
func DefaultSynonyms() ([]Synonym, error) {
	var raw struct {
		Synonyms []Synonym `json:"synonyms"`
	}
	err := readDefault("defaults/synonyms.json", &raw)
	return raw.Synonyms, err
}

// SynonymsIn returns the synonyms whose word occurs in text, as words in a
// row: "NBH Eselsberg" holds NBH, "Einkauf" does not hold "Kauf".
func SynonymsIn(list []Synonym, text string) []Synonym {
	return synonymsIn(list, keysOf(list), text)
}

// keysOf are the folded words of each synonym's word.
func keysOf(list []Synonym) [][]string {
	keys := make([][]string, len(list))
	for i, s := range list {
		keys[i] = foldedWords(s.Word)
	}
	return keys
}

func synonymsIn(list []Synonym, keys [][]string, text string) []Synonym {
	words := foldedWords(text)
	if len(words) == 0 {
		return nil
	}
	var out []Synonym
	for i, s := range list {
		key := keys[i]
		if len(key) == 0 {
			continue
		}
		for i := 0; i+len(key) <= len(words); i++ {
			if slices.Equal(words[i:i+len(key)], key) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// synonymList is what the service keeps of the synonyms, which every
// search reads and staff change rarely: the list and keysOf(list).
type synonymList struct {
	list []Synonym
	keys [][]string
}

// loadSynonyms returns the list and its keys.
func (s *Service) loadSynonyms(ctx context.Context) ([]Synonym, [][]string, error) {
	l, err := s.synonyms.get(func() (synonymList, error) {
		list, err := s.store.Synonyms(ctx)
		if err != nil {
			return synonymList{}, fmt.Errorf("load synonyms: %w", err)
		}
		return synonymList{list, keysOf(list)}, nil
	})
	return l.list, l.keys, err
}

func (s *Service) forgetSynonyms() { s.synonyms.forget() }

// Synonyms lists the search's synonyms, sorted by word; every role may
// read them (they name no one).
func (s *Service) Synonyms(ctx context.Context, p access.Principal) ([]Synonym, error) {
	if !anyRole(p) {
		return nil, forbidden(p, "read the synonyms")
	}
	list, _, err := s.loadSynonyms(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(list), nil
}

// PutSynonym creates or replaces the synonym of word (the word in the
// address; the body's word, if given, must be the same word); for staff
// and admin. It returns the synonym as kept and whether the word is new
// to the list.
func (s *Service) PutSynonym(ctx context.Context, p access.Principal, word string, syn Synonym) (Synonym, bool, error) {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return Synonym{}, false, forbidden(p, "change the synonyms")
	}
	word = strings.Join(strings.Fields(word), " ")
	if strings.TrimSpace(syn.Word) == "" {
		syn.Word = word
	}
	syn.Word = strings.Join(strings.Fields(syn.Word), " ")
	syn.Means = strings.Join(strings.Fields(syn.Means), " ")
	ve := checkShape(&syn)
	switch {
	case SynonymKey(syn.Word) == "" && syn.Word != "":
		ve.add("word", "needs a letter or a digit")
	case SynonymKey(syn.Word) != SynonymKey(word):
		ve.add("word", "%q in the body is not the word of the address (%q)", syn.Word, word)
	case SynonymKey(syn.Means) == "" && syn.Means != "":
		ve.add("means", "needs a letter or a digit")
	case syn.Means != "" && SynonymKey(syn.Means) == SynonymKey(syn.Word):
		ve.add("means", "is the word itself")
	}
	if err := ve.orNil(); err != nil {
		return Synonym{}, false, err
	}
	created, err := s.store.PutSynonym(ctx, SynonymKey(syn.Word), syn)
	s.forgetSynonyms() // whatever the outcome: the store decides what is true
	if err != nil {
		return Synonym{}, false, fmt.Errorf("put synonym: %w", err)
	}
	return syn, created, nil
}

// DeleteSynonym takes word off the list; for staff and admin.
func (s *Service) DeleteSynonym(ctx context.Context, p access.Principal, word string) error {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return forbidden(p, "change the synonyms")
	}
	err := s.store.DeleteSynonym(ctx, SynonymKey(word))
	s.forgetSynonyms()
	if err != nil {
		return fmt.Errorf("delete synonym %q: %w", word, err)
	}
	return nil
}
