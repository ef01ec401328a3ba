package report

import (
	"math"

	"massanzug/catalogue"
	"massanzug/referral"
)

// countQuery is what one report asks the tally. Days are day numbers.
type countQuery struct {
	districts   []string // slot i+1 is districts[i]; slot 0 the city
	withEntries bool
	// Due for review: verified before this (Unix seconds), or an offer
	// whose period ended before today.
	verifiedBefore int64
	today          int32
	periods        [2]span // the year up to the day, the year before
	years          [2]span // the calendar years of the savings
}

type span struct{ from, to int32 }

// counts are a report's figures per slot (0 the city, i+1 the i-th
// district of the query).
type counts struct {
	entries          []map[catalogue.Kind]map[catalogue.Status]int
	byHelp           []map[string]int
	activeVolunteers []int
	due              []int
	referrals        [2][]ReferralFigures // per period
	savings          [2][]map[string]float64
}

// count counts what q asks, in arrays indexed by code so that no string
// is hashed per entry or referral.
func (t *tally) count(q countQuery) counts {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n, slots := len(t.names), len(q.districts)+1
	slotOf := make([]int, n)
	for i := range slotOf {
		slotOf[i] = -1
	}
	for i, d := range q.districts {
		if c, ok := t.codes[d]; ok {
			slotOf[c] = i + 1
		}
	}
	codeOf := func(s string) int {
		if c, ok := t.codes[s]; ok {
			return int(c)
		}
		return -1
	}
	var out counts
	if q.withEntries {
		t.countEntries(&out, q, n, slots, slotOf, codeOf)
	}
	t.countReferrals(&out, q, n, slots, slotOf, codeOf)
	return out
}

func (t *tally) countEntries(out *counts, q countQuery, n, slots int, slotOf []int, codeOf func(string) int) {
	kindStatus := make([]int, slots*n*n)
	help := make([]int, slots*n)
	active, due := make([]int, slots), make([]int, slots)
	volunteer, activeStatus, offer := codeOf(string(catalogue.KindVolunteer)), codeOf(string(catalogue.StatusActive)), codeOf(string(catalogue.KindOffer))
	for i := range t.entries {
		e := &t.entries[i]
		if e.gone {
			continue
		}
		// As the review queue selects: never or long ago verified, or an
		// offer whose period has run out.
		isDue := e.verifiedAt == 0 || e.verifiedAt < q.verifiedBefore || int(e.kind) == offer && e.validUntil != 0 && e.validUntil < q.today
		isActive := int(e.kind) == volunteer && int(e.status) == activeStatus
		for j := -1; j < len(e.districts); j++ {
			slot := 0
			if j >= 0 {
				if slot = slotOf[e.districts[j]]; slot <= 0 {
					continue
				}
			}
			kindStatus[(slot*n+int(e.kind))*n+int(e.status)]++
			for _, h := range e.helpKinds {
				help[slot*n+int(h)]++
			}
			if isActive {
				active[slot]++
			}
			if isDue {
				due[slot]++
			}
		}
	}
	out.entries, out.byHelp, out.activeVolunteers, out.due = make([]map[catalogue.Kind]map[catalogue.Status]int, slots), make([]map[string]int, slots), active, due
	for slot := range slots {
		out.entries[slot], out.byHelp[slot] = map[catalogue.Kind]map[catalogue.Status]int{}, map[string]int{}
		for k := range n {
			for st := range n {
				if c := kindStatus[(slot*n+k)*n+st]; c > 0 {
					kind := catalogue.Kind(t.names[k])
					if out.entries[slot][kind] == nil {
						out.entries[slot][kind] = map[catalogue.Status]int{}
					}
					out.entries[slot][kind][catalogue.Status(t.names[st])] = c
				}
			}
			if c := help[slot*n+k]; c > 0 {
				out.byHelp[slot][t.names[k]] = c
			}
		}
	}
}

func (t *tally) countReferrals(out *counts, q countQuery, n, slots int, slotOf []int, codeOf func(string) int) {
	ended, declined, withdrawn := codeOf(string(referral.Ended)), codeOf(string(referral.Declined)), codeOf(string(referral.Withdrawn))
	type acc struct {
		started, active, declined, withdrawn []int
		ended                                []int // slot*n + outcome
		days                                 [][]float64
	}
	var accs [2]acc
	for p := range accs {
		accs[p] = acc{started: make([]int, slots), active: make([]int, slots), declined: make([]int, slots), withdrawn: make([]int, slots),
			ended: make([]int, slots*n), days: make([][]float64, slots)}
	}
	saved := make([]float64, 2*slots*n) // (year*slots + slot)*n + department
	for i := range t.referrals {
		r := &t.referrals[i]
		district := slotOf[r.district]
		for p, per := range q.periods {
			a := &accs[p]
			started := r.created >= per.from && r.created <= per.to
			isActive := r.active != 0 && r.active <= per.to && (r.ended == 0 || r.ended > per.to)
			closed := r.ended >= per.from && r.ended <= per.to
			began := r.active >= per.from && r.active <= per.to
			// The city, and the case's district if the districts data
			// knows it.
			targets := [2]int{0, district}
			m := 1
			if district > 0 {
				m = 2
			}
			for _, slot := range targets[:m] {
				if started {
					a.started[slot]++
				}
				if isActive {
					a.active[slot]++
				}
				if closed {
					switch int(r.status) {
					case ended:
						a.ended[slot*n+int(r.outcome)]++
					case declined:
						a.declined[slot]++
					case withdrawn:
						a.withdrawn[slot]++
					}
				}
				if began {
					a.days[slot] = append(a.days[slot], float64(r.active-r.created))
				}
			}
		}
		if r.monthlyCost <= 0 || r.active == 0 {
			continue
		}
		for y, yr := range q.years {
			days := activeDays(*r, yr.from, yr.to)
			if days == 0 {
				continue
			}
			v := r.monthlyCost * 12 / 365.25 * float64(days)
			saved[(y*slots+0)*n+int(r.dept)] += v
			if district > 0 {
				saved[(y*slots+district)*n+int(r.dept)] += v
			}
		}
	}
	for p := range accs {
		a := &accs[p]
		out.referrals[p] = make([]ReferralFigures, slots)
		for slot := range slots {
			f := ReferralFigures{Started: a.started[slot], Active: a.active[slot], Declined: a.declined[slot], Withdrawn: a.withdrawn[slot],
				Ended: map[referral.Outcome]int{}}
			for _, o := range referral.Outcomes {
				f.Ended[o] = 0
			}
			total := 0
			for o := range n {
				if c := a.ended[slot*n+o]; c > 0 {
					f.Ended[referral.Outcome(t.names[o])] += c
					total += c
				}
			}
			if total > 0 {
				f.SuccessRate = ptr(math.Round(float64(f.Ended[referral.Successful])/float64(total)*1000) / 1000)
			}
			if ds := a.days[slot]; len(ds) > 0 {
				f.MedianDaysToActive = ptr(median(ds))
			}
			out.referrals[p][slot] = f
		}
	}
	for y := range q.years {
		out.savings[y] = make([]map[string]float64, slots)
		for slot := range slots {
			m := map[string]float64{}
			for d := range n {
				if v := saved[(y*slots+slot)*n+d]; v != 0 {
					m[t.names[d]] = math.Round(v*100) / 100
				}
			}
			out.savings[y][slot] = m
		}
	}
}

// activeDays counts the days of [from, to] the referral's help ran: from
// the day it became active up to the day before it ended.
func activeDays(r referralFact, from, to int32) int {
	start, end := max(r.active, from), to
	if r.ended != 0 {
		end = min(end, r.ended-1)
	}
	if end < start {
		return 0
	}
	return int(end-start) + 1
}
