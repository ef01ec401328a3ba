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

// Store is what the figures are counted from. Every count is over the
// data as stored now; the periods are days, YYYY-MM-DD, both included.
type Store interface {
	// EntryCounts counts entries that are not archived per district they
	// help in, kind and status; District "" is the city, each entry once.
	EntryCounts(ctx context.Context) ([]EntryCount, error)
	// HelpKindCounts counts entries that are not archived per district and
	// kind of help; District "" is the city.
	HelpKindCounts(ctx context.Context) ([]HelpKindCount, error)
	// DueForReview counts entries due for review per district ("" the city).
	DueForReview(ctx context.Context, verifiedBefore time.Time, today string) (map[string]int, error)
	// ReferralRows returns, per referral touching [from, to], what the
	// figures need: created on or before to, and not closed before from.
	ReferralRows(ctx context.Context, from, to string) ([]ReferralRow, error)
	// UnmetCounts sums the unmet needs per district over the months
	// [fromMonth, toMonth] (YYYY-MM).
	UnmetCounts(ctx context.Context, fromMonth, toMonth string) (map[string]int, error)
	// GapCounts counts per district the gaps staff recorded that are open
	// on day, and those closed in [from, day].
	GapCounts(ctx context.Context, from, day string) (open, closed map[string]int, err error)
}

// EntryCount is a count of entries.
type EntryCount struct {
	District string
	Kind     catalogue.Kind
	Status   catalogue.Status
	N        int
}

// HelpKindCount is a count of entries offering a kind of help.
type HelpKindCount struct {
	District string
	HelpKind string
	N        int
}

// ReferralRow is one referral as the figures see it.
type ReferralRow struct {
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
	reviewAfter int
}

// New returns a Service; reviewAfter is the months after which an entry is
// due for review, as the catalogue counts it.
func New(st Store, cat *catalogue.Service, reviewAfter int) *Service {
	return &Service{store: st, cat: cat, reviewAfter: reviewAfter}
}

// Districts reports on stichtag (YYYY-MM-DD; today when empty) and on the
// same day a year before. Staff and admins read it.
func (s *Service) Districts(ctx context.Context, p access.Principal, stichtag string) (*Report, error) {
	if !p.Is(access.RoleResourceManager, access.RoleAdmin) {
		return nil, fmt.Errorf("%w: role %s may not read the district figures", catalogue.ErrForbidden, p.Role)
	}
	today := s.cat.Now().In(s.cat.Location()).Format(time.DateOnly)
	if stichtag == "" {
		stichtag = today
	}
	day, err := time.Parse(time.DateOnly, stichtag)
	if err != nil {
		return nil, field("stichtag", "must be a day, YYYY-MM-DD")
	}
	if stichtag > today {
		return nil, field("stichtag", "%s lies in the future; the figures count what happened up to a day (today is %s)", stichtag, today)
	}
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
		d.Current = newFigures(true)
		d.YearAgo = newFigures(false)
		d.Savings = map[string]map[string]float64{}
	}

	if err := s.entries(ctx, byID, stichtag == today); err != nil {
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
	// One read of every referral touching the two years and the savings'
	// calendar years; each figure picks its own by the dates.
	y := day.Year()
	from := min(periods[1].from, fmt.Sprintf("%d-01-01", y-1))
	rows, err := s.store.ReferralRows(ctx, from, stichtag)
	if err != nil {
		return nil, fmt.Errorf("referral figures: %w", err)
	}
	for _, per := range periods {
		countReferrals(byID, rows, per.from, per.to, per.fig)
		unmet, err := s.store.UnmetCounts(ctx, per.from[:7], per.to[:7])
		if err != nil {
			return nil, fmt.Errorf("unmet needs: %w", err)
		}
		for id, n := range unmet {
			if d, ok := byID[id]; ok {
				per.fig(d).UnmetNeeds += n
				per.fig(&rep.City).UnmetNeeds += n
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
	// Savings of the calendar year of the day and of the year before.
	for _, r := range rows {
		if r.MonthlyCost <= 0 || r.ActiveSince == "" {
			continue
		}
		for _, year := range []int{y - 1, y} {
			end := fmt.Sprintf("%d-12-31", year)
			if year == y {
				end = stichtag
			}
			days := activeDays(r, fmt.Sprintf("%d-01-01", year), end)
			if days == 0 {
				continue
			}
			saved := r.MonthlyCost * 12 / 365.25 * float64(days)
			for _, d := range []*District{byID[r.District], &rep.City} {
				if d == nil {
					continue
				}
				key := fmt.Sprint(year)
				if d.Savings[key] == nil {
					d.Savings[key] = map[string]float64{}
				}
				d.Savings[key][r.Department] += saved
			}
		}
	}
	for _, d := range byID {
		for _, m := range d.Savings {
			for k, v := range m {
				m[k] = math.Round(v*100) / 100
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
	if len(p.Districts) > 0 {
		// Staff bound to districts read theirs, and the city's totals.
		rep.Districts = slices.DeleteFunc(rep.Districts, func(d District) bool { return !slices.Contains(p.Districts, d.District) })
	}
	return rep, nil
}

func newFigures(now bool) Figures {
	f := Figures{Referrals: ReferralFigures{Ended: map[referral.Outcome]int{}}}
	for _, o := range referral.Outcomes {
		f.Referrals.Ended[o] = 0
	}
	if now {
		f.Entries, f.ByHelpKind = map[catalogue.Kind]map[catalogue.Status]int{}, map[string]int{}
		zero, due := 0, 0
		f.ActiveVolunteers, f.DueForReview = &zero, &due
	}
	return f
}

// entries counts the catalogue as it is now. For a past reporting day
// they are left out: the catalogue keeps no history of status.
func (s *Service) entries(ctx context.Context, byID map[string]*District, today bool) error {
	if !today {
		for _, d := range byID {
			d.Current.Entries, d.Current.ByHelpKind, d.Current.ActiveVolunteers, d.Current.DueForReview = nil, nil, nil, nil
		}
		return nil
	}
	counts, err := s.store.EntryCounts(ctx)
	if err != nil {
		return fmt.Errorf("entry figures: %w", err)
	}
	for _, c := range counts {
		d, ok := byID[c.District]
		if !ok {
			continue
		}
		if d.Current.Entries[c.Kind] == nil {
			d.Current.Entries[c.Kind] = map[catalogue.Status]int{}
		}
		d.Current.Entries[c.Kind][c.Status] += c.N
		if c.Kind == catalogue.KindVolunteer && c.Status == catalogue.StatusActive {
			*d.Current.ActiveVolunteers += c.N
		}
	}
	hk, err := s.store.HelpKindCounts(ctx)
	if err != nil {
		return fmt.Errorf("help kind figures: %w", err)
	}
	for _, c := range hk {
		if d, ok := byID[c.District]; ok {
			d.Current.ByHelpKind[c.HelpKind] += c.N
		}
	}
	due, err := s.store.DueForReview(ctx, s.cat.Stamp().AddDate(0, -s.reviewAfter, 0), s.cat.Now().In(s.cat.Location()).Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("review figures: %w", err)
	}
	for id, n := range due {
		if d, ok := byID[id]; ok {
			*d.Current.DueForReview = n
		}
	}
	return nil
}

// countReferrals adds the referrals of the period [from, to] to the
// figures of their district and of the city.
func countReferrals(byID map[string]*District, rows []ReferralRow, from, to string, fig func(*District) *Figures) {
	days := map[*District][]float64{}
	for _, r := range rows {
		for _, d := range []*District{byID[r.District], byID[""]} {
			if d == nil {
				continue
			}
			f := &fig(d).Referrals
			if r.CreatedOn >= from && r.CreatedOn <= to {
				f.Started++
			}
			if r.ActiveSince != "" && r.ActiveSince <= to && (r.EndedOn == "" || r.EndedOn > to) {
				f.Active++
			}
			if r.EndedOn >= from && r.EndedOn <= to {
				switch r.Status {
				case referral.Ended:
					f.Ended[r.Outcome]++
				case referral.Declined:
					f.Declined++
				case referral.Withdrawn:
					f.Withdrawn++
				}
			}
			if r.ActiveSince >= from && r.ActiveSince <= to {
				days[d] = append(days[d], float64(daysBetween(r.CreatedOn, r.ActiveSince)))
			}
		}
	}
	for _, d := range byID {
		f := &fig(d).Referrals
		ended := 0
		for _, n := range f.Ended {
			ended += n
		}
		if ended > 0 {
			f.SuccessRate = ptr(math.Round(float64(f.Ended[referral.Successful])/float64(ended)*1000) / 1000)
		}
		if ds := days[d]; len(ds) > 0 {
			f.MedianDaysToActive = ptr(median(ds))
		}
	}
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

// activeDays counts the days of [from, to] the referral's help ran: from
// the day it became active up to the day before it ended.
func activeDays(r ReferralRow, from, to string) int {
	start := max(r.ActiveSince, from)
	end := to
	if r.EndedOn != "" {
		last, err := time.Parse(time.DateOnly, r.EndedOn)
		if err != nil {
			return 0
		}
		end = min(end, last.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	if end < start {
		return 0
	}
	return daysBetween(start, end) + 1
}

func daysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(math.Round(tb.Sub(ta).Hours() / 24))
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
