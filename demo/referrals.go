package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/referral"
)

// Stores is what the demo's history of referrals is written to.
type Stores interface {
	catalogue.Store
	referral.Store
}

// clock is the demo's own calendar while it writes a year of history.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// step is a referral of the demo's history with the day of its next move.
type step struct {
	r   *referral.Referral
	due time.Time
}

var frames = []string{"nur als Einkaufshilfe", "Begleitung zu Ämtern", "einmal pro Woche", "zunächst für drei Monate", "Kontakt über die Tochter", ""}

// measures the demo's referrals replace or avoid, with a monthly cost in
// euros, by department.
var measures = map[string]referral.Measure{
	"jugendhilfe":         {Name: "Sozialpädagogische Familienhilfe", MonthlyCost: 1800},
	"eingliederungshilfe": {Name: "Ambulant betreutes Wohnen", MonthlyCost: 1200},
	"hilfe_zur_pflege":    {Name: "Ambulante Pflegesachleistung", MonthlyCost: 900},
	"altenhilfe":          {Name: "Tagespflege", MonthlyCost: 700},
	"grundsicherung":      {Name: "Einmalige Beihilfe", MonthlyCost: 150},
}

// Referrals writes a year of referrals up to today, day by day, through
// the referral service's own rules (a clock of its own sets the days):
// proposals to entries of the demo catalogue, requests, starts, check-ins,
// declines and ends with outcomes, some replacing a professional measure,
// so that the district figures are not empty. The case manager is the one
// of manager. It is deterministic for a catalogue and a day.
func Referrals(ctx context.Context, st Stores, manager access.Principal, log *slog.Logger) (int, error) {
	today := time.Now()
	c := &clock{now: today.AddDate(-1, 0, 0)}
	cat := catalogue.NewService(st, catalogue.WithClock(c.Now), catalogue.WithLogger(log))
	rs, err := referral.Open(ctx, st, cat, log)
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, k := range []catalogue.Kind{catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer} {
		if err := st.EachEntry(ctx, func(r catalogue.Record) error {
			if r.Kind == k {
				ids = append(ids, r.ID)
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	if len(ids) == 0 {
		return 0, errors.New("demo referrals: the catalogue is empty")
	}
	rng := rand.New(rand.NewPCG(2018, 17))
	codes := []string{"jugendhilfe", "eingliederungshilfe", "hilfe_zur_pflege", "altenhilfe", "grundsicherung"}
	var open []step
	made := 0
	for day := today.AddDate(-1, 0, 0); day.Before(today); day = day.AddDate(0, 0, 1) {
		c.set(time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, time.Local))
		// Moves due today.
		var next []step
		for _, s := range open {
			if s.due.After(day) {
				next = append(next, s)
				continue
			}
			r, err := advance(ctx, rs, manager, rng, s.r)
			if err != nil {
				return made, err
			}
			if r.Status.Open() {
				next = append(next, step{r, day.AddDate(0, 0, wait(rng, r.Status))})
			}
		}
		open = next
		// About one new referral a day, fewer at weekends.
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || rng.Float64() < 0.15 {
			continue
		}
		id := ids[rng.IntN(len(ids))]
		pl, err := cat.Placement(ctx, manager, id)
		if err != nil {
			continue // paused, outside its period, not found: the case manager chooses another
		}
		if len(pl.Districts) == 0 {
			continue
		}
		help, err := firstHelpKind(ctx, st, id)
		if err != nil {
			return made, err
		}
		dep := codes[rng.IntN(len(codes))]
		in := referral.Input{CaseRef: fmt.Sprintf("FM-%s-%04d", day.Format("2006"), made+1), EntryID: id, District: pl.Districts[rng.IntN(len(pl.Districts))],
			Department: dep, Frame: frames[rng.IntN(len(frames))], HelpKinds: []string{help}}
		if rng.Float64() < 0.35 {
			m := measures[dep]
			in.Replaces = &m
		}
		r, err := rs.Create(ctx, manager, in)
		if errors.Is(err, catalogue.ErrConflict) {
			continue // no free place left
		}
		if err != nil {
			return made, fmt.Errorf("demo referral: %w", err)
		}
		made++
		open = append(open, step{r, day.AddDate(0, 0, wait(rng, r.Status))})
	}
	return made, nil
}

// wait is how many days a referral in status s waits for its next move.
func wait(rng *rand.Rand, s referral.Status) int {
	switch s {
	case referral.Proposed:
		return 1 + rng.IntN(5)
	case referral.Requested:
		return 2 + rng.IntN(10)
	}
	return 28 // active: the next check-in, or the end
}

// advance makes the next move of r: most proposals are requested and most
// requests start; an active help is checked in on and ends after some
// months, mostly well.
func advance(ctx context.Context, rs *referral.Service, p access.Principal, rng *rand.Rand, r *referral.Referral) (*referral.Referral, error) {
	x := rng.Float64()
	t := referral.Transition{}
	switch r.Status {
	case referral.Proposed:
		switch {
		case x < 0.85:
			t.Status = referral.Requested
		default:
			t.Status, t.Reason = referral.Withdrawn, "Klient hat sich anders entschieden"
		}
	case referral.Requested:
		switch {
		case x < 0.8:
			t.Status = referral.Active
		default:
			t.Status, t.Reason = referral.Declined, "Helferin hat zurzeit keine Zeit"
		}
	case referral.Active:
		if x < 0.7 {
			return rs.FollowUp(ctx, p, r.ID, "Läuft, alle sind zufrieden.")
		}
		t.Status = referral.Ended
		switch y := rng.Float64(); {
		case y < 0.7:
			t.Outcome = referral.Successful
		case y < 0.9:
			t.Outcome = referral.PoorFit
		default:
			t.Outcome = referral.BrokenOff
		}
	default:
		return r, nil
	}
	return rs.Move(ctx, p, r.ID, r.Version, t)
}

// firstHelpKind is the first kind of help entry id offers, read from the
// store (not through a read that the audit log would record).
func firstHelpKind(ctx context.Context, st Stores, id string) (string, error) {
	r, err := st.Entry(ctx, catalogue.KindOfID(id), id)
	if err != nil {
		return "", err
	}
	var doc struct {
		HelpKinds []string `json:"help_kinds"`
	}
	if err := json.Unmarshal(r.Doc, &doc); err != nil {
		return "", err
	}
	if len(doc.HelpKinds) == 0 {
		return "", fmt.Errorf("entry %s offers no kind of help", id)
	}
	return doc.HelpKinds[0], nil
}
