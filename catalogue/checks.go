package catalogue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// refs is the reference data an input is checked against, loaded once per
// write.
type refs struct {
	districts map[string]District
	vocab     map[Vocabulary]map[string]Term
	today     string
	thisYear  int
	provider  func(id string) (Provider, error)
	entry     func(k Kind, id string) (Record, error)
}

// reference is what Reference keeps: districts and taxonomy, which every
// search, match and write checks against and which change a few times a
// year, through this service only (PutDistrict, AddTerm, Init).
type reference struct {
	districts []District
	taxonomy  Taxonomy
}

// Reference returns the districts and the taxonomy. The caller must not
// change them.
func (s *Service) Reference(ctx context.Context) ([]District, Taxonomy, error) {
	r, err := s.reference.get(func() (reference, error) {
		ds, err := s.store.Districts(ctx)
		if err != nil {
			return reference{}, fmt.Errorf("load districts: %w", err)
		}
		tax, err := s.store.Taxonomy(ctx)
		if err != nil {
			return reference{}, fmt.Errorf("load taxonomy: %w", err)
		}
		tax.names = newHelpKindNames(tax)
		return reference{ds, tax}, nil
	})
	return r.districts, r.taxonomy, err
}

// forgetReference drops the cached reference data after a change.
func (s *Service) forgetReference() { s.reference.forget() }

func (s *Service) loadRefs(ctx context.Context) (*refs, error) {
	ds, tax, err := s.Reference(ctx)
	if err != nil {
		return nil, err
	}
	r := &refs{districts: map[string]District{}, vocab: map[Vocabulary]map[string]Term{}, today: s.Today(), thisYear: s.now().In(s.loc).Year()}
	for _, d := range ds {
		r.districts[d.ID] = d
	}
	for _, v := range Vocabularies {
		r.vocab[v] = tax.codes(v)
	}
	known := map[string]Provider{} // an import names the same providers again and again
	r.provider = func(id string) (Provider, error) {
		if p, ok := known[id]; ok {
			return p, nil
		}
		p, err := s.store.Provider(ctx, id)
		if err == nil {
			known[id] = p
		}
		return p, err
	}
	r.entry = func(k Kind, id string) (Record, error) { return s.store.Entry(ctx, k, id) }
	return r, nil
}

func (r *refs) codes(ve *ValidationError, field string, codes []string, v Vocabulary) {
	each(ve, field, codes, func(c string) string {
		if _, ok := r.vocab[v][c]; !ok {
			return UnknownTerm(v, c, r.vocab[v])
		}
		return ""
	})
}

func (r *refs) districtList(ve *ValidationError, field string, ids []string) {
	each(ve, field, ids, func(id string) string {
		if _, ok := r.districts[id]; !ok {
			return UnknownDistrict(id, r.districts)
		}
		return ""
	})
}

// each checks every non-empty item of a list with bad, which says what is
// wrong or "", and refuses items listed twice (the store keys on them).
func each(ve *ValidationError, field string, items []string, bad func(string) string) {
	seen := map[string]bool{}
	for i, it := range items {
		f := field + "[" + strconv.Itoa(i) + "]"
		if seen[it] {
			ve.add(f, "%q is listed twice", it)
			continue
		}
		seen[it] = true
		if msg := bad(it); it != "" && msg != "" {
			ve.add(f, "%s", msg)
		}
	}
}

// place checks that a district exists, that a quarter lies in it and that
// coordinates come in pairs. With required, the place must say where:
// a district or coordinates.
func (r *refs) place(ve *ValidationError, field string, p Place, required bool) {
	if (p.Lat == nil) != (p.Lon == nil) {
		ve.add(field+".lat", "lat and lon must be given together")
	}
	if required && p.District == "" && p.Lat == nil {
		ve.add(field, "needs a district or coordinates (lat, lon)")
	}
	if p.District == "" {
		if p.Quarter != "" {
			ve.add(field+".district", "is required when a quarter is given")
		}
		return
	}
	d, ok := r.districts[p.District]
	if !ok {
		ve.add(field+".district", "%s", UnknownDistrict(p.District, r.districts))
		return
	}
	if p.Quarter != "" && !hasQuarter(d, p.Quarter) {
		ve.add(field+".quarter", "%q is not a quarter of district %q", p.Quarter, d.ID)
	}
}

func hasQuarter(d District, name string) bool {
	for _, q := range d.Quarters {
		if q.Name == name {
			return true
		}
	}
	return false
}

func slots(ve *ValidationError, field string, ss []Slot) {
	for i, s := range ss {
		if hhmmRe.MatchString(s.From) && hhmmRe.MatchString(s.To) && s.From >= s.To {
			ve.add(field+"["+strconv.Itoa(i)+"].to", "must be later than from (%s)", s.From)
		}
	}
}

func notAfterToday(ve *ValidationError, r *refs, field, day string) {
	if day != "" && day > r.today {
		ve.add(field, "must not be in the future")
	}
}

func (in *VolunteerInput) check(r *refs, ve *ValidationError) {
	r.place(ve, "home", in.Home, true)
	r.districtList(ve, "districts", in.Districts)
	r.codes(ve, "help_kinds", in.HelpKinds, VocabHelpKinds)
	r.codes(ve, "target_groups", in.TargetGroups, VocabTargetGroups)
	seen := map[string]bool{}
	for i, l := range in.Languages {
		if seen[l.Code] {
			ve.add("languages["+strconv.Itoa(i)+"].code", "%q is listed twice", l.Code)
		}
		seen[l.Code] = true
	}
	for i, id := range in.Groups {
		g, err := r.entry(KindNeighbourhoodHelp, id)
		switch {
		case errors.Is(err, ErrNotFound):
			ve.add("groups["+strconv.Itoa(i)+"]", "%q is not a neighbourhood help", id)
		case err != nil:
			ve.add("groups["+strconv.Itoa(i)+"]", "could not be checked, try again")
		case g.Status == StatusArchived:
			ve.add("groups["+strconv.Itoa(i)+"]", "the neighbourhood help %q is archived", id)
		}
	}
	slots(ve, "availability", in.Availability)
	if in.Load > in.Capacity && in.Capacity > 0 {
		ve.add("load", "must not exceed capacity (%d)", in.Capacity)
	}
	if in.BirthYear > r.thisYear {
		ve.add("birth_year", "must not be in the future")
	}
	if c := in.PoliceCertificate; c != nil {
		if c.IssuedOn != "" && c.ValidUntil != "" && c.ValidUntil < c.IssuedOn {
			ve.add("police_certificate.valid_until", "must not be before issued_on")
		}
		if c.SeenOn != "" && c.IssuedOn != "" && c.SeenOn < c.IssuedOn {
			ve.add("police_certificate.seen_on", "must not be before issued_on")
		}
		notAfterToday(ve, r, "police_certificate.seen_on", c.SeenOn)
	}
	if in.Consent != nil {
		notAfterToday(ve, r, "consent.given_on", in.Consent.GivenOn)
	}
}

func (in *NeighbourhoodHelpInput) check(r *refs, ve *ValidationError) {
	if in.Coordinator.Name == "" {
		ve.add("coordinator.name", "is required")
	}
	if in.Coordinator.Email == "" && in.Coordinator.Phone == "" {
		ve.add("coordinator", "needs an email or a phone number")
	}
	r.place(ve, "location", in.Location, false)
	r.districtList(ve, "districts", in.Districts)
	for i, q := range in.Quarters {
		found := false
		for _, id := range in.Districts {
			if d, ok := r.districts[id]; ok && hasQuarter(d, q) {
				found = true
			}
		}
		if !found {
			ve.add("quarters["+strconv.Itoa(i)+"]", "%q is not a quarter of the listed districts", q)
		}
	}
	r.codes(ve, "help_kinds", in.HelpKinds, VocabHelpKinds)
	r.codes(ve, "target_groups", in.TargetGroups, VocabTargetGroups)
	slots(ve, "availability", in.Availability)
	if in.Capacity != nil && in.Load > *in.Capacity {
		ve.add("load", "must not exceed capacity (%d)", *in.Capacity)
	}
}

func (in *OfferInput) check(r *refs, ve *ValidationError) {
	if in.ProviderID == "" {
		ve.add("provider_id", "is required")
	} else if p, err := r.provider(in.ProviderID); err != nil {
		ve.add("provider_id", "%q is not a known provider", in.ProviderID)
	} else if p.Status != StatusActive {
		ve.add("provider_id", "provider %q is archived", in.ProviderID)
	}
	if in.Category != "" {
		if _, ok := r.vocab[VocabOfferCategories][in.Category]; !ok {
			ve.add("category", "%s", UnknownTerm(VocabOfferCategories, in.Category, r.vocab[VocabOfferCategories]))
		}
	}
	r.codes(ve, "help_kinds", in.HelpKinds, VocabHelpKinds)
	r.codes(ve, "target_groups", in.TargetGroups, VocabTargetGroups)
	r.districtList(ve, "districts", in.Districts)
	r.place(ve, "location", in.Location, false)
	slots(ve, "schedule", in.Schedule)
	if in.ValidFrom != "" && in.ValidUntil != "" && in.ValidUntil < in.ValidFrom {
		ve.add("valid_until", "must not be before valid_from")
	}
	if e := in.Eligibility; e.MinAge != nil && e.MaxAge != nil && *e.MaxAge < *e.MinAge {
		ve.add("eligibility.max_age", "must not be below min_age")
	}
	if in.Capacity != nil && in.Load > *in.Capacity {
		ve.add("load", "must not exceed capacity (%d)", *in.Capacity)
	}
}

func (in *ProviderInput) check(r *refs, ve *ValidationError) {
	r.districtList(ve, "districts", in.Districts)
}
