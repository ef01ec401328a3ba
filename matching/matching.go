// Package matching suggests, for a pseudonymous case profile, the few
// volunteers, neighbourhood helps and offers that fit, and says why. Hard
// rules are never broken; soft factors, weighted in one place (Weights),
// order the rest. A case profile is processed in memory only: it is never
// stored or logged. When nothing fits, the need is counted (district ×
// kind of help × month, nothing about the person) for the planners.
package matching

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
)

// Case is a case profile. It names no person: Reference is the case
// manager's pseudonymous reference, returned as given and kept nowhere.
type Case struct {
	Reference           string           `json:"reference,omitempty" validate:"omitempty,max=64"`
	District            string           `json:"district,omitempty" validate:"omitempty,max=64"`
	Quarter             string           `json:"quarter,omitempty" validate:"omitempty,max=100"`
	Lat                 *float64         `json:"lat,omitempty" validate:"omitempty,min=-90,max=90"`
	Lon                 *float64         `json:"lon,omitempty" validate:"omitempty,min=-180,max=180"`
	HelpKinds           []string         `json:"help_kinds" validate:"required,min=1,max=10,dive,required"`
	Text                string           `json:"text,omitempty" validate:"max=2000"`
	Languages           []string         `json:"languages,omitempty" validate:"max=10,dive,iso6391"`
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
	DistanceKM  *float64       `json:"distance_km,omitempty"`
	FreePlaces  *int           `json:"free_places,omitempty"`
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

// Result is the answer to a case.
type Result struct {
	Reference   string       `json:"reference,omitempty"`
	Suggestions []Suggestion `json:"suggestions"`
	Removed     []Removed    `json:"removed,omitempty"`
	// Unmet is true when nothing fitted well enough; the need was counted.
	Unmet bool `json:"unmet"`
}

// Analyzer turns text into comparable terms (the search index's German
// analysis).
type Analyzer interface {
	Terms(text string) map[string]bool
}

// Matcher matches cases against the catalogue.
type Matcher struct {
	cache     candidateCache
	store     catalogue.Store
	svc       *catalogue.Service
	analyzer  Analyzer
	weights   Weights
	threshold float64
	log       *slog.Logger
}

// New returns a Matcher. Weights come from configuration (see Weights).
func New(svc *catalogue.Service, an Analyzer, w Weights, log *slog.Logger) *Matcher {
	return &Matcher{store: svc.Store(), svc: svc, analyzer: an, weights: w, threshold: UnmetBelow, log: log}
}

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
	limit := c.Limit
	if limit == 0 {
		limit = 5
	}
	suggestions, removed, err := m.candidates(ctx, pc, limit)
	if err != nil {
		return Result{}, err
	}
	res := Result{Reference: c.Reference, Suggestions: suggestions}
	if c.ExplainRemoved {
		res.Removed = removed
	}
	if len(res.Suggestions) == 0 || res.Suggestions[0].Score < m.threshold {
		res.Unmet = true
		if err := m.countUnmet(ctx, pc); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// candidates scores every entry offering a needed kind of help; those a
// hard rule removes are returned apart, scored as if they had passed. Only
// the first limit of each are explained.
func (m *Matcher) candidates(ctx context.Context, pc *prepared, limit int) ([]Suggestion, []Removed, error) {
	stamps, err := m.store.Offering(ctx, pc.HelpKinds)
	if err != nil {
		return nil, nil, err
	}
	type scored struct {
		c candidate
		s Suggestion
	}
	var ok, out []scored
	rules := map[string][2]string{}
	for _, st := range stamps {
		if len(pc.Kinds) > 0 && !hasKind(pc.Kinds, st.Kind) {
			continue
		}
		c, err := m.candidate(ctx, st)
		if err != nil {
			return nil, nil, err
		}
		rule, reason := hardRule(pc, c)
		if rule == "excluded" || (rule != "" && !pc.ExplainRemoved) {
			continue
		}
		sc := scored{c, m.score(pc, c, false)}
		if rule != "" {
			rules[c.id] = [2]string{rule, reason}
			out = append(out, sc)
			continue
		}
		ok = append(ok, sc)
	}
	byScore := func(xs []scored) {
		sort.SliceStable(xs, func(i, j int) bool {
			if xs[i].s.Score != xs[j].s.Score {
				return xs[i].s.Score > xs[j].s.Score
			}
			return xs[i].s.ID < xs[j].s.ID
		})
	}
	byScore(ok)
	byScore(out)
	suggestions := make([]Suggestion, 0, min(limit, len(ok)))
	for _, x := range ok[:min(limit, len(ok))] {
		suggestions = append(suggestions, m.score(pc, x.c, true))
	}
	removed := make([]Removed, 0, min(limit, len(out)))
	for _, x := range out[:min(limit, len(out))] {
		r := rules[x.c.id]
		removed = append(removed, Removed{Kind: x.c.kind, ID: x.c.id, Name: x.c.name, Score: x.s.Score, Rule: r[0], Reason: r[1]})
	}
	return suggestions, removed, nil
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
	for _, h := range pc.HelpKinds {
		if err := m.store.CountUnmet(ctx, pc.district, h, month); err != nil {
			return fmt.Errorf("count unmet need: %w", err)
		}
	}
	return nil
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// candidateCache keeps decoded entries with the terms of their texts, by id
// and change number: a match reads hundreds of entries, and decoding and
// analysing each again would cost more than all the rest.
type candidateCache struct {
	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	seq int64
	c   candidate
}

// Warm reads every entry into the cache, so that the first matches after a
// start do not each read their candidates one by one. The service runs it
// in the background at start.
func (m *Matcher) Warm(ctx context.Context) error {
	return m.store.EachEntry(ctx, func(r catalogue.Record) error {
		if r.Status == catalogue.StatusArchived {
			return ctx.Err()
		}
		if _, err := m.remember(r); err != nil {
			return err
		}
		return ctx.Err()
	})
}

// candidate returns the entry behind a stamp (id, kind, change number),
// read, decoded and analysed once per change.
func (m *Matcher) candidate(ctx context.Context, stamp catalogue.Record) (candidate, error) {
	m.cache.mu.Lock()
	hit, ok := m.cache.entries[stamp.ID]
	m.cache.mu.Unlock()
	if ok && hit.seq == stamp.Seq {
		return hit.c, nil
	}
	r, err := m.store.Entry(ctx, stamp.Kind, stamp.ID)
	if err != nil {
		return candidate{}, err
	}
	return m.remember(r)
}

// remember decodes and analyses r and keeps it by its change number.
func (m *Matcher) remember(r catalogue.Record) (candidate, error) {
	e, err := catalogue.Decode(r)
	if err != nil {
		return candidate{}, err
	}
	c := view(e)
	if m.analyzer != nil {
		c.terms = m.analyzer.Terms(strings.Join(c.texts, "\n"))
	}
	m.cache.mu.Lock()
	if m.cache.entries == nil {
		m.cache.entries = map[string]cached{}
	}
	m.cache.entries[r.ID] = cached{seq: r.Seq, c: c}
	m.cache.mu.Unlock()
	return c, nil
}
