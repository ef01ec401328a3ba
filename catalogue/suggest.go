package catalogue

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fewHits is how few hits make search offer a corrected spelling
// ("Meinten Sie …?").
const fewHits = 3

// WordChecker is what a Searcher may also know: whether some entry holds
// a word, and which words it knows how to spell (its dictionary). Search
// corrects only words no entry holds, so that a rare real word is never
// "corrected" into a common one.
type WordChecker interface {
	Holds(ctx context.Context, word string) (bool, error)
	Spellings() []string
}

// spellings are the words a suggestion may use: the city's vocabulary
// (help kinds, target groups, categories, synonyms, languages, districts
// and quarters) and the searcher's dictionary. Entries' own texts are not
// among them: a suggestion must not tell of a person's words.
func (s *Service) spellings(ctx context.Context, wc WordChecker) (map[string]string, error) {
	ds, tax, err := s.Reference(ctx)
	if err != nil {
		return nil, err
	}
	syns, _, err := s.loadSynonyms(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{} // folded → as written
	add := func(text string) {
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(w) < 4 {
				continue
			}
			f := foldGerman(w)
			// A capitalised spelling (a noun, a name) wins over a lower-case one.
			if old, ok := out[f]; !ok || unicode.IsLower([]rune(old)[0]) && unicode.IsUpper([]rune(w)[0]) {
				out[f] = w
			}
		}
	}
	for _, v := range Vocabularies {
		for _, t := range tax.codes(v) {
			add(t.Label)
		}
	}
	for _, syn := range syns {
		add(syn.Word)
		add(syn.Means)
	}
	for _, name := range LanguageNames {
		add(name)
	}
	for _, d := range ds {
		add(d.Name)
		for _, q := range d.Quarters {
			add(q.Name)
		}
	}
	for _, w := range wc.Spellings() {
		add(w)
	}
	return out, nil
}

// suggest returns text with each word that no entry holds replaced by the
// nearest known spelling, or "" when no word changes.
func (s *Service) suggest(ctx context.Context, wc WordChecker, text string) (string, error) {
	known, err := s.spellings(ctx, wc)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	changed := false
	rest := text
	for rest != "" {
		i := strings.IndexFunc(rest, unicode.IsLetter)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		j := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) })
		if j < 0 {
			j = len(rest)
		}
		word := rest[:j]
		rest = rest[j:]
		fix, err := s.correct(ctx, wc, known, word)
		if err != nil {
			return "", err
		}
		changed = changed || fix != word
		b.WriteString(fix)
	}
	if !changed {
		return "", nil
	}
	return b.String(), nil
}

// correct returns the known spelling nearest to word, or word itself when
// an entry holds it, it is known, short, or nothing is near enough: one
// edit for words up to six letters, two for longer ones.
func (s *Service) correct(ctx context.Context, wc WordChecker, known map[string]string, word string) (string, error) {
	n := utf8.RuneCountInString(word)
	f := foldGerman(word)
	if _, ok := known[f]; ok || n < 4 {
		return word, nil
	}
	if _, ok := LanguageOfName(word); ok {
		return word, nil
	}
	held, err := wc.Holds(ctx, word)
	if err != nil {
		return "", fmt.Errorf("look up %q: %w", word, err)
	}
	if held {
		return word, nil
	}
	limit := 1
	if n > 6 {
		limit = 2
	}
	best, bestD := "", limit+1
	for k, w := range known {
		if d := editDistance(f, k, bestD); d < bestD || d == bestD && best != "" && w < best {
			best, bestD = w, d
		}
	}
	if best == "" || bestD > limit {
		return word, nil
	}
	// The case of what was typed: "einkaufshilfe" stays lower-case.
	if r, _ := utf8.DecodeRuneInString(word); unicode.IsLower(r) {
		return strings.ToLower(best), nil
	}
	r, size := utf8.DecodeRuneInString(best)
	return string(unicode.ToUpper(r)) + best[size:], nil
}

// editDistance is the optimal-string-alignment distance of a and b
// (insertions, deletions, substitutions, swaps of neighbours), or more
// than max once it is sure to exceed it.
func editDistance(a, b string, max int) int {
	x, y := []rune(a), []rune(b)
	if d := len(x) - len(y); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			low = min(low, cur[j])
		}
		if low > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
