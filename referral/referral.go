// Package referral owns the Vermittlungen: that a pseudonymous case was
// connected to one catalogue entry, the way from a proposal to a placed
// and ended help, the short notes that keep the responsible case manager
// informed, and the places open referrals hold in an entry's capacity.
//
// A referral is social data. It holds the case manager's pseudonymous
// case reference, never a name and never the case profile; every read
// and change of it is in the audit log, committed with the change.
package referral

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"massanzug/catalogue"
)

// Status is where a referral stands. The codes are English like every
// code of the API; the German words of the council paper are their labels.
type Status string

const (
	Proposed  Status = "proposed"  // vorgeschlagen: chosen, nobody asked yet
	Requested Status = "requested" // angefragt: the helper or provider was asked
	Active    Status = "active"    // aktiv: the help runs
	Ended     Status = "ended"     // beendet, with an outcome
	Declined  Status = "declined"  // abgelehnt: helper, provider or client said no
	Withdrawn Status = "withdrawn" // zurückgezogen by the case manager
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Proposed, Requested, Active, Ended, Declined, Withdrawn}

// next says which statuses each status may move to. What is not listed
// is not allowed; the ended ones move nowhere.
var next = map[Status][]Status{
	Proposed:  {Requested, Active, Declined, Withdrawn},
	Requested: {Active, Declined, Withdrawn},
	Active:    {Ended},
}

// Open reports whether a referral in status s holds a place of its
// entry's capacity. A proposal holds one too: otherwise two cases could
// both be proposed the last place (what /v1/match/assign must prevent).
func (s Status) Open() bool { return s == Proposed || s == Requested || s == Active }

// Allowed lists where s may move next.
func (s Status) Allowed() []Status { return next[s] }

// Outcome is how an ended referral went.
type Outcome string

const (
	Successful Outcome = "successful" // erfolgreich
	PoorFit    Outcome = "poor_fit"   // passte nicht
	BrokenOff  Outcome = "broken_off" // abgebrochen
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{Successful, PoorFit, BrokenOff}

// Department is a Fachbereich of the social department: who is
// responsible for the case and whose budget a replaced measure saves.
type Department struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// Departments are the Fachbereiche of the districts data
// (catalogue/defaults/ulm-sozialraeume.json, "fachbereiche"), with codes.
var Departments = []Department{
	{"jugendhilfe", "Jugendhilfe"},
	{"eingliederungshilfe", "Eingliederungshilfe"},
	{"hilfe_zur_pflege", "Hilfe zur Pflege"},
	{"altenhilfe", "Altenhilfe"},
	{"grundsicherung", "Hilfe zum Lebensunterhalt/Grundsicherung"},
}

func departmentCodes() []string {
	out := make([]string, len(Departments))
	for i, d := range Departments {
		out[i] = d.Code
	}
	return out
}

// Person names who did something: a token (later a person's account).
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Measure is the professional measure a referral replaces or avoids, with
// its estimated cost: what the figures count as saved while it is active.
type Measure struct {
	Name        string  `json:"name" validate:"max=200"`
	MonthlyCost float64 `json:"monthly_cost" validate:"min=0,max=100000"`
}

// Input is what a case manager gives for a new referral.
type Input struct {
	CaseRef    string   `json:"case_ref" validate:"required,max=64"`
	EntryID    string   `json:"entry_id" validate:"required,max=64"`
	District   string   `json:"district" validate:"required,max=64"`
	Department string   `json:"department" validate:"required,max=64"`
	Frame      string   `json:"frame,omitempty" validate:"max=300"`
	HelpKinds  []string `json:"help_kinds" validate:"required,min=1,max=10,dive,required,max=64"`
	// CaseManagerID is the token of the responsible case manager; the
	// caller's own when empty.
	CaseManagerID string   `json:"case_manager_id,omitempty" validate:"max=64"`
	Replaces      *Measure `json:"replaces,omitempty"`
	// Note is an optional first note (who was asked, what was agreed).
	Note string `json:"note,omitempty" validate:"max=1000"`
}

// Change is one step of a referral's history.
type Change struct {
	At     time.Time `json:"at"`
	By     Person    `json:"by"`
	Status Status    `json:"status"`
	Reason string    `json:"reason,omitempty"`
}

// Note is one short message on a referral's timeline: what the case
// manager should know, not a case history.
type Note struct {
	At   time.Time `json:"at"`
	By   Person    `json:"by"`
	Text string    `json:"text"`
}

// FollowUp is a check-in done with an active help.
type FollowUp struct {
	Due    string    `json:"due"`
	DoneAt time.Time `json:"done_at"`
	By     Person    `json:"by"`
	Note   string    `json:"note"`
}

// MaxNote bounds a note: a few sentences.
const MaxNote = 1000

// Referral is a case connected to an entry.
type Referral struct {
	ID          string              `json:"id"`
	Version     int64               `json:"version"`
	CaseRef     string              `json:"case_ref"`
	Entry       catalogue.Placement `json:"entry"`
	ProviderID  string              `json:"provider_id,omitempty"`
	District    string              `json:"district"`
	Department  string              `json:"department,omitempty"`
	Frame       string              `json:"frame,omitempty"`
	HelpKinds   []string            `json:"help_kinds"`
	CaseManager Person              `json:"case_manager"`
	Replaces    *Measure            `json:"replaces,omitempty"`
	Status      Status              `json:"status"`
	Outcome     Outcome             `json:"outcome,omitempty"`
	OutcomeNote string              `json:"outcome_note,omitempty"`
	// ActiveSince and EndedOn are the days the help started and ended
	// (YYYY-MM-DD, the city's calendar): what the figures count.
	ActiveSince string   `json:"active_since,omitempty"`
	EndedOn     string   `json:"ended_on,omitempty"`
	History     []Change `json:"history"`
	Notes       []Note   `json:"notes,omitempty"`
	// NextFollowUp is the day the next check-in with an active help is
	// due; FollowUps are the check-ins done.
	NextFollowUp string     `json:"next_follow_up,omitempty"`
	FollowUps    []FollowUp `json:"follow_ups,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Anonymised is set once the personal parts are removed (erasure of
	// the volunteer, or the retention period after it ended).
	Anonymised bool `json:"anonymised,omitempty"`
}

// Transition is a status change asked for.
type Transition struct {
	Status      Status  `json:"status" validate:"required"`
	Outcome     Outcome `json:"outcome,omitempty"`
	OutcomeNote string  `json:"outcome_note,omitempty" validate:"max=500"`
	// Reason says why a referral was declined or withdrawn.
	Reason string `json:"reason,omitempty" validate:"max=500"`
}

// check decides whether r may move as t says, and names the allowed
// moves when not.
func (t Transition) check(r *Referral) error {
	if !slices.Contains(Statuses, t.Status) {
		return fieldError("status", "%q is not a status; one of %s", t.Status, join(Statuses))
	}
	if !slices.Contains(r.Status.Allowed(), t.Status) {
		allowed := "none: the referral is closed"
		if a := r.Status.Allowed(); len(a) > 0 {
			allowed = join(a)
		}
		return fmt.Errorf("%w: a referral that is %s cannot become %s; allowed: %s", catalogue.ErrConflict, r.Status, t.Status, allowed)
	}
	ve := &catalogue.ValidationError{}
	switch {
	case t.Status == Ended && t.Outcome == "":
		ve.Add("outcome", "an ended referral needs an outcome: one of %s", join(Outcomes))
	case t.Status == Ended && !slices.Contains(Outcomes, t.Outcome):
		ve.Add("outcome", "%q is not an outcome; one of %s", t.Outcome, join(Outcomes))
	case t.Status != Ended && (t.Outcome != "" || t.OutcomeNote != ""):
		ve.Add("outcome", "only an ended referral has an outcome")
	}
	if t.Status == Declined && strings.TrimSpace(t.Reason) == "" {
		ve.Add("reason", "say who said no and why, in a few words")
	}
	return ve.OrNil()
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

func fieldError(field, format string, args ...any) error {
	ve := &catalogue.ValidationError{}
	ve.Add(field, format, args...)
	return ve
}
