package catalogue

import (
	"context"
	"fmt"
	"time"

	"massanzug/access"
)

// PersonalData is everything the service stores about a volunteer: the
// entry as staff read it, and every audit event that names them (who read
// or changed their data, and when). Staff hand it to the person who asks
// (domain.md, data protection).
type PersonalData struct {
	ExportedAt time.Time    `json:"exported_at"`
	Volunteer  *Volunteer   `json:"volunteer"`
	Audit      []AuditEvent `json:"audit"`
}

// VolunteerData exports everything stored about a volunteer; for staff.
func (s *Service) VolunteerData(ctx context.Context, p access.Principal, id string) (PersonalData, error) {
	if !p.Is(access.RoleResourceManager) {
		return PersonalData{}, forbidden(p, "export a person's data")
	}
	v, err := s.Volunteer(ctx, p, id)
	if err != nil {
		return PersonalData{}, err
	}
	// Recorded first, so that the export shows itself too.
	if err := s.audit(ctx, p, "export", KindVolunteer, id); err != nil {
		return PersonalData{}, err
	}
	events, err := s.store.AuditOf(ctx, id)
	if err != nil {
		return PersonalData{}, err
	}
	return PersonalData{ExportedAt: s.stamp(), Volunteer: v, Audit: events}, nil
}

// RecordRead records that p was shown the volunteers ids (as suggestions
// of a match, say) in one audit event. Readers outside the catalogue call
// it before they answer; without the record there is no answer.
func (s *Service) RecordRead(ctx context.Context, p access.Principal, action string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.audit(ctx, p, action, KindVolunteer, ids...)
}

// EraseVolunteer deletes a volunteer for good, on their request: from the
// database (whose deleted pages are overwritten), from the search index and
// from the matcher's memory. Unlike archiving, nothing can bring it back.
// The audit log keeps that the id was erased, by whom and when, and the
// earlier events naming the id, which hold no personal data. For staff.
func (s *Service) EraseVolunteer(ctx context.Context, p access.Principal, id string) error {
	if !p.Is(access.RoleResourceManager) {
		return forbidden(p, "erase a person's data")
	}
	if _, err := s.load(ctx, p, KindVolunteer, id); err != nil {
		return err
	}
	if err := s.apply.start(ctx); err != nil {
		return err
	}
	seq, err := s.store.EraseEntry(ctx, KindVolunteer, id, s.event(p, "erase", KindVolunteer, id))
	if err != nil && seq > 0 {
		// Erased and committed; only tidying up after it failed.
		s.log.WarnContext(ctx, "volunteer erased, but the store could not tidy up after it", "id", id, "err", err)
		err = nil
	}
	if err == nil {
		s.apply.hand(ctx, []Change{{Seq: seq, Erased: id}})
	}
	if err != nil {
		return fmt.Errorf("erase volunteer %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "volunteer erased", "id", id, "by", p.TokenID)
	return nil
}
