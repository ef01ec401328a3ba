package index

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/registry"
)

// stemFilter is the stemming step of the index's German analysis: bleve's
// light stemmer, and after it the endings that stemmer leaves and that
// separate forms of one word people use side by side: the feminine -in
// (Ärztin, Seniorin, Nachbarinnen: arzt, senior, nachbar), the -n of
// agent nouns and plurals (Schuldner, Gärtner, Rentner, Nachbarn: schuld,
// gart, rent, nachbar, as Schulden, Garten, Rente) and the participle's
// -end (pflegende: pfleg, as pflegen). Enough of the word must stay that
// a short word is never cut into another.
const stemFilter = "stem_de"

type stemmer struct{ light analysis.TokenFilter }

func (s stemmer) Filter(in analysis.TokenStream) analysis.TokenStream {
	words := make([]string, len(in))
	for i, t := range in {
		words[i] = string(t.Term)
	}
	in = s.light.Filter(in)
	if len(in) != len(words) {
		return in // the light stemmer drops no token; should it ever, only its forms
	}
	for i, t := range in {
		t.Term = []byte(baseForm(words[i], string(t.Term)))
	}
	return in
}

// feminineBefore are the letters before a feminine -in (Ärzt-in,
// Senior-in, Freund-in, Kolleg-in, Köch-in, Türk-in); other words ending
// in -in are none (Termin, Medizin, Berlin). -erin is left alone: Lehrerin
// is not the quarter Lehr.
const feminineBefore = "trdghk"

// baseForm takes one of the endings stemFilter names off stem, the light
// stemmer's form of word, where at least four letters stay.
func baseForm(word, stem string) string {
	cut := func(s, suffix string, keep int) (string, bool) {
		if strings.HasSuffix(s, suffix) && utf8.RuneCountInString(s)-utf8.RuneCountInString(suffix) >= keep {
			return strings.TrimSuffix(s, suffix), true
		}
		return s, false
	}
	for _, suffix := range []string{"innen", "in"} {
		if strings.HasSuffix(word, suffix) && !strings.HasSuffix(word, "er"+suffix) {
			base, ok := cut(word, suffix, 4)
			if ok && strings.IndexByte(feminineBefore, base[len(base)-1]) >= 0 {
				return base
			}
		}
	}
	if s, ok := cut(stem, "ernd", 4); ok {
		return s
	}
	if s, ok := cut(stem, "end", 4); ok {
		return s
	}
	// Schuldn(er): the stemmer took the -er, the n of the agent is left;
	// Nachbarn: the n of the plural. After r only in longer words, so
	// that Stern stays Stern.
	if s, ok := cut(stem, "n", 4); ok {
		switch last := s[len(s)-1]; {
		case strings.IndexByte("aeiouy", last) >= 0 || last == 'n' || last == 'h':
		case last == 'r' && utf8.RuneCountInString(s) < 6:
		default:
			return s
		}
	}
	return stem
}

func init() {
	err := registry.RegisterTokenFilter(stemFilter, func(_ map[string]any, cache *registry.Cache) (analysis.TokenFilter, error) {
		light, err := cache.TokenFilterNamed(de.LightStemmerName)
		if err != nil {
			return nil, fmt.Errorf("%s needs bleve's German light stemmer: %w", stemFilter, err)
		}
		return stemmer{light}, nil
	})
	if err != nil {
		panic(err) // two filters of one name: a programming error at start
	}
}
