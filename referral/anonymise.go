package referral

import (
	"context"
	"fmt"

	"massanzug/access"
	"massanzug/catalogue"
)

// Anonymised is the case reference an anonymised referral keeps.
const Anonymised = "anonymisiert"

// Anonymise removes from r everything personal, for good: the case
// reference, the notes and check-in notes, the frame, the reasons and the
// outcome note, and the name of the entry (a volunteer's name). What the
// figures count stays: district, department, kinds of help, status and
// its days, outcome, and the replaced measure's cost. The one rule for
// erasure (of a volunteer) and retention (of ended referrals).
func Anonymise(r *Referral) {
	r.CaseRef, r.Frame, r.OutcomeNote, r.Notes = Anonymised, "", "", nil
	r.Entry.Name = ""
	for i := range r.History {
		r.History[i].Reason = ""
	}
	for i := range r.FollowUps {
		r.FollowUps[i].Note = ""
	}
	if r.Replaces != nil {
		r.Replaces.Name = ""
	}
	r.Anonymised = true
}

// OfVolunteer lists a volunteer's referrals for the export of their
// personal data: what they were asked to help with and how it went,
// without the case reference or the case manager's notes, which are the
// client's data, not theirs. For staff, who read the volunteer too.
func (s *Service) OfVolunteer(ctx context.Context, p access.Principal, id string) ([]*Referral, error) {
	if !p.Is(access.RoleResourceManager) {
		return nil, fmt.Errorf("%w: role %s may not export a person's data", catalogue.ErrForbidden, p.Role)
	}
	f, _ := scope(p)
	f.EntryID, f.Page = id, catalogue.Page{Limit: 100_000}
	rs, _, err := s.store.ListReferrals(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("referrals of %s: %w", id, err)
	}
	if len(rs) > 0 {
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		if err := s.store.Audit(ctx, *s.event(p, "export", ids...)); err != nil {
			return nil, fmt.Errorf("audit export: %w", err)
		}
	}
	for _, r := range rs {
		r.CaseRef, r.Notes, r.OutcomeNote = "", nil, ""
		for i := range r.FollowUps {
			r.FollowUps[i].Note = ""
		}
	}
	return rs, nil
}
