package report

import (
	"massanzug/transfer"
	"sort"
	"strconv"
)

// Rows flattens the report into a table for spreadsheets: one row per
// district (or the city) and figure, with the value on the day and a year
// before (empty where a figure has no value then).
func (r *Report) Rows() [][]string {
	out := [][]string{{"district", "name", "figure", r.Stichtag, r.YearBefore}}
	for _, d := range append(append([]District{}, r.Districts...), r.City) {
		cur, ago := flat(d.Current), flat(d.YearAgo)
		for years := range d.Savings {
			for dep, v := range d.Savings[years] {
				cur["savings."+years+"."+dep] = num(v)
			}
		}
		keys := make([]string, 0, len(cur))
		for k := range cur {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		id := d.District
		if id == "" {
			id = "city"
		}
		for _, k := range keys {
			out = append(out, []string{id, transfer.Neutralise(d.Name), k, cur[k], ago[k]})
		}
	}
	return out
}

func flat(f Figures) map[string]string {
	m := map[string]string{}
	for k, byStatus := range f.Entries {
		for s, n := range byStatus {
			m["entries."+string(k)+"."+string(s)] = strconv.Itoa(n)
		}
	}
	for h, n := range f.ByHelpKind {
		m["by_help_kind."+h] = strconv.Itoa(n)
	}
	opt := func(k string, v *float64) {
		if v != nil {
			m[k] = num(*v)
		}
	}
	if f.ActiveVolunteers != nil {
		m["active_volunteers"] = strconv.Itoa(*f.ActiveVolunteers)
	}
	if f.DueForReview != nil {
		m["due_for_review"] = strconv.Itoa(*f.DueForReview)
	}
	if r := f.VolunteersPer1000; r != nil {
		opt("volunteers_per_1000.inhabitants", r.Inhabitants)
		opt("volunteers_per_1000.over_65", r.Over65)
		opt("volunteers_per_1000.under_18", r.Under18)
	}
	rf := f.Referrals
	m["referrals.started"], m["referrals.active"] = strconv.Itoa(rf.Started), strconv.Itoa(rf.Active)
	m["referrals.declined"], m["referrals.withdrawn"] = strconv.Itoa(rf.Declined), strconv.Itoa(rf.Withdrawn)
	for o, n := range rf.Ended {
		m["referrals.ended."+string(o)] = strconv.Itoa(n)
	}
	opt("referrals.success_rate", rf.SuccessRate)
	opt("referrals.median_days_to_active", rf.MedianDaysToActive)
	opt("referrals_per_rm_post", f.ReferralsPerRMPost)
	m["unmet_needs"] = strconv.Itoa(f.UnmetNeeds)
	m["gaps_open"], m["gaps_closed"] = strconv.Itoa(f.GapsOpen), strconv.Itoa(f.GapsClosed)
	return m
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
