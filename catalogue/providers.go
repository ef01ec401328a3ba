package catalogue

import (
	"context"
	"fmt"

	"massanzug/access"
)

// Providers are organisations, not persons: every role may read them, a
// provider only its own. Admin and staff keep the list.

func (s *Service) validateProvider(ctx context.Context, in *ProviderInput) error {
	ve := checkShape(in)
	r, err := s.loadRefs(ctx)
	if err != nil {
		return err
	}
	in.check(r, ve)
	return ve.orNil()
}

// CreateProvider registers a provider.
func (s *Service) CreateProvider(ctx context.Context, p access.Principal, in ProviderInput) (Provider, error) {
	if !p.Is(access.RoleAdmin, access.RoleResourceManager) {
		return Provider{}, forbidden(p, "register providers")
	}
	if err := s.validateProvider(ctx, &in); err != nil {
		return Provider{}, err
	}
	now := s.stamp()
	pr := Provider{ID: newID("prv_"), Version: 1, Status: StatusActive, CreatedAt: now, UpdatedAt: now, ProviderInput: in}
	if err := s.store.CreateProvider(ctx, pr); err != nil {
		return Provider{}, fmt.Errorf("create provider: %w", err)
	}
	return pr, nil
}

// Provider returns a provider that p may see.
func (s *Service) Provider(ctx context.Context, p access.Principal, id string) (Provider, error) {
	if !anyRole(p) {
		return Provider{}, forbidden(p, "read providers")
	}
	if p.Is(access.RoleProvider) && id != p.ProviderID {
		return Provider{}, fmt.Errorf("provider %s: %w", id, ErrNotFound)
	}
	pr, err := s.store.Provider(ctx, id)
	if err != nil {
		return Provider{}, fmt.Errorf("provider %s: %w", id, err)
	}
	return pr, nil
}

// Providers lists providers.
func (s *Service) Providers(ctx context.Context, p access.Principal, status Status, district string, pg Page) ([]Provider, int, error) {
	if !anyRole(p) {
		return nil, 0, forbidden(p, "read providers")
	}
	if err := s.checkFilters(ctx, district, ""); err != nil {
		return nil, 0, err
	}
	f := ProviderFilter{District: district, Page: pg, Statuses: []Status{StatusActive}}
	switch status {
	case "":
	case StatusActive, StatusArchived:
		f.Statuses = []Status{status}
	default:
		return nil, 0, &ValidationError{Fields: []FieldError{{Field: "status", Message: fmt.Sprintf("%q is not a provider status (active, archived)", status)}}}
	}
	if p.Is(access.RoleProvider) {
		f.ID = p.ProviderID
	}
	list, total, err := s.store.ListProviders(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list providers: %w", err)
	}
	return list, total, nil
}

// UpdateProvider replaces a provider's data if it is still at expected.
func (s *Service) UpdateProvider(ctx context.Context, p access.Principal, id string, expected int64, in ProviderInput) (Provider, error) {
	own := p.Is(access.RoleProvider) && p.ProviderID != "" && id == p.ProviderID
	if !p.Is(access.RoleAdmin, access.RoleResourceManager) && !own {
		return Provider{}, forbidden(p, "change providers other than its own")
	}
	if err := s.validateProvider(ctx, &in); err != nil {
		return Provider{}, err
	}
	return s.changeProvider(ctx, id, expected, func(pr *Provider) {
		if own {
			// A provider keeps its profile; where it works is staff's to say.
			in.Districts = pr.Districts
		}
		pr.ProviderInput = in
	})
}

// ArchiveProvider archives a provider; its tokens keep working for reading
// its offers, but it can submit no new ones.
func (s *Service) ArchiveProvider(ctx context.Context, p access.Principal, id string, expected int64) error {
	if !p.Is(access.RoleAdmin, access.RoleResourceManager) {
		return forbidden(p, "archive providers")
	}
	_, err := s.changeProvider(ctx, id, expected, func(pr *Provider) { pr.Status = StatusArchived })
	return err
}

func (s *Service) changeProvider(ctx context.Context, id string, expected int64, change func(*Provider)) (Provider, error) {
	cur, err := s.store.Provider(ctx, id)
	if err != nil {
		return Provider{}, fmt.Errorf("provider %s: %w", id, err)
	}
	if expected == 0 {
		expected = cur.Version
	}
	if cur.Version != expected {
		return Provider{}, fmt.Errorf("%w: provider %s is at version %d, not %d", ErrVersionMismatch, id, cur.Version, expected)
	}
	change(&cur)
	cur.Version++
	cur.UpdatedAt = s.stamp()
	if err := s.store.UpdateProvider(ctx, cur, expected); err != nil {
		return Provider{}, fmt.Errorf("update provider %s: %w", id, err)
	}
	return cur, nil
}
