package catalogue

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
)

// District is a Sozialraum: the unit in which the city plans social work.
type District struct {
	ID         string     `json:"id" validate:"required,max=64,slug"`
	Name       string     `json:"name" validate:"required,max=200"`
	Population Population `json:"population"`
	RMStaffFTE float64    `json:"rm_staff_fte" validate:"min=0,max=100"`
	Quarters   []Quarter  `json:"quarters" validate:"required,min=1,max=100,dive"`
}

// Population holds a district's inhabitants on a reference date.
type Population struct {
	Total               int `json:"total" validate:"min=0"`
	Under18             int `json:"under_18" validate:"min=0"`
	Over65              int `json:"over_65" validate:"min=0"`
	MigrationBackground int `json:"migration_background" validate:"min=0"`
}

// Quarter is a part of a district with an approximate centre.
type Quarter struct {
	Name string  `json:"name" validate:"required,max=100"`
	Lat  float64 `json:"lat" validate:"min=-90,max=90"`
	Lon  float64 `json:"lon" validate:"min=-180,max=180"`
}

// Vocabulary names one controlled list of the taxonomy.
type Vocabulary string

const (
	VocabThemes          Vocabulary = "themes"
	VocabHelpKinds       Vocabulary = "help-kinds"
	VocabTargetGroups    Vocabulary = "target-groups"
	VocabOfferCategories Vocabulary = "offer-categories"
)

// Vocabularies lists the vocabularies staff can extend.
var Vocabularies = []Vocabulary{VocabThemes, VocabHelpKinds, VocabTargetGroups, VocabOfferCategories}

// Term is one entry of a vocabulary. Theme, Minors and ProvidedBy apply to
// help kinds only: a help kind belongs to a theme, Minors marks help that
// brings the helper into contact with minors (police certificate needed),
// and ProvidedBy names the kinds of entry that typically give it (debt
// counselling is an offer's job, shopping help a volunteer's or a
// neighbourhood help's), which matching prefers; NeedsCar marks help the
// helper needs a car for (Fahrdienst), which a suggestion without one
// states as its drawback.
type Term struct {
	Code       string `json:"code" validate:"required,max=64,slug"`
	Label      string `json:"label" validate:"required,max=200"`
	Theme      string `json:"theme,omitempty" validate:"omitempty,max=64"`
	Minors     bool   `json:"minors,omitempty"`
	ProvidedBy []Kind `json:"provided_by,omitempty" validate:"max=3,unique,dive,oneof=volunteer neighbourhood_help offer"`
	NeedsCar   bool   `json:"needs_car,omitempty"`
}

// Provides reports whether entries of kind k typically give help kind t;
// a help kind that names nobody says nothing (false, known false).
func (t Term) Provides(k Kind) (provides, known bool) {
	if len(t.ProvidedBy) == 0 {
		return false, false
	}
	return slices.Contains(t.ProvidedBy, k), true
}

// Theme groups kinds of help, following the seed's themes.
type Theme struct {
	Code      string `json:"code"`
	Label     string `json:"label"`
	HelpKinds []Term `json:"help_kinds"`
}

// Taxonomy is the controlled vocabulary of the catalogue.
type Taxonomy struct {
	Themes          []Theme `json:"themes"`
	TargetGroups    []Term  `json:"target_groups"`
	OfferCategories []Term  `json:"offer_categories"`
	// names is HelpKindsNamed's look-up, made once for the taxonomy the
	// service keeps (Reference); nil elsewhere, where it is made per call.
	names *helpKindNames
}

// codes returns the set of codes of a vocabulary.
func (t Taxonomy) codes(v Vocabulary) map[string]Term {
	m := map[string]Term{}
	switch v {
	case VocabThemes:
		for _, th := range t.Themes {
			m[th.Code] = Term{Code: th.Code, Label: th.Label}
		}
	case VocabHelpKinds:
		for _, th := range t.Themes {
			for _, h := range th.HelpKinds {
				m[h.Code] = h
			}
		}
	case VocabTargetGroups:
		for _, g := range t.TargetGroups {
			m[g.Code] = g
		}
	case VocabOfferCategories:
		for _, c := range t.OfferCategories {
			m[c.Code] = c
		}
	}
	return m
}

// Term returns the term of vocabulary v with code (zero when there is none).
func (t Taxonomy) Term(v Vocabulary, code string) Term { return t.codes(v)[code] }

// HelpKind returns the help kind with code.
func (t Taxonomy) HelpKind(code string) (Term, bool) {
	h, ok := t.codes(VocabHelpKinds)[code]
	return h, ok
}

//go:embed defaults/*.json
var defaultFiles embed.FS

// DefaultDistricts returns the districts shipped with the binary (Ulm).
func DefaultDistricts() ([]District, error) {
	var raw struct {
		Districts []struct {
			ID         string     `json:"id"`
			Name       string     `json:"name"`
			Population Population `json:"population"`
			RMStaffFTE float64    `json:"rm_staff_fte"`
			Areas      []Quarter  `json:"areas"`
		} `json:"sozialraeume"`
	}
	if err := readDefault("defaults/ulm-sozialraeume.json", &raw); err != nil {
		return nil, err
	}
	out := make([]District, len(raw.Districts))
	for i, d := range raw.Districts {
		out[i] = District{ID: d.ID, Name: d.Name, Population: d.Population, RMStaffFTE: d.RMStaffFTE, Quarters: d.Areas}
	}
	return out, nil
}

// DefaultProviderNames returns the providers named in the shipped city data.
func DefaultProviderNames() ([]string, error) {
	var raw struct {
		Traeger []string `json:"traeger"`
	}
	err := readDefault("defaults/ulm-sozialraeume.json", &raw)
	return raw.Traeger, err
}

// DefaultTaxonomy returns the taxonomy shipped with the binary.
func DefaultTaxonomy() (Taxonomy, error) {
	var raw struct {
		Themes []struct {
			Code  string `json:"code"`
			Label string `json:"label"`
			Help  []Term `json:"help"`
		} `json:"themes"`
		TargetGroups    []Term `json:"target_groups"`
		OfferCategories []Term `json:"offer_categories"`
	}
	if err := readDefault("defaults/taxonomy.json", &raw); err != nil {
		return Taxonomy{}, err
	}
	t := Taxonomy{TargetGroups: raw.TargetGroups, OfferCategories: raw.OfferCategories}
	for _, th := range raw.Themes {
		for i := range th.Help {
			th.Help[i].Theme = th.Code
		}
		t.Themes = append(t.Themes, Theme{Code: th.Code, Label: th.Label, HelpKinds: th.Help})
	}
	return t, nil
}

func readDefault(name string, v any) error {
	b, err := defaultFiles.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read embedded %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse embedded %s: %w", name, err)
	}
	return nil
}

// VocabTerm is a term with its vocabulary, as stores keep terms: one list
// in the order they were added.
type VocabTerm struct {
	Vocabulary Vocabulary
	Term
}

// Terms lists a taxonomy's terms in the order a store seeds them: each
// theme followed by its kinds of help, then the target groups, then the
// offer categories.
func (t Taxonomy) Terms() []VocabTerm {
	var out []VocabTerm
	for _, th := range t.Themes {
		out = append(out, VocabTerm{VocabThemes, Term{Code: th.Code, Label: th.Label}})
		for _, h := range th.HelpKinds {
			out = append(out, VocabTerm{VocabHelpKinds, h})
		}
	}
	for _, g := range t.TargetGroups {
		out = append(out, VocabTerm{VocabTargetGroups, g})
	}
	for _, c := range t.OfferCategories {
		out = append(out, VocabTerm{VocabOfferCategories, c})
	}
	return out
}

// TaxonomyOf builds a taxonomy from stored terms in their order: a kind
// of help goes to the theme its Theme names (one that names none is
// dropped, as no screen could show it).
func TaxonomyOf(terms []VocabTerm) Taxonomy {
	t := Taxonomy{Themes: []Theme{}, TargetGroups: []Term{}, OfferCategories: []Term{}}
	themeAt := map[string]int{}
	var helps []Term
	for _, vt := range terms {
		switch vt.Vocabulary {
		case VocabThemes:
			themeAt[vt.Code] = len(t.Themes)
			t.Themes = append(t.Themes, Theme{Code: vt.Code, Label: vt.Label, HelpKinds: []Term{}})
		case VocabHelpKinds:
			helps = append(helps, vt.Term)
		case VocabTargetGroups:
			t.TargetGroups = append(t.TargetGroups, vt.Term)
		case VocabOfferCategories:
			t.OfferCategories = append(t.OfferCategories, vt.Term)
		}
	}
	for _, h := range helps {
		if i, ok := themeAt[h.Theme]; ok {
			t.Themes[i].HelpKinds = append(t.Themes[i].HelpKinds, h)
		}
	}
	return t
}
