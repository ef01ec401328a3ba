package web

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/referral"
)

// What the screens say instead of a code. Codes of the city's own
// vocabularies (districts, kinds of help, target groups) come with their
// labels from the reference data; the fixed ones are here.

var entryStatusLabels = catalogue.StatusLabels

var referralStatusLabels = map[referral.Status]string{
	referral.Proposed: "vorgeschlagen", referral.Requested: "angefragt", referral.Active: "aktiv", referral.Ended: "beendet",
	referral.Declined: "abgelehnt", referral.Withdrawn: "zurückgezogen",
}

// referralMoveLabels name a status change as the button that makes it.
var referralMoveLabels = map[referral.Status]string{
	referral.Requested: "Angefragt", referral.Active: "Hilfe läuft (angenommen)", referral.Ended: "Beenden",
	referral.Declined: "Abgelehnt", referral.Withdrawn: "Zurückziehen",
}

var outcomeLabels = map[referral.Outcome]string{
	referral.Successful: "erfolgreich", referral.PoorFit: "passte nicht", referral.BrokenOff: "abgebrochen",
}

var levelLabels = catalogue.LevelLabels

var mobilityLabels = catalogue.MobilityLabels

var genderLabels = catalogue.GenderLabels

var dayLabels = catalogue.DayLabels

var reviewReasonLabels = catalogue.ReviewReasonLabels

// kindPaths are the kinds of entry as the screens' addresses name them.
var kindPaths = map[catalogue.Kind]string{
	catalogue.KindVolunteer: "ehrenamtliche", catalogue.KindNeighbourhoodHelp: "nachbarschaftshilfen", catalogue.KindOffer: "angebote",
}

func kindOfPath(s string) (catalogue.Kind, bool) {
	for k, p := range kindPaths {
		if p == s {
			return k, true
		}
	}
	return "", false
}

// vocab is the reference data of a request with its labels.
type vocab struct {
	districts []catalogue.District
	tax       catalogue.Taxonomy
	district  map[string]string // id → name
	help      map[string]string
	target    map[string]string
	category  map[string]string
	groups    []option // the neighbourhood helps a volunteer may join; only forms that offer them load them (withGroups)
}

func (a *App) vocab(ctx context.Context) (*vocab, error) {
	districts, tax, err := a.cat.Reference(ctx)
	if err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	v := &vocab{districts: districts, tax: tax, district: map[string]string{}, help: map[string]string{}, target: map[string]string{}, category: map[string]string{}}
	for _, d := range districts {
		v.district[d.ID] = d.Name
	}
	for _, th := range tax.Themes {
		for _, h := range th.HelpKinds {
			v.help[h.Code] = h.Label
		}
	}
	for _, t := range tax.TargetGroups {
		v.target[t.Code] = t.Label
	}
	for _, t := range tax.OfferCategories {
		v.category[t.Code] = t.Label
	}
	return v, nil
}

// labels turns codes into their labels, keeping a code without one.
func labels(m map[string]string, codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		if out[i] = m[c]; out[i] == "" {
			out[i] = c
		}
	}
	return strings.Join(out, ", ")
}

func languageList(codes []string) string { return labels(catalogue.LanguageNames, codes) }

// Option lists for the forms: every choice with its label, the chosen
// ones marked.

func (v *vocab) districtOptions(chosen ...string) []option {
	out := make([]option, 0, len(v.districts))
	for _, d := range v.districts {
		out = append(out, option{Value: d.ID, Label: d.Name, Selected: slices.Contains(chosen, d.ID)})
	}
	return out
}

// quarterGroups are the quarters of each district, for a select with
// option groups.
type quarterGroup struct {
	Label   string
	Options []option
}

func (v *vocab) quarterGroups(chosen string) []quarterGroup {
	out := make([]quarterGroup, 0, len(v.districts))
	for _, d := range v.districts {
		g := quarterGroup{Label: d.Name}
		for _, q := range d.Quarters {
			g.Options = append(g.Options, option{Value: q.Name, Label: q.Name, Selected: q.Name == chosen})
		}
		out = append(out, g)
	}
	return out
}

// districtOfQuarter names the district a quarter lies in.
func (v *vocab) districtOfQuarter(q string) string {
	for _, d := range v.districts {
		for _, dq := range d.Quarters {
			if dq.Name == q {
				return d.ID
			}
		}
	}
	return ""
}

func (v *vocab) helpGroups(chosen ...string) []quarterGroup {
	out := make([]quarterGroup, 0, len(v.tax.Themes))
	for _, th := range v.tax.Themes {
		g := quarterGroup{Label: th.Label}
		for _, h := range th.HelpKinds {
			g.Options = append(g.Options, option{Value: h.Code, Label: h.Label, Selected: slices.Contains(chosen, h.Code)})
		}
		out = append(out, g)
	}
	return out
}

func termOptions(terms []catalogue.Term, chosen ...string) []option {
	out := make([]option, 0, len(terms))
	for _, t := range terms {
		out = append(out, option{Value: t.Code, Label: t.Label, Selected: slices.Contains(chosen, t.Code)})
	}
	return out
}

func mapOptions(m map[string]string, chosen ...string) []option {
	out := make([]option, 0, len(m))
	for code, label := range m {
		out = append(out, option{Value: code, Label: label, Selected: slices.Contains(chosen, code)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

func languageOptions(chosen ...string) []option {
	out := mapOptions(catalogue.LanguageNames, chosen...)
	// German first: most clients and helpers share it.
	for i, o := range out {
		if o.Value == "de" {
			out = append(append([]option{o}, out[:i]...), out[i+1:]...)
			break
		}
	}
	return out
}

// Dates as German readers write them.

// day turns YYYY-MM-DD into TT.MM.JJJJ; anything else stays as it is.
func day(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02.01.2006")
}

// parseDay reads TT.MM.JJJJ (or YYYY-MM-DD, as a date field sends it).
func parseDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"02.01.2006", "2.1.2006", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

func (a *App) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(a.cat.Location()).Format("02.01.2006, 15:04") + " Uhr"
}

func (a *App) dayOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(a.cat.Location()).Format("02.01.2006")
}

func km(f *float64) string {
	if f == nil {
		return ""
	}
	return strings.Replace(fmt.Sprintf("%.1f km", *f), ".", ",", 1)
}

func euro(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.Replace(s, ".", ",", 1)
	return s + " €"
}

// monthsSince says how long ago an RFC 3339 instant was, in months.
func monthsSince(at string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return "langem"
	}
	m := (now.Year()-t.Year())*12 + int(now.Month()-t.Month())
	if now.Day() < t.Day() {
		m--
	}
	if m <= 1 {
		return "einem Monat"
	}
	return strconv.Itoa(m) + " Monaten"
}

// maxGroupChoices caps the groups a volunteer form offers per district.
const maxGroupChoices = 100

// withGroups loads into v, by name, the neighbourhood helps a volunteer
// may join: those of the districts she helps in (all, when none is known
// yet), at most maxGroupChoices of each; a group that is chosen but not
// listed (another district, archived) stays a choice, so that saving keeps
// it.
func (a *App) withGroups(ctx context.Context, p access.Principal, v *vocab, districts, chosen []string) error {
	if len(districts) == 0 {
		districts = []string{""}
	}
	seen := map[string]bool{}
	for _, d := range districts {
		helps, _, err := a.cat.NeighbourhoodHelps(ctx, p, catalogue.ListQuery{District: d, Page: catalogue.Page{Limit: maxGroupChoices}})
		if err != nil {
			return fmt.Errorf("list neighbourhood helps: %w", err)
		}
		for _, h := range helps {
			if !seen[h.ID] {
				seen[h.ID] = true
				v.groups = append(v.groups, option{Value: h.ID, Label: h.Name})
			}
		}
	}
	for _, id := range chosen {
		if !seen[id] {
			seen[id] = true
			label := id
			if h, err := a.cat.NeighbourhoodHelp(ctx, p, id); err == nil {
				label = h.Name
			}
			v.groups = append(v.groups, option{Value: id, Label: label})
		}
	}
	sort.Slice(v.groups, func(i, j int) bool { return v.groups[i].Label < v.groups[j].Label })
	return nil
}
