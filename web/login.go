package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/account"
	"massanzug/catalogue"
)

// next is where to go after the log-in: a path of this app, never
// another site.
func next(raw string) string {
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.HasPrefix(raw, "/\\") || strings.HasPrefix(raw, "/anmelden") {
		return "/"
	}
	return raw
}

func (a *App) loginForm(c echo.Context) error {
	if _, ok := user(c); ok {
		return c.Redirect(http.StatusSeeOther, next(c.QueryParam("weiter")))
	}
	// The log-in form's CSRF token, before there is a session: the same
	// random value in a cookie and in the form (a site elsewhere can
	// neither read the one nor set the other; SameSite=Strict keeps the
	// cookie off its requests as well).
	token := randomToken()
	a.setCookie(c, loginCookie, token)
	info := ""
	if c.QueryParam("abgemeldet") != "" {
		info = "Sie sind abgemeldet."
	}
	return a.render(c, http.StatusOK, "login", page{Title: "Anmelden", CSRF: token, Next: next(c.QueryParam("weiter")), Info: info})
}

func (a *App) login(c echo.Context) error {
	ck, err := c.Cookie(loginCookie)
	if err != nil || !sameToken(c.FormValue("csrf"), ck.Value) {
		return echo.NewHTTPError(http.StatusForbidden, "Das Anmeldeformular war nicht mehr gültig. Bitte laden Sie die Seite neu und melden Sie sich noch einmal an.")
	}
	username := strings.TrimSpace(c.FormValue("benutzername"))
	secret, _, _, err := a.accounts.Login(c.Request().Context(), username, c.FormValue("passwort"))
	if errors.Is(err, account.ErrLogin) {
		token := randomToken()
		a.setCookie(c, loginCookie, token)
		return a.render(c, http.StatusUnauthorized, "login", page{Title: "Anmelden", CSRF: token, Next: next(c.FormValue("weiter")), Username: username,
			Error: "Benutzername oder Passwort stimmen nicht, oder das Konto ist gesperrt. Nach mehreren Fehlversuchen ist es einige Minuten gesperrt."})
	}
	if err != nil {
		return err
	}
	a.clearCookie(c, loginCookie)
	a.setCookie(c, sessionCookie, secret)
	return c.Redirect(http.StatusSeeOther, next(c.FormValue("weiter")))
}

func (a *App) logout(c echo.Context) error {
	if err := a.accounts.Logout(c.Request().Context(), c.Get("secret").(string)); err != nil {
		return err
	}
	a.clearCookie(c, sessionCookie)
	return c.Redirect(http.StatusSeeOther, "/anmelden?abgemeldet=1")
}

func (a *App) start(c echo.Context) error {
	info := ""
	if c.QueryParam("passwort") == "geaendert" {
		info = "Ihr Passwort ist geändert."
	}
	return a.render(c, http.StatusOK, "start", page{Title: "Start", Info: info})
}

func (a *App) passwordForm(c echo.Context) error {
	return a.render(c, http.StatusOK, "password", page{Title: "Passwort ändern", MinPassword: a.accounts.Policy().MinPassword})
}

func (a *App) changePassword(c echo.Context) error {
	acc, _ := user(c)
	ctx := c.Request().Context()
	nextPW := c.FormValue("neues")
	err := a.accounts.ChangePassword(ctx, acc, c.FormValue("altes"), nextPW)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		errs := map[string]string{}
		for _, f := range ve.Fields {
			errs[f.Field] = passwordMessage(f, a.accounts.Policy().MinPassword)
		}
		return a.render(c, http.StatusUnprocessableEntity, "password", page{Title: "Passwort ändern", Errors: errs, MinPassword: a.accounts.Policy().MinPassword})
	}
	if err != nil {
		return err
	}
	// The change ended every session, this one too: open a new one.
	secret, _, _, err := a.accounts.Login(ctx, acc.Username, nextPW)
	if err != nil {
		return fmt.Errorf("log-in after the password change: %w", err)
	}
	a.setCookie(c, sessionCookie, secret)
	return c.Redirect(http.StatusSeeOther, "/?passwort=geaendert")
}

// passwordMessage says in German what is wrong with a password field.
func passwordMessage(f catalogue.FieldError, minLen int) string {
	switch {
	case f.Field == "old_password":
		return "Das bisherige Passwort stimmt nicht."
	case strings.HasPrefix(f.Message, "at least"):
		return fmt.Sprintf("Das neue Passwort braucht mindestens %d Zeichen.", minLen)
	case strings.HasPrefix(f.Message, "at most"):
		return "Das neue Passwort darf höchstens 200 Zeichen haben."
	case strings.HasPrefix(f.Message, "must differ"):
		return "Das neue Passwort muss sich vom bisherigen unterscheiden."
	}
	return "Bitte prüfen Sie diese Angabe."
}
