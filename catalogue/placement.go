package catalogue

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"massanzug/access"
)

// Placement is what a referral needs of the entry it places a case with:
// who it is, whose it is, and how many cases it takes at once.
type Placement struct {
	Kind       Kind     `json:"kind"`
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	ProviderID string   `json:"-"`
	Districts  []string `json:"-"`
	// Capacity is the number of cases at once, nil where the entry sets
	// none; Load the commitments it has outside the service's referrals.
	Capacity *int `json:"-"`
	Load     int  `json:"-"`
}

// KindOfID tells an entry's kind from its id, or "" for an id that is no
// entry's.
func KindOfID(id string) Kind {
	for k, prefix := range idPrefix {
		if strings.HasPrefix(id, prefix) {
			return k
		}
	}
	return ""
}

// Placement returns the entry id for a referral p makes: one p may read
// (ErrNotFound otherwise, as for a read), and one that takes cases today,
// that is public today under the one visibility rule (ErrConflict naming
// why not: paused, waiting for approval, expired).
func (s *Service) Placement(ctx context.Context, p access.Principal, id string) (Placement, error) {
	k := KindOfID(id)
	if k == "" {
		return Placement{}, fmt.Errorf("entry %s: %w", id, ErrNotFound)
	}
	if !p.Is(access.RoleCaseManager, access.RoleResourceManager) {
		return Placement{}, forbidden(p, "refer cases")
	}
	r, err := s.store.Entry(ctx, k, id)
	if err != nil {
		return Placement{}, fmt.Errorf("load %s %s: %w", k, id, err)
	}
	mine, public := ScopeOf(p, s.Today(), false), PublicScope(s.Today())
	if !mine.Decide(new(FactsOf(r))).Visible() {
		return Placement{}, fmt.Errorf("%s %s: %w", k, id, ErrNotFound)
	}
	switch public.Decide(new(FactsOf(r))) {
	case HiddenStatus:
		return Placement{}, conflict("%s %s takes no cases now: its status is %s", k, id, r.Status)
	case HiddenPeriod:
		return Placement{}, conflict("offer %s takes no cases now: its period (%s to %s) does not cover today", id, r.ValidFrom, r.ValidUntil)
	}
	var cap struct {
		Capacity *int `json:"capacity"`
		Load     int  `json:"load"`
	}
	if err := json.Unmarshal(r.Doc, &cap); err != nil {
		return Placement{}, fmt.Errorf("decode %s %s: %w", k, id, err)
	}
	return Placement{Kind: k, ID: id, Name: r.Name, ProviderID: r.ProviderID, Districts: r.Districts, Capacity: cap.Capacity, Load: cap.Load}, nil
}

// Stamp is the instant the service records a change at (UTC, to the
// microsecond), for the records other domains keep beside the catalogue.
func (s *Service) Stamp() time.Time { return s.stamp() }

// Location is the city's calendar.
func (s *Service) Location() *time.Location { return s.loc }

// Readable answers nil if p may read the entry id of kind k (as reading
// the entry itself decides), so that what is told about it (a helper's
// engagement) is told only to those who may read it.
func (s *Service) Readable(ctx context.Context, p access.Principal, k Kind, id string) error {
	if KindOfID(id) != k {
		return fmt.Errorf("%s %s: %w", k, id, ErrNotFound)
	}
	_, err := s.load(ctx, p, k, id)
	return err
}
