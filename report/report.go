// Package report owns the district figures: what the social department
// steers Ressourcenmanagement by, per Sozialraum and for the city, against
// population, staffing and the year before (presentation, slide 17). It
// counts; it holds nothing about people and names no case.
package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/referral"
)

// Store is what the figures are counted from. The entries and referrals
// are read once (into the tally, which then follows the commits); the
// periods are days, YYYY-MM-DD, both included.
type Store interface {
	// EachEntryFact calls fn for every entry, archived ones too, with
	// what the figures count of it (kind, status, districts, help kinds,
	// verification, validity, change number) and without its document.
	EachEntryFact(ctx context.Context, fn func(catalogue.Record) error) error
	// EachReferralRow calls fn for every referral.
	EachReferralRow(ctx context.Context, fn func(ReferralRow) error) error
	// UnmetCounts sums the unmet needs per district over the months
	// [fromMonth, toMonth] (YYYY-MM).
	UnmetCounts(ctx context.Context, fromMonth, toMonth string) (map[string]int, error)
	// GapCounts counts per district the gaps staff recorded that are open
	// on day, and those closed in [from, day].
	GapCounts(ctx context.Context, from, day string) (open, closed map[string]int, err error)
}

// ReferralRow is one referral as the figures see it.
type ReferralRow struct {
	ID          string
	Version     int64
	District    string
	Department  string
	Status      referral.Status
	Outcome     referral.Outcome
	CreatedOn   string // YYYY-MM-DD
	ActiveSince string
	EndedOn     string
	MonthlyCost float64
}

// Figures are one district's (or the city's) figures on one day.
type Figures struct {
	// Entries counts what is in the catalogue now, per kind and status;
	// only on the reporting day (the catalogue keeps no history of status).
	Entries map[catalogue.Kind]map[catalogue.Status]int `json:"entries,omitempty"`
	// ByHelpKind counts entries per kind of help, now.
	ByHelpKind map[string]int `json:"by_help_kind,omitempty"`
	// ActiveVolunteers and the rates per 1,000 people, now.
	ActiveVolunteers  *int   `json:"active_volunteers,omitempty"`
	VolunteersPer1000 *Rates `json:"volunteers_per_1000,omitempty"`
	DueForReview      *int   `json:"due_for_review,omitempty"`

	Referrals ReferralFigures `json:"referrals"`
	// ReferralsPerRMPost is referrals started per full-time RM post of
	// the district (nil where the districts data gives no staffing).
	ReferralsPerRMPost *float64 `json:"referrals_per_rm_post"`
	UnmetNeeds         int      `json:"unmet_needs"`
	// GapsOpen on the day and GapsClosed in the year: the gaps staff
	// recorded and forwarded to the planners.
	GapsOpen   int `json:"gaps_open"`
	GapsClosed int `json:"gaps_closed"`
}

// Rates are active volunteers per 1,000 inhabitants, over-65s and under-18s.
type Rates struct {
	Inhabitants *float64 `json:"inhabitants"`
	Over65      *float64 `json:"over_65"`
	Under18     *float64 `json:"under_18"`
}

// ReferralFigures count the referrals of the year up to the reporting day.
type ReferralFigures struct {
	// Started in the year up to the day; Active on the day itself.
	Started int `json:"started"`
	Active  int `json:"active"`
	// Ended in the year, by outcome; declined and withdrawn in the year.
	Ended     map[referral.Outcome]int `json:"ended"`
	Declined  int                      `json:"declined"`
	Withdrawn int                      `json:"withdrawn"`
	// SuccessRate is successful / ended, nil when none ended.
	SuccessRate *float64 `json:"success_rate"`
	// MedianDaysToActive: from the proposal to the start of the help, for
	// helps started in the year; nil when none started.
	MedianDaysToActive *float64 `json:"median_days_to_active"`
}

// District is one district's figures.
type District struct {
	District string  `json:"district"`
	Name     string  `json:"name"`
	Current  Figures `json:"current"`
	YearAgo  Figures `json:"year_before"`
	// Savings are the estimated savings per calendar year and department:
	// each replaced measure's monthly cost over the days its referral was
	// active in that year (up to the reporting day).
	Savings map[string]map[string]float64 `json:"savings"`
}

// Report is the figures of every district and of the city.
type Report struct {
	Stichtag   string     `json:"stichtag"`
	YearBefore string     `json:"year_before"`
	Districts  []District `json:"districts"`
	City       District   `json:"city"`
}

// Service computes reports.
type Service struct {
	store       Store
	cat         *catalogue.Service
	tally       *tally
	reviewAfter int
	recent      recent
}

// New returns a Service that follows the commits of cat and refs from
// now on; it reads what came before at its first report, or at Warm.
// reviewAfter is the months after which an entry is due for review, as
// the catalogue counts it.
func New(st Store, cat *catalogue.Service, refs *referral.Service, reviewAfter int) *Service {
	s := &Service{store: st, cat: cat, tally: newTally(st), reviewAfter: reviewAfter}
	cat.Follow(s.tally)
	refs.Follow(s.tally)
	return s
}

// Warm reads the entries and referrals the figures count, so that the
// first report after a start does not wait for it.
func (s *Service) Warm(ctx context.Context) error { return s.tally.load(ctx) }

// Districts reports on stichtag (YYYY-MM-DD; today when empty) and on the
// same day a year before. Staff and admins read it.
func (s *Service) Districts(ctx context.Context, p access.Principal, stichtag string) (*Report, error) {
	day, err := s.asked(p, stichtag)
	if err != nil {
		return nil, err
	}
	rep, err := s.count(ctx, day)
	if err != nil {
		return nil, err
	}
	return seenBy(p, rep), nil
}

// asked checks that p may read the figures and reads the day they are
// asked for (today when empty).
func (s *Service) asked(p access.Principal, stichtag string) (time.Time, error) {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return time.Time{}, fmt.Errorf("%w: role %s may not read the district figures", catalogue.ErrForbidden, p.Role)
	}
	today := s.cat.Now().In(s.cat.Location()).Format(time.DateOnly)
	if stichtag == "" {
		stichtag = today
	}
	day, err := time.Parse(time.DateOnly, stichtag)
	if err != nil {
		return time.Time{}, field("stichtag", "must be a day, YYYY-MM-DD")
	}
	if stichtag > today {
		return time.Time{}, field("stichtag", "%s lies in the future; the figures count what happened up to a day (today is %s)", stichtag, today)
	}
	return day, nil
}

// count counts the report on day.
func (s *Service) count(ctx context.Context, day time.Time) (*Report, error) {
	stichtag := day.Format(time.DateOnly)
	today := s.cat.Now().In(s.cat.Location()).Format(time.DateOnly)
	before := day.AddDate(-1, 0, 0)
	districts, _, err := s.cat.Reference(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Stichtag: stichtag, YearBefore: before.Format(time.DateOnly)}
	byID := map[string]*District{}
	for _, d := range districts {
		rep.Districts = append(rep.Districts, District{District: d.ID, Name: d.Name})
	}
	rep.City = District{District: "", Name: "Stadt"}
	for i := range rep.Districts {
		byID[rep.Districts[i].District] = &rep.Districts[i]
	}
	byID[""] = &rep.City
	for _, d := range byID {
		d.Savings = map[string]map[string]float64{}
	}

	if err := s.tally.load(ctx); err != nil {
		return nil, err
	}
	// The two years up to each day, as periods of days.
	periods := []struct {
		from, to string
		fig      func(*District) *Figures
	}{
		{day.AddDate(-1, 0, 1).Format(time.DateOnly), stichtag, func(d *District) *Figures { return &d.Current }},
		{before.AddDate(-1, 0, 1).Format(time.DateOnly), before.Format(time.DateOnly), func(d *District) *Figures { return &d.YearAgo }},
	}
	for _, per := range periods {
		unmet, err := s.store.UnmetCounts(ctx, per.from[:7], per.to[:7])
		if err != nil {
			return nil, fmt.Errorf("unmet needs: %w", err)
		}
		for id, n := range unmet {
			per.fig(&rep.City).UnmetNeeds += n
			if d := ofDistrict(byID, id); d != nil {
				per.fig(d).UnmetNeeds += n
			}
		}
		open, closed, err := s.store.GapCounts(ctx, per.from, per.to)
		if err != nil {
			return nil, fmt.Errorf("gaps: %w", err)
		}
		for id, d := range byID {
			if id == "" {
				continue
			}
			per.fig(d).GapsOpen, per.fig(d).GapsClosed = open[id], closed[id]
			per.fig(&rep.City).GapsOpen += open[id]
			per.fig(&rep.City).GapsClosed += closed[id]
		}
	}

	y := day.Year()
	q := countQuery{withEntries: stichtag == today,
		verifiedBefore: s.cat.Stamp().AddDate(0, -s.reviewAfter, 0).Unix(), today: dayOf(today),
		periods: [2]span{{dayOf(periods[0].from), dayOf(periods[0].to)}, {dayOf(periods[1].from), dayOf(periods[1].to)}},
		years:   [2]span{{dayOf(fmt.Sprintf("%d-01-01", y-1)), dayOf(fmt.Sprintf("%d-12-31", y-1))}, {dayOf(fmt.Sprintf("%d-01-01", y)), dayOf(stichtag)}}}
	slots := []*District{&rep.City}
	for i := range rep.Districts {
		q.districts = append(q.districts, rep.Districts[i].District)
		slots = append(slots, &rep.Districts[i])
	}
	c := s.tally.count(q)
	for slot, d := range slots {
		if q.withEntries {
			d.Current.Entries, d.Current.ByHelpKind = c.entries[slot], c.byHelp[slot]
			d.Current.ActiveVolunteers, d.Current.DueForReview = ptr(c.activeVolunteers[slot]), ptr(c.due[slot])
		} else {
			// The catalogue keeps no history of status: entries are
			// counted on the reporting day only.
			d.Current.Entries, d.Current.ByHelpKind, d.Current.ActiveVolunteers, d.Current.DueForReview = nil, nil, nil, nil
		}
		for p, per := range periods {
			per.fig(d).Referrals = c.referrals[p][slot]
		}
		for i, key := range []string{fmt.Sprint(y - 1), fmt.Sprint(y)} {
			if m := c.savings[i][slot]; len(m) > 0 {
				d.Savings[key] = m
			}
		}
	}
	// Rates against population and staffing.
	var pop catalogue.Population
	var fte float64
	for _, dd := range districts {
		d := byID[dd.ID]
		rates(&d.Current, dd.Population, dd.RMStaffFTE)
		rates(&d.YearAgo, dd.Population, dd.RMStaffFTE)
		pop.Total, pop.Over65, pop.Under18 = pop.Total+dd.Population.Total, pop.Over65+dd.Population.Over65, pop.Under18+dd.Population.Under18
		fte += dd.RMStaffFTE
	}
	rates(&rep.City.Current, pop, fte)
	rates(&rep.City.YearAgo, pop, fte)
	return rep, nil
}

// seenBy is rep as p reads it: staff bound to districts read theirs, and
// the city's totals. rep itself is left as it is.
func seenBy(p access.Principal, rep *Report) *Report {
	if len(p.Districts) == 0 {
		return rep
	}
	c := *rep
	c.Districts = slices.DeleteFunc(slices.Clone(rep.Districts), func(d District) bool { return !slices.Contains(p.Districts, d.District) })
	return &c
}

// ofDistrict is the figures of district id, nil for none or one that is
// not (or no longer) in the districts data: the city counts those alone.
func ofDistrict(byID map[string]*District, id string) *District {
	if id == "" {
		return nil
	}
	return byID[id]
}

func rates(f *Figures, pop catalogue.Population, fte float64) {
	if fte > 0 {
		f.ReferralsPerRMPost = ptr(math.Round(float64(f.Referrals.Started)/fte*10) / 10)
	}
	if f.ActiveVolunteers == nil {
		return
	}
	per := func(n int) *float64 {
		if n <= 0 {
			return nil
		}
		return ptr(math.Round(float64(*f.ActiveVolunteers)/float64(n)*1000*100) / 100)
	}
	f.VolunteersPer1000 = &Rates{Inhabitants: per(pop.Total), Over65: per(pop.Over65), Under18: per(pop.Under18)}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ptr[T any](v T) *T { return &v }

func field(name, format string, args ...any) error {
	ve := &catalogue.ValidationError{}
	ve.Add(name, format, args...)
	return ve
}
