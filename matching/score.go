package matching

import (
	"fmt"
	"math"
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

var languageNames = map[string]string{
	"de": "Deutsch", "tr": "Türkisch", "ar": "Arabisch", "ru": "Russisch", "uk": "Ukrainisch", "en": "Englisch", "it": "Italienisch",
	"fa": "Persisch", "ro": "Rumänisch", "pl": "Polnisch", "hr": "Kroatisch", "sr": "Serbisch", "sq": "Albanisch", "ku": "Kurdisch",
	"el": "Griechisch", "fr": "Französisch", "es": "Spanisch", "bs": "Bosnisch", "bg": "Bulgarisch", "ti": "Tigrinya", "so": "Somali",
}

// score computes the soft factors of c for the case; with explain, it also
// writes the sentence, which costs more than the score and so is written
// only for the entries that are shown.
func (m *Matcher) score(pc *prepared, c candidate, explain bool) Suggestion {
	w := m.weights
	s := Suggestion{Kind: c.kind, ID: c.id, Name: c.name, Factors: []Factor{}}
	var parts []string
	add := func(name string, weight, value float64) {
		if weight <= 0 {
			return
		}
		s.Factors = append(s.Factors, Factor{Name: name, Value: round(value), Weight: weight})
	}

	// Fit: the needed kinds of help it offers, and the client's words in
	// its texts (German analysis: compounds, stems).
	offered := 0
	var offeredLabels []string
	for _, h := range pc.HelpKinds {
		if contains(c.helpKinds, h) {
			offered++
			offeredLabels = append(offeredLabels, pc.labels[h])
		}
	}
	fit := float64(offered) / float64(len(pc.HelpKinds))
	if len(pc.terms) > 0 && m.analyzer != nil {
		entryTerms := c.terms
		if entryTerms == nil {
			entryTerms = m.analyzer.Terms(strings.Join(c.texts, "\n"))
		}
		hits := 0
		for t := range pc.terms {
			if entryTerms[t] {
				hits++
			}
		}
		words := float64(hits) / float64(len(pc.terms))
		fit = 0.6*fit + 0.4*words
		if explain && hits > 0 && c.lifeExperience != "" {
			if sentence := matchingSentence(m.analyzer, c.lifeExperience, pc.terms); sentence != "" {
				parts = append(parts, "„"+sentence+"“")
			}
		}
	}
	add("fit", w.Fit, fit)
	if len(offeredLabels) > 0 {
		parts = append([]string{"bietet " + strings.Join(offeredLabels, ", ")}, parts...)
	}

	// Distance: counts more without a car.
	if pc.point != nil {
		if g, ok := pc.centres(c.place, c.districts); ok {
			d := catalogue.DistanceKM(*pc.point, g)
			scale := 1.5
			if pc.HasCar {
				scale = 5
			}
			dd := math.Round(d*10) / 10
			s.DistanceKM = &dd
			add("distance", w.Distance, math.Exp(-d/scale))
			text := strings.Replace(strconv.FormatFloat(dd, 'f', 1, 64), ".", ",", 1) + " km entfernt"
			if pc.district != "" && (c.place.District == pc.district || (c.place.District == "" && contains(c.districts, pc.district))) {
				text += ", im selben Sozialraum"
			}
			parts = append(parts, text)
		} else {
			add("distance", w.Distance, 0)
		}
	}

	// Language: one the client speaks and the helper speaks well.
	if len(pc.Languages) > 0 {
		best, bestCode := 0.0, ""
		for _, l := range pc.Languages {
			v := map[string]float64{"native": 1, "fluent": 1, "good": 0.8, "basic": 0.3}[c.languages[l]]
			if v > best || (v == best && bestCode == "de" && l != "de") {
				best, bestCode = v, l
			}
		}
		add("language", w.Language, best)
		if best >= 0.8 && bestCode != "" {
			name := languageNames[bestCode]
			if name == "" {
				name = bestCode
			}
			who := "die Klientin"
			if pc.GenderPreference == "male" {
				who = "der Klient"
			}
			parts = append(parts, "spricht "+name+" wie "+who)
		}
	}

	// Availability: share of the client's time windows the entry covers.
	if len(pc.TimeWindows) > 0 {
		v := 0.5 // no times known: neither good nor bad
		if len(c.slots) > 0 {
			v = overlapShare(pc.TimeWindows, c.slots)
			if v > 0 {
				parts = append(parts, "hat Zeit, wenn es passt")
			}
		}
		add("availability", w.Availability, v)
	}

	if len(pc.TargetGroups) > 0 {
		v := 0.0
		if overlaps(pc.TargetGroups, c.targetGroups) {
			v = 1
			parts = append(parts, "Erfahrung mit der Zielgruppe")
		}
		add("target_group", w.TargetGroup, v)
	}

	if pc.GenderPreference != "" {
		v := 0.5
		if c.kind == catalogue.KindVolunteer {
			v = 0
			if c.gender == pc.GenderPreference {
				v = 1
				parts = append(parts, map[string]string{"female": "eine Frau, wie gewünscht", "male": "ein Mann, wie gewünscht"}[c.gender])
			}
		}
		add("gender", w.Gender, v)
	}

	if c.capacity != nil && *c.capacity > 0 {
		free := *c.capacity - c.load
		add("capacity", w.Capacity, float64(free)/float64(*c.capacity))
		s.FreePlaces = &free
		if free == 1 {
			parts = append(parts, "noch 1 freier Platz")
		} else if free > 1 && c.kind == catalogue.KindVolunteer {
			parts = append(parts, fmt.Sprintf("noch %d freie Plätze", free))
		}
	} else {
		add("capacity", w.Capacity, 0.5)
	}

	recency := 0.0
	if c.verifiedAt != nil {
		months := pc.now.Sub(*c.verifiedAt).Hours() / 24 / 30
		recency = math.Max(0, math.Min(1, 1-(months-3)/21))
	}
	add("recency", w.Recency, recency)

	total, weights := 0.0, 0.0
	for _, f := range s.Factors {
		weights += f.Weight
	}
	for i := range s.Factors {
		s.Factors[i].Contribution = round(s.Factors[i].Value * s.Factors[i].Weight / weights)
		total += s.Factors[i].Value * s.Factors[i].Weight / weights
	}
	s.Score = round(total)
	sort.SliceStable(s.Factors, func(i, j int) bool { return s.Factors[i].Contribution > s.Factors[j].Contribution })
	if explain {
		s.Explanation = strings.Join(parts, " · ")
	}
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
func overlapShare(windows, slots []catalogue.Slot) float64 {
	total, covered := 0, 0
	for _, w := range windows {
		wf, wt := minutes(w.From), minutes(w.To)
		total += max(0, wt-wf)
		for _, s := range slots {
			if dayIndex[s.Day] != dayIndex[w.Day] {
				continue
			}
			from, to := max(wf, minutes(s.From)), min(wt, minutes(s.To))
			covered += max(0, to-from)
		}
	}
	if total == 0 {
		return 0
	}
	return math.Min(1, float64(covered)/float64(total))
}
