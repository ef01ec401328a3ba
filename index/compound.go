package index

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// strictCompoundFilter is the bleve token filter of the index's German
// analysis: each word, followed by its parts where it is a strict
// compound (compounds.split), at the word's position; with parts_only,
// the parts alone.
const strictCompoundFilter = "compound_strict_de"

type strictFilter struct {
	c         compounds
	partsOnly bool
}

func (f strictFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in))
	for _, t := range in {
		if !f.partsOnly {
			out = append(out, t)
		}
		for _, p := range f.c.split(string(t.Term)) {
			out = append(out, &analysis.Token{Term: []byte(p), Position: t.Position, Start: t.Start, End: t.End, Type: t.Type, KeyWord: t.KeyWord})
		}
	}
	return out
}

func init() {
	err := registry.RegisterTokenFilter(strictCompoundFilter, func(config map[string]any, _ *registry.Cache) (analysis.TokenFilter, error) {
		raw, ok := config["words"].([]any)
		if !ok {
			return nil, fmt.Errorf("%s needs its words", strictCompoundFilter)
		}
		words := make([]string, 0, len(raw))
		for _, w := range raw {
			s, ok := w.(string)
			if !ok {
				return nil, fmt.Errorf("%s: word %v is not text", strictCompoundFilter, w)
			}
			words = append(words, s)
		}
		partsOnly, _ := config["parts_only"].(bool)
		return strictFilter{c: newCompounds(words), partsOnly: partsOnly}, nil
	})
	if err != nil {
		panic(err) // two filters of one name: a programming error at start
	}
}

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
	// Words are known as written and as typed without umlauts
	// (Ämterbegleitung, Aemterbegleitung).
	spelled := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")
	for _, w := range words {
		if utf8.RuneCountInString(w) >= minPart {
			c.words[w] = true
			c.words[spelled.Replace(w)] = true
		}
	}
	return c
}

// split returns the parts of a lower-case word, or nil when it is not a
// compound of dictionary words.
func (c compounds) split(w string) []string {
	// Two parts of minPart, the first of which may have dropped a letter
	// or two of its word (Näh·kurs from nähen).
	if utf8.RuneCountInString(w) < 2*minPart-1 {
		return nil
	}
	parts := c.cover(w, 0)
	if len(parts) < 2 {
		return nil
	}
	return parts
}

// elided are the endings a word drops as the first part of a compound
// (Schul·kinder from Schule, Schwimm·lehrerin from schwimmen).
var elided = []string{"e", "en"}

// cover finds the parts of w; depth counts parts so far. A part before
// another may drop an ending of its word (elided).
func (c compounds) cover(w string, depth int) []string {
	for end := len(w); end > 0; end-- {
		head := w[:end]
		rest := w[end:]
		if !c.words[head] {
			if rest == "" {
				continue
			}
			for _, cut := range elided {
				if c.words[head+cut] {
					if tail := c.cover(rest, depth+1); tail != nil {
						return append([]string{head + cut}, tail...)
					}
				}
			}
			continue
		}
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
