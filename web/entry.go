package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/referral"
)

// entryView is an entry's detail page.
type entryView struct {
	ID, Name, Kind, Status, Path string
	Version                      int64
	Facts                        []fact
	Text                         []fact // longer texts, shown as paragraphs
	Notice                       string
	Engagement                   []fact
	// Members are a neighbourhood help's volunteers (as search finds them
	// for the reader: the read is audited) and MoreMembers how many more.
	Members                      []member
	MoreMembers                  int
	MayEdit, MayVerify, MayRefer bool
	MayArchive                   bool
	HelpKinds                    []string // what a referral from here proposes
	state                        catalogue.Status
}

// member is a volunteer of a group, linked to her page.
type member struct{ ID, Name string }

// fact is one labelled line of a detail page.
type fact struct{ Label, Value string }

func (a *App) entryPage(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	id := c.Param("id")
	k := catalogue.KindOfID(id)
	if k == "" {
		return echo.ErrNotFound
	}
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	p := me.Principal()
	ev, err := a.describe(c, p, v, k, id)
	if err != nil {
		return err
	}
	ev.MayEdit = catalogue.MayWrite(p, k)
	ev.MayVerify = p.Is(access.RoleResourceManager)
	ev.Status = entryStatusLabels[ev.state]
	ev.MayArchive = k != catalogue.KindOffer && catalogue.MayWrite(p, k) && ev.state != catalogue.StatusArchived
	ev.MayRefer = p.Is(access.RoleResourceManager, access.RoleCaseManager) && (ev.state == catalogue.StatusActive || ev.state == catalogue.StatusApproved)
	if p.Is(access.RoleResourceManager, access.RoleCaseManager) && a.referrals != nil {
		g, err := a.referrals.Engagement(ctx, p, k, id)
		if err != nil {
			return err
		}
		ev.Engagement = []fact{{"Laufende Vermittlungen", strconv.Itoa(g.Running)},
			{"davon aktiv", strconv.Itoa(g.Active)},
			{"Erfolgreich beendet", strconv.Itoa(g.Ended[referral.Successful])}}
		if g.LastPlaced != "" {
			ev.Engagement = append(ev.Engagement, fact{"Zuletzt vermittelt", day(g.LastPlaced)})
		}
	}
	if k == catalogue.KindNeighbourhoodHelp && p.Is(access.RoleResourceManager, access.RoleCaseManager) {
		res, err := a.cat.Search(ctx, p, a.searcher, catalogue.SearchQuery{Kinds: []catalogue.Kind{catalogue.KindVolunteer}, Group: id,
			Sort: "updated", Page: catalogue.Page{Limit: 50}})
		if err != nil {
			return err
		}
		for _, h := range res.Items {
			ev.Members = append(ev.Members, member{ID: h.ID, Name: h.Name})
		}
		sort.Slice(ev.Members, func(i, j int) bool { return ev.Members[i].Name < ev.Members[j].Name })
		ev.MoreMembers = res.Total - len(res.Items)
	}
	info := map[string]string{"geprueft": "Der Eintrag ist als geprüft vermerkt.", "gespeichert": "Die Änderungen sind gespeichert.",
		"angelegt": "Der Eintrag ist angelegt.", "eingereicht": "Die Änderung ist eingereicht; die Stadt prüft sie.",
		"archiviert": "Der Eintrag ist archiviert: er erscheint in keiner Liste und keinem Vorschlag mehr. Zurück holen Sie ihn, indem Sie ihm beim Bearbeiten einen anderen Status geben."}[c.QueryParam("ok")]
	return a.render(c, http.StatusOK, "entry", page{Title: ev.Name, Info: info, Data: ev})
}

// describe reads the entry (the read is audited by the catalogue) and
// says it in German.
func (a *App) describe(c echo.Context, p access.Principal, v *vocab, k catalogue.Kind, id string) (*entryView, error) {
	ctx := c.Request().Context()
	ev := &entryView{ID: id, Kind: kindLabels[k], Path: kindPaths[k]}
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			ev.Facts = append(ev.Facts, fact{label, value})
		}
	}
	text := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			ev.Text = append(ev.Text, fact{label, value})
		}
	}
	slots := func(ss []catalogue.Slot) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = fmt.Sprintf("%s %s–%s", dayLabels[s.Day], s.From, s.To)
		}
		return strings.Join(out, ", ")
	}
	contact := func(c catalogue.Contact) string {
		return strings.Join(nonEmpty(c.Name, c.Phone, c.Email), " · ")
	}
	place := func(pl catalogue.Place) string {
		return strings.Join(nonEmpty(pl.Quarter, v.district[pl.District]), ", ")
	}
	switch k {
	case catalogue.KindVolunteer:
		e, err := a.cat.Volunteer(ctx, p, id)
		if err != nil {
			return nil, err
		}
		ev.Name, ev.state, ev.Version, ev.HelpKinds = e.Name, e.Status, e.Version, e.HelpKinds
		add("Hilfearten", labels(v.help, e.HelpKinds))
		add("Sozialräume", labels(v.district, e.Districts))
		add("Wohnt in", place(e.Home))
		add("Kontakt", contact(e.Contact))
		var langs []string
		for _, l := range e.Languages {
			langs = append(langs, labels(catalogue.LanguageNames, []string{l.Code})+" ("+levelLabels[l.Level]+")")
		}
		add("Sprachen", strings.Join(langs, ", "))
		add("Zielgruppen", labels(v.target, e.TargetGroups))
		add("Zeiten", slots(e.Availability))
		add("Unterwegs mit", labels(mobilityLabels, e.Mobility))
		add("Geschlecht", genderLabels[e.Gender])
		if e.BirthYear > 0 {
			add("Geburtsjahr", strconv.Itoa(e.BirthYear))
		}
		add("Kapazität", fmt.Sprintf("%d Fälle gleichzeitig (davon %d außerhalb von Maßanzug)", e.Capacity, e.Load))
		add("Schulungen", strings.Join(e.Trainings, ", "))
		var groups []string
		for _, g := range e.Groups {
			name := g
			if n, err := a.cat.NeighbourhoodHelp(ctx, p, g); err == nil {
				name = n.Name + " (" + g + ")"
			}
			groups = append(groups, name)
		}
		add("Hilft in", strings.Join(groups, ", "))
		cert := "keines gültig"
		if e.PoliceCertificateValid {
			cert = "gültig"
		}
		if e.PoliceCertificate != nil {
			cert += ", gesehen am " + day(e.PoliceCertificate.SeenOn) + ", gültig bis " + day(e.PoliceCertificate.ValidUntil)
		}
		add("Erweitertes Führungszeugnis", cert)
		if e.Consent != nil {
			add("Einwilligung", "erteilt am "+day(e.Consent.GivenOn))
		}
		add("Zuletzt geprüft", a.dayOf(e.VerifiedAt))
		text("Lebenserfahrung", e.LifeExperience)
		text("Interessen", e.Interests)
	case catalogue.KindNeighbourhoodHelp:
		e, err := a.cat.NeighbourhoodHelp(ctx, p, id)
		if err != nil {
			return nil, err
		}
		ev.Name, ev.state, ev.Version, ev.HelpKinds = e.Name, e.Status, e.Version, e.HelpKinds
		add("Kennung", e.ID)
		add("Hilfearten", labels(v.help, e.HelpKinds))
		add("Sozialräume", labels(v.district, e.Districts))
		add("Quartiere", strings.Join(e.Quarters, ", "))
		add("Sitz", place(e.Location))
		add("Koordination", contact(e.Coordinator))
		add("Sprachen", languageList(e.Languages))
		add("Zielgruppen", labels(v.target, e.TargetGroups))
		add("Zeiten", slots(e.Availability))
		if e.Capacity != nil {
			add("Kapazität", fmt.Sprintf("%d Fälle gleichzeitig", *e.Capacity))
		}
		if e.CostPerHour != nil {
			add("Kosten", euro(*e.CostPerHour)+" je Stunde")
		}
		add("Zuletzt geprüft", a.dayOf(e.VerifiedAt))
		text("Beschreibung", e.Description)
	case catalogue.KindOffer:
		e, err := a.cat.Offer(ctx, p, id)
		if err != nil {
			return nil, err
		}
		ev.Name, ev.state, ev.Version, ev.HelpKinds = e.Name, e.Status, e.Version, e.HelpKinds
		a.offerFacts(v, &e.OfferInput, add, text, slots, contact, place)
		add("Zuletzt geprüft", a.dayOf(e.VerifiedAt))
		switch {
		case e.PendingChange != nil:
			ev.Notice = "Eine Änderung des Trägers wartet auf Freigabe (eingereicht am " + a.dayOf(&e.PendingChange.SubmittedAt) + "). Bis dahin gilt die freigegebene Fassung."
		case e.RejectionReason != "" && e.Status == catalogue.StatusApproved:
			ev.Notice = "Die letzte Änderung wurde abgelehnt: " + e.RejectionReason
		case e.RejectionReason != "":
			ev.Notice = "Abgelehnt: " + e.RejectionReason
		}
		if p.Is(access.RoleProvider) {
			ev.MayEdit = e.ProviderID == p.ProviderID
		}
	}
	return ev, nil
}

// offerFacts says an offer's input in German; the approval inbox shows a
// waiting change the same way.
func (a *App) offerFacts(v *vocab, e *catalogue.OfferInput, add, text func(label, value string), slots func([]catalogue.Slot) string,
	contact func(catalogue.Contact) string, place func(catalogue.Place) string) {
	add("Kategorie", v.category[e.Category])
	add("Hilfearten", labels(v.help, e.HelpKinds))
	add("Sozialräume", labels(v.district, e.Districts))
	add("Ort", place(e.Location))
	add("Adresse", strings.Join(nonEmpty(e.Address.Street, strings.TrimSpace(e.Address.PostalCode+" "+e.Address.City)), ", "))
	add("Öffnungszeiten", e.OpeningTimes)
	add("Termine", slots(e.Schedule))
	period := ""
	switch {
	case e.ValidFrom != "" && e.ValidUntil != "":
		period = day(e.ValidFrom) + " bis " + day(e.ValidUntil)
	case e.ValidFrom != "":
		period = "ab " + day(e.ValidFrom)
	case e.ValidUntil != "":
		period = "bis " + day(e.ValidUntil)
	}
	add("Zeitraum", period)
	cost := e.CostNote
	if e.CostEUR != nil {
		cost = strings.TrimSpace(euro(*e.CostEUR) + " " + cost)
	}
	add("Kosten", cost)
	add("Barrierefrei", yesNo(e.Accessible))
	add("Anmeldung nötig", yesNo(e.RegistrationRequired))
	add("Sprachen", languageList(e.Languages))
	add("Zielgruppen", labels(v.target, e.TargetGroups))
	age := ""
	switch el := e.Eligibility; {
	case el.MinAge != nil && el.MaxAge != nil:
		age = fmt.Sprintf("%d bis %d Jahre", *el.MinAge, *el.MaxAge)
	case el.MinAge != nil:
		age = fmt.Sprintf("ab %d Jahren", *el.MinAge)
	case el.MaxAge != nil:
		age = fmt.Sprintf("bis %d Jahre", *el.MaxAge)
	}
	add("Alter", age)
	add("Kontakt", contact(e.Contact))
	if e.Capacity != nil {
		add("Plätze", strconv.Itoa(*e.Capacity))
	}
	text("Beschreibung", e.Description)
	text("Wer teilnehmen kann", e.Eligibility.Note)
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nein"
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func (a *App) verifyEntry(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	id := c.Param("id")
	p := me.Principal()
	var err error
	switch catalogue.KindOfID(id) {
	case catalogue.KindVolunteer:
		_, err = a.cat.VerifyVolunteer(ctx, p, id)
	case catalogue.KindNeighbourhoodHelp:
		_, err = a.cat.VerifyNeighbourhoodHelp(ctx, p, id)
	case catalogue.KindOffer:
		_, err = a.cat.VerifyOffer(ctx, p, id)
	default:
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	back := "/eintrag/" + id + "?ok=geprueft"
	if c.FormValue("zurueck") == "pruefen" {
		back = "/katalog/pruefen?ok=geprueft"
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// archiveEntry takes an entry out of every list and match; it stays in
// the database for the referrals and figures that name it, and staff
// bring it back by setting another status.
func (a *App) archiveEntry(c echo.Context) error {
	me, _ := user(c)
	ctx, p, id := c.Request().Context(), me.Principal(), c.Param("id")
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	var err error
	switch catalogue.KindOfID(id) {
	case catalogue.KindVolunteer:
		err = a.cat.ArchiveVolunteer(ctx, p, id, version)
	case catalogue.KindNeighbourhoodHelp:
		err = a.cat.ArchiveNeighbourhoodHelp(ctx, p, id, version)
	default:
		// Offers end with their period or are rejected; an archived offer
		// could come back only by a provider's new submission.
		return echo.ErrNotFound
	}
	if errors.Is(err, catalogue.ErrVersionMismatch) {
		return echo.NewHTTPError(http.StatusConflict, "Jemand hat den Eintrag inzwischen geändert. Bitte laden Sie ihn neu.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/eintrag/"+id+"?ok=archiviert")
}
