package index

import (
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// compounds splits German compounds strictly: only a word made whole of
// dictionary words of at least minPart letters, with the linking letters
// German puts between them (Nachbarschaft·s·hilfe), is split. Finding any
// dictionary word inside a word, as bleve's filter does, makes false parts
// (Vereinsamte → verein + amt, Beratung → rat, tagsüber → tag).
type compounds struct {
	words map[string]bool
}

// minPart is the shortest part a compound is split into.
const minPart = 4

// links may stand between the parts of a compound; endings after its last.
var (
	links   = []string{"", "s", "es", "n", "en", "e", "er"}
	endings = []string{"", "e", "en", "n", "s", "es", "er", "ern", "nen", "innen"}
)

func newCompounds(words []string) compounds {
	c := compounds{words: make(map[string]bool, len(words))}
	for _, w := range words {
		if utf8.RuneCountInString(w) >= minPart {
			c.words[w] = true
		}
	}
	return c
}

// split returns the parts of a lower-case word, or nil when it is not a
// compound of dictionary words.
func (c compounds) split(w string) []string {
	if utf8.RuneCountInString(w) < 2*minPart {
		return nil
	}
	parts := c.cover(w, 0)
	if len(parts) < 2 {
		return nil
	}
	return parts
}

// cover finds the parts of w from byte i on; depth counts parts so far.
func (c compounds) cover(w string, depth int) []string {
	for end := len(w); end > 0; end-- {
		head := w[:end]
		if !c.words[head] {
			continue
		}
		rest := w[end:]
		for _, e := range endings {
			if rest == e && depth > 0 {
				return []string{head}
			}
		}
		for _, l := range links {
			if !strings.HasPrefix(rest, l) || len(rest) == len(l) {
				continue
			}
			if tail := c.cover(rest[len(l):], depth+1); tail != nil {
				return append([]string{head}, tail...)
			}
		}
	}
	return nil
}

// MatchTerms returns the terms matching compares a client's words and an
// entry's texts by: every word and the parts of strict compounds, stop
// words dropped, folded and stemmed, with the common endings of verbs and
// nouns of agents taken off (pflegt, pflegende → pfleg; Schuldner →
// schuld), so that forms of one word meet.
func (ix *Index) MatchTerms(text string) map[string]bool {
	out := map[string]bool{}
	if ix.plain == nil {
		return out
	}
	for _, tok := range ix.lower.Analyze([]byte(text)) {
		word := string(tok.Term)
		for _, part := range append([]string{word}, ix.compounds.split(word)...) {
			for _, t := range ix.plain.Analyze([]byte(part)) {
				out[loosen(string(t.Term))] = true
			}
		}
	}
	return out
}

// looseEndings are taken off a stem (one, the longest that fits) where at
// least five letters stay.
var looseEndings = []string{"end", "ner", "ern", "er", "en", "t", "n"}

func loosen(stem string) string {
	for _, e := range looseEndings {
		if strings.HasSuffix(stem, e) && utf8.RuneCountInString(stem)-utf8.RuneCountInString(e) >= 5 {
			return strings.TrimSuffix(stem, e)
		}
	}
	return stem
}

// analyzers are the two plain analyses MatchTerms uses: words lower-cased,
// and one word stemmed without bleve's compound filter.
func plainAnalyzers(m interface {
	AnalyzerNamed(string) analysis.Analyzer
}) (lower, plain analysis.Analyzer) {
	return m.AnalyzerNamed(analyzerLower), m.AnalyzerNamed(analyzerPlain)
}
