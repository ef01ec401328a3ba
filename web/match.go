package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/matching"
	"massanzug/referral"
)

// The case profile is personal social data: it travels in the body of a
// POST (never in an address, which logs and histories keep), is matched
// and forgotten. Nothing here stores or logs it.

// matchView is the screen "Passende Hilfe finden".
type matchView struct {
	Form                         url.Values
	Districts, Departments       []option
	Quarters, HelpKinds          []quarterGroup
	Languages, Targets, Kinds    []option
	Fallbacks, ClientGenders     []option
	Times, Genders               []option
	Asked                        bool
	Suggestions                  []suggestionView
	Removed                      []string
	Unmet                        bool
	Hidden                       []hiddenField // the case, carried to "Vermitteln"
	Today, Summary, CaseRef      string
	SummaryFacts                 []fact
	PrintLink                    bool
	DepartmentLabel, DistrictLbl string
}

type suggestionView struct {
	ID, Name, Kind, Distance, Free string
	Reasons, Drawbacks, Groups     []string
	Score                          int
}

type hiddenField struct{ Name, Value string }

// timeWindows are the choices of "Wann?", as weekly slots.
var timeWindows = []struct {
	code, label string
	slots       []catalogue.Slot
}{
	{"vormittags", "werktags vormittags (8–12 Uhr)", weekdays("08:00", "12:00")},
	{"nachmittags", "werktags nachmittags (12–18 Uhr)", weekdays("12:00", "18:00")},
	{"abends", "werktags abends (18–21 Uhr)", weekdays("18:00", "21:00")},
	{"wochenende", "am Wochenende", []catalogue.Slot{{Day: "sat", From: "08:00", To: "20:00"}, {Day: "sun", From: "08:00", To: "20:00"}}},
}

func weekdays(from, to string) []catalogue.Slot {
	var out []catalogue.Slot
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		out = append(out, catalogue.Slot{Day: d, From: from, To: to})
	}
	return out
}

func (a *App) matchForm(c echo.Context) error {
	return a.matchPage(c, http.StatusOK, url.Values{}, nil, nil, "")
}

func (a *App) matchPage(c echo.Context, status int, form url.Values, res *matching.Result, errs map[string]string, msg string) error {
	v, err := a.vocab(c.Request().Context())
	if err != nil {
		return err
	}
	mv := &matchView{Form: form, Districts: v.districtOptions(form.Get("sozialraum")), Quarters: v.quarterGroups(form.Get("quartier")),
		HelpKinds: v.helpGroups(form["hilfeart"]...), Languages: languageOptions(form["sprache"]...),
		Fallbacks: languageOptions(form["auch"]...), Targets: termOptions(v.tax.TargetGroups, form["zielgruppe"]...), Today: day(a.cat.Today()), CaseRef: form.Get("fall")}
	for _, d := range referral.Departments {
		mv.Departments = append(mv.Departments, option{Value: d.Code, Label: d.Label, Selected: d.Code == form.Get("fachbereich")})
		if d.Code == form.Get("fachbereich") {
			mv.DepartmentLabel = d.Label
		}
	}
	for _, k := range catalogue.Kinds {
		mv.Kinds = append(mv.Kinds, option{Value: string(k), Label: kindLabels[k], Selected: form.Get("art") == string(k)})
	}
	for _, w := range timeWindows {
		mv.Times = append(mv.Times, option{Value: w.code, Label: w.label, Selected: form.Get("wann") == w.code})
	}
	for _, g := range []option{{Value: "female", Label: "eine Frau"}, {Value: "male", Label: "ein Mann"}} {
		g.Selected = form.Get("geschlecht") == g.Value
		mv.Genders = append(mv.Genders, g)
	}
	for _, g := range []option{{Value: "female", Label: "eine Klientin"}, {Value: "male", Label: "ein Klient"}, {Value: "diverse", Label: "divers"}} {
		g.Selected = form.Get("person") == g.Value
		mv.ClientGenders = append(mv.ClientGenders, g)
	}
	if res != nil {
		mv.Asked, mv.Unmet = true, res.Unmet
		for _, s := range res.Suggestions {
			sv := suggestionView{ID: s.ID, Name: s.Name, Kind: kindLabels[s.Kind], Distance: km(s.DistanceKM), Score: int(s.Score*100 + 0.5)}
			if s.Explanation != "" {
				sv.Reasons = strings.Split(s.Explanation, " · ")
			}
			if s.FreePlaces != nil {
				sv.Free = strconv.Itoa(*s.FreePlaces)
			}
			sv.Drawbacks = s.Drawbacks
			for _, g := range s.Groups {
				sv.Groups = append(sv.Groups, g.Name+contactLine(g.Coordinator))
			}
			mv.Suggestions = append(mv.Suggestions, sv)
		}
		for _, r := range res.Removed {
			mv.Removed = append(mv.Removed, r.Name+": "+r.Reason)
		}
		for _, r := range res.RemovedUnnamed {
			mv.Removed = append(mv.Removed, strconv.Itoa(r.Count)+" weitere: "+r.Reason)
		}
		// "Vermitteln" carries what a referral holds, never the profile.
		district := form.Get("sozialraum")
		if district == "" {
			district = v.districtOfQuarter(form.Get("quartier"))
		}
		mv.Hidden = append(mv.Hidden, hiddenField{"fall", form.Get("fall")}, hiddenField{"fachbereich", form.Get("fachbereich")},
			hiddenField{"sozialraum", district})
		for _, h := range form["hilfeart"] {
			mv.Hidden = append(mv.Hidden, hiddenField{"hilfeart", h})
		}
		// What the print view repeats of the case: only what the case
		// manager entered, with labels.
		add := func(label, value string) {
			if strings.TrimSpace(value) != "" {
				mv.SummaryFacts = append(mv.SummaryFacts, fact{label, value})
			}
		}
		add("Fallkennzeichen", form.Get("fall"))
		add("Fachbereich", mv.DepartmentLabel)
		add("Sozialraum", v.district[form.Get("sozialraum")])
		add("Quartier", form.Get("quartier"))
		add("Hilfearten", labels(v.help, form["hilfeart"]))
		add("Sprachen", languageList(form["sprache"]))
		add("Verständigt sich auch auf", languageList(form["auch"]))
		add("Zielgruppen", labels(v.target, form["zielgruppe"]))
		add("Wünsche", strings.Join(nonEmpty(map[string]string{"female": "eine Frau", "male": "ein Mann"}[form.Get("geschlecht")],
			map[bool]string{true: "barrierefrei"}[form.Get("barrierefrei") != ""],
			map[bool]string{true: "ohne Auto erreichbar"}[form.Get("auto") == ""]), ", "))
		add("In eigenen Worten", form.Get("worte"))
	}
	p := page{Title: "Passende Hilfe finden", Error: msg, Errors: errs, Data: mv}
	name := "match"
	if form.Get("druck") != "" && res != nil {
		name, p.Print, p.Title = "match-print", true, "Vorschläge"
	}
	return a.render(c, status, name, p)
}

// caseOf reads the case profile from the form, with the German message of
// each field that is wrong.
func (a *App) caseOf(form url.Values, v *vocab) (matching.Case, map[string]string) {
	errs := map[string]string{}
	cs := matching.Case{Reference: strings.TrimSpace(form.Get("fall")), District: form.Get("sozialraum"), Quarter: form.Get("quartier"),
		HelpKinds: form["hilfeart"], Languages: form["sprache"], FallbackLanguages: form["auch"], LanguageRequired: form.Get("sprachpflicht") != "",
		ClientGender: form.Get("person"), TargetGroups: form["zielgruppe"], Text: strings.TrimSpace(form.Get("worte")),
		HasCar: form.Get("auto") != "", AccessibilityNeeded: form.Get("barrierefrei") != "", MinorsInvolved: form.Get("minderjaehrig") != "",
		GenderPreference: form.Get("geschlecht"), ExplainRemoved: true, Limit: 10}
	if cs.District == "" && cs.Quarter != "" {
		cs.District = v.districtOfQuarter(cs.Quarter)
	}
	if len(cs.HelpKinds) == 0 {
		errs["hilfeart"] = "Bitte wählen Sie mindestens eine Hilfeart."
	}
	if len(cs.HelpKinds) > 10 {
		errs["hilfeart"] = "Bitte wählen Sie höchstens 10 Hilfearten."
	}
	if s := strings.TrimSpace(form.Get("alter")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 120 {
			errs["alter"] = "Bitte geben Sie das Alter als Zahl von 0 bis 120 an."
		} else {
			cs.ClientAge = &n
		}
	}
	if len([]rune(cs.Text)) > 2000 {
		errs["worte"] = "Bitte fassen Sie sich kürzer (höchstens 2000 Zeichen)."
	}
	if k := catalogue.Kind(form.Get("art")); k != "" {
		cs.Kinds = []catalogue.Kind{k}
	}
	for _, w := range timeWindows {
		if w.code == form.Get("wann") {
			cs.TimeWindows = w.slots
		}
	}
	return cs, errs
}

func (a *App) matchCase(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Das Formular ließ sich nicht lesen.")
	}
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	cs, errs := a.caseOf(form, v)
	if len(errs) > 0 {
		return a.matchPage(c, http.StatusUnprocessableEntity, form, nil, errs, "Bitte prüfen Sie die markierten Angaben.")
	}
	res, err := a.matcher.Match(ctx, me.Principal(), cs)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		return a.matchPage(c, http.StatusUnprocessableEntity, form, nil, germanFields(ve, matchFieldNames), "Bitte prüfen Sie die markierten Angaben.")
	}
	if err != nil {
		return err
	}
	return a.matchPage(c, http.StatusOK, form, &res, nil, "")
}

// matchFieldNames are the case's fields as the form names them, with what
// to say when one is wrong.
var matchFieldNames = map[string]fieldMessage{
	"district": {"sozialraum", "Diesen Sozialraum gibt es nicht."}, "quarter": {"quartier", "Dieses Quartier liegt nicht im gewählten Sozialraum."},
	"help_kinds": {"hilfeart", "Bitte wählen Sie Hilfearten aus der Liste."}, "languages": {"sprache", "Bitte wählen Sie Sprachen aus der Liste."},
	"fallback_languages": {"auch", "Bitte wählen Sie Sprachen aus der Liste."}, "client_gender": {"person", "Bitte wählen Sie aus der Liste."},
	"target_groups": {"zielgruppe", "Bitte wählen Sie Zielgruppen aus der Liste."}, "client_age": {"alter", "Bitte geben Sie das Alter als Zahl von 0 bis 120 an."},
	"text": {"worte", "Bitte fassen Sie sich kürzer."}, "reference": {"fall", "Das Fallkennzeichen darf höchstens 64 Zeichen haben."},
	"gender_preference": {"geschlecht", "Bitte wählen Sie aus der Liste."},
}

type fieldMessage struct{ field, message string }

// germanFields says a validation error of the domain next to the form's
// fields, in German. The domain's own words are English (issue: German
// messages in the API); until then each field has its German sentence.
func germanFields(ve *catalogue.ValidationError, names map[string]fieldMessage) map[string]string {
	out := map[string]string{}
	for _, f := range ve.Fields {
		key := f.Field
		if i := strings.IndexAny(key, ".["); i > 0 {
			key = key[:i]
		}
		fm, ok := names[key]
		if !ok {
			fm = fieldMessage{"", "Eine Angabe ist nicht gültig (" + key + ")."}
		}
		if _, seen := out[fm.field]; !seen {
			out[fm.field] = fm.message
		}
	}
	return out
}

// referView is the confirmation step of "Vermitteln": what the referral
// will hold, to check and complete.
type referView struct {
	EntryID, EntryName, EntryKind string
	Form                          url.Values
	Departments, Districts        []option
	HelpKinds                     []quarterGroup
}

var referFieldNames = map[string]fieldMessage{
	"case_ref":   {"fall", "Bitte geben Sie das Fallkennzeichen an (höchstens 64 Zeichen, keine Namen)."},
	"department": {"fachbereich", "Bitte wählen Sie den zuständigen Fachbereich."}, "district": {"sozialraum", "Bitte wählen Sie den Sozialraum des Falls."},
	"help_kinds": {"hilfeart", "Bitte wählen Sie mindestens eine Hilfeart."}, "entry_id": {"", "Dieser Eintrag nimmt gerade keine Fälle an."},
	"frame": {"rahmen", "Bitte fassen Sie den Rahmen kürzer (höchstens 300 Zeichen)."}, "note": {"notiz", "Bitte fassen Sie die Notiz kürzer (höchstens 1000 Zeichen)."},
	"replaces": {"kosten", "Bitte geben Sie die monatlichen Kosten als Betrag von 0 bis 100.000 € an."},
}

// refer is "Vermitteln": first the confirmation form, prefilled from the
// case; confirmed, the referral is recorded and opened.
func (a *App) refer(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Das Formular ließ sich nicht lesen.")
	}
	entryID := form.Get("eintrag")
	rv := &referView{EntryID: entryID, Form: form}
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	show := func(status int, errs map[string]string, msg string) error {
		pl, err := a.cat.Placement(ctx, me.Principal(), entryID)
		if err != nil && !errors.Is(err, catalogue.ErrConflict) {
			return err
		}
		rv.EntryName, rv.EntryKind = pl.Name, kindLabels[pl.Kind]
		for _, d := range referral.Departments {
			rv.Departments = append(rv.Departments, option{Value: d.Code, Label: d.Label, Selected: d.Code == form.Get("fachbereich")})
		}
		rv.Districts = v.districtOptions(form.Get("sozialraum"))
		rv.HelpKinds = v.helpGroups(form["hilfeart"]...)
		return a.render(c, status, "refer", page{Title: "Vermitteln", Error: msg, Errors: errs, Data: rv})
	}
	if form.Get("bestaetigt") == "" {
		return show(http.StatusOK, nil, "")
	}
	in := referral.Input{CaseRef: strings.TrimSpace(form.Get("fall")), EntryID: entryID, District: form.Get("sozialraum"),
		Department: form.Get("fachbereich"), HelpKinds: form["hilfeart"], Frame: strings.TrimSpace(form.Get("rahmen")),
		Note: strings.TrimSpace(form.Get("notiz"))}
	errs := map[string]string{}
	if m := strings.TrimSpace(form.Get("massnahme")); m != "" || strings.TrimSpace(form.Get("kosten")) != "" {
		cost, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(form.Get("kosten")), ",", ".", 1), 64)
		if err != nil || cost < 0 {
			errs["kosten"] = "Bitte geben Sie die monatlichen Kosten als Betrag an, zum Beispiel 450 oder 450,50."
		}
		in.Replaces = &referral.Measure{Name: m, MonthlyCost: cost}
	}
	if len(errs) > 0 {
		return show(http.StatusUnprocessableEntity, errs, "Bitte prüfen Sie die markierten Angaben.")
	}
	r, err := a.referrals.Create(ctx, me.Principal(), in)
	var ve *catalogue.ValidationError
	switch {
	case errors.As(err, &ve):
		return show(http.StatusUnprocessableEntity, germanFields(ve, referFieldNames), "Bitte prüfen Sie die markierten Angaben.")
	case errors.Is(err, catalogue.ErrConflict):
		return show(http.StatusConflict, nil, "Dieser Eintrag kann gerade keinen Fall übernehmen: er ist voll belegt oder nicht mehr aktiv. Bitte wählen Sie einen anderen Vorschlag.")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/vermittlungen/"+r.ID+"?ok=angelegt")
}

// contactLine is how to reach a group, after its name.
func contactLine(c catalogue.Contact) string {
	var parts []string
	for _, p := range []string{c.Name, c.Phone, c.Email} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (Kontakt: " + strings.Join(parts, ", ") + ")"
}
