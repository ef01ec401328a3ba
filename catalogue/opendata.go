package catalogue

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"massanzug/access"
)

// OpenData is the public part of the catalogue, for an open-data export:
// the offers approved and current today whose provider is active, the
// active neighbourhood helps, the providers of those offers, and the
// reference data they name.
type OpenData struct {
	Today     string
	Providers []Provider
	Offers    []*Offer
	Helps     []*NeighbourhoodHelp
	Districts []District
	Taxonomy  Taxonomy
}

// OpenData collects the public part of the catalogue (OpenDataScope).
// A neighbourhood help's coordinator is often a private person: her name
// stays out, the group's phone and e-mail go in. Staff and the admin
// (city IT) publish it.
func (s *Service) OpenData(ctx context.Context, p access.Principal) (OpenData, error) {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return OpenData{}, forbidden(p, "export the catalogue as open data")
	}
	r, err := s.loadRefs(ctx)
	if err != nil {
		return OpenData{}, err
	}
	d := OpenData{Today: s.Today()}
	for _, dist := range r.districts {
		d.Districts = append(d.Districts, dist)
	}
	slices.SortFunc(d.Districts, func(a, b District) int { return strings.Compare(a.ID, b.ID) })
	if d.Taxonomy, err = s.store.Taxonomy(ctx); err != nil {
		return OpenData{}, fmt.Errorf("open data: %w", err)
	}
	providers, _, err := s.store.ListProviders(ctx, ProviderFilter{Statuses: []Status{StatusActive}, Page: Page{Limit: 1 << 30}})
	if err != nil {
		return OpenData{}, fmt.Errorf("open data: providers: %w", err)
	}
	active := map[string]Provider{}
	for _, pr := range providers {
		active[pr.ID] = pr
	}
	used := map[string]bool{}
	scope := OpenDataScope(d.Today)
	err = s.store.EachEntry(ctx, func(rec Record) error {
		if !scope.Decide(new(FactsOf(rec))).Visible() {
			return nil
		}
		switch rec.Kind {
		case KindOffer:
			o, err := fromRecord[Offer](rec)
			if err != nil {
				return err
			}
			if _, ok := active[o.ProviderID]; !ok {
				return nil // its provider is archived
			}
			used[o.ProviderID] = true
			o.PendingChange, o.RejectionReason = nil, ""
			d.Offers = append(d.Offers, o)
		case KindNeighbourhoodHelp:
			n, err := fromRecord[NeighbourhoodHelp](rec)
			if err != nil {
				return err
			}
			n.Coordinator.Name = ""
			d.Helps = append(d.Helps, n)
		}
		return nil
	})
	if err != nil {
		return OpenData{}, fmt.Errorf("open data: %w", err)
	}
	for _, pr := range providers {
		if used[pr.ID] {
			d.Providers = append(d.Providers, pr)
		}
	}
	return d, nil
}
