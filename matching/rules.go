package matching

import (
	"context"
	"fmt"
	"strings"
	"time"

	"massanzug/catalogue"
)

// candidate is what matching needs of an entry, whatever its kind.
type candidate struct {
	kind                    catalogue.Kind
	id, name                string
	status                  catalogue.Status
	validFrom, validUntil   string
	capacity                *int
	load                    int
	helpKinds, targetGroups []string
	languages               map[string]string // code → level
	slots                   []catalogue.Slot
	gender                  string
	place                   catalogue.Place
	districts               []string
	cert                    *catalogue.PoliceCertificate
	accessible              *bool
	minAge, maxAge          *int
	texts                   []string
	lifeExperience          string
	verifiedAt              *time.Time
	terms                   map[string]bool // of texts, when computed ahead
}

func view(e any) candidate {
	switch x := e.(type) {
	case *catalogue.Volunteer:
		c := candidate{kind: x.Kind, id: x.ID, name: x.Name, status: x.Status, capacity: &x.Capacity, load: x.Load,
			helpKinds: x.HelpKinds, targetGroups: x.TargetGroups, languages: map[string]string{}, slots: x.Availability,
			gender: x.Gender, place: x.Home, districts: x.Districts, cert: x.PoliceCertificate,
			texts: []string{x.LifeExperience, x.Interests}, lifeExperience: x.LifeExperience, verifiedAt: x.VerifiedAt}
		for _, l := range x.Languages {
			c.languages[l.Code] = l.Level
		}
		return c
	case *catalogue.NeighbourhoodHelp:
		c := candidate{kind: x.Kind, id: x.ID, name: x.Name, status: x.Status, capacity: x.Capacity, load: x.Load,
			helpKinds: x.HelpKinds, targetGroups: x.TargetGroups, languages: map[string]string{}, slots: x.Availability,
			place: x.Location, districts: x.Districts, texts: []string{x.Description}, verifiedAt: x.VerifiedAt}
		for _, l := range x.Languages {
			c.languages[l] = "good"
		}
		return c
	case *catalogue.Offer:
		acc := x.Accessible
		c := candidate{kind: x.Kind, id: x.ID, name: x.Name, status: x.Status, validFrom: x.ValidFrom, validUntil: x.ValidUntil,
			capacity: x.Capacity, load: x.Load, helpKinds: x.HelpKinds, targetGroups: x.TargetGroups, languages: map[string]string{},
			slots: x.Schedule, place: x.Location, districts: x.Districts, accessible: &acc,
			minAge: x.Eligibility.MinAge, maxAge: x.Eligibility.MaxAge, texts: []string{x.Description, x.OpeningTimes}, verifiedAt: x.VerifiedAt}
		for _, l := range x.Languages {
			c.languages[l] = "good"
		}
		return c
	}
	return candidate{}
}

// hardRule names the first rule c breaks for the case, with a German reason
// a case manager reads, or "" when c may be suggested. These rules are never
// weighed against anything.
func hardRule(pc *prepared, c candidate) (rule, reason string) {
	switch {
	case contains(pc.Exclude, c.id):
		return "excluded", "vom Fallmanagement ausgeschlossen"
	case c.kind == catalogue.KindOffer && c.status != catalogue.StatusApproved:
		return "not_approved", "Angebot ist nicht freigegeben"
	case c.kind != catalogue.KindOffer && c.status != catalogue.StatusActive:
		return "not_active", map[catalogue.Status]string{catalogue.StatusPaused: "pausiert", catalogue.StatusInactive: "nicht aktiv"}[c.status]
	case c.validFrom != "" && c.validFrom > pc.today:
		return "period", "Angebot beginnt erst am " + c.validFrom
	case c.validUntil != "" && c.validUntil < pc.today:
		return "period", "Angebot ist am " + c.validUntil + " abgelaufen"
	case c.capacity != nil && c.load >= *c.capacity:
		return "full", "keine freien Plätze"
	case pc.minors && c.kind == catalogue.KindVolunteer && !c.cert.ValidOn(pc.today):
		return "police_certificate", "kein gültiges Führungszeugnis"
	case pc.AccessibilityNeeded && c.accessible != nil && !*c.accessible:
		return "accessibility", "nicht barrierefrei"
	case pc.ClientAge != nil && c.minAge != nil && *pc.ClientAge < *c.minAge:
		return "age", fmt.Sprintf("erst ab %d Jahren", *c.minAge)
	case pc.ClientAge != nil && c.maxAge != nil && *pc.ClientAge > *c.maxAge:
		return "age", fmt.Sprintf("nur bis %d Jahre", *c.maxAge)
	case !overlaps(pc.HelpKinds, c.helpKinds):
		return "help_kind", "bietet keine der gesuchten Hilfen"
	}
	return "", ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
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
}

func (m *Matcher) loadRefs(ctx context.Context) (*caseRefs, error) {
	ds, err := m.store.Districts(ctx)
	if err != nil {
		return nil, err
	}
	tax, err := m.store.Taxonomy(ctx)
	if err != nil {
		return nil, err
	}
	r := &caseRefs{districts: ds, places: catalogue.NewPlaces(ds), districtOf: map[string]string{},
		helpKinds: map[string]catalogue.Term{}, groups: map[string]bool{}}
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
	}
	return r, nil
}

// prepare validates a case and resolves its place, words and rules.
func (m *Matcher) prepare(refs *caseRefs, c Case) (*prepared, error) {
	ve := catalogue.CheckShape(&c)
	pc := &prepared{Case: c, labels: map[string]string{}, today: m.svc.Today(), now: m.svc.Now(), centres: refs.places.Locate}
	for code, h := range refs.helpKinds {
		pc.labels[code] = h.Label
	}
	for i, h := range c.HelpKinds {
		t, ok := refs.helpKinds[h]
		if !ok {
			ve.Add(fmt.Sprintf("help_kinds[%d]", i), "%q is not in the taxonomy's help-kinds", h)
		}
		pc.minors = pc.minors || t.Minors
	}
	pc.minors = pc.minors || c.MinorsInvolved
	for i, g := range c.TargetGroups {
		if !refs.groups[g] {
			ve.Add(fmt.Sprintf("target_groups[%d]", i), "%q is not in the taxonomy's target-groups", g)
		}
	}
	if (c.Lat == nil) != (c.Lon == nil) {
		ve.Add("lat", "lat and lon must be given together")
	}
	if c.District != "" {
		if _, ok := refs.places.Locate(catalogue.Place{District: c.District}, nil); !ok {
			ve.Add("district", "%q is not a known district", c.District)
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
	if g, ok := pc.centres(catalogue.Place{District: pc.District, Quarter: pc.Quarter, Lat: c.Lat, Lon: c.Lon}, nil); ok {
		pc.point = &g
	}
	if m.analyzer != nil && strings.TrimSpace(c.Text) != "" {
		pc.terms = m.analyzer.Terms(c.Text)
	}
	return pc, nil
}
