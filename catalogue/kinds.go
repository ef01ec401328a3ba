package catalogue

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"massanzug/access"
)

// The exported methods below give each kind its typed face over the shared
// lifecycle in service.go.

func (s *Service) CreateVolunteer(ctx context.Context, p access.Principal, in VolunteerInput) (*Volunteer, error) {
	v := &Volunteer{VolunteerInput: in}
	return v, createEntry(ctx, s, p, KindVolunteer, v)
}

func (s *Service) Volunteer(ctx context.Context, p access.Principal, id string) (*Volunteer, error) {
	return getEntry[Volunteer](ctx, s, p, KindVolunteer, id)
}

func (s *Service) Volunteers(ctx context.Context, p access.Principal, q ListQuery) ([]*Volunteer, int, error) {
	return listEntries[Volunteer](ctx, s, p, KindVolunteer, q)
}

func (s *Service) UpdateVolunteer(ctx context.Context, p access.Principal, id string, expected int64, in VolunteerInput) (*Volunteer, error) {
	v := &Volunteer{VolunteerInput: in}
	return v, updateEntry(ctx, s, p, KindVolunteer, id, expected, v)
}

func (s *Service) PatchVolunteer(ctx context.Context, p access.Principal, id string, expected int64, patch Patch) (*Volunteer, error) {
	return patchEntry[Volunteer](ctx, s, p, KindVolunteer, id, expected, patch)
}

func (s *Service) ArchiveVolunteer(ctx context.Context, p access.Principal, id string, expected int64) error {
	return archiveEntry[Volunteer](ctx, s, p, KindVolunteer, id, expected)
}

func (s *Service) VerifyVolunteer(ctx context.Context, p access.Principal, id string) (*Volunteer, error) {
	return verifyEntry[Volunteer](ctx, s, p, KindVolunteer, id)
}

func (s *Service) CreateNeighbourhoodHelp(ctx context.Context, p access.Principal, in NeighbourhoodHelpInput) (*NeighbourhoodHelp, error) {
	n := &NeighbourhoodHelp{NeighbourhoodHelpInput: in}
	return n, createEntry(ctx, s, p, KindNeighbourhoodHelp, n)
}

func (s *Service) NeighbourhoodHelp(ctx context.Context, p access.Principal, id string) (*NeighbourhoodHelp, error) {
	return getEntry[NeighbourhoodHelp](ctx, s, p, KindNeighbourhoodHelp, id)
}

func (s *Service) NeighbourhoodHelps(ctx context.Context, p access.Principal, q ListQuery) ([]*NeighbourhoodHelp, int, error) {
	return listEntries[NeighbourhoodHelp](ctx, s, p, KindNeighbourhoodHelp, q)
}

func (s *Service) UpdateNeighbourhoodHelp(ctx context.Context, p access.Principal, id string, expected int64, in NeighbourhoodHelpInput) (*NeighbourhoodHelp, error) {
	n := &NeighbourhoodHelp{NeighbourhoodHelpInput: in}
	return n, updateEntry(ctx, s, p, KindNeighbourhoodHelp, id, expected, n)
}

func (s *Service) PatchNeighbourhoodHelp(ctx context.Context, p access.Principal, id string, expected int64, patch Patch) (*NeighbourhoodHelp, error) {
	return patchEntry[NeighbourhoodHelp](ctx, s, p, KindNeighbourhoodHelp, id, expected, patch)
}

func (s *Service) ArchiveNeighbourhoodHelp(ctx context.Context, p access.Principal, id string, expected int64) error {
	return archiveEntry[NeighbourhoodHelp](ctx, s, p, KindNeighbourhoodHelp, id, expected)
}

func (s *Service) VerifyNeighbourhoodHelp(ctx context.Context, p access.Principal, id string) (*NeighbourhoodHelp, error) {
	return verifyEntry[NeighbourhoodHelp](ctx, s, p, KindNeighbourhoodHelp, id)
}

func (s *Service) CreateOffer(ctx context.Context, p access.Principal, in OfferInput) (*Offer, error) {
	o := &Offer{OfferInput: in}
	return o, createEntry(ctx, s, p, KindOffer, o)
}

func (s *Service) Offer(ctx context.Context, p access.Principal, id string) (*Offer, error) {
	return getEntry[Offer](ctx, s, p, KindOffer, id)
}

func (s *Service) Offers(ctx context.Context, p access.Principal, q ListQuery) ([]*Offer, int, error) {
	return listEntries[Offer](ctx, s, p, KindOffer, q)
}

func (s *Service) UpdateOffer(ctx context.Context, p access.Principal, id string, expected int64, in OfferInput) (*Offer, error) {
	o := &Offer{OfferInput: in}
	return o, updateEntry(ctx, s, p, KindOffer, id, expected, o)
}

func (s *Service) PatchOffer(ctx context.Context, p access.Principal, id string, expected int64, patch Patch) (*Offer, error) {
	return patchEntry[Offer](ctx, s, p, KindOffer, id, expected, patch)
}

func (s *Service) ArchiveOffer(ctx context.Context, p access.Principal, id string, expected int64) error {
	return archiveEntry[Offer](ctx, s, p, KindOffer, id, expected)
}

func (s *Service) VerifyOffer(ctx context.Context, p access.Principal, id string) (*Offer, error) {
	return verifyEntry[Offer](ctx, s, p, KindOffer, id)
}

// ApproveOffer makes a submitted (or earlier rejected) offer visible to
// case managers. Approval counts as verification.
func (s *Service) ApproveOffer(ctx context.Context, p access.Principal, id string) (*Offer, error) {
	if !p.Is(access.RoleResourceManager) {
		return nil, forbidden(p, "approve offers")
	}
	return transition[Offer](ctx, s, p, "approve", KindOffer, id, 0, func(o *Offer) error {
		if o.Status == StatusArchived {
			return conflict("offer %s is archived; it must be resubmitted before approval", id)
		}
		now := s.stamp()
		if o.PendingChange != nil {
			o.OfferInput, o.PendingChange = o.PendingChange.Input, nil
		}
		o.Status, o.RejectionReason, o.VerifiedAt = StatusApproved, "", &now
		return nil
	})
}

// RejectOffer sends an offer back to its provider with a reason.
func (s *Service) RejectOffer(ctx context.Context, p access.Principal, id, reason string) (*Offer, error) {
	if !p.Is(access.RoleResourceManager) {
		return nil, forbidden(p, "reject offers")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return nil, &ValidationError{Fields: []FieldError{{Field: "reason", Message: "is required (1 to 2000 characters): the provider needs to know what to change"}}}
	}
	return transition[Offer](ctx, s, p, "reject", KindOffer, id, 0, func(o *Offer) error {
		if o.Status == StatusArchived {
			return conflict("offer %s is archived", id)
		}
		if o.Status == StatusApproved && o.PendingChange != nil {
			// The change is rejected, not the offer: it stays approved.
			o.PendingChange, o.RejectionReason = nil, reason
			return nil
		}
		o.Status, o.RejectionReason = StatusRejected, reason
		return nil
	})
}

// ReviewItem is an entry due for review and why.
type ReviewItem struct {
	Kind       Kind     `json:"kind"`
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Status     Status   `json:"status"`
	Districts  []string `json:"districts"`
	VerifiedAt *string  `json:"verified_at"`
	ValidUntil string   `json:"valid_until,omitempty"`
	Reasons    []string `json:"reasons"`
	// ReasonLabels say the reasons in German, in their order.
	ReasonLabels []string `json:"reason_labels"`
}

// ReviewQueue lists entries whose last verification is older than the
// review period (or missing), and offers whose period has ended.
func (s *Service) ReviewQueue(ctx context.Context, p access.Principal, kind Kind, district string, pg Page) ([]ReviewItem, int, error) {
	if !p.Is(access.RoleResourceManager) {
		return nil, 0, forbidden(p, "see the review queue")
	}
	if err := s.checkFilters(ctx, district, ""); err != nil {
		return nil, 0, err
	}
	before := s.stamp().AddDate(0, -s.reviewAfter, 0)
	today := s.Today()
	recs, total, err := s.store.ReviewQueue(ctx, ReviewQuery{VerifiedBefore: before, Today: today, Kind: kind, District: district, Page: pg})
	if err != nil {
		return nil, 0, fmt.Errorf("review queue: %w", err)
	}
	out := make([]ReviewItem, 0, len(recs))
	for _, r := range recs {
		it := ReviewItem{Kind: r.Kind, ID: r.ID, Name: r.Name, Status: r.Status, Districts: r.Districts, ValidUntil: r.ValidUntil, Reasons: []string{}, ReasonLabels: []string{}}
		switch {
		case r.VerifiedAt == nil:
			it.Reasons = append(it.Reasons, "never_verified")
		case r.VerifiedAt.Before(before):
			it.Reasons = append(it.Reasons, "verification_due")
		}
		if r.VerifiedAt != nil {
			v := r.VerifiedAt.UTC().Format("2006-01-02T15:04:05Z")
			it.VerifiedAt = &v
		}
		if r.Kind == KindOffer && r.ValidUntil != "" && r.ValidUntil < today {
			it.Reasons = append(it.Reasons, "period_ended")
		}
		for _, reason := range it.Reasons {
			it.ReasonLabels = append(it.ReasonLabels, ReviewReasonLabels[reason])
		}
		out = append(out, it)
	}
	return out, total, nil
}

// AuditLog lists who read or changed personal data, newest first; for the
// admin.
func (s *Service) AuditLog(ctx context.Context, p access.Principal, f AuditFilter) ([]AuditEvent, int, error) {
	if !p.Is(access.RoleAdmin) {
		return nil, 0, forbidden(p, "read the audit log")
	}
	if f.Action != "" && !slices.Contains(AuditActions, f.Action) {
		return nil, 0, &ValidationError{Fields: []FieldError{{Field: "action", Message: fmt.Sprintf("%q is not one of %s", f.Action, strings.Join(AuditActions, ", "))}}}
	}
	if !f.From.IsZero() && !f.Until.IsZero() && !f.From.Before(f.Until) {
		return nil, 0, &ValidationError{Fields: []FieldError{{Field: "until", Message: "must be after from"}}}
	}
	return s.store.ListAudit(ctx, f)
}

// UnmetNeeds reports needs nothing fitted, per district, kind of help and
// month; for staff, who report the gaps to the city's planners.
func (s *Service) UnmetNeeds(ctx context.Context, p access.Principal, district, month string) ([]UnmetNeed, error) {
	if !p.Is(access.RoleResourceManager) {
		return nil, forbidden(p, "read the report of unmet needs")
	}
	if err := s.checkFilters(ctx, district, ""); err != nil {
		return nil, err
	}
	if month != "" {
		if _, err := time.Parse("2006-01", month); err != nil {
			return nil, &ValidationError{Fields: []FieldError{{Field: "month", Message: "must be a month as YYYY-MM"}}}
		}
	}
	needs, err := s.store.UnmetNeeds(ctx, district, month)
	if err != nil {
		return nil, err
	}
	r, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	for i, n := range needs {
		needs[i].DistrictName = cmp.Or(r.districts[n.District].Name, n.District)
		needs[i].HelpKindLabel = cmp.Or(r.vocab[VocabHelpKinds][n.HelpKind].Label, n.HelpKind)
	}
	return needs, nil
}
