package matching

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"massanzug/catalogue"
)

// candidate is what matching needs of an entry, whatever its kind, with
// what every match would otherwise compute again (slots in minutes, the
// language levels as values, the terms of its texts) computed once.
type candidate struct {
	kind                    catalogue.Kind
	id, name                string
	facts                   catalogue.Facts // what the catalogue's visibility rule decides on
	capacity                *int
	load                    int
	helpKinds, targetGroups []string
	// The same as numbers (pool.code), for the comparisons of every match.
	helpIDs, groupIDs, districtIDs []uint16
	languages                      []languageSkill
	slots                          []span
	gender                         string
	place                          catalogue.Place
	districts                      []string
	cert                           *catalogue.PoliceCertificate
	accessible                     *bool
	minAge, maxAge                 *int
	texts                          []string // analysed into terms, then dropped
	lifeExperience                 string
	verifiedAt                     *time.Time
	terms                          []uint32      // the pool's ids of the terms of texts, sorted
	open                           *atomic.Int64 // places held by open referrals (Placements)
	// comes is true for helpers who come to the client (volunteers,
	// neighbourhood helps); the client goes to an offer.
	comes    bool
	reach    float64  // km at which nearness counts half when it comes (reachOf)
	mobility []string // a volunteer's: car, bike, public_transport, walking
	quarters []string // the quarters a neighbourhood help serves (none: its whole districts)
	groups   []string // the neighbourhood helps a volunteer helps in
	contact  catalogue.Contact
}

// taken is how many of c's places are taken now: its other commitments
// and the open referrals; running is the referrals alone.
func (c *candidate) taken() (taken, running int) {
	running = int(c.open.Load())
	return c.load + running, running
}

// facts returns the candidate's facts for the visibility rule.
func factsOf(k catalogue.Kind, s catalogue.Status, provider, from, until string, districts []string) catalogue.Facts {
	return catalogue.Facts{Kind: k, Status: s, ProviderID: provider, ValidFrom: from, ValidUntil: until, Districts: districts}
}

type languageSkill struct {
	code, level string
	id          uint16 // pool.code
	value       float64
	assumed     bool // nothing was recorded: German is taken for granted
}

// languagesOf gives an organisation's languages: what it lists it works
// in (as well as fluently); one that lists none works in German.
func languagesOf(codes []string) []languageSkill {
	if len(codes) == 0 {
		return []languageSkill{{code: "de", level: "fluent", value: 1, assumed: true}}
	}
	out := make([]languageSkill, 0, len(codes))
	for _, l := range codes {
		out = append(out, languageSkill{code: l, level: "fluent", value: 1})
	}
	return out
}

// levelValue is how well a language is spoken, as the language factor
// counts it.
func levelValue(level string) float64 {
	switch level {
	case "native", "fluent":
		return 1
	case "good":
		return 0.8
	case "basic":
		return 0.3
	}
	return 0
}

// span is a weekly time slot in minutes of its day.
type span struct{ day, from, to int }

func spans(slots []catalogue.Slot) []span {
	out := make([]span, 0, len(slots))
	for _, s := range slots {
		out = append(out, span{dayIndex[s.Day], minutes(s.From), minutes(s.To)})
	}
	return out
}

func view(e any) *candidate {
	switch x := e.(type) {
	case *catalogue.Volunteer:
		c := &candidate{reach: reachOf(x.Kind, x.Mobility), kind: x.Kind, id: x.ID, name: x.Name, facts: factsOf(x.Kind, x.Status, "", "", "", x.Districts), capacity: &x.Capacity, load: x.Load,
			helpKinds: x.HelpKinds, targetGroups: x.TargetGroups, slots: spans(x.Availability),
			gender: x.Gender, place: x.Home, districts: x.Districts, cert: x.PoliceCertificate,
			texts:          append([]string{x.LifeExperience, x.Interests}, x.Trainings...),
			lifeExperience: x.LifeExperience, verifiedAt: x.VerifiedAt, comes: true, mobility: x.Mobility, groups: x.Groups}
		for _, l := range x.Languages {
			c.languages = append(c.languages, languageSkill{code: l.Code, level: l.Level, value: levelValue(l.Level)})
		}
		if len(c.languages) == 0 {
			c.languages = languagesOf(nil)
		}
		return c
	case *catalogue.NeighbourhoodHelp:
		return &candidate{reach: reachOf(x.Kind, nil), kind: x.Kind, id: x.ID, name: x.Name, facts: factsOf(x.Kind, x.Status, "", "", "", x.Districts), capacity: x.Capacity, load: x.Load,
			helpKinds: x.HelpKinds, targetGroups: x.TargetGroups, slots: spans(x.Availability), languages: languagesOf(x.Languages),
			place: x.Location, districts: x.Districts, texts: []string{x.Name, x.Description}, verifiedAt: x.VerifiedAt,
			comes: true, quarters: x.Quarters, contact: x.Coordinator}
	case *catalogue.Offer:
		acc := x.Accessible
		return &candidate{kind: x.Kind, id: x.ID, name: x.Name, facts: factsOf(x.Kind, x.Status, x.ProviderID, x.ValidFrom, x.ValidUntil, x.Districts),
			capacity: x.Capacity, load: x.Load, helpKinds: x.HelpKinds, targetGroups: x.TargetGroups, languages: languagesOf(x.Languages),
			slots: spans(x.Schedule), place: x.Location, districts: x.Districts, accessible: &acc,
			minAge: x.Eligibility.MinAge, maxAge: x.Eligibility.MaxAge, texts: []string{x.Name, x.Description, x.OpeningTimes, x.Eligibility.Note},
			verifiedAt: x.VerifiedAt, contact: x.Contact}
	}
	return nil
}

// language returns how well c speaks a language (by its pool.code).
func (c *candidate) language(id uint16) float64 {
	for _, l := range c.languages {
		if l.id == id {
			return l.value
		}
	}
	return 0
}

// hardRule names the first rule c breaks for the case, or "" when c may be
// suggested. These rules are never weighed against anything. It runs for
// every candidate of every match, so it only names the rule; reason says
// it in German for the few that are shown.
func hardRule(pc *prepared, c *candidate) string {
	hidden := pc.public.Decide(&c.facts)
	switch {
	case len(pc.Exclude) > 0 && contains(pc.Exclude, c.id):
		return "excluded"
	case !hidden.Visible():
		// Only what is public today may be suggested, to anyone: the
		// catalogue's visibility rule, not one of ours.
		switch {
		case hidden == catalogue.HiddenPeriod:
			return "period"
		case c.kind == catalogue.KindOffer:
			return "not_approved"
		}
		return "not_active"
	case c.capacity != nil && c.load+int(c.open.Load()) >= *c.capacity:
		return "full"
	case pc.minors && c.kind == catalogue.KindVolunteer && !c.cert.ValidOn(pc.today):
		return "police_certificate"
	case pc.AccessibilityNeeded && c.accessible != nil && !*c.accessible:
		return "accessibility"
	case pc.ClientAge != nil && (c.minAge != nil && *pc.ClientAge < *c.minAge || c.maxAge != nil && *pc.ClientAge > *c.maxAge):
		return "age"
	case !overlapIDs(pc.helpIDs, c.helpIDs):
		return "help_kind"
	case pc.LanguageRequired && !speaksOwn(pc, c):
		return "language"
	}
	return ""
}

// speaksOwn reports whether c speaks one of the client's own languages at
// least well.
func speaksOwn(pc *prepared, c *candidate) bool {
	for _, id := range pc.langIDs {
		if c.language(id) >= levelValue("good") {
			return true
		}
	}
	return false
}

// reason says in German, for a case manager, why rule keeps c out.
func reason(pc *prepared, c *candidate, rule string) string {
	switch rule {
	case "excluded":
		return "vom Fallmanagement ausgeschlossen"
	case "not_approved":
		return "Angebot ist nicht freigegeben"
	case "not_active":
		if c.facts.Status == catalogue.StatusPaused {
			return "pausiert"
		}
		return "nicht aktiv"
	case "period":
		if c.facts.ValidFrom != "" && c.facts.ValidFrom > pc.today {
			return "Angebot beginnt erst am " + c.facts.ValidFrom
		}
		return "Angebot ist am " + c.facts.ValidUntil + " abgelaufen"
	case "full":
		return "keine freien Plätze"
	case "police_certificate":
		return "kein gültiges Führungszeugnis"
	case "accessibility":
		return "nicht barrierefrei"
	case "age":
		if c.minAge != nil && *pc.ClientAge < *c.minAge {
			return fmt.Sprintf("erst ab %d Jahren", *c.minAge)
		}
		return fmt.Sprintf("nur bis %d Jahre", *c.maxAge)
	case "help_kind":
		return "bietet keine der gesuchten Hilfen"
	case "language":
		names := make([]string, len(pc.Languages))
		for i, l := range pc.Languages {
			names[i] = languageName(l)
		}
		return "spricht nicht gut genug " + strings.Join(names, " oder ")
	}
	return rule
}

// ruleReason says a rule in German without naming anything of the entry,
// for the removed candidates the caller may not read.
var ruleReason = map[string]string{
	"not_approved": "Angebot ist nicht freigegeben",
	"not_active":   "nicht aktiv",
	"period":       "Angebot außerhalb seines Zeitraums",
	"language":     "spricht die Sprache der Klientin nicht gut genug",
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func overlapIDs(a, b []uint16) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// caseRefs is the reference data cases are checked and placed by, read
// once per request, however many cases it holds.
type caseRefs struct {
	districts  []catalogue.District
	places     catalogue.Places
	districtOf map[string]string // lower-case quarter name → district id
	helpKinds  map[string]catalogue.Term
	groups     map[string]bool
	groupLabel map[string]string
}

func (m *Matcher) loadRefs(ctx context.Context) (*caseRefs, error) {
	ds, tax, err := m.svc.Reference(ctx)
	if err != nil {
		return nil, err
	}
	r := &caseRefs{districts: ds, places: catalogue.NewPlaces(ds), districtOf: map[string]string{},
		helpKinds: map[string]catalogue.Term{}, groups: map[string]bool{}, groupLabel: map[string]string{}}
	for _, d := range ds {
		for _, q := range d.Quarters {
			r.districtOf[strings.ToLower(q.Name)] = d.ID
		}
	}
	for _, th := range tax.Themes {
		for _, h := range th.HelpKinds {
			r.helpKinds[h.Code] = h
		}
	}
	for _, g := range tax.TargetGroups {
		r.groups[g.Code] = true
		r.groupLabel[g.Code] = g.Label
	}
	return r, nil
}

// prepare validates a case and resolves its place, words and rules.
func (m *Matcher) prepare(refs *caseRefs, c Case) (*prepared, error) {
	ve := catalogue.CheckShape(&c)
	pc := &prepared{Case: c, labels: map[string]string{}, today: m.svc.Today(), now: m.svc.Now(), centres: refs.places.Locate,
		providedBy: map[string][]catalogue.Kind{}, groupLabels: refs.groupLabel}
	pc.public = catalogue.PublicScope(pc.today)
	for code, h := range refs.helpKinds {
		pc.labels[code] = h.Label
		pc.providedBy[code] = h.ProvidedBy
	}
	for i, h := range c.HelpKinds {
		t, ok := refs.helpKinds[h]
		if !ok {
			ve.Add(fmt.Sprintf("help_kinds[%d]", i), "%s", catalogue.UnknownTerm(catalogue.VocabHelpKinds, h, refs.helpKinds))
		}
		pc.minors = pc.minors || t.Minors
		// Help the taxonomy says needs the helper's car (Fahrdienst),
		// for a client who has none.
		pc.needsCar = pc.needsCar || t.NeedsCar && !c.HasCar
	}
	pc.minors = pc.minors || c.MinorsInvolved
	for i, g := range c.TargetGroups {
		if !refs.groups[g] {
			terms := map[string]catalogue.Term{}
			for code := range refs.groups {
				terms[code] = catalogue.Term{Code: code}
			}
			ve.Add(fmt.Sprintf("target_groups[%d]", i), "%s", catalogue.UnknownTerm(catalogue.VocabTargetGroups, g, terms))
		}
	}
	if (c.Lat == nil) != (c.Lon == nil) {
		ve.Add("lat", "lat and lon must be given together")
	}
	if c.District != "" {
		if _, ok := refs.places.Locate(catalogue.Place{District: c.District}, nil); !ok {
			byID := map[string]catalogue.District{}
			for _, d := range refs.districts {
				byID[d.ID] = d
			}
			ve.Add("district", "%s", catalogue.UnknownDistrict(c.District, byID))
		}
	}
	if c.Quarter != "" {
		d, ok := refs.districtOf[strings.ToLower(c.Quarter)]
		if !ok || (c.District != "" && d != c.District) {
			ve.Add("quarter", "%q is not a quarter of the district", c.Quarter)
		}
		if pc.District == "" {
			pc.District = d
		}
		for _, q := range refs.districts {
			for _, qq := range q.Quarters {
				if strings.EqualFold(qq.Name, c.Quarter) {
					pc.Quarter = qq.Name
				}
			}
		}
	}
	if c.District == "" && c.Quarter == "" && c.Lat == nil {
		ve.Add("district", "the case needs a district, a quarter or coordinates")
	}
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	pc.district = pc.District
	pc.windows = spans(c.TimeWindows)
	if g, ok := pc.centres(catalogue.Place{District: pc.District, Quarter: pc.Quarter, Lat: c.Lat, Lon: c.Lon}, nil); ok {
		pc.point = &g
	}
	if m.analyzer != nil && strings.TrimSpace(c.Text) != "" {
		pc.terms = m.pool.content(m.analyzer.MatchTerms(c.Text))
	}
	return pc, nil
}
