package referral

import (
	"context"
	"fmt"

	"massanzug/access"
	"massanzug/catalogue"
)

// Engagement is how much a helper is engaged: what staff weigh before
// asking a volunteer once more. It counts and dates; it names no case.
type Engagement struct {
	EntryID string `json:"entry_id"`
	// Running counts the open referrals (proposed, requested, active):
	// the places they hold.
	Running   int             `json:"running"`
	Proposed  int             `json:"proposed"`
	Requested int             `json:"requested"`
	Active    int             `json:"active"`
	Ended     map[Outcome]int `json:"ended"`
	Declined  int             `json:"declined"`
	Withdrawn int             `json:"withdrawn"`
	// LastPlaced is the day the newest of its helps became active
	// (YYYY-MM-DD), empty if none ever did.
	LastPlaced string `json:"last_placed,omitempty"`
}

// Add counts n referrals of status and outcome, the newest of which
// became active on activeSince.
func (g *Engagement) Add(status Status, outcome Outcome, n int, activeSince string) {
	switch status {
	case Proposed:
		g.Proposed += n
	case Requested:
		g.Requested += n
	case Active:
		g.Active += n
	case Ended:
		g.Ended[outcome] += n
	case Declined:
		g.Declined += n
	case Withdrawn:
		g.Withdrawn += n
	}
	if status.Open() {
		g.Running += n
	}
	g.LastPlaced = max(g.LastPlaced, activeSince)
}

// Engagement returns the engagement of the entry id of kind k, which p
// must be allowed to read. Staff who refer see it; the read is audited as a read
// of the entry, whose data it is.
func (s *Service) Engagement(ctx context.Context, p access.Principal, k catalogue.Kind, id string) (Engagement, error) {
	if err := maySeeEngagement(p); err != nil {
		return Engagement{}, err
	}
	if err := s.cat.Readable(ctx, p, k, id); err != nil {
		return Engagement{}, err
	}
	g, err := s.store.Engagement(ctx, id)
	if err != nil {
		return Engagement{}, err
	}
	for _, o := range Outcomes {
		g.Ended[o] += 0
	}
	ev := s.event(p, "read", id)
	ev.Kind = k
	if err := s.store.Audit(ctx, *ev); err != nil {
		return Engagement{}, fmt.Errorf("audit engagement: %w", err)
	}
	return g, nil
}
