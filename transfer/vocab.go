package transfer

import (
	"context"
	"slices"
	"strings"

	"massanzug/access"
	"massanzug/catalogue"
)

// Vocab holds the codes and German labels of every vocabulary a
// spreadsheet's cells may name: the city's districts and taxonomy and the
// fixed lists (languages, levels, days, statuses). A cell may give a code
// or a label; the import writes the code.
type Vocab struct {
	lists map[string]*list
}

// list is one vocabulary: its codes in order, their labels, and every
// code and label folded, to look a cell up.
type list struct {
	codes  []string
	labels map[string]string
	byFold map[string]string
}

func (l *list) add(code, label string, more ...string) {
	if _, ok := l.labels[code]; !ok {
		l.codes = append(l.codes, code)
	}
	l.labels[code] = label
	for _, s := range append([]string{code, label}, more...) {
		if _, taken := l.byFold[fold(s)]; !taken {
			l.byFold[fold(s)] = code
		}
	}
}

// fold compares cells without case, spaces around or umlaut spellings.
func fold(s string) string { return catalogue.SynonymKey(s) }

// code returns the code a cell names, or the cell as typed, for the
// validation to refuse with the valid choices.
func (l *list) code(cell string) string {
	if l == nil {
		return cell
	}
	if c, ok := l.byFold[fold(cell)]; ok {
		return c
	}
	return cell
}

var dayNames = map[string]string{"mon": "Montag", "tue": "Dienstag", "wed": "Mittwoch", "thu": "Donnerstag", "fri": "Freitag", "sat": "Samstag", "sun": "Sonntag"}

// NewVocab builds the vocabularies of a city's reference data.
func NewVocab(districts []catalogue.District, tax catalogue.Taxonomy) *Vocab {
	v := &Vocab{lists: map[string]*list{}}
	get := func(name string) *list {
		if v.lists[name] == nil {
			v.lists[name] = &list{labels: map[string]string{}, byFold: map[string]string{}}
		}
		return v.lists[name]
	}
	for _, d := range districts {
		get("district").add(d.ID, d.Name)
	}
	for _, th := range tax.Themes {
		for _, h := range th.HelpKinds {
			get("help_kind").add(h.Code, h.Label)
		}
	}
	for _, g := range tax.TargetGroups {
		get("target_group").add(g.Code, g.Label)
	}
	for _, c := range tax.OfferCategories {
		get("category").add(c.Code, c.Label)
	}
	codes := make([]string, 0, len(catalogue.LanguageNames))
	for c := range catalogue.LanguageNames {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		get("language").add(c, catalogue.LanguageNames[c])
	}
	for _, c := range []string{"native", "fluent", "good", "basic"} {
		get("level").add(c, catalogue.LevelLabels[c])
	}
	for _, c := range []string{"car", "bike", "public_transport", "walking"} {
		get("mobility").add(c, catalogue.MobilityLabels[c])
	}
	for _, c := range []string{"female", "male", "diverse"} {
		get("gender").add(c, catalogue.GenderLabels[c])
	}
	for _, c := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		get("day").add(c, catalogue.DayLabels[c], dayNames[c])
	}
	for _, s := range []catalogue.Status{catalogue.StatusActive, catalogue.StatusPaused, catalogue.StatusInactive, catalogue.StatusArchived} {
		get("entry_status").add(string(s), catalogue.StatusLabels[s])
	}
	for _, s := range []catalogue.Status{catalogue.StatusSubmitted, catalogue.StatusApproved, catalogue.StatusRejected, catalogue.StatusArchived} {
		get("offer_status").add(string(s), catalogue.StatusLabels[s])
	}
	return v
}

// Reference is what VocabOf reads the city's vocabularies from.
type Reference interface {
	Districts(ctx context.Context, p access.Principal) ([]catalogue.District, error)
	Taxonomy(ctx context.Context, p access.Principal) (catalogue.Taxonomy, error)
}

// VocabOf builds the vocabularies of the service's reference data.
func VocabOf(ctx context.Context, ref Reference, p access.Principal) (*Vocab, error) {
	ds, err := ref.Districts(ctx, p)
	if err != nil {
		return nil, err
	}
	tax, err := ref.Taxonomy(ctx, p)
	if err != nil {
		return nil, err
	}
	return NewVocab(ds, tax), nil
}

// choices lists a vocabulary's codes with their labels, for the
// explanation sheet: "eselsberg (Eselsberg), ...".
func (v *Vocab) choices(name string) string {
	l := v.lists[name]
	if name == "language_skill" {
		return "Sprachen: " + v.choices("language") + "; Niveaus: " + v.choices("level")
	}
	if name == "slot" {
		return "Tage: " + v.choices("day")
	}
	if l == nil {
		return ""
	}
	parts := make([]string, len(l.codes))
	for i, c := range l.codes {
		parts[i] = c + " (" + l.labels[c] + ")"
	}
	return strings.Join(parts, ", ")
}
