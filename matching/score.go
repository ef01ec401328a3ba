package matching

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"massanzug/catalogue"
)

// Weights are the weights of the soft factors: the one place that says
// what matters how much. A factor that does not apply to a case (no
// languages given, no time windows, no gender preference) is left out of
// the score instead of counting as zero. Configuration replaces them
// (MASSANZUG_MATCH_WEIGHTS, see ParseWeights).
type Weights struct {
	Fit          float64 `json:"fit"`          // kinds of help offered and the client's words in the entry's texts
	Distance     float64 `json:"distance"`     // near is better; more so without a car
	Language     float64 `json:"language"`     // speaks a language of the client well
	Availability float64 `json:"availability"` // free in the client's time windows
	TargetGroup  float64 `json:"target_group"` // experience with the client's target group
	Gender       float64 `json:"gender"`       // as the client prefers
	Capacity     float64 `json:"capacity"`     // free places: spread the load
	Recency      float64 `json:"recency"`      // recently verified
}

// DefaultWeights reflect the council paper's case: the right person
// (words, language, life story) nearby counts most.
func DefaultWeights() Weights {
	return Weights{Fit: 3, Distance: 2, Language: 2, Availability: 1, TargetGroup: 1, Gender: 1, Capacity: 1, Recency: 0.5}
}

// ParseWeights reads "fit=3,distance=2,..." over the defaults.
func ParseWeights(s string) (Weights, error) {
	w := DefaultWeights()
	if strings.TrimSpace(s) == "" {
		return w, nil
	}
	fields := map[string]*float64{"fit": &w.Fit, "distance": &w.Distance, "language": &w.Language, "availability": &w.Availability,
		"target_group": &w.TargetGroup, "gender": &w.Gender, "capacity": &w.Capacity, "recency": &w.Recency}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(v, 64)
		dst, known := fields[k]
		if !ok || err != nil || !known || f < 0 || f > 100 {
			return w, fmt.Errorf("match weights: %q is not factor=weight with a known factor and a weight from 0 to 100", part)
		}
		*dst = f
	}
	return w, nil
}

// The soft factors, in the order they are summed.
const (
	factorFit = iota
	factorDistance
	factorLanguage
	factorAvailability
	factorTargetGroup
	factorGender
	factorCapacity
	factorRecency
	factorCount
)

var factorNames = [factorCount]string{"fit", "distance", "language", "availability", "target_group", "gender", "capacity", "recency"}

func (w Weights) of(f int) float64 {
	return [factorCount]float64{w.Fit, w.Distance, w.Language, w.Availability, w.TargetGroup, w.Gender, w.Capacity, w.Recency}[f]
}

// evaluation is the soft factors of one candidate for one case: what every
// candidate of a match needs to be ranked, computed without allocating.
// Only the candidates shown are turned into a Suggestion with words.
type evaluation struct {
	value   [factorCount]float64
	applies [factorCount]bool
	weights float64 // of the factors that apply
	score   float64
	// for the explanation
	distance  float64
	located   bool
	termHits  int
	language  string // the client's language the helper speaks best
	free      int
	freeKnown bool
	running   int // open referrals of the helper
}

// evaluate scores c for the case. A factor that does not apply to the case
// (no languages given, no time windows, no gender preference) or weighs
// nothing is left out of the score instead of counting as zero.
func (m *Matcher) evaluate(pc *prepared, c *candidate) evaluation {
	var e evaluation
	set := func(f int, v float64) {
		e.value[f], e.applies[f] = v, m.weights.of(f) > 0
	}

	// Fit: the needed kinds of help it offers, and the client's words in
	// its texts (German analysis: compounds, stems).
	offered := 0
	for _, h := range pc.helpIDs {
		if slices.Contains(c.helpIDs, h) {
			offered++
		}
	}
	fit := float64(offered) / float64(len(pc.HelpKinds))
	if pc.nTerms > 0 {
		e.termHits = intersect(pc.termIDs, c.terms)
		fit = 0.6*fit + 0.4*float64(e.termHits)/float64(pc.nTerms)
	}
	set(factorFit, fit)

	// Distance: counts more without a car.
	if pc.point != nil {
		g, ok := pc.centres(c.place, c.districts)
		v := 0.0
		if ok {
			d := catalogue.DistanceKM(*pc.point, g)
			scale := 1.5
			if pc.HasCar {
				scale = 5
			}
			e.distance, e.located = d, true
			v = math.Exp(-d / scale)
		}
		set(factorDistance, v)
	}

	// Language: one the client speaks and the helper speaks well.
	if len(pc.Languages) > 0 {
		best := 0.0
		for i, l := range pc.Languages {
			v := c.language(pc.langIDs[i])
			if v > best || (v == best && e.language == "de" && l != "de") {
				best, e.language = v, l
			}
		}
		set(factorLanguage, best)
	}

	// Availability: share of the client's time windows the entry covers.
	if len(pc.windows) > 0 {
		v := 0.5 // no times known: neither good nor bad
		if len(c.slots) > 0 {
			v = overlapShare(pc.windows, c.slots)
		}
		set(factorAvailability, v)
	}

	if len(pc.TargetGroups) > 0 {
		v := 0.0
		if overlapIDs(pc.groupIDs, c.groupIDs) {
			v = 1
		}
		set(factorTargetGroup, v)
	}

	if pc.GenderPreference != "" {
		v := 0.5
		if c.kind == catalogue.KindVolunteer {
			v = 0
			if c.gender == pc.GenderPreference {
				v = 1
			}
		}
		set(factorGender, v)
	}

	taken, running := c.taken()
	e.running = running
	if c.capacity != nil && *c.capacity > 0 {
		e.free, e.freeKnown = max(0, *c.capacity-taken), true
		set(factorCapacity, float64(e.free)/float64(*c.capacity))
	} else {
		set(factorCapacity, 0.5)
	}

	recency := 0.0
	if c.verifiedAt != nil {
		months := pc.now.Sub(*c.verifiedAt).Hours() / 24 / 30
		recency = math.Max(0, math.Min(1, 1-(months-3)/21))
	}
	set(factorRecency, recency)

	for f := range factorCount {
		if e.applies[f] {
			e.weights += m.weights.of(f)
		}
	}
	total := 0.0
	for f := range factorCount {
		if e.applies[f] {
			total += e.value[f] * m.weights.of(f) / e.weights
		}
	}
	e.score = round(total)
	return e
}

// intersect counts the ids two sorted lists share.
func intersect(a, b []uint32) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// suggestion turns an evaluation into what the case manager reads: the
// factors with their contributions and the sentence that says why.
func (m *Matcher) suggestion(pc *prepared, c *candidate, e evaluation) Suggestion {
	s := Suggestion{Kind: c.kind, ID: c.id, Name: c.name, Score: e.score, Factors: []Factor{}}
	for f := range factorCount {
		if e.applies[f] {
			w := m.weights.of(f)
			s.Factors = append(s.Factors, Factor{Name: factorNames[f], Value: round(e.value[f]), Weight: w, Contribution: round(e.value[f] * w / e.weights)})
		}
	}
	sort.SliceStable(s.Factors, func(i, j int) bool { return s.Factors[i].Contribution > s.Factors[j].Contribution })

	var parts []string
	var offered []string
	for _, h := range pc.HelpKinds {
		if contains(c.helpKinds, h) {
			offered = append(offered, pc.labels[h])
		}
	}
	if len(offered) > 0 {
		parts = append(parts, "bietet "+strings.Join(offered, ", "))
	}
	if e.termHits > 0 && c.lifeExperience != "" && m.analyzer != nil {
		if sentence := matchingSentence(m.analyzer, c.lifeExperience, pc.terms); sentence != "" {
			parts = append(parts, "„"+sentence+"“")
		}
	}
	if e.located {
		dd := math.Round(e.distance*10) / 10
		s.DistanceKM = &dd
		text := strings.Replace(strconv.FormatFloat(dd, 'f', 1, 64), ".", ",", 1) + " km entfernt"
		if pc.district != "" && (c.place.District == pc.district || (c.place.District == "" && contains(c.districts, pc.district))) {
			text += ", im selben Sozialraum"
		}
		parts = append(parts, text)
	}
	if len(pc.Languages) > 0 {
		if e.value[factorLanguage] >= 0.8 && e.language != "" {
			name := catalogue.LanguageNames[e.language]
			if name == "" {
				name = e.language
			}
			who := "die Klientin"
			if pc.GenderPreference == "male" {
				who = "der Klient"
			}
			parts = append(parts, "spricht "+name+" wie "+who)
		}
	}
	if len(pc.windows) > 0 && len(c.slots) > 0 && e.value[factorAvailability] > 0 {
		parts = append(parts, "hat Zeit, wenn es passt")
	}
	if len(pc.TargetGroups) > 0 && e.value[factorTargetGroup] == 1 {
		parts = append(parts, "Erfahrung mit der Zielgruppe")
	}
	if pc.GenderPreference != "" && c.kind == catalogue.KindVolunteer && c.gender == pc.GenderPreference {
		parts = append(parts, map[string]string{"female": "eine Frau, wie gewünscht", "male": "ein Mann, wie gewünscht"}[c.gender])
	}
	if e.running > 0 && c.kind == catalogue.KindVolunteer {
		if e.running == 1 {
			parts = append(parts, "hat bereits 1 laufende Vermittlung")
		} else {
			parts = append(parts, fmt.Sprintf("hat bereits %d laufende Vermittlungen", e.running))
		}
	}
	if e.freeKnown {
		free := e.free
		s.FreePlaces = &free
		if free == 1 {
			parts = append(parts, "noch 1 freier Platz")
		} else if free > 1 && c.kind == catalogue.KindVolunteer {
			parts = append(parts, fmt.Sprintf("noch %d freie Plätze", free))
		}
	}
	s.Explanation = strings.Join(parts, " · ")
	return s
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// matchingSentence returns the first sentence of text that holds one of the
// client's words, so the explanation quotes the life experience that fits.
func matchingSentence(an Analyzer, text string, terms map[string]bool) string {
	for _, s := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '!' || r == '\n' }) {
		s = strings.TrimSpace(s)
		for t := range an.Terms(s) {
			if terms[t] {
				if len([]rune(s)) > 90 {
					s = string([]rune(s)[:90]) + "…"
				}
				return s
			}
		}
	}
	return ""
}

var dayIndex = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

func minutes(hhmm string) int {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		if hhmm == "24:00" {
			return 24 * 60
		}
		return 0
	}
	return t.Hour()*60 + t.Minute()
}

// overlapShare is the share of the windows' minutes the slots cover.
func overlapShare(windows, slots []span) float64 {
	total, covered := 0, 0
	for _, w := range windows {
		total += max(0, w.to-w.from)
		for _, s := range slots {
			if s.day != w.day {
				continue
			}
			covered += max(0, min(w.to, s.to)-max(w.from, s.from))
		}
	}
	if total == 0 {
		return 0
	}
	return math.Min(1, float64(covered)/float64(total))
}
