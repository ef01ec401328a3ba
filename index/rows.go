package index

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"massanzug/catalogue"
)

// row is what a search needs of a document besides whether and how well it
// matches: what a hit shows, its facet values, when it changed, where it
// is and the period of an offer. It is stored in the index as one field
// (fieldRow) and read back once per segment (see rowCache),
// so that counting facets and ordering thousands of hits reads memory, not
// doc values from disk, and a row always belongs to the very version of
// the document that bleve matched.
type row struct {
	id    string
	facts catalogue.Facts // kind, status, provider, period: what visibility decides on
	name  string
	// Unix nanoseconds
	updated              int64
	lat, lon             float64
	located              bool
	districts, helpKinds []string
	facets               []string // "help_kind:einkaufshilfe"; dropped once numbered
}

// hot is the part of a row every hit reads, 32 bytes, kept apart from the
// rest so that the hits of a broad search walk a small array, not rows of
// strings: the kind, the facets' place in the table's numbers, and the
// keys to order by. Visibility is the catalogue's rule (Scope.Decide) on
// the row's facts.
type hot struct {
	flags     uint8 // hot… bits below
	kindBit   uint8 // kindBits
	nOrds     uint8
	ordsStart uint32
	updated   int64 // Unix microseconds
	lat, lon  float64
}

const (
	hotPresent = 1 << iota // the document has a row
	hotLocated
)

// table holds the rows of one segment by document number.
type table struct {
	hot  []hot
	rows []row
	ords []uint16 // the facet numbers of all rows, each row's at hot.ordsStart
}

// Kinds of entries as bits of a mask.
const (
	bitVolunteer uint8 = 1 << iota
	bitNeighbourhoodHelp
	bitOffer
)

var kindBits = map[catalogue.Kind]uint8{catalogue.KindVolunteer: bitVolunteer,
	catalogue.KindNeighbourhoodHelp: bitNeighbourhoodHelp, catalogue.KindOffer: bitOffer}

// hot derives the part of r every hit reads; ords are set by the caller.
func (r *row) hot() hot {
	h := hot{flags: hotPresent, kindBit: kindBits[r.facts.Kind], updated: r.updated / 1000, lat: r.lat, lon: r.lon}
	if r.located {
		h.flags |= hotLocated
	}
	return h
}

// encode writes r as one string: length-prefixed fields ("4:name"), lists
// as a count and their items, so that any name is safe.
func (r *row) encode() string {
	var b strings.Builder
	put := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	list := func(xs []string) {
		put(strconv.Itoa(len(xs)))
		for _, x := range xs {
			put(x)
		}
	}
	put("r1")
	put(r.id)
	put(string(r.facts.Kind))
	put(string(r.facts.Status))
	put(r.name)
	put(strconv.FormatInt(r.updated, 10))
	if r.located {
		put(strconv.FormatFloat(r.lat, 'g', -1, 64))
		put(strconv.FormatFloat(r.lon, 'g', -1, 64))
	} else {
		put("")
		put("")
	}
	put(r.facts.ValidFrom)
	put(r.facts.ValidUntil)
	put(r.facts.ProviderID)
	list(r.districts)
	list(r.helpKinds)
	list(r.facets)
	return b.String()
}

// decodeRow reads what encode wrote.
func decodeRow(s string) (row, error) {
	var err error
	next := func() string {
		if err != nil {
			return ""
		}
		n, rest, ok := strings.Cut(s, ":")
		l, perr := strconv.Atoi(n)
		if !ok || perr != nil || l < 0 || l > len(rest) {
			err = fmt.Errorf("malformed row near %.20q", s)
			return ""
		}
		s = rest[l:]
		return rest[:l]
	}
	list := func() []string {
		n, _ := strconv.Atoi(next())
		if n < 0 || n > len(s) {
			err = fmt.Errorf("malformed row list")
			return nil
		}
		out := make([]string, 0, n)
		for range n {
			out = append(out, next())
		}
		return out
	}
	if v := next(); v != "r1" && err == nil {
		return row{}, fmt.Errorf("row of unknown version %q", v)
	}
	r := row{id: next()}
	r.facts.Kind, r.facts.Status = internKind(next()), internStatus(next())
	r.name = next()
	r.updated, _ = strconv.ParseInt(next(), 10, 64)
	lat, lon := next(), next()
	if lat != "" && lon != "" {
		r.lat, _ = strconv.ParseFloat(lat, 64)
		r.lon, _ = strconv.ParseFloat(lon, 64)
		r.located = true
	}
	r.facts.ValidFrom, r.facts.ValidUntil, r.facts.ProviderID = next(), next(), next()
	r.districts, r.helpKinds, r.facets = list(), list(), list()
	r.facts.Districts = r.districts
	if err != nil {
		return row{}, err
	}
	return r, nil
}

// rowCache keeps the rows of each segment of the index, by document
// number within it. Segments never change once written (a changed entry is
// a new document in a newer segment, the old one marked deleted), so a
// segment's rows are read once and stay right; a merge makes a new segment,
// read at its first search. Facet values are numbered, so that a search
// counts into a slice instead of a map.
type rowCache struct {
	mu     sync.Mutex
	tables map[segment.Segment]*table
	last   *scorch.IndexSnapshot // whose segments the cache was pruned to
	values []string              // facet value by number
	number map[string]uint16
}

func newRowCache() *rowCache {
	return &rowCache{tables: map[segment.Segment]*table{}, number: map[string]uint16{}}
}

// snapshotRows are the rows of one snapshot of the index, found by bleve's
// internal document number.
type snapshotRows struct {
	offsets []uint64 // first document number of each segment
	tables  []*table
}

// at finds a document's table and number in it; ok is false for a
// document without a row.
func (s *snapshotRows) at(internal index.IndexInternalID) (t *table, n uint64, ok bool) {
	doc := internal.Value()
	i := sort.Search(len(s.offsets), func(i int) bool { return s.offsets[i] > doc }) - 1
	if i < 0 {
		return nil, 0, false
	}
	t, n = s.tables[i], doc-s.offsets[i]
	return t, n, n < uint64(len(t.hot)) && t.hot[n].flags&hotPresent != 0
}

// rows returns the rows of the snapshot reader reads, reading the rows of
// segments it has not seen yet.
func (c *rowCache) rows(reader index.IndexReader) (*snapshotRows, error) {
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("index reader %T is not a scorch snapshot", reader)
	}
	segs := snap.Segments()
	out := &snapshotRows{offsets: make([]uint64, len(segs)), tables: make([]*table, len(segs))}
	var running uint64
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, ss := range segs {
		seg := ss.Segment()
		out.offsets[i] = running
		running += seg.Count() // all documents, deleted ones too (SegmentSnapshot.Count leaves those out)
		table, ok := c.tables[seg]
		if !ok {
			var err error
			if table, err = c.read(seg); err != nil {
				return nil, err
			}
			c.tables[seg] = table
		}
		out.tables[i] = table
	}
	if c.last != snap {
		// Forget segments merged away. A search on an older snapshot may
		// read one again: slower once, never wrong.
		live := make(map[segment.Segment]bool, len(segs))
		for _, ss := range segs {
			live[ss.Segment()] = true
		}
		for seg := range c.tables {
			if !live[seg] {
				delete(c.tables, seg)
			}
		}
		c.last = snap
	}
	return out, nil
}

// read reads the rows of every document of a segment. The caller holds
// mu.
func (c *rowCache) read(seg segment.Segment) (*table, error) {
	t := &table{hot: make([]hot, seg.Count()), rows: make([]row, seg.Count())}
	var derr error
	for n := range t.rows {
		err := seg.VisitStoredFields(uint64(n), func(field string, _ byte, value []byte, _ []uint64) bool {
			if field != fieldRow {
				return true
			}
			t.rows[n], derr = decodeRow(string(value))
			return false
		})
		if err == nil {
			err = derr
		}
		if err != nil {
			return nil, fmt.Errorf("row of document %d: %w", n, err)
		}
		r := &t.rows[n]
		if r.id == "" {
			continue // a document without a row: it never shows
		}
		t.hot[n] = r.hot()
		h := &t.hot[n]
		h.ordsStart = uint32(len(t.ords))
		t.ords = append(t.ords, c.numberFacets(r.facets)...)
		h.nOrds = uint8(len(t.ords) - int(h.ordsStart))
		r.facets = nil // numbered; the strings are the cache's now
	}
	return t, nil
}

// numberFacets numbers facet values. The caller holds mu.
func (c *rowCache) numberFacets(facets []string) []uint16 {
	ords := make([]uint16, 0, len(facets))
	for _, f := range facets {
		if len(ords) == 255 {
			break // more values than one entry has: not counted
		}
		n, ok := c.number[f]
		if !ok {
			if len(c.values) == 1<<16-1 {
				continue // more facet values than any vocabulary holds: not counted
			}
			n = uint16(len(c.values))
			c.number[f] = n
			c.values = append(c.values, f)
		}
		ords = append(ords, n)
	}
	return ords
}

// facetValues returns the facet values by number. Values are only ever
// appended, so the slice stays right after the lock is released.
func (c *rowCache) facetValues() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.values[:len(c.values):len(c.values)]
}

// facetCount is how many facet values are numbered.
func (c *rowCache) facetCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.values)
}

// warm reads the rows of every segment of idx, as at start, so that the
// first search does not.
func (c *rowCache) warm(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	reader, err := adv.Reader()
	if err != nil {
		return err
	}
	defer reader.Close()
	_, err = c.rows(reader)
	return err
}

// internKind and internStatus return the catalogue's own constants for a
// row's kind and status: every hit is checked against the scope by
// comparing them, and two strings that share their bytes compare at once.
func internKind(s string) catalogue.Kind {
	for _, k := range catalogue.Kinds {
		if string(k) == s {
			return k
		}
	}
	return catalogue.Kind(s)
}

var statuses = []catalogue.Status{catalogue.StatusActive, catalogue.StatusPaused, catalogue.StatusInactive, catalogue.StatusSubmitted,
	catalogue.StatusApproved, catalogue.StatusRejected, catalogue.StatusArchived}

func internStatus(s string) catalogue.Status {
	for _, st := range statuses {
		if string(st) == s {
			return st
		}
	}
	return catalogue.Status(s)
}
