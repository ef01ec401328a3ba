package catalogue

import (
	"context"
	"fmt"
	"strings"

	"massanzug/access"
)

func anyRole(p access.Principal) bool { return p.Role.Valid() }

// Districts lists the districts; every role may read them.
func (s *Service) Districts(ctx context.Context, p access.Principal) ([]District, error) {
	if !anyRole(p) {
		return nil, forbidden(p, "read districts")
	}
	return s.store.Districts(ctx)
}

// District returns one district.
func (s *Service) District(ctx context.Context, p access.Principal, id string) (District, error) {
	ds, err := s.Districts(ctx, p)
	if err != nil {
		return District{}, err
	}
	for _, d := range ds {
		if d.ID == id {
			return d, nil
		}
	}
	return District{}, fmt.Errorf("district %s: %w", id, ErrNotFound)
}

// PutDistrict creates or replaces a district; for the admin, who loads a
// city's districts.
func (s *Service) PutDistrict(ctx context.Context, p access.Principal, d District) (bool, error) {
	if !p.Is(access.RoleAdmin) {
		return false, forbidden(p, "change districts")
	}
	ve := checkShape(&d)
	seen := map[string]bool{}
	for i, q := range d.Quarters {
		if seen[q.Name] {
			ve.add(fmt.Sprintf("quarters[%d].name", i), "%q is listed twice", q.Name)
		}
		seen[q.Name] = true
	}
	if err := ve.orNil(); err != nil {
		return false, err
	}
	created, err := s.store.PutDistrict(ctx, d)
	s.forgetReference() // whatever the outcome: the store decides what is true
	if err != nil {
		return false, fmt.Errorf("put district %s: %w", d.ID, err)
	}
	return created, nil
}

// Taxonomy returns the controlled vocabulary; every role may read it.
func (s *Service) Taxonomy(ctx context.Context, p access.Principal) (Taxonomy, error) {
	if !anyRole(p) {
		return Taxonomy{}, forbidden(p, "read the taxonomy")
	}
	return s.store.Taxonomy(ctx)
}

// AddTerm extends a vocabulary; for staff and admin.
func (s *Service) AddTerm(ctx context.Context, p access.Principal, v Vocabulary, t Term) error {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return forbidden(p, "extend the taxonomy")
	}
	t.Label = strings.TrimSpace(t.Label)
	ve := checkShape(&t)
	tax, err := s.store.Taxonomy(ctx)
	if err != nil {
		return fmt.Errorf("load taxonomy: %w", err)
	}
	checkTerm(ve, tax, v, t)
	if err := ve.orNil(); err != nil {
		return err
	}
	// Codes are unique across all vocabularies' own lists; a clash is a
	// conflict, not a bad field.
	if _, dup := tax.codes(v)[t.Code]; dup {
		return conflict("%s already has the code %q", v, t.Code)
	}
	err = s.store.AddTerm(ctx, v, t)
	s.forgetReference()
	if err != nil {
		return fmt.Errorf("add term %s/%s: %w", v, t.Code, err)
	}
	return nil
}

// checkTerm checks what only some vocabularies' terms may carry.
func checkTerm(ve *ValidationError, tax Taxonomy, v Vocabulary, t Term) {
	if v == VocabHelpKinds {
		if _, ok := tax.codes(VocabThemes)[t.Theme]; !ok {
			ve.add("theme", "%q is not a theme of the taxonomy", t.Theme)
		}
		return
	}
	if t.Theme != "" {
		ve.add("theme", "only help kinds belong to a theme")
	}
	if t.Minors {
		ve.add("minors", "only help kinds can be marked minors")
	}
	if len(t.ProvidedBy) > 0 {
		ve.add("provided_by", "only help kinds name the kinds of entry that give them")
	}
	if t.NeedsCar {
		ve.add("needs_car", "only help kinds can need a car")
	}
}

// UpdateTerm changes a term's label, and for a help kind its theme, minors,
// provided_by and needs_car; the code stays. For staff and admin.
func (s *Service) UpdateTerm(ctx context.Context, p access.Principal, v Vocabulary, code string, t Term) error {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return forbidden(p, "change the taxonomy")
	}
	t.Label = strings.TrimSpace(t.Label)
	if t.Code == "" {
		t.Code = code
	}
	ve := checkShape(&t)
	if t.Code != code {
		ve.add("code", "a term's code cannot change (%q in the address, %q in the body)", code, t.Code)
	}
	tax, err := s.store.Taxonomy(ctx)
	if err != nil {
		return fmt.Errorf("load taxonomy: %w", err)
	}
	if _, ok := tax.codes(v)[code]; !ok {
		return fmt.Errorf("%w: %s has no code %q", ErrNotFound, v, code)
	}
	checkTerm(ve, tax, v, t)
	if err := ve.orNil(); err != nil {
		return err
	}
	err = s.store.UpdateTerm(ctx, v, t)
	s.forgetReference()
	if err != nil {
		return fmt.Errorf("update term %s/%s: %w", v, code, err)
	}
	return nil
}
