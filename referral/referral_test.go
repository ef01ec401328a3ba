package referral

import (
	"errors"
	"slices"
	"testing"

	"massanzug/access"
	"massanzug/catalogue"
)

// TestLifecycle: every status × every status, allowed exactly where the
// lifecycle of the council paper goes.
func TestLifecycle(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Proposed, Requested}: true, {Proposed, Active}: true, {Proposed, Declined}: true, {Proposed, Withdrawn}: true,
		{Requested, Active}: true, {Requested, Declined}: true, {Requested, Withdrawn}: true,
		{Active, Ended}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			r := &Referral{Status: from}
			tr := Transition{Status: to, Reason: "Klientin möchte nicht"}
			if to == Ended {
				tr.Outcome = Successful
			}
			err := tr.check(r)
			switch {
			case allowed[[2]Status{from, to}] && err != nil:
				t.Errorf("%s → %s refused: %v", from, to, err)
			case !allowed[[2]Status{from, to}] && !errors.Is(err, catalogue.ErrConflict):
				t.Errorf("%s → %s: %v, want a conflict", from, to, err)
			}
		}
		if from.Open() != slices.Contains([]Status{Proposed, Requested, Active}, from) {
			t.Errorf("%s open: %v", from, from.Open())
		}
	}
}

func TestEndNeedsOutcome(t *testing.T) {
	for _, c := range []struct {
		t    Transition
		from Status
		ok   bool
	}{
		{Transition{Status: Ended}, Active, false},
		{Transition{Status: Ended, Outcome: "gut"}, Active, false},
		{Transition{Status: Ended, Outcome: PoorFit, OutcomeNote: "Chemie stimmte nicht"}, Active, true},
		{Transition{Status: Active, Outcome: Successful}, Requested, false},
		{Transition{Status: Declined}, Requested, false},
		{Transition{Status: Declined, Reason: "Helferin hat keine Zeit"}, Requested, true},
		{Transition{Status: Withdrawn}, Proposed, true},
		{Transition{Status: "aktiv"}, Proposed, false},
	} {
		err := c.t.check(&Referral{Status: c.from})
		if (err == nil) != c.ok {
			t.Errorf("%+v from %s: %v", c.t, c.from, err)
		}
	}
}

func TestCaseRef(t *testing.T) {
	for ref, ok := range map[string]bool{
		"JH-2026-0815": true, "FM/17/2026": true, "A-1": true, "ah.2026.3": true, "K123": true,
		"Maria Schmidt": false, "Schmidt": false, "maria.schmidt@example.org": false, "0731-161-5123": false,
		"+49731161": false, "01761234567": false, "-JH-1": false, "JH 2026": false, "x": false, "": false,
	} {
		if got := checkCaseRef(ref) == ""; got != ok {
			t.Errorf("%q: accepted %v, want %v (%s)", ref, got, ok, checkCaseRef(ref))
		}
	}
}

// TestPolicy: who sees a referral, and sees and scope agree.
func TestPolicy(t *testing.T) {
	r := &Referral{CaseManager: Person{ID: "fm1"}, ProviderID: "prv1", Status: Proposed, Notes: []Note{{Text: "x"}}, Replaces: &Measure{Name: "SPFH"}}
	rm := access.Principal{Role: access.RoleResourceManager, TokenID: "rm"}
	fm1 := access.Principal{Role: access.RoleCaseManager, TokenID: "fm1"}
	fm2 := access.Principal{Role: access.RoleCaseManager, TokenID: "fm2"}
	prv1 := access.Principal{Role: access.RoleProvider, TokenID: "t1", ProviderID: "prv1"}
	prv2 := access.Principal{Role: access.RoleProvider, TokenID: "t2", ProviderID: "prv2"}
	admin := access.Principal{Role: access.RoleAdmin, TokenID: "a"}
	for _, status := range Statuses {
		r.Status = status
		for p, want := range map[*access.Principal]bool{&rm: true, &fm1: true, &fm2: false, &prv1: status != Proposed, &prv2: false, &admin: false} {
			if got := sees(*p, r); got != want {
				t.Errorf("%s sees a %s referral: %v, want %v", p.TokenID, status, got, want)
			}
			f, ok := scope(*p)
			byFilter := ok && (f.CaseManager == "" || f.CaseManager == r.CaseManager.ID) && (f.ProviderID == "" || f.ProviderID == r.ProviderID) &&
				(!f.NotProposed || r.Status != Proposed)
			if byFilter != want {
				t.Errorf("%s: the store's filter says %v for a %s referral, sees says %v", p.TokenID, byFilter, status, want)
			}
		}
	}
	if s := shown(prv1, r); s.Notes != nil || s.Replaces != nil || r.Notes == nil {
		t.Errorf("a provider is shown notes or the measure, or the original was changed: %+v", s)
	}
}
