package web

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"massanzug/catalogue"
)

// The catalogue's forms are declared, not written out: each kind of entry
// lists its fields once (label, type, choices), one template renders any
// of them with what was entered and the message next to each field, and
// each kind has one pair of functions between its input and the form's
// values. A form shown again after an error keeps what was typed.

type fieldType int

const (
	ftText fieldType = iota
	ftArea
	ftNumber
	ftDate // TT.MM.JJJJ
	ftEmail
	ftTel
	ftSelect
	ftChecks      // several of a flat list
	ftGroups      // several of a list grouped (kinds of help by theme)
	ftBool        // one checkbox
	ftLevels      // a level per language
	ftQuarter     // one quarter, grouped by district
	ftSlots       // weekly times as text: "Mo 14-17, Mi 9-12"
	ftCommaList   // a list as text, comma-separated
	ftSectionHead // not a field: a heading that groups those after it
)

type formField struct {
	ID, Label, Hint string
	Type            fieldType
	Required        bool
	Max             int
	choices         func(v *vocab) []option
}

// formView is a rendered field: the declaration with its value, choices
// and message.
type formView struct {
	formField
	Value   string
	Options []option
	Groups  []quarterGroup
	Levels  []levelRow
	Error   string
	Heading bool
	Input   string // the input type of a one-line field
	// What the template asks of the other kinds of field.
	Multiple, IsGroups, IsQuarter, IsArea, IsBool bool
}

type levelRow struct {
	ID, Label string
	Options   []option
}

func (f formField) view(v *vocab, vals url.Values, errs map[string]string) formView {
	fv := formView{formField: f, Value: vals.Get(f.ID), Error: errs[f.ID], Heading: f.Type == ftSectionHead}
	fv.Multiple, fv.IsGroups, fv.IsQuarter, fv.IsArea, fv.IsBool = f.Type == ftChecks, f.Type == ftGroups, f.Type == ftQuarter, f.Type == ftArea, f.Type == ftBool
	fv.Input = map[fieldType]string{ftText: "text", ftNumber: "text", ftDate: "text", ftEmail: "email", ftTel: "tel", ftSlots: "text", ftCommaList: "text"}[f.Type]
	switch f.Type {
	case ftSelect, ftChecks:
		for _, o := range f.choices(v) {
			o.Selected = slices.Contains(vals[f.ID], o.Value)
			fv.Options = append(fv.Options, o)
		}
	case ftGroups:
		fv.Groups = v.helpGroups(vals[f.ID]...)
	case ftQuarter:
		fv.Groups = v.quarterGroups(vals.Get(f.ID))
	case ftLevels:
		for _, l := range languageOptions() {
			row := levelRow{ID: f.ID + "-" + l.Value, Label: l.Label}
			for _, lv := range []string{"native", "fluent", "good", "basic"} {
				row.Options = append(row.Options, option{Value: lv, Label: levelLabels[lv], Selected: vals.Get(row.ID) == lv})
			}
			fv.Levels = append(fv.Levels, row)
		}
	}
	return fv
}

func viewsOf(fields []formField, v *vocab, vals url.Values, errs map[string]string) []formView {
	out := make([]formView, len(fields))
	for i, f := range fields {
		out[i] = f.view(v, vals, errs)
	}
	return out
}

// Choices.

func districtChoices(v *vocab) []option { return v.districtOptions() }
func targetChoices(v *vocab) []option   { return termOptions(v.tax.TargetGroups) }
func categoryChoices(v *vocab) []option { return termOptions(v.tax.OfferCategories) }
func languageChoices(*vocab) []option   { return languageOptions() }
func groupChoices(v *vocab) []option    { return v.groups }
func fixedChoices(m map[string]string, order ...string) func(*vocab) []option {
	return func(*vocab) []option {
		out := make([]option, len(order))
		for i, c := range order {
			out[i] = option{Value: c, Label: m[c]}
		}
		return out
	}
}

var personStatusChoices = fixedChoices(map[string]string{"active": "aktiv", "paused": "pausiert", "inactive": "inaktiv"}, "active", "paused", "inactive")

func head(label string) formField { return formField{Label: label, Type: ftSectionHead} }

var volunteerFields = []formField{
	{ID: "name", Label: "Name", Type: ftText, Required: true, Max: 200},
	{ID: "status", Label: "Status", Type: ftSelect, choices: personStatusChoices},
	head("Kontakt"),
	{ID: "contact-phone", Label: "Telefon", Type: ftTel},
	{ID: "contact-email", Label: "E-Mail", Type: ftEmail},
	{ID: "home-quarter", Label: "Wohnt im Quartier", Type: ftQuarter, Hint: "Für die Entfernung; die Adresse wird nicht gespeichert."},
	head("Einsatz"),
	{ID: "districts", Label: "Hilft in den Sozialräumen", Type: ftChecks, Required: true, choices: districtChoices},
	{ID: "help_kinds", Label: "Hilfearten", Type: ftGroups, Required: true},
	{ID: "target_groups", Label: "Zielgruppen", Type: ftChecks, choices: targetChoices},
	{ID: "availability", Label: "Zeiten", Type: ftSlots, Hint: "Zum Beispiel „Mo 14-17, Mi 9-12“."},
	{ID: "capacity", Label: "Fälle gleichzeitig", Type: ftNumber, Required: true},
	{ID: "load", Label: "davon schon außerhalb von Maßanzug", Type: ftNumber},
	{ID: "mobility", Label: "Unterwegs mit", Type: ftChecks, choices: fixedChoices(mobilityLabels, "car", "bike", "public_transport", "walking")},
	head("Person"),
	{ID: "languages", Label: "Sprachen", Type: ftLevels},
	{ID: "gender", Label: "Geschlecht", Type: ftSelect, choices: fixedChoices(genderLabels, "female", "male", "diverse")},
	{ID: "birth_year", Label: "Geburtsjahr", Type: ftNumber},
	{ID: "life_experience", Label: "Lebenserfahrung", Type: ftArea, Max: 4000, Hint: "Was die Person selbst erlebt hat und weitergeben möchte."},
	{ID: "interests", Label: "Interessen", Type: ftArea, Max: 4000},
	{ID: "trainings", Label: "Schulungen", Type: ftCommaList, Hint: "Durch Kommas getrennt."},
	{ID: "groups", Label: "Hilft in Nachbarschaftshilfen", Type: ftChecks, choices: groupChoices,
		Hint: "Die Gruppen der Sozialräume, in denen die Person hilft. Vorschläge nennen dann die Person mit der Gruppe und ihrem Kontakt."},
	head("Nachweise"),
	{ID: "consent", Label: "Einwilligung erteilt am", Type: ftDate, Required: true, Hint: "TT.MM.JJJJ"},
	{ID: "police_certificate-seen_on", Label: "Führungszeugnis gesehen am", Type: ftDate, Hint: "TT.MM.JJJJ; leer, wenn keines vorliegt."},
	{ID: "police_certificate-issued_on", Label: "Führungszeugnis ausgestellt am", Type: ftDate, Hint: "TT.MM.JJJJ"},
	{ID: "police_certificate-valid_until", Label: "Führungszeugnis gültig bis", Type: ftDate, Hint: "TT.MM.JJJJ"},
	{ID: "police_certificate-clear", Label: "Führungszeugnis ohne Eintrag", Type: ftBool},
}

var helpFields = []formField{
	{ID: "name", Label: "Name", Type: ftText, Required: true, Max: 200},
	{ID: "status", Label: "Status", Type: ftSelect, choices: personStatusChoices},
	{ID: "description", Label: "Beschreibung", Type: ftArea, Max: 4000},
	head("Koordination"),
	{ID: "coordinator-name", Label: "Name", Type: ftText},
	{ID: "coordinator-phone", Label: "Telefon", Type: ftTel},
	{ID: "coordinator-email", Label: "E-Mail", Type: ftEmail},
	{ID: "location-quarter", Label: "Sitz im Quartier", Type: ftQuarter},
	head("Einsatz"),
	{ID: "districts", Label: "Sozialräume", Type: ftChecks, Required: true, choices: districtChoices},
	{ID: "quarters", Label: "Quartiere", Type: ftCommaList, Hint: "Durch Kommas getrennt, zum Beispiel „Eselsberg, Lehr“."},
	{ID: "help_kinds", Label: "Hilfearten", Type: ftGroups, Required: true},
	{ID: "target_groups", Label: "Zielgruppen", Type: ftChecks, choices: targetChoices},
	{ID: "languages", Label: "Sprachen", Type: ftChecks, choices: languageChoices},
	{ID: "availability", Label: "Zeiten", Type: ftSlots, Hint: "Zum Beispiel „Mo 14-17, Mi 9-12“."},
	{ID: "capacity", Label: "Fälle gleichzeitig", Type: ftNumber, Hint: "Leer, wenn es keine Grenze gibt."},
	{ID: "load", Label: "davon schon außerhalb von Maßanzug", Type: ftNumber},
	{ID: "cost_per_hour", Label: "Kosten je Stunde (€)", Type: ftNumber},
}

func offerFields(withProvider func(*vocab) []option) []formField {
	fs := []formField{
		{ID: "name", Label: "Name", Type: ftText, Required: true, Max: 200},
		{ID: "category", Label: "Kategorie", Type: ftSelect, Required: true, choices: categoryChoices},
		{ID: "description", Label: "Beschreibung", Type: ftArea, Max: 4000},
		head("Für wen"),
		{ID: "help_kinds", Label: "Hilfearten", Type: ftGroups, Required: true},
		{ID: "target_groups", Label: "Zielgruppen", Type: ftChecks, choices: targetChoices},
		{ID: "districts", Label: "Sozialräume", Type: ftChecks, Required: true, choices: districtChoices},
		{ID: "languages", Label: "Sprachen", Type: ftChecks, choices: languageChoices},
		{ID: "eligibility-min_age", Label: "Alter ab", Type: ftNumber},
		{ID: "eligibility-max_age", Label: "Alter bis", Type: ftNumber},
		{ID: "eligibility-note", Label: "Wer teilnehmen kann", Type: ftArea, Max: 1000},
		{ID: "accessible", Label: "barrierefrei", Type: ftBool},
		{ID: "registration_required", Label: "Anmeldung nötig", Type: ftBool},
		head("Wo und wann"),
		{ID: "location-quarter", Label: "Quartier", Type: ftQuarter},
		{ID: "address-street", Label: "Straße und Hausnummer", Type: ftText},
		{ID: "address-postal_code", Label: "Postleitzahl", Type: ftText},
		{ID: "address-city", Label: "Ort", Type: ftText},
		{ID: "opening_times", Label: "Öffnungszeiten", Type: ftText, Max: 1000, Hint: "So, wie sie auf dem Flyer stehen."},
		{ID: "schedule", Label: "Feste Termine", Type: ftSlots, Hint: "Zum Beispiel „Di 14-17“."},
		{ID: "valid_from", Label: "Gültig ab", Type: ftDate, Hint: "TT.MM.JJJJ; leer, wenn es immer läuft."},
		{ID: "valid_until", Label: "Gültig bis", Type: ftDate, Hint: "TT.MM.JJJJ"},
		head("Kosten, Plätze, Kontakt"),
		{ID: "cost_eur", Label: "Kosten (€)", Type: ftNumber},
		{ID: "cost_note", Label: "Zu den Kosten", Type: ftText, Max: 500},
		{ID: "capacity", Label: "Plätze", Type: ftNumber, Hint: "Leer, wenn es keine Grenze gibt."},
		{ID: "load", Label: "davon belegt außerhalb von Maßanzug", Type: ftNumber},
		{ID: "contact-name", Label: "Ansprechperson", Type: ftText},
		{ID: "contact-phone", Label: "Telefon", Type: ftTel},
		{ID: "contact-email", Label: "E-Mail", Type: ftEmail},
	}
	if withProvider != nil {
		fs = append([]formField{{ID: "provider_id", Label: "Träger", Type: ftSelect, Required: true, choices: withProvider}}, fs...)
	}
	return fs
}

// formReader reads a form's values into an input, collecting the German
// message of each value it cannot read.
type formReader struct {
	vals url.Values
	errs map[string]string
}

func (r *formReader) str(id string) string { return strings.TrimSpace(r.vals.Get(id)) }
func (r *formReader) list(id string) []string {
	var out []string
	for _, v := range r.vals[id] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
func (r *formReader) bool(id string) bool { return r.vals.Get(id) != "" }

func (r *formReader) int(id string) (int, bool) {
	s := r.str(id)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		r.errs[id] = "Bitte eine ganze Zahl eingeben."
		return 0, false
	}
	return n, true
}

func (r *formReader) intPtr(id string) *int {
	if n, ok := r.int(id); ok {
		return &n
	}
	return nil
}

func (r *formReader) money(id string) *float64 {
	s := strings.Replace(r.str(id), ",", ".", 1)
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.errs[id] = "Bitte einen Betrag eingeben, zum Beispiel 12 oder 12,50."
		return nil
	}
	return &f
}

func (r *formReader) date(id string) string {
	s := r.str(id)
	if s == "" {
		return ""
	}
	d, ok := parseDay(s)
	if !ok {
		r.errs[id] = "Bitte das Datum als TT.MM.JJJJ eingeben, zum Beispiel 01.03.2026."
	}
	return d
}

func (r *formReader) commaList(id string) []string {
	var out []string
	for _, p := range strings.Split(r.str(id), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var slotRE = regexp.MustCompile(`^(mo|di|mi|do|fr|sa|so)\.?\s+(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?(?:\s*uhr)?$`)

var dayCodes = map[string]string{"mo": "mon", "di": "tue", "mi": "wed", "do": "thu", "fr": "fri", "sa": "sat", "so": "sun"}

// slots reads weekly times as German staff write them.
func (r *formReader) slots(id string) []catalogue.Slot {
	var out []catalogue.Slot
	for _, part := range strings.Split(r.str(id), ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		m := slotRE.FindStringSubmatch(part)
		hhmm := func(h, mm string) (string, bool) {
			n, _ := strconv.Atoi(h)
			if mm == "" {
				mm = "00"
			}
			return fmt.Sprintf("%02d:%s", n, mm), n <= 24
		}
		if m == nil {
			r.errs[id] = "„" + part + "“ ist keine Zeit wie „Mo 14-17“ oder „Mi 9:30-12“."
			return nil
		}
		from, ok1 := hhmm(m[2], m[3])
		to, ok2 := hhmm(m[4], m[5])
		if !ok1 || !ok2 || from >= to {
			r.errs[id] = "„" + part + "“: Die Zeit muss vor ihrem Ende liegen."
			return nil
		}
		out = append(out, catalogue.Slot{Day: dayCodes[m[1]], From: from, To: to})
	}
	return out
}

func slotText(ss []catalogue.Slot) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = dayLabels[s.Day] + " " + strings.TrimSuffix(s.From, ":00") + "-" + strings.TrimSuffix(s.To, ":00")
	}
	return strings.Join(out, ", ")
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func ptoa(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(*f, 'f', -1, 64), ".", ",", 1)
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func set(vals url.Values, id string, vs ...string) {
	for _, v := range vs {
		if v != "" {
			vals.Add(id, v)
		}
	}
}

// Volunteers.

func volunteerValues(in catalogue.VolunteerInput) url.Values {
	vals := url.Values{}
	set(vals, "name", in.Name)
	set(vals, "status", string(in.Status))
	set(vals, "contact-phone", in.Contact.Phone)
	set(vals, "contact-email", in.Contact.Email)
	set(vals, "home-quarter", in.Home.Quarter)
	set(vals, "districts", in.Districts...)
	set(vals, "help_kinds", in.HelpKinds...)
	set(vals, "target_groups", in.TargetGroups...)
	set(vals, "availability", slotText(in.Availability))
	set(vals, "capacity", itoa(in.Capacity))
	set(vals, "load", itoa(in.Load))
	set(vals, "mobility", in.Mobility...)
	for _, l := range in.Languages {
		set(vals, "languages-"+l.Code, l.Level)
	}
	set(vals, "gender", in.Gender)
	set(vals, "birth_year", itoa(in.BirthYear))
	set(vals, "life_experience", in.LifeExperience)
	set(vals, "interests", in.Interests)
	set(vals, "trainings", strings.Join(in.Trainings, ", "))
	set(vals, "groups", in.Groups...)
	if in.Consent != nil {
		set(vals, "consent", day(in.Consent.GivenOn))
	}
	if pc := in.PoliceCertificate; pc != nil {
		set(vals, "police_certificate-seen_on", day(pc.SeenOn))
		set(vals, "police_certificate-issued_on", day(pc.IssuedOn))
		set(vals, "police_certificate-valid_until", day(pc.ValidUntil))
		set(vals, "police_certificate-clear", flag(pc.Clear))
	}
	return vals
}

func readVolunteer(vals url.Values, v *vocab) (catalogue.VolunteerInput, map[string]string) {
	r := &formReader{vals: vals, errs: map[string]string{}}
	in := catalogue.VolunteerInput{Name: r.str("name"), Status: catalogue.Status(r.str("status")),
		Contact:   catalogue.Contact{Phone: r.str("contact-phone"), Email: r.str("contact-email")},
		Home:      catalogue.Place{Quarter: r.str("home-quarter"), District: v.districtOfQuarter(r.str("home-quarter"))},
		Districts: r.list("districts"), HelpKinds: r.list("help_kinds"), TargetGroups: r.list("target_groups"),
		Availability: r.slots("availability"), Mobility: r.list("mobility"), Gender: r.str("gender"),
		LifeExperience: r.str("life_experience"), Interests: r.str("interests"), Trainings: r.commaList("trainings"),
		Groups: r.list("groups")}
	in.Capacity, _ = r.int("capacity")
	in.Load, _ = r.int("load")
	in.BirthYear, _ = r.int("birth_year")
	for _, l := range languageOptions() {
		if lv := r.str("languages-" + l.Value); lv != "" {
			in.Languages = append(in.Languages, catalogue.LanguageSkill{Code: l.Value, Level: lv})
		}
	}
	if d := r.date("consent"); d != "" {
		in.Consent = &catalogue.Consent{GivenOn: d}
	}
	seen, issued, until := r.date("police_certificate-seen_on"), r.date("police_certificate-issued_on"), r.date("police_certificate-valid_until")
	if seen != "" || issued != "" || until != "" {
		in.PoliceCertificate = &catalogue.PoliceCertificate{SeenOn: seen, IssuedOn: issued, ValidUntil: until, Clear: r.bool("police_certificate-clear")}
	}
	return in, r.errs
}

// Neighbourhood helps.

func helpValues(in catalogue.NeighbourhoodHelpInput) url.Values {
	vals := url.Values{}
	set(vals, "name", in.Name)
	set(vals, "status", string(in.Status))
	set(vals, "description", in.Description)
	set(vals, "coordinator-name", in.Coordinator.Name)
	set(vals, "coordinator-phone", in.Coordinator.Phone)
	set(vals, "coordinator-email", in.Coordinator.Email)
	set(vals, "location-quarter", in.Location.Quarter)
	set(vals, "districts", in.Districts...)
	set(vals, "quarters", strings.Join(in.Quarters, ", "))
	set(vals, "help_kinds", in.HelpKinds...)
	set(vals, "target_groups", in.TargetGroups...)
	set(vals, "languages", in.Languages...)
	set(vals, "availability", slotText(in.Availability))
	set(vals, "capacity", ptoa(in.Capacity))
	set(vals, "load", itoa(in.Load))
	set(vals, "cost_per_hour", ftoa(in.CostPerHour))
	return vals
}

func readHelp(vals url.Values, v *vocab) (catalogue.NeighbourhoodHelpInput, map[string]string) {
	r := &formReader{vals: vals, errs: map[string]string{}}
	in := catalogue.NeighbourhoodHelpInput{Name: r.str("name"), Status: catalogue.Status(r.str("status")), Description: r.str("description"),
		Coordinator: catalogue.Contact{Name: r.str("coordinator-name"), Phone: r.str("coordinator-phone"), Email: r.str("coordinator-email")},
		Location:    catalogue.Place{Quarter: r.str("location-quarter"), District: v.districtOfQuarter(r.str("location-quarter"))},
		Districts:   r.list("districts"), Quarters: r.commaList("quarters"), HelpKinds: r.list("help_kinds"), TargetGroups: r.list("target_groups"),
		Languages: r.list("languages"), Availability: r.slots("availability"), Capacity: r.intPtr("capacity"), CostPerHour: r.money("cost_per_hour")}
	in.Load, _ = r.int("load")
	return in, r.errs
}

// Offers.

func offerValues(in catalogue.OfferInput) url.Values {
	vals := url.Values{}
	set(vals, "provider_id", in.ProviderID)
	set(vals, "name", in.Name)
	set(vals, "category", in.Category)
	set(vals, "description", in.Description)
	set(vals, "help_kinds", in.HelpKinds...)
	set(vals, "target_groups", in.TargetGroups...)
	set(vals, "districts", in.Districts...)
	set(vals, "languages", in.Languages...)
	set(vals, "eligibility-min_age", ptoa(in.Eligibility.MinAge))
	set(vals, "eligibility-max_age", ptoa(in.Eligibility.MaxAge))
	set(vals, "eligibility-note", in.Eligibility.Note)
	set(vals, "accessible", flag(in.Accessible))
	set(vals, "registration_required", flag(in.RegistrationRequired))
	set(vals, "location-quarter", in.Location.Quarter)
	set(vals, "address-street", in.Address.Street)
	set(vals, "address-postal_code", in.Address.PostalCode)
	set(vals, "address-city", in.Address.City)
	set(vals, "opening_times", in.OpeningTimes)
	set(vals, "schedule", slotText(in.Schedule))
	set(vals, "valid_from", day(in.ValidFrom))
	set(vals, "valid_until", day(in.ValidUntil))
	set(vals, "cost_eur", ftoa(in.CostEUR))
	set(vals, "cost_note", in.CostNote)
	set(vals, "capacity", ptoa(in.Capacity))
	set(vals, "load", itoa(in.Load))
	set(vals, "contact-name", in.Contact.Name)
	set(vals, "contact-phone", in.Contact.Phone)
	set(vals, "contact-email", in.Contact.Email)
	return vals
}

func readOffer(vals url.Values, v *vocab) (catalogue.OfferInput, map[string]string) {
	r := &formReader{vals: vals, errs: map[string]string{}}
	in := catalogue.OfferInput{ProviderID: r.str("provider_id"), Name: r.str("name"), Category: r.str("category"), Description: r.str("description"),
		HelpKinds: r.list("help_kinds"), TargetGroups: r.list("target_groups"), Districts: r.list("districts"), Languages: r.list("languages"),
		Eligibility: catalogue.Eligibility{MinAge: r.intPtr("eligibility-min_age"), MaxAge: r.intPtr("eligibility-max_age"), Note: r.str("eligibility-note")},
		Accessible:  r.bool("accessible"), RegistrationRequired: r.bool("registration_required"),
		Location:     catalogue.Place{Quarter: r.str("location-quarter"), District: v.districtOfQuarter(r.str("location-quarter"))},
		Address:      catalogue.Address{Street: r.str("address-street"), PostalCode: r.str("address-postal_code"), City: r.str("address-city")},
		OpeningTimes: r.str("opening_times"), Schedule: r.slots("schedule"), ValidFrom: r.date("valid_from"), ValidUntil: r.date("valid_until"),
		CostEUR: r.money("cost_eur"), CostNote: r.str("cost_note"), Capacity: r.intPtr("capacity"),
		Contact: catalogue.Contact{Name: r.str("contact-name"), Phone: r.str("contact-phone"), Email: r.str("contact-email")}}
	in.Load, _ = r.int("load")
	return in, r.errs
}

// entryMessages say in German what is wrong with a field of an entry,
// keyed by the domain's field path without indexes ("contact.email",
// "languages"); the form's field id is the path with "-" for ".".
var entryMessages = map[string]string{
	"name": "Bitte einen Namen angeben (höchstens 200 Zeichen).", "status": "Bitte einen Status aus der Liste wählen.",
	"contact.email": "Bitte eine gültige E-Mail-Adresse angeben, zum Beispiel name@beispiel.de.",
	"contact.phone": "Bitte eine Telefonnummer angeben, zum Beispiel 0731 123456.", "contact.name": "Bitte kürzer (höchstens 200 Zeichen).",
	"coordinator.email": "Bitte eine gültige E-Mail-Adresse angeben, zum Beispiel name@beispiel.de.",
	"coordinator.phone": "Bitte eine Telefonnummer angeben, zum Beispiel 0731 123456.",
	"home":              "Dieses Quartier liegt nicht in den gewählten Sozialräumen.", "home.quarter": "Bitte ein Quartier aus der Liste wählen.",
	"location": "Dieses Quartier passt nicht zu den Angaben.", "location.quarter": "Bitte ein Quartier aus der Liste wählen.",
	"districts":  "Bitte mindestens einen und höchstens fünf Sozialräume wählen.",
	"help_kinds": "Bitte mindestens eine Hilfeart wählen.", "target_groups": "Bitte Zielgruppen aus der Liste wählen.",
	"languages": "Bitte Sprachen aus der Liste wählen.", "availability": "Bitte die Zeiten prüfen.", "schedule": "Bitte die Termine prüfen.",
	"capacity": "Bitte eine Zahl ab 1 angeben.", "load": "Bitte eine Zahl ab 0 angeben, nicht größer als die Kapazität.",
	"mobility": "Bitte aus der Liste wählen.", "gender": "Bitte aus der Liste wählen.", "birth_year": "Bitte ein Geburtsjahr wie 1958 angeben.",
	"life_experience": "Bitte kürzer (höchstens 4000 Zeichen).", "interests": "Bitte kürzer (höchstens 4000 Zeichen).",
	"trainings":                      "Bitte die Schulungen durch Kommas trennen (je höchstens 200 Zeichen).",
	"groups":                         "Bitte nur Nachbarschaftshilfen aus der Liste wählen.",
	"consent":                        "Ohne Einwilligung der Person dürfen ihre Daten nicht gespeichert werden: Bitte das Datum der Einwilligung angeben.",
	"consent.given_on":               "Bitte das Datum der Einwilligung als TT.MM.JJJJ angeben.",
	"police_certificate":             "Bitte alle drei Daten des Führungszeugnisses angeben.",
	"police_certificate.seen_on":     "Bitte das Datum als TT.MM.JJJJ angeben.",
	"police_certificate.issued_on":   "Bitte das Datum als TT.MM.JJJJ angeben.",
	"police_certificate.valid_until": "Bitte das Datum als TT.MM.JJJJ angeben, nach dem Ausstellungsdatum.",
	"description":                    "Bitte kürzer (höchstens 4000 Zeichen).", "quarters": "Bitte nur Quartiere der gewählten Sozialräume nennen.",
	"cost_per_hour": "Bitte einen Betrag von 0 bis 1.000 € angeben.", "provider_id": "Bitte einen aktiven Träger wählen.",
	"category": "Bitte eine Kategorie aus der Liste wählen.", "address.postal_code": "Bitte eine Postleitzahl mit fünf Ziffern angeben.",
	"address.street": "Bitte kürzer (höchstens 200 Zeichen).", "address.city": "Bitte kürzer (höchstens 100 Zeichen).",
	"opening_times": "Bitte kürzer (höchstens 1000 Zeichen).", "valid_from": "Bitte das Datum als TT.MM.JJJJ angeben.",
	"valid_until": "Bitte ein Datum nach dem Beginn angeben.", "cost_eur": "Bitte einen Betrag von 0 bis 100.000 € angeben.",
	"cost_note": "Bitte kürzer (höchstens 500 Zeichen).", "eligibility.min_age": "Bitte ein Alter von 0 bis 120 angeben.",
	"eligibility.max_age": "Bitte ein Alter von 0 bis 120 angeben, nicht unter dem Mindestalter.", "eligibility.note": "Bitte kürzer (höchstens 1000 Zeichen).",
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// entryErrors puts the domain's messages next to the form's fields. A
// field the form does not show (a whole object, say) is told at the
// first of its fields, or above the form.
func entryErrors(ve *catalogue.ValidationError, fields []formField) map[string]string {
	out := map[string]string{}
	ids := map[string]bool{}
	for _, f := range fields {
		ids[f.ID] = true
	}
	for _, fe := range ve.Fields {
		path := indexRE.ReplaceAllString(fe.Field, "")
		// languages[0].code → languages
		if i := strings.Index(path, "."); i > 0 && !ids[strings.ReplaceAll(path, ".", "-")] && ids[path[:i]] {
			path = path[:i]
		}
		msg := entryMessages[path]
		if msg == "" {
			msg = "Bitte prüfen Sie diese Angabe."
		}
		id := strings.ReplaceAll(path, ".", "-")
		if !ids[id] {
			// an object the form shows as several fields: its first
			for _, f := range fields {
				if strings.HasPrefix(f.ID, id+"-") {
					id = f.ID
					break
				}
			}
		}
		if !ids[id] {
			id = ""
		}
		if _, seen := out[id]; !seen {
			out[id] = msg
		}
	}
	return out
}
