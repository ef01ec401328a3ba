package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
)

// tokensView is the admin's screen of API tokens for integrations.
type tokensView struct {
	Rows                 []tokenRow
	Roles                []option
	Districts, Providers []option
	Plain, PlainName     string
	Form                 map[string]string
}

type tokenRow struct {
	ID, Name, Role, Scope, Created, Revoked string
}

func (a *App) tokenList(c echo.Context) error {
	return a.tokensPage(c, http.StatusOK, page{Info: map[string]string{"widerrufen": "Der Schlüssel ist widerrufen."}[c.QueryParam("ok")]}, nil)
}

func (a *App) tokensPage(c echo.Context, status int, p page, tv *tokensView) error {
	me, _ := user(c)
	ctx, pr := c.Request().Context(), me.Principal()
	if tv == nil {
		tv = &tokensView{Form: map[string]string{}}
	}
	list, err := a.cat.Tokens(ctx, pr)
	if err != nil {
		return err
	}
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	providers, _, err := a.cat.Providers(ctx, pr, "", "", catalogue.Page{Limit: 1000})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, p := range providers {
		names[p.ID] = p.Name
		tv.Providers = append(tv.Providers, option{Value: p.ID, Label: p.Name, Selected: p.ID == tv.Form["traeger"]})
	}
	for _, t := range list {
		row := tokenRow{ID: t.ID, Name: t.Name, Role: roleLabels[t.Role], Created: a.dayOf(&t.CreatedAt), Revoked: a.dayOf(t.RevokedAt)}
		row.Scope = strings.Join(nonEmpty(labels(v.district, t.Districts), names[t.ProviderID]), ", ")
		tv.Rows = append(tv.Rows, row)
	}
	for _, r := range access.Roles {
		tv.Roles = append(tv.Roles, option{Value: string(r), Label: roleLabels[r], Selected: string(r) == tv.Form["rolle"]})
	}
	tv.Districts = v.districtOptions(strings.Split(tv.Form["bezirke"], ",")...)
	p.Title, p.Data = "API-Schlüssel", tv
	return a.render(c, status, "tokens", p)
}

func (a *App) createToken(c echo.Context) error {
	me, _ := user(c)
	form, _ := c.FormParams()
	g := access.Grant{Name: strings.TrimSpace(form.Get("name")), Role: access.Role(form.Get("rolle")), ProviderID: form.Get("traeger"), Districts: form["bezirke"]}
	tv := &tokensView{Form: map[string]string{"name": g.Name, "rolle": string(g.Role), "traeger": g.ProviderID, "bezirke": strings.Join(g.Districts, ",")}}
	errs := map[string]string{}
	if g.Name == "" || len(g.Name) > 100 {
		errs["name"] = "Bitte sagen Sie, wofür der Schlüssel ist (höchstens 100 Zeichen), zum Beispiel „Fachverfahren Jugendhilfe“."
	}
	if !slices.Contains(access.Roles, g.Role) {
		errs["rolle"] = "Bitte wählen Sie eine Rolle."
	}
	if len(errs) == 0 {
		plain, t, err := a.cat.Grant(c.Request().Context(), me.Principal(), g)
		var ig access.ErrInvalidGrant
		switch {
		case errors.As(err, &ig):
			switch {
			case g.Role == access.RoleProvider && g.ProviderID == "":
				errs["traeger"] = "Ein Schlüssel für einen Träger gehört zu einem Träger: bitte wählen Sie ihn."
			case g.Role != access.RoleProvider && g.ProviderID != "":
				errs["traeger"] = "Nur Schlüssel der Rolle Träger gehören zu einem Träger."
			case len(g.Districts) > 0 && g.Role != access.RoleResourceManager:
				errs["bezirke"] = "Nur Schlüssel des Ressourcenmanagements sind an Sozialräume gebunden."
			default:
				errs["traeger"] = "Diesen Träger gibt es nicht, oder er ist archiviert."
			}
		case err != nil:
			return err
		default:
			// The secret is shown this once and never again.
			tv = &tokensView{Form: map[string]string{}, Plain: plain, PlainName: t.Name}
			return a.tokensPage(c, http.StatusCreated, page{Info: "Der Schlüssel ist erstellt."}, tv)
		}
	}
	return a.tokensPage(c, http.StatusUnprocessableEntity, page{Error: "Der Schlüssel ist nicht erstellt: bitte prüfen Sie die markierten Angaben.", Errors: errs}, tv)
}

func (a *App) revokeToken(c echo.Context) error {
	me, _ := user(c)
	if err := a.cat.RevokeToken(c.Request().Context(), me.Principal(), c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/verwaltung/schluessel?ok=widerrufen")
}

// auditView is the audit log with its filters.
type auditView struct {
	Rows                       []auditRow
	Actions                    []option
	Entry, Person, From, Until string
	Total, First               int
	Prev, Next                 string
}

type auditRow struct {
	When, Who, Action, Kind, Entries string
}

var actionLabels = map[string]string{"create": "angelegt", "read": "gelesen", "list": "in Liste gelesen", "update": "geändert", "archive": "archiviert",
	"verify": "geprüft", "import": "importiert", "export": "exportiert", "erase": "gelöscht (Auskunft/Löschung)", "search": "gesucht", "match": "Vorschläge",
	"anonymise": "anonymisiert", "login": "angemeldet", "approve": "freigegeben", "reject": "abgelehnt"}

var auditKindLabels = map[catalogue.Kind]string{catalogue.KindVolunteer: "Ehrenamtliche", catalogue.KindNeighbourhoodHelp: "Nachbarschaftshilfe",
	catalogue.KindOffer: "Angebot", "referral": "Vermittlung", "account": "Konto"}

func (a *App) auditLog(c echo.Context) error {
	me, _ := user(c)
	qp := c.QueryParams()
	av := &auditView{Entry: strings.TrimSpace(qp.Get("eintrag")), Person: strings.TrimSpace(qp.Get("person")), From: qp.Get("von"), Until: qp.Get("bis")}
	f := catalogue.AuditFilter{EntryID: av.Entry, TokenID: av.Person, Action: qp.Get("aktion")}
	p := page{Title: "Protokoll", Errors: map[string]string{}}
	loc := a.cat.Location()
	if av.From != "" {
		if d, ok := parseDay(av.From); ok {
			f.From, _ = time.ParseInLocation(time.DateOnly, d, loc)
		} else {
			p.Errors["von"] = "Bitte als TT.MM.JJJJ angeben."
		}
	}
	if av.Until != "" {
		if d, ok := parseDay(av.Until); ok {
			t, _ := time.ParseInLocation(time.DateOnly, d, loc)
			f.Until = t.AddDate(0, 0, 1) // the whole day
		} else {
			p.Errors["bis"] = "Bitte als TT.MM.JJJJ angeben."
		}
	}
	for _, act := range catalogue.AuditActions {
		label := actionLabels[act]
		if label == "" {
			label = act
		}
		av.Actions = append(av.Actions, option{Value: act, Label: label, Selected: act == f.Action})
	}
	if f.Action != "" && !slices.Contains(catalogue.AuditActions, f.Action) {
		p.Errors["aktion"] = "Diese Aktion gibt es nicht."
	}
	p.Data = av
	if len(p.Errors) > 0 {
		p.Error = "Bitte prüfen Sie die Filter."
		return a.render(c, http.StatusUnprocessableEntity, "audit", p)
	}
	pg := pageOf(c, "/verwaltung/protokoll", 100)
	f.Page = pg.Page
	events, total, err := a.cat.AuditLog(c.Request().Context(), me.Principal(), f)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		p.Error = "Das Ende des Zeitraums muss nach seinem Anfang liegen."
		return a.render(c, http.StatusUnprocessableEntity, "audit", p)
	}
	if err != nil {
		return err
	}
	av.Total, av.First = total, f.Offset+1
	for _, e := range events {
		ids := e.EntryIDs
		more := ""
		if len(ids) > 5 {
			more = " und " + strconv.Itoa(len(ids)-5) + " weitere"
			ids = ids[:5]
		}
		label := actionLabels[e.Action]
		if label == "" {
			label = e.Action
		}
		kind := auditKindLabels[e.Kind]
		if kind == "" {
			kind = string(e.Kind)
		}
		av.Rows = append(av.Rows, auditRow{When: a.when(e.At), Who: strings.TrimSpace(e.TokenName + " (" + e.TokenID + ")"), Action: label, Kind: kind,
			Entries: strings.Join(ids, ", ") + more})
	}
	av.Prev, av.Next = pg.links(len(events), total)
	return a.render(c, http.StatusOK, "audit", p)
}
