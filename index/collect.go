package index

import (
	"container/heap"
	"sort"

	"github.com/blevesearch/bleve/v2/search"

	"massanzug/catalogue"
)

// collector receives every hit bleve finds (through bleve's document match
// handler hook) and decides, from the rows in memory, what would otherwise
// cost a posting list to intersect or doc values to read per hit: it keeps
// only what the principal may see (and the status and kinds asked for),
// counts the total and the facets, and keeps the best hits for the page.
// Nothing is counted before visible has passed it, so hidden entries show
// in neither hits, totals nor facets.
type collector struct {
	cache  *rowCache
	rows   *snapshotRows // of the snapshot being searched
	scope  *catalogue.Scope
	status catalogue.Status
	kinds  uint8 // bit mask of kindBits; 0: all
	facets bool
	sortBy string // relevance, updated or distance
	near   *catalogue.GeoPoint
	want   int   // offset + limit
	counts []int // by facet number; nil: no facets
	total  int
	best   hitHeap
}

// visible reports whether the document is of the status and kind asked
// for and the caller may see it: the catalogue's rule, on the row's facts.
func (c *collector) visible(h *hot, r *row) bool {
	if c.kinds != 0 && c.kinds&h.kindBit == 0 || c.status != "" && r.facts.Status != c.status {
		return false
	}
	return c.scope.Decide(&r.facts).Visible()
}

type collected struct {
	row   *row
	score float64 // relevance, or the negated sort key
	order uint64  // bleve's hit number: ties keep the index's order
}

// better reports whether a comes before b on a page.
func better(a, b *collected) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.order < b.order
}

// hitHeap holds the best hits seen, the worst on top, so that each new hit
// is compared with one.
type hitHeap []collected

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return better(&h[j], &h[i]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(collected)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// handler is a search.MakeDocumentMatchHandler: bleve calls it once per
// search with the snapshot it searches, and the handler it returns once per
// hit. Hits are found by bleve's internal number; bleve need not load ids
// (false), as the row holds the id.
func (c *collector) handler(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	rows, err := c.cache.rows(sctx.IndexReader)
	if err != nil {
		return nil, false, err
	}
	c.rows = rows
	if c.facets {
		c.counts = make([]int, c.cache.facetCount())
	}
	return func(d *search.DocumentMatch) error {
		if d == nil {
			return nil
		}
		t, n, ok := c.rows.at(d.IndexInternalID)
		h := collected{score: d.Score, order: d.HitNumber}
		sctx.DocumentMatchPool.Put(d)
		if !ok {
			return nil // a document without a row, written by no version of ours
		}
		hr, r := &t.hot[n], &t.rows[n]
		if !c.visible(hr, r) {
			return nil
		}
		c.total++
		if c.counts != nil {
			for _, f := range t.ords[hr.ordsStart : hr.ordsStart+uint32(hr.nOrds)] {
				if int(f) < len(c.counts) {
					c.counts[f]++
				}
			}
		}
		if c.want == 0 {
			return nil
		}
		switch c.sortBy {
		case "updated":
			h.score = float64(hr.updated) // microseconds: exact in a float64
		case "distance":
			h.score = -1e9 // unplaced entries last
			if hr.flags&hotLocated != 0 {
				h.score = -catalogue.DistanceKM(*c.near, catalogue.GeoPoint{Lat: hr.lat, Lon: hr.lon})
			}
		case "blend":
			h.score *= blendNear(hr.flags&hotLocated != 0, func() float64 {
				return catalogue.DistanceKM(*c.near, catalogue.GeoPoint{Lat: hr.lat, Lon: hr.lon})
			})
		}
		h.row = r
		if len(c.best) < c.want {
			heap.Push(&c.best, h)
		} else if better(&h, &c.best[0]) {
			c.best[0] = h
			heap.Fix(&c.best, 0)
		}
		return nil
	}, false, nil
}

// page returns the hits from offset on, best first.
func (c *collector) page(offset int) []collected {
	all := []collected(c.best)
	sort.Slice(all, func(i, j int) bool { return better(&all[i], &all[j]) })
	if offset >= len(all) {
		return nil
	}
	return all[offset:]
}

// blendNear weighs relevance by nearness for "blend": half at 3 km, a
// quarter at about 5; an entry without a place counts as if 3 km away.
func blendNear(located bool, km func() float64) float64 {
	d := 3.0
	if located {
		d = km()
	}
	return 1 / (1 + (d/3)*(d/3))
}
