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
// languages given, no time windows, no gender preference) or that is not
// known of a candidate (an offer's capacity, a group's gender) is left out
// of that candidate's score instead of counting as zero or as half.
// Configuration replaces them (MASSANZUG_MATCH_WEIGHTS, see ParseWeights).
type Weights struct {
	Fit          float64 `json:"fit"`          // the needed kinds of help it offers
	Words        float64 `json:"words"`        // the client's own words in its texts (rare words count more)
	KindFit      float64 `json:"kind_fit"`     // the kind of entry that typically gives this help (taxonomy provided_by)
	Distance     float64 `json:"distance"`     // near as the client lives it: who travels, and how
	Reach        float64 `json:"reach"`        // serves the client's Sozialraum, comes to the client
	Language     float64 `json:"language"`     // speaks the client's own language well; a fallback counts less
	Availability float64 `json:"availability"` // free in the client's time windows
	TargetGroup  float64 `json:"target_group"` // works with the client's target group
	Gender       float64 `json:"gender"`       // as the client prefers
	Capacity     float64 `json:"capacity"`     // free places: spread the load
	Recency      float64 `json:"recency"`      // recently verified
}

// DefaultWeights reflect the council paper's case: the right person
// (words, language, life story) nearby, in the frame that fits the help,
// counts most.
func DefaultWeights() Weights {
	return Weights{Fit: 3, Words: 2.5, KindFit: 2, Distance: 2, Reach: 1, Language: 2, Availability: 1, TargetGroup: 1, Gender: 1, Capacity: 0.5, Recency: 0.5}
}

// ParseWeights reads "fit=3,distance=2,..." over the defaults.
func ParseWeights(s string) (Weights, error) {
	w := DefaultWeights()
	if strings.TrimSpace(s) == "" {
		return w, nil
	}
	fields := w.fields()
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(v, 64)
		dst, known := fields[k]
		if !ok || err != nil || !known || f < 0 || f > 100 {
			return w, fmt.Errorf("match weights: %q is not factor=weight with a known factor (%s) and a weight from 0 to 100", part, strings.Join(factorNames[:], ", "))
		}
		*dst = f
	}
	return w, nil
}

// String writes every weight as ParseWeights reads them, in the factors'
// order: "fit=3,words=2.5,...".
func (w Weights) String() string {
	f := w.fields()
	parts := make([]string, len(factorNames))
	for i, name := range factorNames {
		parts[i] = name + "=" + strconv.FormatFloat(*f[name], 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

func (w *Weights) fields() map[string]*float64 {
	ptrs := [factorCount]*float64{&w.Fit, &w.Words, &w.KindFit, &w.Distance, &w.Reach, &w.Language, &w.Availability, &w.TargetGroup, &w.Gender, &w.Capacity, &w.Recency}
	m := make(map[string]*float64, factorCount)
	for f, name := range factorNames {
		m[name] = ptrs[f]
	}
	return m
}

// The soft factors, in the order they are summed.
const (
	factorFit = iota
	factorWords
	factorKindFit
	factorDistance
	factorReach
	factorLanguage
	factorAvailability
	factorTargetGroup
	factorGender
	factorCapacity
	factorRecency
	factorCount
)

var factorNames = [factorCount]string{"fit", "words", "kind_fit", "distance", "reach", "language", "availability", "target_group", "gender", "capacity", "recency"}

func (w Weights) of(f int) float64 {
	return [factorCount]float64{w.Fit, w.Words, w.KindFit, w.Distance, w.Reach, w.Language, w.Availability, w.TargetGroup, w.Gender, w.Capacity, w.Recency}[f]
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
	located   bool // a distance was measured
	local     bool // a neighbourhood help that serves the client's quarter or district: it comes, wherever its office is
	serves    bool // serves the client's Sozialraum
	termHits  int
	language  string // the client's language the helper speaks best
	own       bool   // ... and it is one of the client's own, not a fallback
	free      int
	freeKnown bool
	running   int  // open referrals of the helper
	member    bool // a volunteer who helps in a neighbourhood help of the pool
}

// evaluate scores c for the case. A factor that does not apply to the case
// or is not known of c, or that weighs nothing, is left out of the score.
func (m *Matcher) evaluate(pc *prepared, c *candidate) evaluation {
	var e evaluation
	set := func(f int, v float64) {
		e.value[f], e.applies[f] = v, m.weights.of(f) > 0
	}

	offered := 0
	for _, h := range pc.helpIDs {
		if slices.Contains(c.helpIDs, h) {
			offered++
		}
	}
	set(factorFit, float64(offered)/float64(len(pc.HelpKinds)))

	if len(pc.termIDs) > 0 {
		hit := 0.0
		for i, j := 0, 0; i < len(pc.termIDs) && j < len(c.terms); {
			switch {
			case pc.termIDs[i] < c.terms[j]:
				i++
			case pc.termIDs[i] > c.terms[j]:
				j++
			default:
				hit += pc.termWeights[i]
				e.termHits++
				i++
				j++
			}
		}
		set(factorWords, math.Min(1, hit/pc.wordsFull))
	}

	e.member = c.kind == catalogue.KindVolunteer && len(c.groups) > 0 && m.pool.anyGroup(c.groups, pc.helpIDs)
	if v, known := kindFit(pc, c, e.member); known {
		set(factorKindFit, v)
	}

	if pc.district != "" {
		e.serves = slices.Contains(c.districtIDs, pc.districtID)
		if e.serves && len(c.quarters) > 0 && pc.Quarter != "" {
			e.serves = slices.ContainsFunc(c.quarters, func(q string) bool { return strings.EqualFold(q, pc.Quarter) })
		}
		v := 0.0
		switch {
		case e.serves && c.comes:
			v = 1
		case e.serves:
			v = 0.75 // in the client's Sozialraum, the client goes there
		case c.comes:
			v = 0.25
		}
		set(factorReach, v)
	}

	if pc.point != nil {
		v := 0.0
		switch g, ok := pc.centres(c.place, c.districts); {
		case c.kind == catalogue.KindNeighbourhoodHelp && e.serves:
			// It comes to the client's quarter or district, wherever
			// its office is.
			e.local, v = true, 1
		case ok:
			d := catalogue.DistanceKM(*pc.point, g)
			e.distance, e.located = d, true
			s := travelScale(pc, c)
			v = 1 / (1 + (d/s)*(d/s))
		}
		set(factorDistance, v)
	}

	if len(pc.langIDs)+len(pc.fallbackIDs) > 0 {
		best := 0.0
		for i, l := range pc.Languages {
			if v := c.language(pc.langIDs[i]); v > best {
				best, e.language, e.own = v, l, true
			}
		}
		for i, l := range pc.FallbackLanguages {
			if v := fallbackWeight * c.language(pc.fallbackIDs[i]); v > best {
				best, e.language, e.own = v, l, false
			}
		}
		set(factorLanguage, best)
	}

	// Availability: share of the client's time windows the entry covers;
	// no times recorded is not known.
	if len(pc.windows) > 0 && len(c.slots) > 0 {
		set(factorAvailability, overlapShare(pc.windows, c.slots))
	}

	if len(pc.TargetGroups) > 0 && len(c.groupIDs) > 0 {
		v := 0.0
		if overlapIDs(pc.groupIDs, c.groupIDs) {
			v = 1
		}
		set(factorTargetGroup, v)
	}

	// A group's or an offer's gender is not a thing; a volunteer's may
	// not be recorded.
	if pc.GenderPreference != "" && c.kind == catalogue.KindVolunteer && c.gender != "" {
		v := 0.0
		if c.gender == pc.GenderPreference {
			v = 1
		}
		set(factorGender, v)
	}

	taken, running := c.taken()
	e.running = running
	if c.capacity != nil && *c.capacity > 0 {
		e.free, e.freeKnown = max(0, *c.capacity-taken), true
		set(factorCapacity, float64(e.free)/float64(*c.capacity))
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

// fallbackWeight is how much a language the client only gets by with
// counts against the client's own.
const fallbackWeight = 0.5

// kindFit is how typical c's kind is for the needed help it offers: 1
// where the taxonomy names its kind for that help, 0.2 where it names
// others; unknown where the taxonomy names nobody. A volunteer who helps
// in a neighbourhood help gives help in that frame too. It runs for every
// candidate: kinds are bits, help kinds numbers (prepared.kindsFor).
func kindFit(pc *prepared, c *candidate, member bool) (float64, bool) {
	mine := kindBit(c.kind)
	if member {
		mine |= kindBit(catalogue.KindNeighbourhoodHelp)
	}
	sum, n := 0.0, 0
	for i, h := range pc.helpIDs {
		by := pc.kindsFor[i]
		if by == 0 || !slices.Contains(c.helpIDs, h) {
			continue
		}
		n++
		if by&mine != 0 {
			sum++
		} else {
			sum += 0.2
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// kindBit is a kind of entry as a bit of a set.
func kindBit(k catalogue.Kind) uint8 {
	switch k {
	case catalogue.KindVolunteer:
		return 1
	case catalogue.KindNeighbourhoodHelp:
		return 2
	case catalogue.KindOffer:
		return 4
	}
	return 0
}

// travelScale is the distance in km at which nearness counts half: the
// client travels to an offer (farther by car); a helper comes to the
// client as far as it gets about (candidate.reach).
func travelScale(pc *prepared, c *candidate) float64 {
	if !c.comes {
		if pc.HasCar {
			return 6
		}
		return 2.5
	}
	return c.reach
}

// reachOf is how far a helper who comes to the client gets about: a
// volunteer by her means (8 km by car, 4 by bike or bus, 1.5 on foot, 3
// when unknown), a group 3 km.
func reachOf(kind catalogue.Kind, mobility []string) float64 {
	if kind != catalogue.KindVolunteer || len(mobility) == 0 {
		return 3
	}
	best := 0.0
	for _, m := range mobility {
		switch m {
		case "car":
			best = math.Max(best, 8)
		case "bike", "public_transport":
			best = math.Max(best, 4)
		case "walking":
			best = math.Max(best, 1.5)
		}
	}
	if best == 0 {
		return 3
	}
	return best
}

// suggestion turns an evaluation into what the case manager reads: the
// factors with their contributions, the sentence that says why and the
// drawbacks. Every phrase says only what the data shown beside it holds.
// The caller must not hold the pool's lock.
func (m *Matcher) suggestion(pc *prepared, c *candidate, e evaluation) Suggestion {
	var groups []GroupRef
	if e.member {
		groups = m.pool.groupRefs(c.groups, pc.helpIDs)
	}
	s := Suggestion{Kind: c.kind, ID: c.id, Name: c.name, Score: e.score, Factors: []Factor{}, Drawbacks: []string{}, Groups: groups}
	for f := range factorCount {
		if e.applies[f] {
			w := m.weights.of(f)
			s.Factors = append(s.Factors, Factor{Name: factorNames[f], Value: round(e.value[f]), Weight: w, Contribution: round(e.value[f] * w / e.weights)})
		}
	}
	sort.SliceStable(s.Factors, func(i, j int) bool { return s.Factors[i].Contribution > s.Factors[j].Contribution })

	var parts []string
	cons := func(text string) { s.Drawbacks = append(s.Drawbacks, text) }
	for _, g := range groups {
		parts = append(parts, "hilft in: "+g.Name)
	}
	var offered []string
	for _, h := range pc.HelpKinds {
		if contains(c.helpKinds, h) {
			offered = append(offered, pc.labels[h])
		}
	}
	if len(offered) > 0 {
		parts = append(parts, "bietet "+strings.Join(offered, ", "))
	}
	if e.applies[factorKindFit] && e.value[factorKindFit] < 0.5 {
		cons("solche Hilfe geben sonst eher " + othersFor(pc, c))
	}
	if e.termHits > 0 && c.lifeExperience != "" && m.analyzer != nil {
		if sentence := matchingSentence(m.analyzer, c.lifeExperience, pc.terms); sentence != "" {
			parts = append(parts, "„"+sentence+"“")
		}
	}
	if e.local {
		where := pc.Quarter
		if where == "" || len(c.quarters) == 0 {
			where = "im Sozialraum"
		} else {
			where = "in " + where
		}
		parts = append(parts, "kommt zu Ihnen nach Hause, hilft "+where)
	} else if e.located {
		dd := math.Round(e.distance*10) / 10
		s.DistanceKM = &dd
		text := distanceText(pc, c, e.distance)
		if e.value[factorDistance] < 0.5 {
			cons(text)
		} else {
			parts = append(parts, text)
		}
	}
	if pc.district != "" {
		switch {
		case e.serves && c.kind == catalogue.KindVolunteer:
			parts = append(parts, "hilft in diesem Sozialraum")
		case e.serves && !e.local && c.kind == catalogue.KindOffer:
			parts = append(parts, "im selben Sozialraum")
		case !contains(c.districts, pc.district):
			cons("anderer Sozialraum")
		case !e.serves:
			cons("hilft in anderen Quartieren des Sozialraums")
		}
	}
	if e.applies[factorLanguage] {
		name := languageName(e.language)
		// How well the helper speaks the client's first own language,
		// for what speaks against it.
		own, ownLevel := "", 0.0
		if len(pc.Languages) > 0 {
			own, ownLevel = languageName(pc.Languages[0]), c.language(pc.langIDs[0])
		}
		switch {
		case e.own && e.value[factorLanguage] >= 0.8:
			parts = append(parts, "spricht "+name+" wie "+clientNoun(pc.ClientGender))
		case own != "" && ownLevel > 0:
			cons("spricht nur wenig " + own)
		case own != "" && !e.own && e.value[factorLanguage] > 0:
			cons("spricht nicht " + own + ", nur " + name)
		case own != "":
			cons("spricht nicht " + own)
		}
	}
	if e.applies[factorAvailability] {
		switch share := e.value[factorAvailability]; {
		case share >= 0.99:
			parts = append(parts, "hat Zeit, wenn es passt")
		case share == 0:
			cons("keine passenden Zeiten")
		default:
			cons(partTime(c.slots))
		}
	}
	if e.applies[factorTargetGroup] && e.value[factorTargetGroup] == 1 {
		var shared []string
		for _, g := range pc.TargetGroups {
			if contains(c.targetGroups, g) {
				shared = append(shared, pc.groupLabels[g])
			}
		}
		if c.kind == catalogue.KindVolunteer {
			parts = append(parts, "arbeitet gern mit: "+strings.Join(shared, ", "))
		} else {
			parts = append(parts, "für: "+strings.Join(shared, ", "))
		}
	}
	if e.applies[factorGender] {
		if e.value[factorGender] == 1 {
			parts = append(parts, map[string]string{"female": "eine Frau, wie gewünscht", "male": "ein Mann, wie gewünscht"}[c.gender])
		} else {
			cons(map[string]string{"female": "eine Frau gewünscht", "male": "ein Mann gewünscht"}[pc.GenderPreference])
		}
	}
	if pc.needsCar && c.kind == catalogue.KindVolunteer && len(c.mobility) > 0 && !contains(c.mobility, "car") {
		cons("kein Auto")
	}
	if e.running > 0 && c.kind == catalogue.KindVolunteer {
		if e.running == 1 {
			cons("hat bereits 1 laufende Vermittlung")
		} else {
			cons(fmt.Sprintf("hat bereits %d laufende Vermittlungen", e.running))
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
	if e.value[factorRecency] == 0 {
		if c.verifiedAt == nil {
			cons("noch nie geprüft")
		} else {
			cons("seit über 2 Jahren nicht geprüft")
		}
	}
	s.Explanation = strings.Join(parts, " · ")
	return s
}

// distanceText says how far, as exactly as the places are known: to the
// metre where both have coordinates, else from the quarters' centres.
func distanceText(pc *prepared, c *candidate, d float64) string {
	exact := pc.Lat != nil && c.place.Lat != nil
	if exact {
		return kmText(math.Round(d*10)/10) + " entfernt"
	}
	if c.place.Quarter != "" && strings.EqualFold(c.place.Quarter, pc.Quarter) {
		return "im selben Quartier (" + c.place.Quarter + ")"
	}
	where := c.place.Quarter
	if where == "" {
		where = "Sozialraum"
	} else {
		where = "Quartier " + where
	}
	approx := math.Max(0.5, math.Round(d*2)/2)
	return "etwa " + kmText(approx) + " entfernt (" + where + ")"
}

func kmText(km float64) string {
	return strings.Replace(strconv.FormatFloat(km, 'f', -1, 64), ".", ",", 1) + " km"
}

func clientNoun(gender string) string {
	switch gender {
	case "female":
		return "die Klientin"
	case "male":
		return "der Klient"
	}
	return "die ratsuchende Person"
}

func languageName(code string) string {
	if name := catalogue.LanguageNames[code]; name != "" {
		return name
	}
	return code
}

// othersFor names the kinds of entry the taxonomy names for the needed
// help c offers, other than c's own.
func othersFor(pc *prepared, c *candidate) string {
	names := map[catalogue.Kind]string{catalogue.KindVolunteer: "Ehrenamtliche", catalogue.KindNeighbourhoodHelp: "Nachbarschaftshilfen", catalogue.KindOffer: "Angebote von Trägern"}
	var out []string
	for _, h := range pc.HelpKinds {
		if !contains(c.helpKinds, h) {
			continue
		}
		for _, k := range pc.providedBy[h] {
			if k != c.kind && !contains(out, names[k]) {
				out = append(out, names[k])
			}
		}
	}
	return strings.Join(out, " oder ")
}

// partTime says when someone is free who is free only part of the time
// the client needs.
func partTime(slots []span) string {
	morning, afternoon := true, true
	for _, s := range slots {
		morning = morning && s.to <= 13*60
		afternoon = afternoon && s.from >= 12*60
	}
	switch {
	case morning:
		return "nur vormittags"
	case afternoon:
		return "nur nachmittags"
	}
	return "Zeiten passen nur zum Teil"
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// matchingSentence returns the first sentence of text that holds one of the
// client's words that counted (content words, not parts of them), so the
// explanation quotes the life experience that fits.
func matchingSentence(an Analyzer, text string, terms map[string]bool) string {
	for _, s := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '!' || r == '\n' }) {
		s = strings.TrimSpace(s)
		for t := range an.MatchTerms(s) {
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
