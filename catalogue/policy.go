package catalogue

import (
	"fmt"
	"slices"

	"massanzug/access"
)

// This file is the one home of "who sees which entry now". Every reader of
// entries asks it: the service's single reads and lists (through
// Scope.Filter, which says the same rule in the store's terms), the search
// index per hit, the matcher per candidate and the benchmark's scans.
// TestVisibilityTable holds the whole matrix; TestFilterAgreesWithDecide
// proves the store's form equal to the predicate.

// Scope is what one caller may see, without roles: the service turns a
// principal into a Scope (ScopeOf), and readers that must not know about
// roles (the index, the matcher) receive only this.
type Scope struct {
	// Kinds the caller may see at all; none means nothing.
	Kinds []Kind
	// Curating callers see entries in every state; everybody else sees
	// only what is public now: active volunteers and neighbourhood helps,
	// approved offers whose period covers Today.
	Curating bool
	// Provider, when set, restricts to that provider's offers (a traeger
	// sees its own, whatever their state, and nothing else).
	Provider string
	// Archived lets archived entries through. Lists and searches set it
	// only when archived entries are asked for; single reads always do, so
	// that staff can open what they archived.
	Archived bool
	// Today is the day in the city's calendar, YYYY-MM-DD.
	Today string
	// Districts, when set, restricts volunteers and neighbourhood helps to
	// those helping in one of these districts (a ressourcenmanager bound to
	// its districts); offers stay city-wide.
	Districts []string
}

// Facts are what visibility depends on, as every reader holds them.
type Facts struct {
	Kind       Kind
	Status     Status
	ProviderID string
	ValidFrom  string
	ValidUntil string
	Districts  []string // where it helps
}

// FactsOf returns the facts of a stored record.
func FactsOf(r Record) Facts {
	return Facts{Kind: r.Kind, Status: r.Status, ProviderID: r.ProviderID, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Districts: r.Districts}
}

// Hidden says why an entry is hidden; HiddenNot means it is visible.
type Hidden uint8

const (
	HiddenNot      Hidden = iota
	HiddenKind            // the caller may not see this kind of entry
	HiddenProvider        // another provider's offer
	HiddenArchived        // archived, and not asked for
	HiddenStatus          // not active (volunteers, helps) or not approved (offers)
	HiddenPeriod          // an approved offer whose period does not cover today
	HiddenDistrict        // helps outside the districts the caller is bound to
)

// Visible reports whether the decision lets the entry be seen.
func (h Hidden) Visible() bool { return h == HiddenNot }

// Public reports whether an entry of this state is public (active or
// approved), leaving the period aside.
func (f *Facts) Public() bool {
	if f.Kind == KindOffer {
		return f.Status == StatusApproved
	}
	return f.Status == StatusActive
}

// Current reports whether the entry's period covers day; entries without a
// period always are.
func (f *Facts) Current(day string) bool {
	return (f.ValidFrom == "" || f.ValidFrom <= day) && (f.ValidUntil == "" || day <= f.ValidUntil)
}

// Decide is the visibility rule: whether the caller of s may see an entry
// with facts f, and if not, why not.
func (s *Scope) Decide(f *Facts) Hidden {
	switch {
	case !slices.Contains(s.Kinds, f.Kind):
		return HiddenKind
	case s.Provider != "" && f.ProviderID != s.Provider:
		return HiddenProvider
	case !s.InDistricts(f):
		return HiddenDistrict
	case f.Status == StatusArchived && !s.Archived:
		return HiddenArchived
	case s.Curating:
		return HiddenNot
	case !f.Public():
		return HiddenStatus
	case !f.Current(s.Today):
		return HiddenPeriod
	}
	return HiddenNot
}

// InDistricts reports whether an entry with facts f lies within the
// districts s is bound to (always, where s is not bound or f is an offer).
func (s *Scope) InDistricts(f *Facts) bool {
	if len(s.Districts) == 0 || f.Kind == KindOffer {
		return true
	}
	for _, d := range f.Districts {
		if slices.Contains(s.Districts, d) {
			return true
		}
	}
	return false
}

var allKinds = []Kind{KindVolunteer, KindNeighbourhoodHelp, KindOffer}

// ScopeOf is the role matrix of domain.md for reading entries: staff
// curate everything; case managers see what is public now; a provider sees
// its own offers in every state and nothing else; the admin (city IT) sees
// no entries at all.
func ScopeOf(p access.Principal, today string, archived bool) Scope {
	s := Scope{Today: today, Archived: archived}
	switch p.Role {
	case access.RoleResourceManager:
		s.Kinds, s.Curating, s.Districts = allKinds, true, p.Districts
	case access.RoleCaseManager:
		s.Kinds = allKinds
	case access.RoleProvider:
		s.Kinds, s.Curating, s.Provider = []Kind{KindOffer}, true, p.ProviderID
		if p.ProviderID == "" {
			s.Kinds = nil // a provider token without provider sees nothing
		}
	}
	return s
}

// PublicScope is what is public today: what a case manager sees, and what
// matching may suggest to anyone.
func PublicScope(today string) Scope { return Scope{Kinds: allKinds, Today: today} }

// Filter says Decide in the store's terms for a list of kind k: the
// statuses, provider and day a list may return, narrowed by what the
// caller asked for (status, provider). ok is false when nothing can pass.
func (s *Scope) Filter(k Kind, status Status, provider string) (f EntryFilter, ok bool) {
	f = EntryFilter{Kind: k, ProviderID: provider}
	if !slices.Contains(s.Kinds, k) {
		return f, false
	}
	if k != KindOffer {
		f.AnyDistrict = s.Districts
	}
	if s.Provider != "" {
		if provider != "" && provider != s.Provider {
			return f, false
		}
		f.ProviderID = s.Provider
	}
	var allowed []Status
	for _, st := range statusesOf(k) {
		probe := Facts{Kind: k, Status: st}
		if st == StatusArchived && !s.Archived || !s.Curating && !probe.Public() {
			continue
		}
		allowed = append(allowed, st)
	}
	if !s.Curating {
		f.CurrentOn = s.Today // only offers have periods; others always pass
	}
	if status != "" {
		if !slices.Contains(allowed, status) {
			return f, false
		}
		allowed = []Status{status}
	}
	f.Statuses = allowed
	return f, len(allowed) > 0
}

// canRead and canWrite say which kinds a role may read or write at all; a
// caller without them gets 403, a caller with them but outside its Scope
// 404 (nobody learns what exists beyond their view). The admin is city IT:
// it manages tokens, districts and providers but sees no personal data and
// curates nothing.
func canRead(p access.Principal, k Kind) bool {
	s := ScopeOf(p, "", false)
	return slices.Contains(s.Kinds, k)
}

func canWrite(p access.Principal, k Kind) bool {
	if k == KindOffer {
		return p.Is(access.RoleResourceManager, access.RoleProvider)
	}
	return p.Is(access.RoleResourceManager)
}

func forbidden(p access.Principal, what string) error {
	return fmt.Errorf("%w: role %s may not %s", ErrForbidden, p.Role, what)
}

// MayWrite reports whether p may create and change entries of kind k (a
// provider only its own offers): what the screens ask before they offer a
// form.
func MayWrite(p access.Principal, k Kind) bool { return canWrite(p, k) }

// OpenDataScope is what the city may publish as open data (the HSDS
// export): neighbourhood helps and offers that are public today; never
// volunteers, who are people.
func OpenDataScope(today string) Scope {
	return Scope{Kinds: []Kind{KindNeighbourhoodHelp, KindOffer}, Today: today}
}
