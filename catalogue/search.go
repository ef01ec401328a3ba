package catalogue

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"massanzug/access"
)

// GeoPoint is a position in WGS84.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// SearchQuery is what a caller asks of the catalogue search. Empty fields
// do not filter.
type SearchQuery struct {
	Text        string
	Kinds       []Kind
	Status      Status
	District    string
	Quarter     string
	HelpKind    string
	TargetGroup string
	Language    string
	// Group keeps the volunteers who help in the neighbourhood help of
	// this id (its members).
	Group      string
	Accessible *bool
	// Near and RadiusKM restrict to entries within the radius; NearQuarter
	// names a quarter whose centre is used as Near.
	Near        *GeoPoint
	NearQuarter string
	RadiusKM    float64
	Sort        string // relevance (default with text), distance, updated, blend (default with text and a place)
	// NamedHelpKinds are the kinds of help the words of Text name (a label
	// or a code of the taxonomy: "Einkaufshilfe", "Ämterbegleitung"); the
	// service fills them in, and entries that give them match and rank high.
	NamedHelpKinds []string
	// NamedDistricts and NamedQuarters are the places the words of Text
	// name ("Böfingen", "Soeflingen"); the service fills them in, and
	// entries there match.
	NamedDistricts, NamedQuarters []string
	// Synonyms are those of the list whose word the text holds, and
	// MeantWords what those of them mean that name no kind of help (the
	// others are among NamedHelpKinds); the service fills them in, and
	// entries holding all the words of one meaning match nearly as high
	// as those holding the word.
	Synonyms   []Synonym
	MeantWords []string
	// Facets asks for counts per kind, district, kind of help, language and
	// target group over all hits. They cost about as much as the search
	// itself, so a page asks for them once, not when it turns.
	Facets bool
	Page
}

// SearchHit is one entry found, with why it matched.
type SearchHit struct {
	Kind       Kind                `json:"kind"`
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Status     Status              `json:"status"`
	Districts  []string            `json:"districts"`
	HelpKinds  []string            `json:"help_kinds"`
	Score      float64             `json:"score"`
	DistanceKM *float64            `json:"distance_km,omitempty"`
	Highlights map[string][]string `json:"highlights,omitempty"`
}

// FacetCount is how many hits have one value of a facet.
type FacetCount struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// SearchResult is a page of hits, the total and the facets of all hits.
type SearchResult struct {
	Items  []SearchHit             `json:"items"`
	Total  int                     `json:"total"`
	Limit  int                     `json:"limit"`
	Offset int                     `json:"offset"`
	Facets map[string][]FacetCount `json:"facets"`
	// DidYouMean is the text with its misspelt words corrected, when the
	// text found little (fewer than fewHits) and the correction finds as
	// much or more.
	DidYouMean string `json:"did_you_mean,omitempty"`
}

// Searcher answers searches; the index package implements it.
type Searcher interface {
	// scope is applied to every hit before anything about it is counted,
	// so that hits, totals and facets all stay within it.
	Search(ctx context.Context, q SearchQuery, scope Scope) (SearchResult, error)
}

// Search runs q within what p may see.
func (s *Service) Search(ctx context.Context, p access.Principal, sr Searcher, q SearchQuery) (SearchResult, error) {
	if !p.Is(access.RoleResourceManager, access.RoleCaseManager, access.RoleProvider) {
		return SearchResult{}, forbidden(p, "search the catalogue")
	}
	r, err := s.loadRefs(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	ve := &ValidationError{}
	if _, ok := r.districts[q.District]; q.District != "" && !ok {
		ve.add("district", "%s", UnknownDistrict(q.District, r.districts))
	}
	for field, v := range map[string]struct {
		code  string
		vocab Vocabulary
	}{"help_kind": {q.HelpKind, VocabHelpKinds}, "target_group": {q.TargetGroup, VocabTargetGroups}} {
		if _, ok := r.vocab[v.vocab][v.code]; v.code != "" && !ok {
			ve.add(field, "%s", UnknownTerm(v.vocab, v.code, r.vocab[v.vocab]))
		}
	}
	if q.Language != "" && !iso6391[q.Language] {
		ve.add("language", "%q is not an ISO 639-1 language code", q.Language)
	}
	if q.Status != "" && !slices.Contains(append(statusesOf(KindVolunteer), statusesOf(KindOffer)...), q.Status) {
		ve.add("status", "%q is not a status", q.Status)
	}
	if q.Quarter != "" {
		name, _, ok := findQuarter(r, q.Quarter)
		if !ok {
			ve.add("quarter", "%q is not a quarter of any district", q.Quarter)
		}
		q.Quarter = name
	}
	if q.NearQuarter != "" {
		_, centre, ok := findQuarter(r, q.NearQuarter)
		if !ok {
			ve.add("near_quarter", "%q is not a quarter of any district", q.NearQuarter)
		}
		if q.Near == nil {
			q.Near = &centre
		}
	}
	if q.Near == nil && q.Sort == "distance" {
		ve.add("sort", "sorting by distance needs near or near_quarter")
	}
	if q.Near == nil && q.RadiusKM > 0 {
		ve.add("radius_km", "needs near or near_quarter")
	}
	if err := ve.orNil(); err != nil {
		return SearchResult{}, err
	}
	q.Text = strings.TrimSpace(q.Text)
	if err := s.readWords(ctx, &q); err != nil {
		return SearchResult{}, err
	}
	scope := ScopeOf(p, s.Today(), q.Status == StatusArchived)
	res, err := sr.Search(ctx, q, scope)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search: %w", err)
	}
	labelFacets(r, res.Facets)
	if wc, ok := sr.(WordChecker); ok && q.Text != "" && res.Total < fewHits {
		if res.DidYouMean, err = s.didYouMean(ctx, sr, wc, q, scope, res.Total); err != nil {
			return SearchResult{}, err
		}
	}
	// A hit names a volunteer: a read of personal data, one event per
	// answer listing the ids shown.
	var ids []string
	for _, h := range res.Items {
		if h.Kind == KindVolunteer {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) > 0 {
		if err := s.audit(ctx, p, "search", KindVolunteer, ids...); err != nil {
			return SearchResult{}, err
		}
	}
	return res, nil
}

// labelFacets puts the German label beside each facet's code.
func labelFacets(r *refs, facets map[string][]FacetCount) {
	for name, counts := range facets {
		for i := range counts {
			v, label := counts[i].Value, ""
			switch name {
			case "kind":
				label = KindLabels[Kind(v)]
			case "district":
				label = r.districts[v].Name
			case "help_kind":
				label = r.vocab[VocabHelpKinds][v].Label
			case "target_group":
				label = r.vocab[VocabTargetGroups][v].Label
			case "language":
				label = LanguageNames[v]
			}
			counts[i].Label = cmp.Or(label, v)
		}
	}
}

// findQuarter finds a quarter by name, whatever its case, and returns its
// spelling as stored and its centre.
func findQuarter(r *refs, name string) (string, GeoPoint, bool) {
	for _, d := range r.districts {
		for _, q := range d.Quarters {
			if strings.EqualFold(q.Name, name) {
				return q.Name, GeoPoint{Lat: q.Lat, Lon: q.Lon}, true
			}
		}
	}
	return name, GeoPoint{}, false
}

// HelpKindsNamed are the help kinds the words of text name: a code, a
// whole label, or a word of eight letters or more of one label only
// ("Hausaufgabenhilfe" of "Hausaufgabenhilfe und Nachhilfe",
// "Arbeitssuche" of "Bewerbung und Arbeitssuche"; not "Begleitung",
// which several labels hold, nor "Menschen", a target group's word),
// however umlauts are typed, and with one typo in a long word.
func (t Taxonomy) HelpKindsNamed(text string) []string {
	typed := foldedWords(text)
	if len(typed) == 0 {
		return nil
	}
	hn := t.names
	if hn == nil {
		hn = newHelpKindNames(t)
	}
	names, own := hn.names, hn.own
	var out []string
	take := func(name string) bool {
		codes := names[name]
		if len(codes) == 0 || len(codes) > 1 && !own[name] {
			return false
		}
		for _, c := range codes {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		return true
	}
	take(strings.Join(typed, " "))
	for _, w := range typed {
		if take(w) || utf8.RuneCountInString(w) < 8 {
			continue
		}
		for _, name := range hn.sorted {
			if editDistance(w, name, 1) <= 1 && take(name) {
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// helpKindNames are the names of the help kinds HelpKindsNamed knows.
type helpKindNames struct {
	names  map[string][]string // a folded name → the codes it names
	own    map[string]bool     // names that are a code or a whole label
	sorted []string            // the names, in order: a typo finds the first near one
}

func newHelpKindNames(t Taxonomy) *helpKindNames {
	groupWords := map[string]bool{}
	for _, g := range t.TargetGroups {
		for _, w := range foldedWords(g.Label) {
			groupWords[w] = true
		}
	}
	hn := &helpKindNames{names: map[string][]string{}, own: map[string]bool{}}
	for code, h := range t.codes(VocabHelpKinds) {
		// A code is typed as words too (sport_bewegung, "sport bewegung").
		for _, name := range []string{strings.Join(foldedWords(code), " "), foldGerman(h.Label)} {
			hn.names[name] = append(hn.names[name], code)
			hn.own[name] = true
		}
		for _, w := range foldedWords(h.Label) {
			if utf8.RuneCountInString(w) >= 8 && !groupWords[w] && !slices.Contains(hn.names[w], code) {
				hn.names[w] = append(hn.names[w], code)
			}
		}
	}
	hn.sorted = slices.Sorted(maps.Keys(hn.names))
	return hn
}

// didYouMean is q's text corrected, if the correction finds something
// and no less than found (the typo forgiven may have found it already)
// within the same filters and scope; "" otherwise.
func (s *Service) didYouMean(ctx context.Context, sr Searcher, wc WordChecker, q SearchQuery, scope Scope, found int) (string, error) {
	fixed, err := s.suggest(ctx, wc, q.Text)
	if err != nil || fixed == "" {
		return "", err
	}
	q.Text, q.Page, q.Facets = fixed, Page{}, false
	if err := s.readWords(ctx, &q); err != nil {
		return "", err
	}
	res, err := sr.Search(ctx, q, scope)
	if err != nil {
		return "", fmt.Errorf("search the corrected text: %w", err)
	}
	if res.Total == 0 || res.Total < found {
		return "", nil
	}
	return fixed, nil
}

// readWords fills in what the words of q's text name: the synonyms they
// hold, the kinds of help they, or what those synonyms mean, name, and
// the districts and quarters they name.
func (s *Service) readWords(ctx context.Context, q *SearchQuery) error {
	ds, tax, err := s.Reference(ctx)
	if err != nil {
		return err
	}
	q.NamedDistricts, q.NamedQuarters = NamedPlaces(ds, q.Text)
	syns, keys, err := s.loadSynonyms(ctx)
	if err != nil {
		return err
	}
	q.Synonyms = synonymsIn(syns, keys, q.Text)
	q.NamedHelpKinds = tax.HelpKindsNamed(q.Text)
	codes, words := tax.Meaning(q.Synonyms)
	for _, code := range codes {
		if !slices.Contains(q.NamedHelpKinds, code) {
			q.NamedHelpKinds = append(q.NamedHelpKinds, code)
		}
	}
	q.MeantWords = words
	return nil
}

// Meaning splits what synonyms mean into the kinds of help they name
// ("Behördengang" → Ämterbegleitung), searched as the entries that give
// them, and the words of the others ("NBH" → Nachbarschaftshilfe),
// searched as words.
func (t Taxonomy) Meaning(syns []Synonym) (helpKinds, words []string) {
	for _, syn := range syns {
		codes := t.HelpKindsNamed(syn.Means)
		if len(codes) == 0 {
			words = append(words, syn.Means)
		}
		for _, c := range codes {
			if !slices.Contains(helpKinds, c) {
				helpKinds = append(helpKinds, c)
			}
		}
	}
	return helpKinds, words
}

// NamedPlaces are the districts (ids) and quarters (names) the words of
// text name, however umlauts are typed.
func NamedPlaces(ds []District, text string) (districts, quarters []string) {
	words := map[string]bool{}
	for _, w := range foldedWords(text) {
		words[w] = true
	}
	if len(words) == 0 {
		return nil, nil
	}
	for _, d := range ds {
		if words[foldGerman(d.Name)] || words[foldGerman(d.ID)] {
			districts = append(districts, d.ID)
		}
		for _, qu := range d.Quarters {
			if words[foldGerman(qu.Name)] && !slices.Contains(quarters, qu.Name) {
				quarters = append(quarters, qu.Name)
			}
		}
	}
	return districts, quarters
}
