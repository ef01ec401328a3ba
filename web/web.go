// Package web is the staff web application: German screens rendered on
// the server for resource management, case management, providers and the
// city's admins, served by the same binary under / (the JSON API stays
// under /v1). People log in with their account (package account); every
// form carries the session's CSRF token; every page asks the same domain
// services as the API, so that who sees what is decided in one place.
// Everything it serves is embedded: no CDN, no build step.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"massanzug/access"
	"massanzug/account"
	"massanzug/catalogue"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/wording"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names. The session cookie holds the session's secret; the log-in
// cookie the CSRF token of the log-in form, before there is a session.
const (
	sessionCookie = "mz_session"
	loginCookie   = "mz_login"
)

// App is the web application.
type App struct {
	accounts  *account.Service
	cat       *catalogue.Service
	searcher  catalogue.Searcher
	matcher   *matching.Matcher
	referrals *referral.Service
	reports   *report.Service
	log       *slog.Logger
	pages     map[string]*template.Template
	e         *echo.Echo
}

// Domain is the services the web app is a face of.
type Domain struct {
	Accounts  *account.Service
	Catalogue *catalogue.Service
	Search    catalogue.Searcher
	Matcher   *matching.Matcher
	Referrals *referral.Service
	Reports   *report.Service
}

// New builds the web app.
func New(d Domain, log *slog.Logger) (*App, error) {
	a := &App{accounts: d.Accounts, cat: d.Catalogue, searcher: d.Search, matcher: d.Matcher, referrals: d.Referrals, reports: d.Reports,
		log: log, pages: map[string]*template.Template{}}
	// The layout and the partials every page may use.
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/field.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "field" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", name, err)
		}
		a.pages[name] = t
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = a.errorPage
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic in web", "err", err, "stack", string(stack))
			return err
		}}))
	// Forms are small; only the import carries a whole spreadsheet.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "64KiB",
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/katalog/import" }}))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().URL.Path == "/katalog/import" {
				c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxWebImport+64<<10)
			}
			return next(c)
		}
	})
	e.Use(a.headers)
	e.Use(a.session)

	static, _ := fs.Sub(staticFS, "static")
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", cacheFor(http.FileServerFS(static)))))
	e.GET("/anmelden", a.loginForm)
	e.POST("/anmelden", a.login)
	e.POST("/abmelden", a.logout, a.loggedIn)
	e.GET("/", a.start, a.loggedIn)
	e.GET("/passwort", a.passwordForm, a.loggedIn)
	e.POST("/passwort", a.changePassword, a.loggedIn)
	staff, readers, rm, admin := only(referrers...), only(readers...), only(access.RoleResourceManager), only(access.RoleAdmin)
	e.GET("/suche", a.search, a.loggedIn, readers)
	e.GET("/eintrag/:id", a.entryPage, a.loggedIn, readers)
	e.POST("/eintrag/:id/pruefen", a.verifyEntry, a.loggedIn, rm)
	e.POST("/eintrag/:id/archivieren", a.archiveEntry, a.loggedIn, rm)
	e.GET("/passende-hilfe", a.matchForm, a.loggedIn, staff)
	e.POST("/passende-hilfe", a.matchCase, a.loggedIn, staff)
	e.POST("/passende-hilfe/vermitteln", a.refer, a.loggedIn, staff)
	e.GET("/vermittlungen", a.referralList, a.loggedIn, readers)
	e.GET("/vermittlungen/:id", a.referralPage, a.loggedIn, readers)
	e.POST("/vermittlungen/:id/status", a.moveReferral, a.loggedIn, readers)
	e.POST("/vermittlungen/:id/notiz", a.noteReferral, a.loggedIn, staff)
	e.POST("/vermittlungen/:id/nachfrage", a.followUp, a.loggedIn, staff)
	curators := only(access.RoleResourceManager, access.RoleProvider)
	provider := only(access.RoleProvider)
	e.GET("/katalog", a.catalogueHome, a.loggedIn, rm)
	e.GET("/katalog/pruefen", a.reviewQueue, a.loggedIn, rm)
	e.GET("/katalog/freigaben", a.approvals, a.loggedIn, rm)
	e.POST("/katalog/angebote/:id/:entscheidung", a.decideOffer, a.loggedIn, rm)
	e.GET("/katalog/hilfearten", a.helpKinds, a.loggedIn, rm)
	e.POST("/katalog/hilfearten/:code", a.saveHelpKind, a.loggedIn, rm)
	e.GET("/katalog/suchwoerter", a.synonyms, a.loggedIn, rm)
	e.POST("/katalog/suchwoerter", a.saveSynonym, a.loggedIn, rm)
	e.POST("/katalog/suchwoerter/entfernen", a.deleteSynonym, a.loggedIn, rm)
	e.GET("/katalog/import", a.importForm, a.loggedIn, rm)
	e.POST("/katalog/import", a.importFile, a.loggedIn, rm)
	e.GET("/katalog/export", a.exportFile, a.loggedIn, rm)
	e.GET("/katalog/export/hsds", a.exportOpenData, a.loggedIn, rm)
	e.GET("/katalog/:art/neu", a.newEntryForm, a.loggedIn, curators)
	e.POST("/katalog/:art", a.saveEntry, a.loggedIn, curators)
	e.GET("/katalog/:art/:id/bearbeiten", a.editEntryForm, a.loggedIn, curators)
	e.POST("/katalog/:art/:id", a.saveEntry, a.loggedIn, curators)
	e.GET("/traeger", a.providerHome, a.loggedIn, provider)
	e.GET("/traeger/profil", a.profileForm, a.loggedIn, provider)
	e.POST("/traeger/profil", a.saveProfile, a.loggedIn, provider)
	figures := only(access.RoleResourceManager, access.RoleAdmin)
	e.GET("/kennzahlen", a.figures, a.loggedIn, figures)
	e.GET("/kennzahlen.csv", a.figuresCSV, a.loggedIn, figures)
	e.GET("/verwaltung/konten", a.accountList, a.loggedIn, admin)
	e.POST("/verwaltung/konten", a.createAccount, a.loggedIn, admin)
	e.POST("/verwaltung/konten/:id/:action", a.changeAccount, a.loggedIn, admin)
	e.GET("/verwaltung/schluessel", a.tokenList, a.loggedIn, admin)
	e.POST("/verwaltung/schluessel", a.createToken, a.loggedIn, admin)
	e.POST("/verwaltung/schluessel/:id/widerrufen", a.revokeToken, a.loggedIn, admin)
	e.GET("/verwaltung/protokoll", a.auditLog, a.loggedIn, admin)
	a.e = e
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.e.ServeHTTP(w, r) }

var funcs = template.FuncMap{
	"list": func(xs ...string) []string { return xs },
	"join": strings.Join,
	// field is what the "field" partial shows: a labelled input with its
	// hint and the message of what is wrong with it.
	"field": func(id, label, typ, value, errMsg, hint string) fieldView {
		return fieldView{ID: id, Label: label, Type: typ, Value: value, Error: errMsg, Hint: hint}
	},
}

type fieldView struct{ ID, Label, Type, Value, Error, Hint string }

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// headers sets what every answer of the web app carries: nothing from
// elsewhere may be loaded, framed or posted to.
func (a *App) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// session resolves the session cookie, if any, to the account.
func (a *App) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		acc, sess, err := a.accounts.Resolve(c.Request().Context(), ck.Value)
		switch {
		case errors.Is(err, account.ErrSession):
			a.clearCookie(c, sessionCookie)
			return next(c)
		case err != nil:
			return err
		}
		c.Set("account", acc)
		c.Set("session", sess)
		c.Set("secret", ck.Value)
		return next(c)
	}
}

// loggedIn sends a visitor without a session to the log-in, and refuses a
// form posted without the session's CSRF token.
func (a *App) loggedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := c.Get("account").(account.Account); !ok {
			if c.Request().Method != http.MethodGet {
				return echo.NewHTTPError(http.StatusUnauthorized, "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.")
			}
			return c.Redirect(http.StatusSeeOther, "/anmelden?weiter="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		if c.Request().Method == http.MethodPost {
			sess := c.Get("session").(account.Session)
			if !sameToken(c.FormValue("csrf"), sess.CSRF) {
				return echo.NewHTTPError(http.StatusForbidden, "Das Formular war nicht mehr gültig. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.")
			}
		}
		return next(c)
	}
}

// only lets the roles through that may use a screen at all; the domain
// decides again what each may see and do there. It runs after loggedIn.
func only(roles ...access.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if acc, _ := user(c); !slices.Contains(roles, acc.Role) {
				return echo.NewHTTPError(http.StatusForbidden, "Diese Seite steht Ihrer Rolle nicht offen.")
			}
			return next(c)
		}
	}
}

func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// user is the logged-in account of a request.
func user(c echo.Context) (account.Account, bool) {
	acc, ok := c.Get("account").(account.Account)
	return acc, ok
}

func (a *App) setCookie(c echo.Context, name, value string) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request().TLS != nil})
}

func (a *App) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request().TLS != nil})
}

// page is what every template is given.
type page struct {
	Title     string
	User      *account.Account
	RoleLabel string
	Districts string
	Menu      []menuItem
	CSRF      string
	Error     string
	Info      string
	// The log-in form.
	Next, Username string
	// Messages next to the fields of a form, by field.
	Errors      map[string]string
	MinPassword int
	// What a form was filled with, by name.
	Form map[string]string
	// The search screen.
	Search *searchView
	// Data is the screen's own view.
	Data any
	// Print leaves out what a printed page does not need (menu, log-out).
	Print bool
	// The accounts screen.
	Accounts                         []accountRow
	Roles                            []option
	DistrictOptions, ProviderOptions []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// render writes the page name for the request's user.
func (a *App) render(c echo.Context, status int, name string, p page) error {
	if acc, ok := user(c); ok {
		p.User = &acc
		p.RoleLabel = roleLabels[acc.Role]
		p.Districts = strings.Join(acc.Districts, ", ")
		p.Menu = menuFor(acc.Role, c.Path())
		if p.CSRF == "" {
			p.CSRF = c.Get("session").(account.Session).CSRF
		}
	}
	t, ok := a.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTML(status, b.String())
}

var roleLabels = map[access.Role]string{
	access.RoleAdmin: "Verwaltung", access.RoleResourceManager: "Ressourcenmanagement",
	access.RoleCaseManager: "Fallmanagement", access.RoleProvider: "Träger",
}

type menuItem struct {
	Path, Label, Hint string
	Current           bool
}

// The roles of the screens: the menu and the routes name the same sets.
var (
	readers   = []access.Role{access.RoleResourceManager, access.RoleCaseManager, access.RoleProvider}
	referrers = []access.Role{access.RoleResourceManager, access.RoleCaseManager}
)

// screens are the screens of the app and the roles that may use them:
// the menu shows a person only what their role may open.
var screens = []struct {
	menuItem
	roles []access.Role
}{
	{menuItem{Path: "/", Label: "Start"}, access.Roles},
	{menuItem{Path: "/suche", Label: "Suche", Hint: "Ehrenamtliche, Nachbarschaftshilfen und Angebote finden"}, readers},
	{menuItem{Path: "/passende-hilfe", Label: "Passende Hilfe finden", Hint: "Vorschläge für einen Fall, mit Gründen, und vermitteln"}, referrers},
	{menuItem{Path: "/vermittlungen", Label: "Vermittlungen", Hint: "Ihre Vermittlungen nach Status, fällige Nachfragen"}, referrers},
	{menuItem{Path: "/vermittlungen", Label: "Anfragen", Hint: "Anfragen nach Plätzen in Ihren Angeboten annehmen oder ablehnen"},
		[]access.Role{access.RoleProvider}},
	{menuItem{Path: "/katalog", Label: "Katalog pflegen", Hint: "Einträge anlegen und ändern, prüfen, Angebote freigeben, importieren"},
		[]access.Role{access.RoleResourceManager}},
	{menuItem{Path: "/kennzahlen", Label: "Kennzahlen", Hint: "Zahlen je Sozialraum, mit dem Vorjahr; als CSV"},
		[]access.Role{access.RoleResourceManager, access.RoleAdmin}},
	{menuItem{Path: "/traeger", Label: "Träger-Portal", Hint: "Ihre Angebote, Ihr Profil"}, []access.Role{access.RoleProvider}},
	{menuItem{Path: "/verwaltung/konten", Label: "Konten", Hint: "Konten anlegen, deaktivieren, Passwörter zurücksetzen"}, []access.Role{access.RoleAdmin}},
	{menuItem{Path: "/verwaltung/schluessel", Label: "API-Schlüssel", Hint: "Schlüssel für Fachverfahren erstellen und widerrufen"}, []access.Role{access.RoleAdmin}},
	{menuItem{Path: "/verwaltung/protokoll", Label: "Protokoll", Hint: "Wer wann welche personenbezogenen Daten gelesen oder geändert hat"}, []access.Role{access.RoleAdmin}},
	{menuItem{Path: "/passwort", Label: "Passwort ändern", Hint: "Ihr eigenes Passwort"}, access.Roles},
}

func menuFor(role access.Role, current string) []menuItem {
	var out []menuItem
	for _, s := range screens {
		for _, r := range s.roles {
			if r == role {
				m := s.menuItem
				m.Current = m.Path == current || m.Path != "/" && strings.HasPrefix(current, m.Path+"/")
				out = append(out, m)
			}
		}
	}
	return out
}

// errorPage shows an error as a German page; details go to the log only.
func (a *App) errorPage(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "Etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal."
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok && status != http.StatusNotFound {
			msg = m
		}
		if status == http.StatusNotFound {
			msg = "Diese Seite gibt es nicht."
		}
	case errors.Is(err, catalogue.ErrForbidden):
		status, msg = http.StatusForbidden, "Diese Seite steht Ihrer Rolle nicht offen."
	case errors.Is(err, catalogue.ErrNotFound):
		status, msg = http.StatusNotFound, "Diesen Eintrag gibt es nicht, oder Sie dürfen ihn nicht sehen."
	case errors.Is(err, catalogue.ErrConflict):
		status, msg = http.StatusConflict, "Das geht gerade nicht."
		if r := catalogue.Reason(err); r != "" {
			msg = "Das geht gerade nicht: " + wording.Say(true, r) + "."
		}
	case errors.Is(err, catalogue.ErrVersionMismatch):
		status, msg = http.StatusPreconditionFailed, "Der Eintrag wurde inzwischen geändert. Bitte laden Sie ihn neu und wiederholen Sie Ihre Änderung."
	case errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "Der Dienst ist gerade ausgelastet. Bitte versuchen Sie es gleich noch einmal."
	}
	if status >= 500 {
		a.log.ErrorContext(c.Request().Context(), "web page failed", "path", c.Path(), "err", err)
	}
	titles := map[int]string{http.StatusForbidden: "Kein Zugriff", http.StatusNotFound: "Nicht gefunden", http.StatusUnauthorized: "Nicht angemeldet",
		http.StatusConflict: "Nicht möglich", http.StatusPreconditionFailed: "Inzwischen geändert"}
	title := titles[status]
	if title == "" {
		title = "Fehler"
	}
	if rerr := a.render(c, status, "error", page{Title: title, Error: msg}); rerr != nil {
		a.log.ErrorContext(c.Request().Context(), "error page failed", "err", rerr)
		c.String(status, msg)
	}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

// Beside serves the web app beside the JSON API: /v1 and /healthz are the
// API's, everything else is the app's.
func (a *App) Beside(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/healthz" || p == "/v1" || strings.HasPrefix(p, "/v1/") {
			api.ServeHTTP(w, r)
			return
		}
		a.ServeHTTP(w, r)
	})
}
