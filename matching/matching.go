// Package matching suggests, for a pseudonymous case profile, the few
// volunteers, neighbourhood helps and offers that fit, and says why. Hard
// rules are never broken; soft factors, weighted in one place (Weights),
// order the rest. A case profile is processed in memory only: it is never
// stored or logged. When nothing fits, the need is counted (district ×
// kind of help × month, nothing about the person) for the planners.
package matching

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
)

// Case is a case profile. It names no person: Reference is the case
// manager's pseudonymous reference, returned as given and kept nowhere.
type Case struct {
	Reference string   `json:"reference,omitempty" validate:"omitempty,max=64"`
	District  string   `json:"district,omitempty" validate:"omitempty,max=64"`
	Quarter   string   `json:"quarter,omitempty" validate:"omitempty,max=100"`
	Lat       *float64 `json:"lat,omitempty" validate:"omitempty,min=-90,max=90"`
	Lon       *float64 `json:"lon,omitempty" validate:"omitempty,min=-180,max=180"`
	HelpKinds []string `json:"help_kinds" validate:"required,min=1,max=10,dive,required"`
	Text      string   `json:"text,omitempty" validate:"max=2000"`
	// Languages are the client's own (the ones help should come in);
	// FallbackLanguages those the client gets by with. LanguageRequired
	// makes one of the own languages a hard rule.
	Languages         []string `json:"languages,omitempty" validate:"max=10,dive,iso6391"`
	FallbackLanguages []string `json:"fallback_languages,omitempty" validate:"max=10,dive,iso6391"`
	LanguageRequired  bool     `json:"language_required"`
	// ClientGender only words the explanation ("wie die Klientin").
	ClientGender        string           `json:"client_gender,omitempty" validate:"omitempty,oneof=female male diverse"`
	HasCar              bool             `json:"has_car"`
	TimeWindows         []catalogue.Slot `json:"time_windows,omitempty" validate:"max=30,dive"`
	MinorsInvolved      bool             `json:"minors_involved"`
	AccessibilityNeeded bool             `json:"accessibility_needed"`
	ClientAge           *int             `json:"client_age,omitempty" validate:"omitempty,min=0,max=120"`
	GenderPreference    string           `json:"gender_preference,omitempty" validate:"omitempty,oneof=female male"`
	TargetGroups        []string         `json:"target_groups,omitempty" validate:"max=10,dive,required"`
	Exclude             []string         `json:"exclude,omitempty" validate:"max=100,dive,required"`
	Kinds               []catalogue.Kind `json:"kinds,omitempty" validate:"max=3,dive,oneof=volunteer neighbourhood_help offer"`
	Limit               int              `json:"limit,omitempty" validate:"omitempty,min=1,max=50"`
	ExplainRemoved      bool             `json:"explain_removed"`
}

// Factor is one soft factor's part in a score.
type Factor struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// Suggestion is one fitting entry with its score and why.
type Suggestion struct {
	Kind        catalogue.Kind `json:"kind"`
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Score       float64        `json:"score"`
	Factors     []Factor       `json:"factors"`
	Explanation string         `json:"explanation"`
	// Drawbacks say what speaks against it, in German ("4,2 km entfernt",
	// "nur vormittags", "hat bereits 2 laufende Vermittlungen").
	Drawbacks  []string `json:"drawbacks"`
	DistanceKM *float64 `json:"distance_km,omitempty"`
	FreePlaces *int     `json:"free_places,omitempty"`
	// Groups are the neighbourhood helps a suggested volunteer helps in:
	// the frame and contact she is placed through.
	Groups []GroupRef `json:"groups,omitempty"`
}

// GroupRef names a neighbourhood help and how to reach it.
type GroupRef struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Coordinator catalogue.Contact `json:"coordinator"`
}

// Removed is a strong candidate a hard rule kept out, and which rule.
type Removed struct {
	Kind   catalogue.Kind `json:"kind"`
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Score  float64        `json:"score"`
	Rule   string         `json:"rule"`
	Reason string         `json:"reason"`
}

// RemovedUnnamed counts strong candidates a rule kept out that the caller
// may not read (a paused volunteer, an offer waiting for approval, for a
// case manager): the rule, never the entry.
type RemovedUnnamed struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Result is the answer to a case.
type Result struct {
	Reference   string       `json:"reference,omitempty"`
	Suggestions []Suggestion `json:"suggestions"`
	Removed     []Removed    `json:"removed,omitempty"`
	// RemovedUnnamed are the strong candidates removed that the caller
	// could not read, counted per rule.
	RemovedUnnamed []RemovedUnnamed `json:"removed_unnamed,omitempty"`
	// Unmet is true when nothing fitted well enough; the need was counted.
	Unmet bool `json:"unmet"`
}

// Analyzer turns text into comparable terms (the search index's German
// analysis for matching: strict compounds, stems that meet across forms).
type Analyzer interface {
	MatchTerms(text string) map[string]bool
}

// Store is what the matcher reads and writes itself: the entries to hold
// in memory, and the count of unmet needs.
type Store interface {
	EachEntry(ctx context.Context, fn func(catalogue.Record) error) error
	CountUnmet(ctx context.Context, district, helpKind, month, caseKey string) error
}

// Placements tells how many places of an entry open referrals hold
// (package referral): what capacity leaves free beside the entry's own
// "other commitments" (load).
type Placements interface {
	// Places is the live count of the places an entry's open referrals
	// hold. The pool keeps the pointer with the candidate, so that a
	// match reads a number instead of looking up every candidate's id
	// (at 100,000 entries the lookups cost a sixth of a match).
	Places(entryID string) *atomic.Int64
}

type noPlacements struct{}

// none is never written: without referrals no place is held.
var none atomic.Int64

func (noPlacements) Places(string) *atomic.Int64 { return &none }

// Option configures a Matcher.
type Option func(*Matcher)

// WithPlacements counts open referrals against capacity: a new referral
// is seen by the next match.
func WithPlacements(pl Placements) Option { return func(m *Matcher) { m.placements = pl } }

// Matcher matches cases against the catalogue.
type Matcher struct {
	placements Placements
	pool       *pool
	store      Store
	svc        *catalogue.Service
	analyzer   Analyzer
	weights    Weights
	threshold  float64
	log        *slog.Logger
}

// New returns a Matcher that follows svc's changes from now on; it reads
// the rest of the catalogue at its first match, or at Warm. Weights come
// from configuration (see Weights).
func New(svc *catalogue.Service, st Store, an Analyzer, w Weights, log *slog.Logger, opts ...Option) *Matcher {
	m := &Matcher{store: st, svc: svc, analyzer: an, weights: w, threshold: UnmetBelow, log: log, placements: noPlacements{}}
	for _, o := range opts {
		o(m)
	}
	m.pool = newPool(an, m.placements)
	svc.Follow(m.pool)
	return m
}

// Warm reads the catalogue into memory, so that the first match after a
// start does not wait for it. The service runs it in the background at
// start.
func (m *Matcher) Warm(ctx context.Context) error { return m.pool.load(ctx, m.store) }

// UnmetBelow is the score under which even the best suggestion counts as
// an unmet need.
const UnmetBelow = 0.35

// prepared is a case with its reference data resolved.
type prepared struct {
	Case
	point    *catalogue.GeoPoint
	terms    map[string]bool
	minors   bool // a needed help kind involves minors, or the case says so
	labels   map[string]string
	today    string
	now      time.Time
	centres  func(catalogue.Place, []string) (catalogue.GeoPoint, bool)
	district string
	windows  []span
	termIDs  []uint32 // content terms as the pool numbers them, sorted
	// termWeights are the terms' weights (rarer is more telling);
	// wordsFull is what counts as a full hit: the weight of the case's
	// three most telling terms.
	termWeights []float64
	wordsFull   float64
	providedBy  map[string][]catalogue.Kind
	kindsFor    []uint8 // by help kind of the case: the kinds that give it, as kindBit
	groupLabels map[string]string
	needsCar    bool // the help asked for is driving, and the client has no car
	// help kinds, target groups and languages as the pool numbers them
	helpIDs, groupIDs, langIDs, fallbackIDs []uint16
	districtID                              uint16
	// public is what may be suggested today; viewer what the caller may
	// read, which decides whether a removed candidate is named.
	public, viewer catalogue.Scope
}

// Match suggests entries for c.
func (m *Matcher) Match(ctx context.Context, p access.Principal, c Case) (Result, error) {
	if !p.Is(access.RoleCaseManager, access.RoleResourceManager) {
		return Result{}, fmt.Errorf("%w: role %s may not ask for suggestions", catalogue.ErrForbidden, p.Role)
	}
	refs, err := m.loadRefs(ctx)
	if err != nil {
		return Result{}, err
	}
	pc, err := m.prepare(refs, c)
	if err != nil {
		return Result{}, err
	}
	pc.viewer = catalogue.ScopeOf(p, pc.today, false)
	if err := m.Warm(ctx); err != nil {
		return Result{}, err
	}
	limit := c.Limit
	if limit == 0 {
		limit = 5
	}
	suggestions, removed, unnamed := m.candidates(pc, limit)
	res := Result{Reference: c.Reference, Suggestions: suggestions}
	if c.ExplainRemoved {
		res.Removed, res.RemovedUnnamed = removed, unnamed
	}
	if len(res.Suggestions) == 0 || res.Suggestions[0].Score < m.threshold {
		res.Unmet = true
		if err := m.countUnmet(ctx, pc); err != nil {
			return Result{}, err
		}
	}
	// Every volunteer named in the answer is a read of personal data.
	var shown []string
	for _, s := range res.Suggestions {
		if s.Kind == catalogue.KindVolunteer {
			shown = append(shown, s.ID)
		}
	}
	for _, r := range res.Removed {
		if r.Kind == catalogue.KindVolunteer {
			shown = append(shown, r.ID)
		}
	}
	if err := m.svc.RecordRead(ctx, p, "match", shown); err != nil {
		return Result{}, err
	}
	return res, nil
}

// ranked is a candidate with its evaluation and, if one removed it, the
// hard rule.
type ranked struct {
	c    *candidate
	e    evaluation
	rule string
}

// better orders by score, then by id, so that equal scores come out the
// same way every time.
func better(a, b *ranked) bool {
	if a.e.score != b.e.score {
		return a.e.score > b.e.score
	}
	if a.e.running != b.e.running {
		// Spread the load: of two equally fitting helpers, the one with
		// fewer running referrals first.
		return a.e.running < b.e.running
	}
	return a.c.id < b.c.id
}

// top keeps the best k of what it is offered, best first.
type top struct {
	k     int
	items []ranked
}

func (t *top) offer(r ranked) {
	if len(t.items) == t.k && !better(&r, &t.items[t.k-1]) {
		return
	}
	i := sort.Search(len(t.items), func(i int) bool { return better(&r, &t.items[i]) })
	if len(t.items) < t.k {
		t.items = append(t.items, ranked{})
	}
	copy(t.items[i+1:], t.items[i:])
	t.items[i] = r
}

// rank scores every candidate offering a needed kind of help and keeps the
// best limit that pass the hard rules, and, with removed, the best limit a
// rule kept out, scored as if they had passed.
func (m *Matcher) rank(pc *prepared, limit int, removed bool) (ok, out []ranked) {
	m.pool.mu.RLock()
	defer m.pool.mu.RUnlock()
	pc.termIDs, pc.termWeights, pc.wordsFull = m.pool.weighTerms(pc.terms)
	pc.helpIDs, pc.groupIDs = m.pool.codesOf(pc.HelpKinds), m.pool.codesOf(pc.TargetGroups)
	pc.districtID = m.pool.codesOf([]string{pc.district})[0]
	pc.langIDs, pc.fallbackIDs = m.pool.codesOf(pc.Languages), m.pool.codesOf(pc.FallbackLanguages)
	pc.kindsFor = make([]uint8, len(pc.HelpKinds))
	for i, h := range pc.HelpKinds {
		for _, k := range pc.providedBy[h] {
			pc.kindsFor[i] |= kindBit(k)
		}
	}
	pass, fail := top{k: limit}, top{k: limit}
	m.pool.offering(pc.HelpKinds, pc.helpIDs, func(c *candidate) {
		if len(pc.Kinds) > 0 && !hasKind(pc.Kinds, c.kind) {
			return
		}
		if !pc.viewer.InDistricts(&c.facts) {
			return // staff bound to districts match within them only
		}
		rule := hardRule(pc, c)
		if rule == "excluded" || (rule != "" && !removed) {
			return
		}
		r := ranked{c: c, e: m.evaluate(pc, c), rule: rule}
		if rule != "" {
			fail.offer(r)
			return
		}
		pass.offer(r)
	})
	return pass.items, fail.items
}

// candidates returns the suggestions for a case and the strong candidates
// the hard rules removed: explained by name where the caller may read the
// entry, counted per rule where not.
func (m *Matcher) candidates(pc *prepared, limit int) ([]Suggestion, []Removed, []RemovedUnnamed) {
	ok, out := m.rank(pc, limit, pc.ExplainRemoved)
	suggestions := make([]Suggestion, 0, len(ok))
	for _, r := range ok {
		suggestions = append(suggestions, m.suggestion(pc, r.c, r.e))
	}
	removed := make([]Removed, 0, len(out))
	var unnamed []RemovedUnnamed
	for _, r := range out {
		if pc.viewer.Decide(&r.c.facts).Visible() {
			removed = append(removed, Removed{Kind: r.c.kind, ID: r.c.id, Name: r.c.name, Score: r.e.score, Rule: r.rule, Reason: reason(pc, r.c, r.rule)})
			continue
		}
		i := slices.IndexFunc(unnamed, func(u RemovedUnnamed) bool { return u.Rule == r.rule })
		if i < 0 {
			unnamed = append(unnamed, RemovedUnnamed{Rule: r.rule, Reason: cmp.Or(ruleReason[r.rule], r.rule)})
			i = len(unnamed) - 1
		}
		unnamed[i].Count++
	}
	return suggestions, removed, unnamed
}

func hasKind(ks []catalogue.Kind, k catalogue.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func (m *Matcher) countUnmet(ctx context.Context, pc *prepared) error {
	if pc.district == "" {
		return nil // nowhere to count it; the case named no place in the city
	}
	month := pc.now.Format("2006-01")
	// Asking again for the same case is one gap, not two: counted once per
	// case reference (a hash of it), district, kind of help and month.
	key := ""
	if ref := strings.TrimSpace(pc.Reference); ref != "" {
		sum := sha256.Sum256([]byte("unmet:" + ref))
		key = hex.EncodeToString(sum[:16])
	}
	for _, h := range pc.HelpKinds {
		if err := m.store.CountUnmet(ctx, pc.district, h, month, key); err != nil {
			return fmt.Errorf("count unmet need: %w", err)
		}
	}
	return nil
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
