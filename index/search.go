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

// facetFields are the facets every answer carries, by their API name.
var facetFields = map[string]string{"kind": "kind", "district": "districts", "help_kind": "help_kinds", "language": "languages", "target_group": "target_groups"}

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

func termRange(field, min, max string) query.Query {
	t := true
	q := bleve.NewTermRangeInclusiveQuery(min, max, &t, &t)
	q.SetField(field)
	return q
}

// visibleOffer matches approved offers whose period covers today.
func visibleOffer(today string) query.Query {
	return bleve.NewConjunctionQuery(term("kind", string(catalogue.KindOffer)), term("status", string(catalogue.StatusApproved)),
		termRange("valid_from", openFrom, today), termRange("valid_until", today, openUntil))
}

// scopeQuery is the part of every query that keeps hits within what the
// principal may see; it is a filter, so hits, totals and facets obey it.
func scopeQuery(s catalogue.SearchScope, status catalogue.Status) query.Query {
	switch s.Role {
	case access.RoleResourceManager:
		if status != "" {
			return term("status", string(status))
		}
		q := bleve.NewBooleanQuery()
		q.AddMust(bleve.NewMatchAllQuery())
		q.AddMustNot(term("status", string(catalogue.StatusArchived)))
		return q
	case access.RoleCaseManager:
		active := bleve.NewConjunctionQuery(anyTerm("kind", string(catalogue.KindVolunteer), string(catalogue.KindNeighbourhoodHelp)),
			term("status", string(catalogue.StatusActive)))
		return withStatus(bleve.NewDisjunctionQuery(active, visibleOffer(s.Today)), status)
	case access.RoleProvider:
		own := bleve.NewConjunctionQuery(term("kind", string(catalogue.KindOffer)), term("provider_id", s.ProviderID))
		q := bleve.NewDisjunctionQuery(own, visibleOffer(s.Today))
		if status == "" {
			return bleve.NewConjunctionQuery(q, notArchived())
		}
		return withStatus(q, status)
	}
	return bleve.NewMatchNoneQuery()
}

func notArchived() query.Query {
	q := bleve.NewBooleanQuery()
	q.AddMust(bleve.NewMatchAllQuery())
	q.AddMustNot(term("status", string(catalogue.StatusArchived)))
	return q
}

func withStatus(q query.Query, status catalogue.Status) query.Query {
	if status == "" {
		return q
	}
	return bleve.NewConjunctionQuery(q, term("status", string(status)))
}

// textQuery finds the words of text in names and texts, exact matches
// first, then near misses (one typo).
func textQuery(text string) query.Query {
	var qs []query.Query
	for _, f := range []struct {
		field string
		boost float64
	}{{fieldName, 3}, {fieldText, 1}} {
		exact := bleve.NewMatchQuery(text)
		exact.SetField(f.field)
		exact.Analyzer = analyzerDE
		exact.SetBoost(f.boost)
		fuzzy := bleve.NewMatchQuery(text)
		fuzzy.SetField(f.field)
		fuzzy.Analyzer = analyzerDE
		fuzzy.SetFuzziness(1)
		fuzzy.SetPrefix(2) // typos rarely hit the first letters; keeps fuzzy search fast
		fuzzy.SetBoost(f.boost * 0.3)
		qs = append(qs, exact, fuzzy)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Search implements catalogue.Searcher.
func (ix *Index) Search(ctx context.Context, q catalogue.SearchQuery, scope catalogue.SearchScope) (catalogue.SearchResult, error) {
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
		b.AddMust(textQuery(q.Text))
		b.AddFilter(filter)
		root = b
	} else {
		root = filter
	}
	req := bleve.NewSearchRequestOptions(root, q.Limit, q.Offset, false)
	req.Fields = []string{"kind", "status", fieldName, "districts", "help_kinds", "lat", "lon"}
	for name, field := range facetFields {
		req.AddFacet(name, bleve.NewFacetRequest(field, 50))
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
	switch sortBy {
	case "distance":
		gs, err := search.NewSortGeoDistance(fieldGeo, "km", q.Near.Lon, q.Near.Lat, false)
		if err != nil {
			return catalogue.SearchResult{}, err
		}
		req.SortByCustom(search.SortOrder{gs, &search.SortScore{Desc: true}, &search.SortDocID{}})
	case "updated":
		req.SortByCustom(search.SortOrder{&search.SortField{Field: fieldUpdate, Desc: true}, &search.SortDocID{}})
	default:
		req.SortByCustom(search.SortOrder{&search.SortScore{Desc: true}, &search.SortDocID{}})
	}
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
			d := math.Round(haversineKM(q.Near.Lat, q.Near.Lon, lat, lon)*100) / 100
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
	for name, f := range res.Facets {
		counts := []catalogue.FacetCount{}
		if f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				counts = append(counts, catalogue.FacetCount{Value: t.Term, Count: t.Count})
			}
		}
		sort.SliceStable(counts, func(i, j int) bool { return counts[i].Count > counts[j].Count })
		out.Facets[name] = counts
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

func haversineKM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
