package referral

import (
	"fmt"
	"slices"

	"massanzug/access"
	"massanzug/catalogue"
)

// The one home of who sees and does what with referrals. Every path that
// reads or changes one (single read, list, status change, note) asks here.
//
//   - Resource management sees and changes every referral; staff bound to
//     districts those of cases in their districts.
//   - A case manager sees and changes the referrals they are responsible
//     for, and no other case manager's.
//   - A provider sees the referrals to its own offers once it was asked
//     (not the case manager's proposals), without the notes, the measure
//     replaced or the department, and may only answer a request: accept
//     (active) or decline.
//   - Admins (the city's IT) see none: referrals are social data.
//   - Staff who refer (resource management, case managers) see how
//     engaged a helper they may read is: counts and dates, no case.

func mayRefer(p access.Principal) bool {
	return p.Is(access.RoleCaseManager, access.RoleResourceManager)
}

// sees decides whether p may know r exists.
func sees(p access.Principal, r *Referral) bool {
	switch p.Role {
	case access.RoleResourceManager:
		return inDistricts(p, r.District)
	case access.RoleCaseManager:
		return r.CaseManager.ID == p.TokenID
	case access.RoleProvider:
		return r.ProviderID != "" && r.ProviderID == p.ProviderID && r.Status != Proposed
	}
	return false
}

// scope is sees as the store's filter, so that lists count what the
// caller may see; ok is false where the caller sees no referral at all.
func scope(p access.Principal) (f Filter, ok bool) {
	switch p.Role {
	case access.RoleResourceManager:
		return Filter{Districts: p.Districts}, true
	case access.RoleCaseManager:
		return Filter{CaseManager: p.TokenID}, true
	case access.RoleProvider:
		return Filter{ProviderID: p.ProviderID, NotProposed: true}, p.ProviderID != ""
	}
	return Filter{}, false
}

// inDistricts reports whether a case of district lies within p's
// districts (always, for a caller bound to none).
func inDistricts(p access.Principal, district string) bool {
	return len(p.Districts) == 0 || slices.Contains(p.Districts, district)
}

// shown is r as p may read it.
func shown(p access.Principal, r *Referral) *Referral {
	if !p.Is(access.RoleProvider) {
		return r
	}
	c := *r
	c.Notes, c.Replaces, c.Department = nil, nil, ""
	return &c
}

// mayMove decides whether p may move r to status to, beyond what the
// lifecycle allows anyone.
func mayMove(p access.Principal, r *Referral, to Status) error {
	if p.Is(access.RoleProvider) {
		if r.Status != Requested || !slices.Contains([]Status{Active, Declined}, to) {
			return fmt.Errorf("%w: a provider answers requests for places (requested → active or declined) only", catalogue.ErrForbidden)
		}
	}
	return nil
}

// mayNote decides whether p may add to r's timeline.
func mayNote(p access.Principal) error {
	if !mayRefer(p) {
		return fmt.Errorf("%w: role %s may not write notes on referrals", catalogue.ErrForbidden, p.Role)
	}
	return nil
}

// maySeeEngagement decides whether p may read how engaged a helper is.
func maySeeEngagement(p access.Principal) error {
	if !mayRefer(p) {
		return fmt.Errorf("%w: role %s may not read a helper's engagement", catalogue.ErrForbidden, p.Role)
	}
	return nil
}

// MovesFor lists the statuses p may move r to now: what the screens offer
// as buttons, and nothing the service would refuse.
func MovesFor(p access.Principal, r *Referral) []Status {
	var out []Status
	for _, to := range r.Status.Allowed() {
		if mayMove(p, r, to) == nil {
			out = append(out, to)
		}
	}
	return out
}

// MayNote reports whether p may write notes and follow-ups on referrals.
func MayNote(p access.Principal) bool { return mayNote(p) == nil }
