package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"massanzug/catalogue"
)

// facetNames are the facets an answer carries.
var facetNames = []string{"kind", "district", "help_kind", "language", "target_group"}

// term matches a keyword. Keywords filter, they never score: boost 0, so
// that a conjunction with the text leaves the text's relevance as it is.
func term(field, value string) query.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	q.SetBoost(0)
	return q
}

// minFuzzy is the shortest term forgiven a typo.
const minFuzzy = 5

// textFields are the fields words are looked for in, with their weights:
// a part of a compound weighs half a whole word of a text.
var textFields = []struct {
	field string
	boost float64
}{{fieldName, 3}, {fieldPerson, 1}, {fieldText, 1}, {fieldParts, 0.5}}

// synonymWeight is how much a hit through a synonym weighs against one
// through the word typed: nearly as much, never more.
const synonymWeight = 0.8

// textQuery finds the words of text (q's text without its request
// words) in names and texts; the terms in fuzzy (words no entry holds)
// also match with one typo, weighted down; entries that give a kind of
// help the words name, are in a place they name, or hold what a synonym
// of the text means, match too.
//
// fields are those that hold a word of text (lookUp); nil asks all.
func textQuery(q catalogue.SearchQuery, text string, fuzzy []string, fields map[string]bool) query.Query {
	var qs []query.Query
	for field, values := range map[string][]string{"districts": q.NamedDistricts, "quarters": q.NamedQuarters} {
		for _, v := range values {
			t := bleve.NewTermQuery(v)
			t.SetField(field)
			qs = append(qs, t)
		}
	}
	for _, means := range q.MeantWords {
		// What a synonym means is a word of a name or text, not of a
		// person's name nor a part of a compound.
		for _, f := range textFields {
			if f.field == fieldPerson || f.field == fieldParts {
				continue
			}
			// Every word it means, whole, in one field.
			m := bleve.NewMatchQuery(means)
			m.SetField(f.field)
			m.Analyzer = analyzerWhole
			m.SetOperator(query.MatchQueryOperatorAnd)
			m.SetBoost(f.boost * synonymWeight)
			qs = append(qs, m)
		}
	}
	for _, f := range textFields {
		if fields == nil || fields[f.field] {
			exact := bleve.NewMatchQuery(text)
			exact.SetField(f.field)
			exact.Analyzer = analyzerDE
			exact.SetBoost(f.boost)
			qs = append(qs, exact)
		}
		for _, t := range fuzzy {
			near := bleve.NewFuzzyQuery(t)
			near.SetField(f.field)
			near.SetFuzziness(1)
			near.SetPrefix(2) // typos rarely hit the first letters; keeps fuzzy search fast
			near.SetBoost(f.boost * 0.3)
			qs = append(qs, near)
		}
	}
	// A language typed as a word ("Türkisch") is a need for help in it:
	// entries whose language fields hold it match, not only texts that
	// name it.
	words := text
	for _, syn := range q.Synonyms {
		words += " " + syn.Means
	}
	for _, code := range namedLanguages(words) {
		t := bleve.NewTermQuery(code)
		t.SetField("languages")
		qs = append(qs, t)
	}
	for _, code := range q.NamedHelpKinds {
		t := bleve.NewTermQuery(code)
		t.SetField("help_kinds")
		t.SetBoost(3) // as much as the name
		qs = append(qs, t)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// namedLanguages are the codes of the languages the words of text name.
func namedLanguages(text string) []string {
	var codes []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if code, ok := catalogue.LanguageOfName(w); ok && !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return codes
}

// Search implements catalogue.Searcher. A word of the text that no entry
// holds is forgiven one typo; words that some entry holds are matched
// exactly, so that a typo rule never turns a real word into another
// (Grundschule into Schulden).
func (ix *Index) Search(ctx context.Context, q catalogue.SearchQuery, scope catalogue.Scope) (catalogue.SearchResult, error) {
	res, err := ix.searchOnce(ctx, q, scope)
	if errors.Is(err, errPanicked) && ix.reopen() == nil {
		// bleve's memory was left inconsistent by a failed write; what it
		// persisted is whole, and serves.
		res, err = ix.searchOnce(ctx, q, scope)
	}
	return res, err
}

// Holds implements catalogue.WordChecker: whether some entry's name or
// text holds every term of word.
func (ix *Index) Holds(ctx context.Context, word string) (held bool, err error) {
	defer recoverInto(&err)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return false, errClosed
	}
	unknown, _, err := ix.lookUp(ctx, word, nil)
	return len(unknown) == 0, err
}

// Spellings implements catalogue.WordChecker: the words of the compound
// dictionary, every one a word of social work spelt right.
func (ix *Index) Spellings() []string { return ix.words }

func (ix *Index) searchOnce(ctx context.Context, q catalogue.SearchQuery, scope catalogue.Scope) (res catalogue.SearchResult, err error) {
	defer recoverInto(&err)
	ix.mu.RLock()
	closed := ix.idx == nil
	ix.mu.RUnlock()
	if closed {
		return res, errClosed
	}
	return ix.search(ctx, q, scope)
}

// lookUp reads which text fields hold the terms of text's analysis: the
// fields worth asking (a field that holds none of the words only slows
// the search down), and the terms no field holds: the words to forgive a
// typo. A synonym's word is not one of those: it is known to mean
// something else (NBH is no typo of NRW); nor is a short stem, whose one
// edit is another word (trau, trag).
func (ix *Index) lookUp(ctx context.Context, text string, synonyms []catalogue.Synonym) (unknown []string, fields map[string]bool, err error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var meant, seen []string
	for _, syn := range synonyms {
		for _, tok := range ix.analyzer.Analyze([]byte(syn.Word)) {
			meant = append(meant, string(tok.Term))
		}
	}
	fields = map[string]bool{}
	for _, tok := range ix.analyzer.Analyze([]byte(text)) {
		t := string(tok.Term)
		if slices.Contains(seen, t) {
			continue
		}
		seen = append(seen, t)
		known := false
		for _, f := range textFields {
			tfr, err := r.TermFieldReader(ctx, tok.Term, f.field, false, false, false)
			if err != nil {
				return nil, nil, err
			}
			if tfr.Count() > 0 {
				known, fields[f.field] = true, true
			}
			tfr.Close()
		}
		if !known && !slices.Contains(meant, t) && utf8.RuneCountInString(t) >= minFuzzy {
			unknown = append(unknown, t)
		}
	}
	return unknown, fields, nil
}

func (ix *Index) search(ctx context.Context, q catalogue.SearchQuery, scope catalogue.Scope) (catalogue.SearchResult, error) {
	// Who may see what, the status and the kind of entry are decided per
	// hit from its row (see collector.visible): lists that hold most of
	// the catalogue cost more to intersect than to check.
	var must []query.Query
	for field, v := range map[string]string{"districts": q.District, "quarters": q.Quarter, "help_kinds": q.HelpKind,
		"target_groups": q.TargetGroup, "languages": q.Language, "groups": q.Group} {
		if v != "" {
			must = append(must, term(field, v))
		}
	}
	if q.Accessible != nil {
		b := bleve.NewBoolFieldQuery(*q.Accessible)
		b.SetField("accessible")
		b.SetBoost(0)
		must = append(must, b)
	}
	if q.Near != nil && q.RadiusKM > 0 {
		g := bleve.NewGeoDistanceQuery(q.Near.Lon, q.Near.Lat, strconv.FormatFloat(q.RadiusKM, 'f', -1, 64)+"km")
		g.SetField(fieldGeo)
		g.SetBoost(0)
		must = append(must, g)
	}
	// One conjunction, so that the text is scored only where the filters
	// hold (bleve's boolean filter scores every text match first); the
	// filters weigh nothing (boost 0), so only the text decides relevance.
	var unknown []string // the words to forgive a typo
	// "Jemand, der mit ihr einkaufen geht": einkaufen is what is asked.
	text := catalogue.ContentWords(q.Text)
	if text != "" {
		ix.mu.RLock()
		var fields map[string]bool
		var err error
		unknown, fields, err = ix.lookUp(ctx, text, q.Synonyms)
		ix.mu.RUnlock()
		if err != nil {
			return catalogue.SearchResult{}, fmt.Errorf("look up the words: %w", err)
		}
		must = append([]query.Query{textQuery(q, text, unknown, fields)}, must...)
	}
	var root query.Query = bleve.NewMatchAllQuery()
	switch len(must) {
	case 0:
	case 1:
		root = must[0]
	default:
		root = bleve.NewConjunctionQuery(must...)
	}
	sortBy := q.Sort
	if sortBy == "" {
		switch {
		case q.Text != "" && q.Near != nil:
			// Words near a place: what fits and is near first, as an
			// experienced hand would sort (blend).
			sortBy = "blend"
		case q.Text != "":
			sortBy = "relevance"
		case q.Near != nil:
			sortBy = "distance"
		default:
			sortBy = "updated"
		}
	}
	// bleve finds and scores the hits; the collector counts, filters by
	// period, counts facets and keeps the page from the rows in memory.
	// Size 0: bleve keeps no hits of its own.
	req := bleve.NewSearchRequestOptions(root, 0, 0, false)
	if sortBy != "relevance" && sortBy != "blend" {
		req.Score = "none" // nothing reads the score: do not compute it
	}
	c := &collector{cache: ix.rows, scope: &scope, status: q.Status, facets: q.Facets, sortBy: sortBy,
		near: q.Near, want: q.Offset + q.Limit}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, k := range q.Kinds {
		c.kinds |= kindBits[k]
	}
	hctx := context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(c.handler))
	_, err := ix.idx.SearchInContext(hctx, req)
	if err != nil {
		return catalogue.SearchResult{}, fmt.Errorf("bleve search: %w", err)
	}
	page := c.page(q.Offset)
	out := catalogue.SearchResult{Items: make([]catalogue.SearchHit, 0, len(page)), Total: c.total,
		Limit: q.Limit, Offset: q.Offset, Facets: map[string][]catalogue.FacetCount{}}
	ids := make([]string, 0, len(page))
	for _, h := range page {
		r := h.row
		hit := catalogue.SearchHit{ID: r.id, Kind: r.facts.Kind, Status: r.facts.Status, Name: r.name,
			Districts: nonNil(r.districts), HelpKinds: nonNil(r.helpKinds)}
		if sortBy == "relevance" || sortBy == "blend" {
			hit.Score = h.score
		}
		if r.located && q.Near != nil {
			d := math.Round(catalogue.DistanceKM(*q.Near, catalogue.GeoPoint{Lat: r.lat, Lon: r.lon})*100) / 100
			hit.DistanceKM = &d
		}
		out.Items = append(out.Items, hit)
		ids = append(ids, r.id)
	}
	if q.Facets {
		for _, name := range facetNames {
			out.Facets[name] = []catalogue.FacetCount{}
		}
		values := ix.rows.facetValues()
		for n, count := range c.counts {
			if count == 0 || n >= len(values) {
				continue
			}
			name, value, _ := strings.Cut(values[n], ":")
			if list, ok := out.Facets[name]; ok {
				out.Facets[name] = append(list, catalogue.FacetCount{Value: value, Count: count})
			}
		}
		for _, counts := range out.Facets {
			sort.Slice(counts, func(i, j int) bool {
				if counts[i].Count != counts[j].Count {
					return counts[i].Count > counts[j].Count
				}
				return counts[i].Value < counts[j].Value
			})
		}
	}
	if q.Text != "" && len(ids) > 0 {
		if err := ix.highlight(ctx, text, unknown, q.MeantWords, out.Items); err != nil {
			return catalogue.SearchResult{}, err
		}
	}
	return out, nil
}

// highlight marks, in the hits of a page, the words that matched: a second
// search, restricted to the page, that bleve highlights.
func (ix *Index) highlight(ctx context.Context, text string, fuzzy, meant []string, hits []catalogue.SearchHit) error {
	ids := make([]string, len(hits))
	at := map[string]int{}
	for i, h := range hits {
		ids[i] = h.ID
		at[h.ID] = i
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), textQuery(catalogue.SearchQuery{MeantWords: meant}, text, fuzzy, nil)), len(ids), 0, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.AddField(fieldName)
	req.Highlight.AddField(fieldPerson)
	req.Highlight.AddField(fieldParts)
	req.Highlight.AddField(fieldText)
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return fmt.Errorf("bleve highlight: %w", err)
	}
	for _, h := range res.Hits {
		i, ok := at[h.ID]
		if !ok {
			continue
		}
		hit := &hits[i]
		mark := func(field string, frags []string) {
			for _, f := range frags {
				if strings.Contains(f, "<mark>") { // a field shown whole, without a match, says nothing
					if hit.Highlights == nil {
						hit.Highlights = map[string][]string{}
					}
					hit.Highlights[field] = append(hit.Highlights[field], f)
				}
			}
		}
		for field, frags := range h.Fragments {
			if field != fieldParts {
				mark(field, frags)
			}
		}
		// A hit by a part shows the compound it is in, as text, where no
		// whole word of the text is marked already.
		if len(hit.Highlights[fieldText]) == 0 {
			mark(fieldText, h.Fragments[fieldParts])
		}
	}
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
