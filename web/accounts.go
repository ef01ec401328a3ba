package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/account"
	"massanzug/catalogue"
)

// accountRow is an account as the admin's table shows it.
type accountRow struct {
	ID, Username, DisplayName, RoleLabel, Scope, State string
	Disabled                                           bool
}

func (a *App) accountList(c echo.Context) error {
	info := map[string]string{"angelegt": "Das Konto ist angelegt.", "deaktiviert": "Das Konto ist deaktiviert; seine Sitzungen sind beendet.",
		"aktiviert": "Das Konto ist wieder aktiv.", "passwort": "Das Passwort ist gesetzt; alle Sitzungen des Kontos sind beendet."}[c.QueryParam("ok")]
	return a.accountsPage(c, http.StatusOK, page{Info: info, Form: map[string]string{"rolle": string(access.RoleCaseManager)}})
}

// accountsPage renders the accounts screen with p's messages and form.
func (a *App) accountsPage(c echo.Context, status int, p page) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	list, err := a.accounts.List(ctx, me.Principal())
	if err != nil {
		return err
	}
	districts, _, err := a.cat.Reference(ctx)
	if err != nil {
		return err
	}
	providers, _, err := a.cat.Providers(ctx, me.Principal(), catalogue.StatusActive, "", catalogue.Page{Limit: 1000})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, d := range districts {
		names[d.ID] = d.Name
	}
	for _, pr := range providers {
		names[pr.ID] = pr.Name
	}
	now := a.cat.Now()
	for _, acc := range list {
		row := accountRow{ID: acc.ID, Username: acc.Username, DisplayName: acc.DisplayName, RoleLabel: roleLabels[acc.Role], Disabled: acc.Disabled, State: "aktiv"}
		switch {
		case acc.Disabled:
			row.State = "deaktiviert"
		case acc.LockedUntil != nil && now.Before(*acc.LockedUntil):
			row.State = "gesperrt bis " + acc.LockedUntil.In(a.cat.Location()).Format("02.01.2006 15:04") + " Uhr"
		}
		var scope []string
		for _, d := range acc.Districts {
			scope = append(scope, names[d])
		}
		if acc.ProviderID != "" {
			scope = append(scope, names[acc.ProviderID])
		}
		if len(scope) == 0 && acc.Role == access.RoleResourceManager {
			scope = []string{"ganze Stadt"}
		}
		row.Scope = strings.Join(scope, ", ")
		p.Accounts = append(p.Accounts, row)
	}
	for _, r := range access.Roles {
		p.Roles = append(p.Roles, option{Value: string(r), Label: roleLabels[r]})
	}
	chosen := strings.Split(p.Form["bezirke"], ",")
	for _, d := range districts {
		p.DistrictOptions = append(p.DistrictOptions, option{Value: d.ID, Label: d.Name, Selected: slices.Contains(chosen, d.ID)})
	}
	for _, pr := range providers {
		p.ProviderOptions = append(p.ProviderOptions, option{Value: pr.ID, Label: pr.Name, Selected: pr.ID == p.Form["traeger"]})
	}
	p.Title = "Konten"
	return a.render(c, status, "accounts", p)
}

func (a *App) createAccount(c echo.Context) error {
	me, _ := user(c)
	form, _ := c.FormParams()
	in := account.NewAccount{Username: c.FormValue("benutzername"), DisplayName: c.FormValue("name"), Role: access.Role(c.FormValue("rolle")),
		ProviderID: c.FormValue("traeger"), Districts: form["bezirke"], Password: c.FormValue("passwort")}
	_, err := a.accounts.Create(c.Request().Context(), me.Principal(), in)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		errs := map[string]string{}
		for _, f := range ve.Fields {
			errs[f.Field] = accountMessage(f, a.accounts.Policy().MinPassword)
		}
		return a.accountsPage(c, http.StatusUnprocessableEntity, page{Errors: errs, Error: "Das Konto ist nicht angelegt: bitte prüfen Sie die markierten Angaben.",
			Form: map[string]string{"benutzername": in.Username, "name": in.DisplayName, "rolle": string(in.Role), "traeger": in.ProviderID,
				"bezirke": strings.Join(in.Districts, ",")}})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/verwaltung/konten?ok=angelegt")
}

func (a *App) changeAccount(c echo.Context) error {
	me, _ := user(c)
	ctx, id := c.Request().Context(), c.Param("id")
	var err error
	ok := ""
	switch c.Param("action") {
	case "deaktivieren":
		_, err = a.accounts.SetDisabled(ctx, me.Principal(), id, true)
		ok = "deaktiviert"
	case "aktivieren":
		_, err = a.accounts.SetDisabled(ctx, me.Principal(), id, false)
		ok = "aktiviert"
	case "passwort":
		err, ok = a.accounts.ResetPassword(ctx, me.Principal(), id, c.FormValue("passwort")), "passwort"
	default:
		return echo.NewHTTPError(http.StatusNotFound)
	}
	var ve *catalogue.ValidationError
	switch {
	case errors.As(err, &ve):
		return a.accountsPage(c, http.StatusUnprocessableEntity, page{Error: "Das Passwort ist nicht gesetzt: " + accountMessage(ve.Fields[0], a.accounts.Policy().MinPassword),
			Form: map[string]string{"rolle": string(access.RoleCaseManager)}})
	case errors.Is(err, catalogue.ErrConflict):
		return a.accountsPage(c, http.StatusConflict, page{Error: "Das eigene Konto kann nicht deaktiviert werden.", Form: map[string]string{"rolle": string(access.RoleCaseManager)}})
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/verwaltung/konten?ok="+ok)
}

// accountMessage says in German what is wrong with a field of an account.
func accountMessage(f catalogue.FieldError, minLen int) string {
	switch f.Field {
	case "username":
		if strings.Contains(f.Message, "taken") {
			return "Dieser Benutzername ist schon vergeben."
		}
		return "2 bis 64 Zeichen: Kleinbuchstaben, Ziffern, Punkt, Bindestrich oder Unterstrich, am Anfang ein Buchstabe oder eine Ziffer."
	case "display_name":
		return "Höchstens 100 Zeichen."
	case "password":
		if strings.HasPrefix(f.Message, "at most") {
			return "Höchstens 200 Zeichen."
		}
		return fmt.Sprintf("Mindestens %d Zeichen.", minLen)
	case "role":
		return "Bitte wählen Sie eine Rolle."
	case "provider_id":
		if strings.Contains(f.Message, "only traeger") {
			return "Nur Träger-Konten gehören zu einem Träger."
		}
		return "Ein Träger-Konto gehört zu einem Träger: bitte wählen Sie ihn."
	case "districts":
		return "Nur Konten des Ressourcenmanagements sind an Sozialräume gebunden."
	}
	return "Bitte prüfen Sie diese Angabe."
}
