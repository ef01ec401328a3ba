package bench

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/store"
)

// scanDoc is an entry as the scans test it: the same fields the index
// holds, and the terms of its name and texts by the index's own analysis.
type scanDoc struct {
	facts                             catalogue.Facts
	terms                             map[string]bool
	districts, quarters, help, groups []string
	memberOf                          []string // a volunteer's neighbourhood helps
	langs                             []string
	accessible                        *bool
	at                                catalogue.GeoPoint
	located                           bool
}

// scanner answers the bench's searches without an index, with the same
// answers (TestScanAgreesWithIndex holds it to that): the floor to beat.
type scanner struct {
	db        *store.DB
	an        *index.Index // its analysis only
	places    catalogue.Places
	quarters  map[string]catalogue.GeoPoint
	tax       catalogue.Taxonomy
	synonyms  []catalogue.Synonym
	districts []catalogue.District
	docs      []scanDoc // for the in-memory scan; nil until loadAll
}

func newScanner(ctx context.Context, db *store.DB, an *index.Index) (*scanner, error) {
	ds, err := db.Districts(ctx)
	if err != nil {
		return nil, err
	}
	tax, err := db.Taxonomy(ctx)
	if err != nil {
		return nil, err
	}
	syns, err := db.Synonyms(ctx)
	if err != nil {
		return nil, err
	}
	s := &scanner{db: db, an: an, places: catalogue.NewPlaces(ds), quarters: map[string]catalogue.GeoPoint{}, tax: tax, synonyms: syns, districts: ds}
	for _, d := range ds {
		for _, q := range d.Quarters {
			s.quarters[q.Name] = catalogue.GeoPoint{Lat: q.Lat, Lon: q.Lon}
		}
	}
	return s, nil
}

// view decodes and analyses a stored entry as the index does.
func (s *scanner) view(r catalogue.Record) (scanDoc, error) {
	e, err := catalogue.Decode(r)
	if err != nil {
		return scanDoc{}, err
	}
	d := scanDoc{facts: catalogue.FactsOf(r), districts: r.Districts}
	texts := []string{r.Name}
	var place catalogue.Place
	switch x := e.(type) {
	case *catalogue.Volunteer:
		texts = append(texts, x.LifeExperience, x.Interests, strings.Join(x.Trainings, " "))
		place, d.help, d.groups, d.memberOf = x.Home, x.HelpKinds, x.TargetGroups, x.Groups
		for _, l := range x.Languages {
			d.langs = append(d.langs, l.Code)
		}
		if x.Home.Quarter != "" {
			d.quarters = []string{x.Home.Quarter}
		}
	case *catalogue.NeighbourhoodHelp:
		texts = append(texts, x.Description)
		place, d.help, d.groups, d.langs, d.quarters = x.Location, x.HelpKinds, x.TargetGroups, x.Languages, x.Quarters
	case *catalogue.Offer:
		texts = append(texts, x.Description, x.OpeningTimes, x.Eligibility.Note)
		place, d.help, d.groups, d.langs = x.Location, x.HelpKinds, x.TargetGroups, x.Languages
		d.accessible = &x.Accessible
		if x.Location.Quarter != "" {
			d.quarters = []string{x.Location.Quarter}
		}
	}
	texts = append(texts, strings.ReplaceAll(strings.Join(d.help, " ")+" "+strings.Join(d.groups, " "), "_", " "))
	d.terms = s.an.Terms(strings.Join(texts, "\n"))
	d.at, d.located = s.places.Locate(place, r.Districts)
	return d, nil
}

// loadAll reads every entry into memory, decoded and analysed: the
// strongest scan, a forward index of sorts.
func (s *scanner) loadAll(ctx context.Context) error {
	return s.db.EachEntry(ctx, func(r catalogue.Record) error {
		d, err := s.view(r)
		if err == nil {
			s.docs = append(s.docs, d)
		}
		return err
	})
}

// query is a search made ready for testing entries.
type scanQuery struct {
	catalogue.SearchQuery
	scope catalogue.Scope
	terms map[string]bool
	// meant holds, per synonym the text names, the terms it means: an
	// entry holding all of one group matches.
	meant  []map[string]bool
	meant1 map[string]bool // the terms of the synonyms' words: no typos
	langs  []string        // languages the query's words name (catalogue.LanguageOfName)
	fuzzy  map[string]bool // the terms forgiven a typo: those no entry holds
	seen   map[string]bool // the terms some entry holds, whatever the filters
	near   *catalogue.GeoPoint
}

type scanResult struct {
	total  int
	facets map[string]map[string]int
}

// exhaustive answers q by reading, decoding and analysing every stored
// entry: what the service would do without an index.
func (s *scanner) exhaustive(ctx context.Context, q catalogue.SearchQuery, p access.Principal, today string) (scanResult, error) {
	run := func(fuzzy map[string]bool) (*scanQuery, scanResult, error) {
		sq := s.prepare(q, p, today, fuzzy)
		res := sq.start()
		err := s.db.EachEntry(ctx, func(r catalogue.Record) error {
			d, err := s.view(r)
			if err == nil {
				sq.test(&d, &res)
			}
			return err
		})
		sq.finish(&res)
		return sq, res, err
	}
	sq, res, err := run(nil)
	if unknown := sq.unknown(); err == nil && len(unknown) > 0 {
		_, res, err = run(unknown)
	}
	return res, err
}

// unknown are the query's terms no entry holds, once the query has met
// every entry: as the index, it forgives those a typo.
func (sq *scanQuery) unknown() map[string]bool {
	out := map[string]bool{}
	for t := range sq.terms {
		if !sq.seen[t] && !sq.meant1[t] && utf8.RuneCountInString(t) >= 5 { // as the index: short stems are not forgiven a typo
			out[t] = true
		}
	}
	return out
}

// inMemory answers q from the entries loadAll read.
func (s *scanner) inMemory(q catalogue.SearchQuery, p access.Principal, today string) scanResult {
	run := func(fuzzy map[string]bool) (*scanQuery, scanResult) {
		sq := s.prepare(q, p, today, fuzzy)
		res := sq.start()
		for i := range s.docs {
			sq.test(&s.docs[i], &res)
		}
		sq.finish(&res)
		return sq, res
	}
	sq, res := run(nil)
	if unknown := sq.unknown(); len(unknown) > 0 {
		_, res = run(unknown)
	}
	return res
}

func (s *scanner) prepare(q catalogue.SearchQuery, p access.Principal, today string, fuzzy map[string]bool) *scanQuery {
	sq := &scanQuery{SearchQuery: q, scope: catalogue.ScopeOf(p, today, q.Status == catalogue.StatusArchived), fuzzy: fuzzy, near: q.Near,
		seen: map[string]bool{}}
	if q.Text != "" {
		sq.terms = s.an.Terms(catalogue.ContentWords(q.Text))
		sq.NamedHelpKinds = s.tax.HelpKindsNamed(q.Text)
		sq.NamedDistricts, sq.NamedQuarters = catalogue.NamedPlaces(s.districts, q.Text)
		words := q.Text
		sq.meant1 = map[string]bool{}
		syns := catalogue.SynonymsIn(s.synonyms, q.Text)
		codes, meantWords := s.tax.Meaning(syns)
		sq.NamedHelpKinds = append(sq.NamedHelpKinds, codes...)
		for _, m := range meantWords {
			sq.meant = append(sq.meant, s.an.Terms(m))
		}
		for _, syn := range syns {
			for t := range s.an.Terms(syn.Word) {
				sq.meant1[t] = true
			}
			words += " " + syn.Means
		}
		for _, w := range strings.FieldsFunc(words, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if code, ok := catalogue.LanguageOfName(w); ok {
				sq.langs = append(sq.langs, code)
			}
		}
	}
	if q.NearQuarter != "" && sq.near == nil {
		for name, g := range s.quarters {
			if strings.EqualFold(name, q.NearQuarter) {
				sq.near = &g
			}
		}
	}
	return sq
}

func (sq *scanQuery) start() scanResult {
	return scanResult{facets: map[string]map[string]int{"kind": {}, "district": {}, "help_kind": {}, "language": {}, "target_group": {}}}
}

// visible is the catalogue's one rule, as the index applies it, and the
// status asked for.
func (sq *scanQuery) visible(d *scanDoc) bool {
	return (sq.Status == "" || d.facts.Status == sq.Status) && sq.scope.Decide(&d.facts).Visible()
}

func (sq *scanQuery) test(d *scanDoc, res *scanResult) {
	for t := range sq.terms {
		if d.terms[t] {
			sq.seen[t] = true
		}
	}
	if !sq.visible(d) ||
		len(sq.Kinds) > 0 && !hasKind(sq.Kinds, d.facts.Kind) ||
		sq.District != "" && !has(d.districts, sq.District) || sq.Quarter != "" && !has(d.quarters, sq.Quarter) ||
		sq.HelpKind != "" && !has(d.help, sq.HelpKind) || sq.TargetGroup != "" && !has(d.groups, sq.TargetGroup) ||
		sq.Language != "" && !has(d.langs, sq.Language) || sq.Group != "" && !has(d.memberOf, sq.Group) ||
		sq.Accessible != nil && (d.accessible == nil || *d.accessible != *sq.Accessible) {
		return
	}
	if sq.terms != nil && !sq.matches(d) {
		return
	}
	if sq.near != nil && sq.RadiusKM > 0 && (!d.located || catalogue.DistanceKM(*sq.near, d.at) > sq.RadiusKM) {
		return
	}
	res.total++
	if !sq.Facets {
		return
	}
	res.facets["kind"][string(d.facts.Kind)]++
	for facet, values := range map[string][]string{"district": d.districts, "help_kind": d.help, "language": d.langs, "target_group": d.groups} {
		for _, v := range values {
			res.facets[facet][v]++
		}
	}
}

// matches: any word of the query, as the index's match query (operator
// "or"); a word no entry holds is forgiven one edit after the first two
// letters.
func (sq *scanQuery) matches(d *scanDoc) bool {
	for _, l := range sq.langs {
		if has(d.langs, l) {
			return true
		}
	}
	for _, h := range sq.NamedHelpKinds {
		if has(d.help, h) {
			return true
		}
	}
	for _, id := range sq.NamedDistricts {
		if has(d.districts, id) {
			return true
		}
	}
	for _, name := range sq.NamedQuarters {
		if has(d.quarters, name) {
			return true
		}
	}
	for _, group := range sq.meant {
		all := len(group) > 0
		for t := range group {
			all = all && d.terms[t]
		}
		if all {
			return true
		}
	}
	for t := range sq.terms {
		if d.terms[t] {
			return true
		}
		if sq.fuzzy[t] {
			for u := range d.terms {
				if len(u) > 2 && len(t) > 2 && u[:2] == t[:2] && oneEdit(u, t) {
					return true
				}
			}
		}
	}
	return false
}

// finish orders what a page would show, so the scan does that work too.
func (sq *scanQuery) finish(res *scanResult) {
	for _, counts := range res.facets {
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	}
}

// oneEdit reports whether a and b differ by at most one insertion,
// deletion or substitution.
func oneEdit(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) < len(y) {
		x, y = y, x
	}
	if len(x)-len(y) > 1 {
		return false
	}
	i := 0
	for i < len(y) && x[i] == y[i] {
		i++
	}
	if len(x) == len(y) {
		return string(x[i+min(1, len(x)-i):]) == string(y[i+min(1, len(y)-i):])
	}
	return string(x[i+1:]) == string(y[i:])
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func hasKind(ks []catalogue.Kind, k catalogue.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
