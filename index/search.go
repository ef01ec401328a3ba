package index

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"massanzug/access"
	"massanzug/catalogue"
)

// facetNames are the facets an answer carries.
var facetNames = []string{"kind", "district", "help_kind", "language", "target_group"}

func term(field, value string) query.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	return q
}

func anyTerm(field string, values ...string) query.Query {
	qs := make([]query.Query, len(values))
	for i, v := range values {
		qs[i] = term(field, v)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// public matches what case managers may see: entries of the public
// audience, less offers whose period does not cover today. Few offers have
// a period, so the exclusion costs little.
func public(today string) query.Query {
	q := bleve.NewBooleanQuery()
	q.AddMust(term(fieldAudience, audiencePublic))
	q.AddMustNot(bleve.NewConjunctionQuery(term(fieldPeriodic, "1"), bleve.NewDisjunctionQuery(
		exclusiveAbove("valid_from", today), exclusiveBelow("valid_until", today))))
	return q
}

func exclusiveAbove(field, day string) query.Query {
	f, t := false, true
	q := bleve.NewTermRangeInclusiveQuery(day, openUntil, &f, &t)
	q.SetField(field)
	return q
}

func exclusiveBelow(field, day string) query.Query {
	t, f := true, false
	q := bleve.NewTermRangeInclusiveQuery(openFrom, day, &t, &f)
	q.SetField(field)
	return q
}

// scopeQuery is the part of every query that keeps hits within what the
// principal may see; it is a filter, so hits, totals and facets obey it.
func scopeQuery(s catalogue.SearchScope, status catalogue.Status) query.Query {
	switch s.Role {
	case access.RoleResourceManager:
		if status != "" {
			return term("status", string(status))
		}
		return anyTerm(fieldAudience, audiencePublic, audienceStaff)
	case access.RoleCaseManager:
		return withStatus(public(s.Today), status)
	case access.RoleProvider:
		own := bleve.NewConjunctionQuery(term("provider_id", s.ProviderID), anyTerm(fieldAudience, audiencePublic, audienceStaff))
		if status == catalogue.StatusArchived {
			own = bleve.NewConjunctionQuery(term("provider_id", s.ProviderID), term(fieldAudience, audienceArchived))
		}
		q := bleve.NewConjunctionQuery(term("kind", string(catalogue.KindOffer)), bleve.NewDisjunctionQuery(own, public(s.Today)))
		return withStatus(q, status)
	}
	return bleve.NewMatchNoneQuery()
}

func withStatus(q query.Query, status catalogue.Status) query.Query {
	if status == "" {
		return q
	}
	return bleve.NewConjunctionQuery(q, term("status", string(status)))
}

// textQuery finds the words of text in names and texts; with fuzzy, near
// misses (one typo) count too, weighted down.
func textQuery(text string, fuzzy bool) query.Query {
	var qs []query.Query
	for _, f := range []struct {
		field string
		boost float64
	}{{fieldName, 3}, {fieldText, 1}} {
		exact := bleve.NewMatchQuery(text)
		exact.SetField(f.field)
		exact.Analyzer = analyzerDE
		exact.SetBoost(f.boost)
		qs = append(qs, exact)
		if fuzzy {
			near := bleve.NewMatchQuery(text)
			near.SetField(f.field)
			near.Analyzer = analyzerDE
			near.SetFuzziness(1)
			near.SetPrefix(2) // typos rarely hit the first letters; keeps fuzzy search fast
			near.SetBoost(f.boost * 0.3)
			qs = append(qs, near)
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Search implements catalogue.Searcher. Text is matched exactly first;
// only when nothing matches does it forgive typos, which costs a second
// search but spares every ordinary query the fuzzy expansion.
func (ix *Index) Search(ctx context.Context, q catalogue.SearchQuery, scope catalogue.SearchScope) (catalogue.SearchResult, error) {
	res, err := ix.search(ctx, q, scope, false)
	if err != nil || q.Text == "" || res.Total > 0 {
		return res, err
	}
	return ix.search(ctx, q, scope, true)
}

func (ix *Index) search(ctx context.Context, q catalogue.SearchQuery, scope catalogue.SearchScope, fuzzy bool) (catalogue.SearchResult, error) {
	must := []query.Query{scopeQuery(scope, q.Status)}
	if len(q.Kinds) > 0 {
		kinds := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			kinds[i] = string(k)
		}
		must = append(must, anyTerm("kind", kinds...))
	}
	for field, v := range map[string]string{"districts": q.District, "quarters": q.Quarter, "help_kinds": q.HelpKind,
		"target_groups": q.TargetGroup, "languages": q.Language} {
		if v != "" {
			must = append(must, term(field, v))
		}
	}
	if q.Accessible != nil {
		b := bleve.NewBoolFieldQuery(*q.Accessible)
		b.SetField("accessible")
		must = append(must, b)
	}
	if q.Near != nil && q.RadiusKM > 0 {
		g := bleve.NewGeoDistanceQuery(q.Near.Lon, q.Near.Lat, strconv.FormatFloat(q.RadiusKM, 'f', -1, 64)+"km")
		g.SetField(fieldGeo)
		must = append(must, g)
	}
	var root query.Query
	filter := bleve.NewConjunctionQuery(must...)
	if q.Text != "" {
		// Filters must not add to the score: only the text decides relevance.
		b := bleve.NewBooleanQuery()
		b.AddMust(textQuery(q.Text, fuzzy))
		b.AddFilter(filter)
		root = b
	} else {
		root = filter
	}
	req := bleve.NewSearchRequestOptions(root, q.Limit, q.Offset, false)
	req.Fields = []string{"kind", "status", fieldName, "districts", "help_kinds", "lat", "lon"}
	if q.Facets {
		// Every value of every facet: the vocabularies are small.
		req.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, 1000))
	}
	if q.Text != "" {
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.AddField(fieldName)
		req.Highlight.AddField(fieldText)
	}
	sortBy := q.Sort
	if sortBy == "" {
		switch {
		case q.Text != "":
			sortBy = "relevance"
		case q.Near != nil:
			sortBy = "distance"
		default:
			sortBy = "updated"
		}
	}
	if sortBy != "relevance" {
		req.Score = "none" // nothing reads the score: do not compute it
	}
	switch sortBy {
	case "distance":
		gs, err := search.NewSortGeoDistance(fieldGeo, "km", q.Near.Lon, q.Near.Lat, false)
		if err != nil {
			return catalogue.SearchResult{}, err
		}
		req.SortByCustom(search.SortOrder{gs})
	case "updated":
		req.SortByCustom(search.SortOrder{&search.SortField{Field: fieldUpdate, Desc: true}})
	}
	// No tie-break by id: it reads every hit's id, a seventh of the time
	// of a broad search. Ties keep the index's order, stable between writes.
	ix.mu.RLock()
	res, err := ix.idx.SearchInContext(ctx, req)
	ix.mu.RUnlock()
	if err != nil {
		return catalogue.SearchResult{}, fmt.Errorf("bleve search: %w", err)
	}
	out := catalogue.SearchResult{Items: make([]catalogue.SearchHit, 0, len(res.Hits)), Total: int(res.Total),
		Limit: q.Limit, Offset: q.Offset, Facets: map[string][]catalogue.FacetCount{}}
	for _, h := range res.Hits {
		hit := catalogue.SearchHit{ID: h.ID, Score: h.Score, Kind: catalogue.Kind(str(h.Fields["kind"])),
			Status: catalogue.Status(str(h.Fields["status"])), Name: str(h.Fields[fieldName]),
			Districts: strs(h.Fields["districts"]), HelpKinds: strs(h.Fields["help_kinds"])}
		if sortBy != "relevance" {
			hit.Score = 0
		}
		if lat, ok := h.Fields["lat"].(float64); ok && q.Near != nil {
			lon, _ := h.Fields["lon"].(float64)
			d := math.Round(catalogue.DistanceKM(*q.Near, catalogue.GeoPoint{Lat: lat, Lon: lon})*100) / 100
			hit.DistanceKM = &d
		}
		for field, frags := range h.Fragments {
			for _, f := range frags {
				if strings.Contains(f, "<mark>") { // a field shown whole, without a match, says nothing
					if hit.Highlights == nil {
						hit.Highlights = map[string][]string{}
					}
					hit.Highlights[field] = append(hit.Highlights[field], f)
				}
			}
		}
		out.Items = append(out.Items, hit)
	}
	if q.Facets {
		for _, name := range facetNames {
			out.Facets[name] = []catalogue.FacetCount{}
		}
		if f := res.Facets[fieldFacets]; f != nil && f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				name, value, _ := strings.Cut(t.Term, ":")
				if list, ok := out.Facets[name]; ok {
					out.Facets[name] = append(list, catalogue.FacetCount{Value: value, Count: t.Count})
				}
			}
		}
		for name, counts := range out.Facets {
			sort.SliceStable(counts, func(i, j int) bool { return counts[i].Count > counts[j].Count })
			out.Facets[name] = counts
		}
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs reads a stored multi-value field: bleve returns a single value as a
// string and several as a slice.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, str(e))
		}
		return out
	}
	return []string{}
}
