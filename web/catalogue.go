package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/hsds"
	"massanzug/transfer"
	"massanzug/wording"
)

// entryFormView is the form of one entry, new or to change.
type entryFormView struct {
	Kind, Path, Action, ID, Cancel string
	Version                        int64
	Fields                         []formView
	New, Pending                   bool
}

func (a *App) kindOf(c echo.Context) (catalogue.Kind, error) {
	k, ok := kindOfPath(c.Param("art"))
	if !ok {
		return "", echo.ErrNotFound
	}
	me, _ := user(c)
	if !catalogue.MayWrite(me.Principal(), k) {
		return "", echo.NewHTTPError(http.StatusForbidden, "Diese Einträge pflegt das Ressourcenmanagement.")
	}
	return k, nil
}

// fieldsOf are the form's fields for kind k as p fills them: staff choose
// the provider of an offer, a provider's is its own.
func (a *App) fieldsOf(c echo.Context, p access.Principal, k catalogue.Kind) ([]formField, error) {
	switch k {
	case catalogue.KindVolunteer:
		return volunteerFields, nil
	case catalogue.KindNeighbourhoodHelp:
		return helpFields, nil
	}
	if p.Is(access.RoleProvider) {
		return offerFields(nil), nil
	}
	providers, _, err := a.cat.Providers(c.Request().Context(), p, catalogue.StatusActive, "", catalogue.Page{Limit: 1000})
	if err != nil {
		return nil, err
	}
	opts := make([]option, len(providers))
	for i, pr := range providers {
		opts[i] = option{Value: pr.ID, Label: pr.Name}
	}
	return offerFields(func(*vocab) []option { return opts }), nil
}

func (a *App) newEntryForm(c echo.Context) error {
	k, err := a.kindOf(c)
	if err != nil {
		return err
	}
	vals := url.Values{}
	if k == catalogue.KindVolunteer {
		vals.Set("capacity", "1")
		vals.Set("languages-de", "native")
	}
	return a.entryForm(c, http.StatusOK, k, "", 0, vals, nil, "", false)
}

func (a *App) editEntryForm(c echo.Context) error {
	k, err := a.kindOf(c)
	if err != nil {
		return err
	}
	me, _ := user(c)
	ctx, p, id := c.Request().Context(), me.Principal(), c.Param("id")
	if catalogue.KindOfID(id) != k {
		return echo.ErrNotFound
	}
	var vals url.Values
	var version int64
	pending := false
	switch k {
	case catalogue.KindVolunteer:
		e, err := a.cat.Volunteer(ctx, p, id)
		if err != nil {
			return err
		}
		vals, version = volunteerValues(e.VolunteerInput), e.Version
	case catalogue.KindNeighbourhoodHelp:
		e, err := a.cat.NeighbourhoodHelp(ctx, p, id)
		if err != nil {
			return err
		}
		vals, version = helpValues(e.NeighbourhoodHelpInput), e.Version
	case catalogue.KindOffer:
		e, err := a.cat.Offer(ctx, p, id)
		if err != nil {
			return err
		}
		in := e.OfferInput
		if e.PendingChange != nil && p.Is(access.RoleProvider) {
			// A provider goes on from its own change, not the approved version.
			in, pending = e.PendingChange.Input, true
		}
		vals, version = offerValues(in), e.Version
	}
	return a.entryForm(c, http.StatusOK, k, id, version, vals, nil, "", pending)
}

func (a *App) entryForm(c echo.Context, status int, k catalogue.Kind, id string, version int64, vals url.Values, errs map[string]string, msg string, pending bool) error {
	me, _ := user(c)
	v, err := a.vocab(c.Request().Context())
	if err != nil {
		return err
	}
	fields, err := a.fieldsOf(c, me.Principal(), k)
	if err != nil {
		return err
	}
	if k == catalogue.KindVolunteer {
		if err := a.withGroups(c.Request().Context(), me.Principal(), v, vals["districts"], vals["groups"]); err != nil {
			return err
		}
	}
	fv := &entryFormView{Kind: kindLabels[k], Path: kindPaths[k], ID: id, Version: version, New: id == "", Pending: pending,
		Fields: viewsOf(fields, v, vals, errs)}
	fv.Action, fv.Cancel = "/katalog/"+fv.Path, "/katalog"
	title := kindLabels[k] + " anlegen"
	if id != "" {
		fv.Action, fv.Cancel = "/katalog/"+fv.Path+"/"+id, "/eintrag/"+id
		title = kindLabels[k] + " bearbeiten"
	}
	if me.Role == access.RoleProvider {
		fv.Cancel = "/traeger"
	}
	return a.render(c, status, "entry-form", page{Title: title, Error: msg, Errors: errs, Data: fv})
}

// saveEntry creates (no id) or changes an entry from the form.
func (a *App) saveEntry(c echo.Context) error {
	k, err := a.kindOf(c)
	if err != nil {
		return err
	}
	me, _ := user(c)
	ctx, p, id := c.Request().Context(), me.Principal(), c.Param("id")
	if id != "" && catalogue.KindOfID(id) != k {
		return echo.ErrNotFound
	}
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Das Formular ließ sich nicht lesen.")
	}
	version, _ := strconv.ParseInt(vals.Get("version"), 10, 64)
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	fields, err := a.fieldsOf(c, p, k)
	if err != nil {
		return err
	}
	var errs map[string]string
	var saved string
	var write func() (string, error)
	switch k {
	case catalogue.KindVolunteer:
		var in catalogue.VolunteerInput
		in, errs = readVolunteer(vals, v)
		write = func() (string, error) {
			if id == "" {
				e, err := a.cat.CreateVolunteer(ctx, p, in)
				if err != nil {
					return "", err
				}
				return e.ID, nil
			}
			_, err := a.cat.UpdateVolunteer(ctx, p, id, version, in)
			return id, err
		}
	case catalogue.KindNeighbourhoodHelp:
		var in catalogue.NeighbourhoodHelpInput
		in, errs = readHelp(vals, v)
		write = func() (string, error) {
			if id == "" {
				e, err := a.cat.CreateNeighbourhoodHelp(ctx, p, in)
				if err != nil {
					return "", err
				}
				return e.ID, nil
			}
			_, err := a.cat.UpdateNeighbourhoodHelp(ctx, p, id, version, in)
			return id, err
		}
	case catalogue.KindOffer:
		var in catalogue.OfferInput
		in, errs = readOffer(vals, v)
		write = func() (string, error) {
			if id == "" {
				e, err := a.cat.CreateOffer(ctx, p, in)
				if err != nil {
					return "", err
				}
				return e.ID, nil
			}
			_, err := a.cat.UpdateOffer(ctx, p, id, version, in)
			return id, err
		}
	}
	if len(errs) > 0 {
		return a.entryForm(c, http.StatusUnprocessableEntity, k, id, version, vals, errs, "Bitte prüfen Sie die markierten Angaben.", false)
	}
	saved, err = write()
	var ve *catalogue.ValidationError
	switch {
	case errors.As(err, &ve):
		return a.entryForm(c, http.StatusUnprocessableEntity, k, id, version, vals, entryErrors(ve, fields), "Bitte prüfen Sie die markierten Angaben.", false)
	case errors.Is(err, catalogue.ErrVersionMismatch):
		return a.entryForm(c, http.StatusConflict, k, id, version, vals, nil,
			"Jemand hat den Eintrag inzwischen geändert. Bitte öffnen Sie ihn neu und tragen Sie Ihre Änderung dort ein.", false)
	case err != nil:
		return err
	}
	ok := "gespeichert"
	if id == "" {
		ok = "angelegt"
	}
	if p.Is(access.RoleProvider) {
		ok = "eingereicht"
	}
	return c.Redirect(http.StatusSeeOther, "/eintrag/"+saved+"?ok="+ok)
}

// catalogueView is the overview of "Katalog pflegen".
type catalogueView struct {
	Kinds            []option
	Review, Approval int
}

func (a *App) catalogueHome(c echo.Context) error {
	me, _ := user(c)
	ctx, p := c.Request().Context(), me.Principal()
	// Counts only: a page of none is not read (LIMIT 0).
	_, review, err := a.cat.ReviewQueue(ctx, p, "", "", catalogue.Page{Limit: 0})
	if err != nil {
		return err
	}
	_, approval, err := a.cat.Offers(ctx, p, catalogue.ListQuery{AwaitingApproval: true, Page: catalogue.Page{Limit: 0}})
	if err != nil {
		return err
	}
	cv := &catalogueView{Review: review, Approval: approval}
	for _, k := range catalogue.Kinds {
		cv.Kinds = append(cv.Kinds, option{Value: kindPaths[k], Label: kindLabels[k]})
	}
	return a.render(c, http.StatusOK, "catalogue", page{Title: "Katalog pflegen", Data: cv})
}

// reviewView is the review queue.
type reviewView struct {
	Rows           []reviewRow
	Total, First   int
	Prev, Next     string
	Kinds          []option
	Districts      []option
	KindF, DistF   string
	ReviewInterval string
}

type reviewRow struct {
	ID, Name, Kind, Districts, Reasons string
}

func (a *App) reviewQueue(c echo.Context) error {
	me, _ := user(c)
	ctx, p := c.Request().Context(), me.Principal()
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	kind := catalogue.Kind(c.QueryParam("art"))
	if kind != "" && kindLabels[kind] == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "Diese Art gibt es nicht.")
	}
	district := c.QueryParam("sozialraum")
	if district != "" && v.district[district] == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "Diesen Sozialraum gibt es nicht.")
	}
	pg := pageOf(c, "/katalog/pruefen", 50)
	items, total, err := a.cat.ReviewQueue(ctx, p, kind, district, pg.Page)
	if err != nil {
		return err
	}
	rv := &reviewView{Total: total, First: pg.Offset + 1, Districts: v.districtOptions(district), KindF: string(kind), DistF: district}
	for _, k := range catalogue.Kinds {
		rv.Kinds = append(rv.Kinds, option{Value: string(k), Label: kindLabels[k], Selected: k == kind})
	}
	now := a.cat.Now()
	for _, it := range items {
		var reasons []string
		for _, r := range it.Reasons {
			label := reviewReasonLabels[r]
			if r == "verification_due" && it.VerifiedAt != nil {
				label = "seit " + monthsSince(*it.VerifiedAt, now) + " nicht geprüft"
			}
			if r == "period_ended" {
				label = "Angebot abgelaufen am " + day(it.ValidUntil)
			}
			reasons = append(reasons, label)
		}
		rv.Rows = append(rv.Rows, reviewRow{ID: it.ID, Name: it.Name, Kind: kindLabels[it.Kind], Districts: labels(v.district, it.Districts),
			Reasons: strings.Join(reasons, ", ")})
	}
	rv.Prev, rv.Next = pg.links(len(items), total)
	info := map[string]string{"geprueft": "Der Eintrag ist als geprüft vermerkt."}[c.QueryParam("ok")]
	return a.render(c, http.StatusOK, "review", page{Title: "Prüfen", Info: info, Data: rv})
}

// approvalView is the approval inbox.
type approvalView struct {
	Items []approvalItem
	Total int
}

type approvalItem struct {
	ID, Name, Provider, Status, Submitted, Reason string
	Changes                                       []change
	Facts                                         []fact
	New                                           bool
}

type change struct{ Label, Before, After string }

// fieldLabels name an offer's fields as the inbox shows what changed.
var fieldLabels = map[string]string{
	"provider_id": "Träger", "name": "Name", "description": "Beschreibung", "category": "Kategorie", "help_kinds": "Hilfearten",
	"target_groups": "Zielgruppen", "districts": "Sozialräume", "address": "Adresse", "location": "Ort", "opening_times": "Öffnungszeiten",
	"schedule": "Feste Termine", "valid_from": "Gültig ab", "valid_until": "Gültig bis", "cost_eur": "Kosten", "cost_note": "Zu den Kosten",
	"accessible": "Barrierefrei", "languages": "Sprachen", "eligibility": "Wer teilnehmen kann", "registration_required": "Anmeldung nötig",
	"contact": "Kontakt", "capacity": "Plätze", "load": "Belegt außerhalb",
}

func (a *App) approvals(c echo.Context) error {
	me, _ := user(c)
	ctx, p := c.Request().Context(), me.Principal()
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	offers, total, err := a.cat.Offers(ctx, p, catalogue.ListQuery{AwaitingApproval: true, Page: catalogue.Page{Limit: 100}})
	if err != nil {
		return err
	}
	providers := map[string]string{}
	av := &approvalView{Total: total}
	for _, o := range offers {
		if _, ok := providers[o.ProviderID]; !ok {
			pr, err := a.cat.Provider(ctx, p, o.ProviderID)
			if err == nil {
				providers[o.ProviderID] = pr.Name
			}
		}
		it := approvalItem{ID: o.ID, Name: o.Name, Provider: providers[o.ProviderID], Status: entryStatusLabels[o.Status], Submitted: a.dayOf(&o.UpdatedAt)}
		if o.PendingChange == nil {
			it.New = true
			a.offerFacts(v, &o.OfferInput, func(l, val string) {
				if strings.TrimSpace(val) != "" {
					it.Facts = append(it.Facts, fact{l, val})
				}
			}, func(l, val string) {
				if strings.TrimSpace(val) != "" {
					it.Facts = append(it.Facts, fact{l, val})
				}
			}, slotText, contactText, func(pl catalogue.Place) string {
				return strings.Join(nonEmpty(pl.Quarter, v.district[pl.District]), ", ")
			})
		} else {
			it.Submitted = a.dayOf(&o.PendingChange.SubmittedAt)
			before, after := a.offerLines(v, &o.OfferInput), a.offerLines(v, &o.PendingChange.Input)
			for _, f := range o.PendingChange.Fields {
				label := fieldLabels[f]
				if label == "" {
					label = f
				}
				it.Changes = append(it.Changes, change{Label: label, Before: before[f], After: after[f]})
			}
		}
		av.Items = append(av.Items, it)
	}
	info := map[string]string{"freigegeben": "Das Angebot ist freigegeben.", "abgelehnt": "Die Ablehnung ist dem Träger mitgeteilt."}[c.QueryParam("ok")]
	return a.render(c, http.StatusOK, "approvals", page{Title: "Freigaben", Info: info, Data: av, Form: map[string]string{"grund-id": map[bool]string{true: c.QueryParam("id")}[c.QueryParam("fehler") == "grund"]}})
}

func contactText(c catalogue.Contact) string {
	return strings.Join(nonEmpty(c.Name, c.Phone, c.Email), " · ")
}

// offerLines says each top-level field of an offer as one line, keyed as
// in the JSON: what the inbox puts side by side.
func (a *App) offerLines(v *vocab, o *catalogue.OfferInput) map[string]string {
	age := ""
	if o.Eligibility.MinAge != nil || o.Eligibility.MaxAge != nil {
		age = fmt.Sprintf("Alter %s–%s", ptoa(o.Eligibility.MinAge), ptoa(o.Eligibility.MaxAge))
	}
	cost := o.CostNote
	if o.CostEUR != nil {
		cost = euro(*o.CostEUR)
	}
	return map[string]string{
		"provider_id": o.ProviderID, "name": o.Name, "description": o.Description, "category": v.category[o.Category],
		"help_kinds": labels(v.help, o.HelpKinds), "target_groups": labels(v.target, o.TargetGroups), "districts": labels(v.district, o.Districts),
		"address":  strings.Join(nonEmpty(o.Address.Street, strings.TrimSpace(o.Address.PostalCode+" "+o.Address.City)), ", "),
		"location": strings.Join(nonEmpty(o.Location.Quarter, v.district[o.Location.District]), ", "), "opening_times": o.OpeningTimes,
		"schedule": slotText(o.Schedule), "valid_from": day(o.ValidFrom), "valid_until": day(o.ValidUntil), "cost_eur": cost, "cost_note": o.CostNote,
		"accessible": yesNo(o.Accessible), "languages": languageList(o.Languages), "eligibility": strings.Join(nonEmpty(age, o.Eligibility.Note), "; "),
		"registration_required": yesNo(o.RegistrationRequired), "contact": contactText(o.Contact), "capacity": ptoa(o.Capacity), "load": itoa(o.Load),
	}
}

func (a *App) decideOffer(c echo.Context) error {
	me, _ := user(c)
	ctx, p, id := c.Request().Context(), me.Principal(), c.Param("id")
	if catalogue.KindOfID(id) != catalogue.KindOffer {
		return echo.ErrNotFound
	}
	var err error
	ok := "freigegeben"
	switch c.Param("entscheidung") {
	case "freigeben":
		_, err = a.cat.ApproveOffer(ctx, p, id)
	case "ablehnen":
		ok = "abgelehnt"
		_, err = a.cat.RejectOffer(ctx, p, id, c.FormValue("grund"))
	default:
		return echo.ErrNotFound
	}
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		return c.Redirect(http.StatusSeeOther, "/katalog/freigaben?fehler=grund&id="+url.QueryEscape(id))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/katalog/freigaben?ok="+ok)
}

// importView is the import with its row report, and the exports.
type importView struct {
	Kinds                               []option
	Rows, Imported                      int
	Created, Updated, Unchanged, Failed int
	Lines                               []importLine
	More                                int
	Problems                            int
	Done                                bool
	DryRun, Overwrite, AllowDuplicates  bool
}

// importLine is one row of the report: what the import does with it.
type importLine struct {
	Line             int
	Outcome, ID      string
	Fields, Messages []string
	Bad              bool
}

var importOutcomeLabels = map[catalogue.Outcome]string{
	catalogue.Created: "neu", catalogue.Updated: "geändert", catalogue.Unchanged: "unverändert", catalogue.Rejected: "abgelehnt",
}

// maxReportLines bounds the report's table; the counts cover every row.
const maxReportLines = 1000

const maxWebImport = 16 << 20

func (a *App) importForm(c echo.Context) error {
	iv := &importView{DryRun: true}
	for _, k := range catalogue.Kinds {
		iv.Kinds = append(iv.Kinds, option{Value: string(k), Label: kindLabels[k]})
	}
	return a.render(c, http.StatusOK, "import", page{Title: "Import und Export", Data: iv})
}

func (a *App) importFile(c echo.Context) error {
	me, _ := user(c)
	kind := catalogue.Kind(c.FormValue("art"))
	iv := &importView{DryRun: c.FormValue("probelauf") != "", Overwrite: c.FormValue("ueberschreiben") != "", AllowDuplicates: c.FormValue("dubletten") != ""}
	for _, k := range catalogue.Kinds {
		iv.Kinds = append(iv.Kinds, option{Value: string(k), Label: kindLabels[k], Selected: k == kind})
	}
	fail := func(msg string) error {
		return a.render(c, http.StatusUnprocessableEntity, "import", page{Title: "Import und Export", Error: msg, Data: iv})
	}
	if kindLabels[kind] == "" {
		return fail("Bitte wählen Sie, was die Datei enthält.")
	}
	fh, err := c.FormFile("datei")
	if err != nil {
		return fail("Bitte wählen Sie eine Datei (CSV, Excel oder JSON).")
	}
	if fh.Size > maxWebImport {
		return fail("Die Datei ist größer als 16 MB. Bitte teilen Sie sie auf.")
	}
	format := transfer.CSV
	switch strings.ToLower(filepath.Ext(fh.Filename)) {
	case ".xlsx":
		format = transfer.XLSX
	case ".json":
		format = transfer.JSON
	}
	f, err := fh.Open()
	if err != nil {
		return fail("Die Datei ließ sich nicht lesen.")
	}
	defer f.Close()
	ctx := c.Request().Context()
	vocab, err := transfer.VocabOf(ctx, a.cat, me.Principal())
	if err != nil {
		return err
	}
	rows, err := transfer.Parse(kind, format, f, vocab)
	if err != nil {
		return fail("Die Datei ließ sich nicht als Tabelle mit den Spalten des Exports lesen: " + wording.Say(true, err.Error()))
	}
	rep, err := a.cat.Import(ctx, me.Principal(), kind, rows, catalogue.ImportOptions{DryRun: iv.DryRun, Overwrite: iv.Overwrite, AllowDuplicates: iv.AllowDuplicates})
	if err != nil {
		return err
	}
	iv.Done, iv.Rows, iv.Imported, iv.Problems = true, rep.Rows, rep.Imported, len(rep.Errors)
	iv.Created, iv.Updated, iv.Unchanged, iv.Failed = rep.Created, rep.Updated, rep.Unchanged, rep.Rejected
	for _, r := range rep.Results {
		if r.Outcome == catalogue.Unchanged {
			continue
		}
		if len(iv.Lines) == maxReportLines {
			iv.More++
			continue
		}
		l := importLine{Line: r.Line, Outcome: importOutcomeLabels[r.Outcome], ID: r.ID, Bad: r.Outcome == catalogue.Rejected}
		for _, f := range r.Fields {
			l.Fields = append(l.Fields, transfer.Title(f))
		}
		for _, e := range append(r.Errors, r.Warnings...) {
			l.Messages = append(l.Messages, importMessage(e))
		}
		iv.Lines = append(iv.Lines, l)
	}
	status := http.StatusOK
	if iv.Problems > 0 {
		status = http.StatusUnprocessableEntity
	}
	return a.render(c, status, "import", page{Title: "Import und Export", Data: iv})
}

// importMessage says in German what is wrong with a row's field.
func importMessage(e catalogue.FieldError) string {
	msg := e.German
	if msg == "" {
		msg, _ = wording.German(e.Message)
	}
	if msg == "" {
		msg = entryMessages[indexRE.ReplaceAllString(e.Field, "")]
	}
	if msg == "" {
		msg = e.Message
	}
	if t := transfer.Title(e.Field); t != "" {
		return t + ": " + msg
	}
	return msg
}

// exportFile downloads every entry of a kind as the import reads it back.
func (a *App) exportFile(c echo.Context) error {
	me, _ := user(c)
	kind := catalogue.Kind(c.QueryParam("art"))
	format := transfer.Format(c.QueryParam("format"))
	if kindLabels[kind] == "" || (format != transfer.CSV && format != transfer.XLSX) {
		return echo.NewHTTPError(http.StatusBadRequest, "Bitte Art und Format (csv oder xlsx) wählen.")
	}
	ctx := c.Request().Context()
	vocab, err := transfer.VocabOf(ctx, a.cat, me.Principal())
	if err != nil {
		return err
	}
	var entries []any
	if err := a.cat.Export(ctx, me.Principal(), kind, func(e any) error { entries = append(entries, e); return nil }); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, transfer.MediaType(format))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, kindPaths[kind], format))
	c.Response().WriteHeader(http.StatusOK)
	return transfer.Write(c.Response(), kind, format, ';', entries, vocab)
}

// exportOpenData downloads the public catalogue in HSDS 3.0, for the
// city's open-data portal and other directories.
func (a *App) exportOpenData(c echo.Context) error {
	me, _ := user(c)
	form, ok := hsds.FormNamed(c.QueryParam("format"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Bitte ein Format wählen: datapackage oder json.")
	}
	d, err := a.cat.OpenData(c.Request().Context(), me.Principal())
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, form.MediaType)
	h.Set("Content-Disposition", `attachment; filename="`+form.FileName+`"`)
	c.Response().WriteHeader(http.StatusOK)
	return form.Write(c.Response(), hsds.Build(d, hsds.Options{Generated: a.cat.Now()}))
}
