package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	"massanzug/access"
	"massanzug/account"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
	"massanzug/web"
)

// PageTiming is how long the web app takes to answer one screen, on the
// server (handler in, page out; no network), and how much it sends.
type PageTiming struct {
	Screen   string
	P50, P99 time.Duration
	KB       float64
}

// pageRounds is how often each screen is asked for.
const pageRounds = 30

// pages logs in one person per role and times each screen they use on
// the catalogue of db, as the service would serve it.
func pages(ctx context.Context, db *store.DB, ix *index.Index, svc *catalogue.Service, rs *referral.Service, m *matching.Matcher,
	reports *report.Service, g *generator, log *slog.Logger) ([]PageTiming, error) {
	pol := account.DefaultPolicy
	pol.FailureDelay = 0
	accounts := account.New(db, db, svc, log, account.WithPolicy(pol))
	app, err := web.New(web.Domain{Accounts: accounts, Catalogue: svc, Search: ix, Matcher: m, Referrals: rs, Reports: reports}, log)
	if err != nil {
		return nil, err
	}
	admin := access.Principal{Role: access.RoleAdmin, TokenID: "bench"}
	const pw = "bench-passwort-1"
	people := []account.NewAccount{
		{Username: "rm", DisplayName: "RM", Role: access.RoleResourceManager}, {Username: "fm", DisplayName: "FM", Role: access.RoleCaseManager},
		{Username: "admin", DisplayName: "Admin", Role: access.RoleAdmin}, {Username: "traeger", DisplayName: "Träger", Role: access.RoleProvider, ProviderID: g.providers[0]},
	}
	for _, in := range people {
		in.Password = pw
		if _, err := accounts.Create(ctx, admin, in); err != nil {
			return nil, err
		}
	}
	// Ids the screens open: a volunteer and an offer, a referral.
	vols, _, err := svc.Volunteers(ctx, staff, catalogue.ListQuery{Page: catalogue.Page{Limit: 1}})
	if err != nil || len(vols) == 0 {
		return nil, fmt.Errorf("a volunteer to open: %v", err)
	}
	offers, _, err := svc.Offers(ctx, staff, catalogue.ListQuery{Page: catalogue.Page{Limit: 1}})
	if err != nil || len(offers) == 0 {
		return nil, fmt.Errorf("an offer to open: %v", err)
	}
	refs, _, err := rs.List(ctx, staff, referral.Query{Status: referral.Active, Page: catalogue.Page{Limit: 1}})
	if err != nil || len(refs) == 0 {
		return nil, fmt.Errorf("a referral to open: %v", err)
	}
	q := g.quarters[0]
	caseForm := url.Values{"quartier": {q.name}, "hilfeart": {g.help[0]}, "sprache": {"tr", "de"}, "worte": {"war selbst alleinerziehend"}}
	screens := []struct {
		who, name, method, path string
		form                    url.Values
	}{
		{"rm", "Start", "GET", "/", nil},
		{"rm", "Suche: ein Wort", "GET", "/suche?q=Einkaufshilfe", nil},
		{"rm", "Suche: Filter ohne Text", "GET", "/suche?sozialraum=" + q.district + "&hilfeart=" + g.help[1] + "&sprache=tr", nil},
		{"rm", "Suche: Umkreis", "GET", "/suche?q=Beratung&nahe=" + url.QueryEscape(q.name) + "&umkreis=2", nil},
		{"rm", "Suche: Seite 5", "GET", "/suche?q=hilft&seite=5", nil},
		{"rm", "Eintrag: Ehrenamtliche", "GET", "/eintrag/" + vols[0].ID, nil},
		{"rm", "Eintrag: Angebot", "GET", "/eintrag/" + offers[0].ID, nil},
		{"rm", "Katalog pflegen", "GET", "/katalog", nil},
		{"rm", "Prüfen", "GET", "/katalog/pruefen", nil},
		{"rm", "Hilfearten", "GET", "/katalog/hilfearten", nil},
		{"rm", "Suchwörter", "GET", "/katalog/suchwoerter", nil},
		{"rm", "Freigaben", "GET", "/katalog/freigaben", nil},
		{"rm", "Formular: Ehrenamtliche ändern", "GET", "/katalog/ehrenamtliche/" + vols[0].ID + "/bearbeiten", nil},
		{"rm", "Kennzahlen", "GET", "/kennzahlen", nil},
		{"rm", "Vermittlungen", "GET", "/vermittlungen", nil},
		{"rm", "Vermittlung", "GET", "/vermittlungen/" + refs[0].ID, nil},
		{"fm", "Passende Hilfe: Formular", "GET", "/passende-hilfe", nil},
		{"fm", "Passende Hilfe: Vorschläge", "POST", "/passende-hilfe", caseForm},
		{"traeger", "Träger-Portal", "GET", "/traeger", nil},
		{"admin", "Protokoll", "GET", "/verwaltung/protokoll", nil},
		{"admin", "Konten", "GET", "/verwaltung/konten", nil},
	}
	sessions := map[string]*session{}
	for _, in := range people {
		s, err := logIn(app, in.Username, pw)
		if err != nil {
			return nil, err
		}
		sessions[in.Username] = s
	}
	var out []PageTiming
	for _, sc := range screens {
		s := sessions[sc.who]
		var lat []time.Duration
		size := 0
		for range pageRounds {
			var body string
			if sc.form != nil {
				f := url.Values{"csrf": {s.csrf}}
				for k, v := range sc.form {
					f[k] = v
				}
				body = f.Encode()
			}
			req := httptest.NewRequestWithContext(ctx, sc.method, sc.path, strings.NewReader(body))
			if sc.form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			req.AddCookie(s.cookie)
			rec := httptest.NewRecorder()
			t0 := time.Now()
			app.ServeHTTP(rec, req)
			lat = append(lat, time.Since(t0))
			if rec.Code != http.StatusOK {
				return nil, fmt.Errorf("%s %s: %d %.300s", sc.method, sc.path, rec.Code, rec.Body.String())
			}
			size = rec.Body.Len()
		}
		out = append(out, PageTiming{Screen: sc.name, P50: percentile(lat, 50), P99: percentile(lat, 99), KB: float64(size) / 1024})
	}
	return out, nil
}

type session struct {
	cookie *http.Cookie
	csrf   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// logIn logs in through the log-in form, as a browser does.
func logIn(app http.Handler, user, pw string) (*session, error) {
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/anmelden", nil))
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		return nil, fmt.Errorf("log-in form without a token")
	}
	form := url.Values{"csrf": {m[1]}, "benutzername": {user}, "passwort": {pw}}
	req := httptest.NewRequest("POST", "/anmelden", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	s := &session{}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "mz_session" && c.Value != "" {
			s.cookie = c
		}
	}
	if s.cookie == nil {
		return nil, fmt.Errorf("log-in as %s: %d", user, rec.Code)
	}
	req = httptest.NewRequest("GET", "/", nil)
	req.AddCookie(s.cookie)
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if m = csrfField.FindStringSubmatch(rec.Body.String()); m == nil {
		return nil, fmt.Errorf("start page of %s without a token", user)
	}
	s.csrf = m[1]
	return s, nil
}
