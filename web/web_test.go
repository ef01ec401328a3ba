package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/account"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/internal/testbackend"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/web"
)

type site struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	db     backend
}

// backend is every store of the service, on SQLite or PostgreSQL.
type backend = testbackend.Store

func TestMain(m *testing.M) { testbackend.Main(m) }

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db := testbackend.Open(t, dir)
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ix, err := index.Open(ctx, dir, db, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cat := catalogue.NewService(db, catalogue.WithIndexer(ix))
	var nh catalogue.NeighbourhoodHelpInput
	json.Unmarshal([]byte(`{"name": "Nachbarschaftshilfe Eselsberg <script>alert(1)</script>", "description": "Nachbarn helfen beim Einkaufen.",
		"coordinator": {"name": "Petra Keller", "phone": "0731 123456"}, "districts": ["eselsberg"], "quarters": ["Eselsberg"],
		"help_kinds": ["einkaufshilfe"], "languages": ["de"], "capacity": 20}`), &nh)
	if _, err := cat.CreateNeighbourhoodHelp(ctx, access.Principal{Role: access.RoleResourceManager, TokenID: "setup"}, nh); err != nil {
		t.Fatal(err)
	}
	rmP := access.Principal{Role: access.RoleResourceManager, TokenID: "setup"}
	prv, err := cat.CreateProvider(ctx, rmP, catalogue.ProviderInput{Name: "Caritas Ulm", Districts: []string{"eselsberg"}})
	if err != nil {
		t.Fatal(err)
	}
	var off catalogue.OfferInput
	json.Unmarshal([]byte(`{"name": "Begegnungscafé am Eselsberg", "description": "Offenes Café für Nachbarn.", "category": "cafe_treffpunkt",
		"help_kinds": ["begegnung"], "districts": ["eselsberg"], "location": {"district": "eselsberg", "quarter": "Eselsberg"},
		"opening_times": "Di 14–17 Uhr", "accessible": true, "languages": ["de", "tr"]}`), &off)
	off.ProviderID = prv.ID
	if _, err := cat.CreateOffer(ctx, rmP, off); err != nil {
		t.Fatal(err)
	}
	referrals, err := referral.Open(ctx, db, cat, log)
	if err != nil {
		t.Fatal(err)
	}
	matcher := matching.New(cat, db, ix, matching.DefaultWeights(), log, matching.WithPlacements(referrals))
	reports := report.New(db, cat, referrals, 14)
	pol := account.DefaultPolicy
	pol.FailureDelay = time.Millisecond
	accounts := account.New(db, db, cat, log, account.WithPolicy(pol))
	admin := access.Principal{Role: access.RoleAdmin, TokenID: "setup"}
	if _, err := accounts.Create(ctx, admin, account.NewAccount{Username: "rm", DisplayName: "Ruth Maier", Role: access.RoleResourceManager,
		Districts: []string{"eselsberg"}, Password: "geheim-und-lang"}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Create(ctx, admin, account.NewAccount{Username: "admin", DisplayName: "Anna Admin", Role: access.RoleAdmin,
		Password: "geheim-und-lang"}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Create(ctx, admin, account.NewAccount{Username: "fm", DisplayName: "Frank Müller", Role: access.RoleCaseManager,
		Password: "geheim-und-lang"}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Create(ctx, admin, account.NewAccount{Username: "traeger", DisplayName: "Tanja Roth", Role: access.RoleProvider,
		ProviderID: prv.ID, Password: "geheim-und-lang"}); err != nil {
		t.Fatal(err)
	}
	app, err := web.New(web.Domain{Accounts: accounts, Catalogue: cat, Search: ix, Matcher: matcher, Referrals: referrals, Reports: reports}, log)
	if err != nil {
		t.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("api")) })
	srv := httptest.NewServer(app.Beside(api))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &site{t: t, srv: srv, db: db, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (s *site) get(path string) (int, string, http.Header) {
	s.t.Helper()
	r, err := s.client.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b), r.Header
}

func (s *site) post(path string, form url.Values) (int, string, http.Header) {
	s.t.Helper()
	r, err := s.client.PostForm(s.srv.URL+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b), r.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in %s", body)
	}
	return m[1]
}

func (s *site) login(user, pw string) (int, string, http.Header) {
	_, body, _ := s.get("/anmelden")
	return s.post("/anmelden", url.Values{"csrf": {csrf(s.t, body)}, "benutzername": {user}, "passwort": {pw}, "weiter": {"/passwort"}})
}

func TestLogInAndOut(t *testing.T) {
	s := newSite(t)
	if code, _, h := s.get("/"); code != http.StatusSeeOther || h.Get("Location") != "/anmelden?weiter=%2F" {
		t.Errorf("start page without a session: %d %s", code, h.Get("Location"))
	}
	if _, body, _ := s.get("/v1/anything"); body != "api" {
		t.Errorf("/v1 is not the API's: %s", body)
	}
	code, body, h := s.get("/anmelden")
	if code != 200 || !strings.Contains(body, `<html lang="de">`) || !strings.Contains(body, `<label for="passwort">Passwort</label>`) ||
		!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("log-in page: %d %s", code, body)
	}
	// The log-in form's token must be sent back.
	if code, body, _ := s.post("/anmelden", url.Values{"benutzername": {"rm"}, "passwort": {"geheim-und-lang"}}); code != http.StatusForbidden || !strings.Contains(body, "nicht mehr gültig") {
		t.Errorf("log-in without the form's token: %d %s", code, body)
	}
	if code, body, _ := s.login("rm", "falsch-falsch"); code != http.StatusUnauthorized || !strings.Contains(body, "Benutzername oder Passwort stimmen nicht") || !strings.Contains(body, `value="rm"`) {
		t.Errorf("wrong password: %d %s", code, body)
	}
	code, _, h = s.login("rm", "geheim-und-lang")
	if code != http.StatusSeeOther || h.Get("Location") != "/passwort" {
		t.Fatalf("log-in: %d %v", code, h)
	}
	ck := strings.Join(h.Values("Set-Cookie"), "\n")
	if !regexp.MustCompile(`mz_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict`).MatchString(ck) {
		t.Errorf("session cookie: %s", ck)
	}
	code, body, _ = s.get("/")
	if code != 200 || !strings.Contains(body, "Guten Tag, Ruth Maier") || !strings.Contains(body, "Ressourcenmanagement") || !strings.Contains(body, "eselsberg") {
		t.Errorf("start page: %d %s", code, body)
	}
	token := csrf(t, body)
	// A form without the session's token is refused and changes nothing.
	if code, _, _ := s.post("/passwort", url.Values{"altes": {"geheim-und-lang"}, "neues": {"noch-geheimer-1"}}); code != http.StatusForbidden {
		t.Errorf("password change without CSRF token: %d", code)
	}
	if code, body, _ := s.post("/passwort", url.Values{"csrf": {token}, "altes": {"falsch"}, "neues": {"kurz"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Das bisherige Passwort stimmt nicht.") || !strings.Contains(body, "mindestens 10 Zeichen") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("bad password change: %d %s", code, body)
	}
	if code, _, h := s.post("/passwort", url.Values{"csrf": {token}, "altes": {"geheim-und-lang"}, "neues": {"noch-geheimer-1"}}); code != http.StatusSeeOther || h.Get("Location") != "/?passwort=geaendert" {
		t.Fatalf("password change: %d", code)
	}
	code, body, _ = s.get("/?passwort=geaendert")
	if code != 200 || !strings.Contains(body, "Ihr Passwort ist geändert.") {
		t.Errorf("after the change: %d %s", code, body)
	}
	if code, _, h := s.post("/abmelden", url.Values{"csrf": {csrf(t, body)}}); code != http.StatusSeeOther || h.Get("Location") != "/anmelden?abgemeldet=1" {
		t.Errorf("log-out: %d", code)
	}
	if code, _, _ := s.get("/passwort"); code != http.StatusSeeOther {
		t.Errorf("after log-out: %d", code)
	}
	if code, _, _ := s.login("rm", "geheim-und-lang"); code != http.StatusUnauthorized {
		t.Errorf("the old password still works: %d", code)
	}
	if code, _, _ := s.login("rm", "noch-geheimer-1"); code != http.StatusSeeOther {
		t.Errorf("the new password does not work: %d", code)
	}
}

func TestNoOpenRedirect(t *testing.T) {
	s := newSite(t)
	for _, to := range []string{"https://example.org/", "//example.org/", "/\\example.org"} {
		_, body2, _ := s.get("/anmelden")
		code, _, h := s.post("/anmelden", url.Values{"csrf": {csrf(t, body2)}, "benutzername": {"rm"}, "passwort": {"geheim-und-lang"}, "weiter": {to}})
		if code != http.StatusSeeOther || h.Get("Location") != "/" {
			t.Errorf("weiter=%s: %d %s", to, code, h.Get("Location"))
		}
		s.client.Jar, _ = cookiejar.New(nil)
	}
	if code, body, _ := s.get("/gibt-es-nicht"); code != http.StatusNotFound || !strings.Contains(body, "Diese Seite gibt es nicht.") {
		t.Errorf("unknown page: %d %s", code, body)
	}
}

// TestAccountsScreen: the admin creates, disables, enables and resets
// accounts; no other role sees the screen or its menu entry.
func TestAccountsScreen(t *testing.T) {
	s := newSite(t)
	s.login("rm", "geheim-und-lang")
	if _, body, _ := s.get("/"); strings.Contains(body, "/verwaltung/konten") {
		t.Error("an RM's menu offers the accounts")
	}
	if code, body, _ := s.get("/verwaltung/konten"); code != http.StatusForbidden || !strings.Contains(body, "Kein Zugriff") {
		t.Errorf("an RM opens the accounts: %d", code)
	}
	s.client.Jar, _ = cookiejar.New(nil)
	s.login("admin", "geheim-und-lang")
	code, body, _ := s.get("/verwaltung/konten")
	if code != 200 || !strings.Contains(body, "Ruth Maier") || !strings.Contains(body, `aria-current="page"`) || !strings.Contains(body, "Eselsberg") {
		t.Fatalf("accounts: %d %s", code, body)
	}
	token := csrf(t, body)
	bad := url.Values{"csrf": {token}, "benutzername": {"Frau Keller"}, "name": {"Petra Keller"}, "rolle": {"fallmanager"}, "bezirke": {"eselsberg"}, "passwort": {"kurz"}}
	code, body, _ = s.post("/verwaltung/konten", bad)
	for _, want := range []string{"Kleinbuchstaben", "Mindestens 10 Zeichen.", "Nur Konten des Ressourcenmanagements", `value="Petra Keller"`, `aria-invalid="true"`} {
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("bad account: %d, no %q", code, want)
		}
	}
	good := url.Values{"csrf": {token}, "benutzername": {"p.keller"}, "name": {"Petra Keller"}, "rolle": {"ressourcenmanager"}, "bezirke": {"eselsberg", "weststadt-soeflingen"}, "passwort": {"erstes-Passwort"}}
	if code, _, h := s.post("/verwaltung/konten", good); code != http.StatusSeeOther || h.Get("Location") != "/verwaltung/konten?ok=angelegt" {
		t.Fatalf("create: %d", code)
	}
	_, body, _ = s.get("/verwaltung/konten?ok=angelegt")
	if !strings.Contains(body, "Das Konto ist angelegt.") || !strings.Contains(body, "Eselsberg, Weststadt/Söflingen") {
		t.Errorf("after create: %s", body)
	}
	if code, _, _ := s.post("/verwaltung/konten", good); code != http.StatusUnprocessableEntity {
		t.Errorf("the same user name again: %d", code)
	}
	id := regexp.MustCompile(`/verwaltung/konten/(usr_[0-9a-f]+)/deaktivieren"[^>]*>\s*<input type="hidden" name="csrf" value="[0-9a-f]+">\s*<button class="secondary" type="submit">Deaktivieren<span class="visually-hidden"> – p.keller`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no disable button for p.keller: %s", body)
	}
	other := &site{t: t, srv: s.srv}
	jar, _ := cookiejar.New(nil)
	other.client = &http.Client{Jar: jar, CheckRedirect: s.client.CheckRedirect}
	if code, _, _ := other.login("p.keller", "erstes-Passwort"); code != http.StatusSeeOther {
		t.Fatalf("the new account logs in: %d", code)
	}
	if code, _, _ := s.post("/verwaltung/konten/"+id[1]+"/deaktivieren", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
		t.Errorf("disable: %d", code)
	}
	if code, _, _ := other.get("/"); code != http.StatusSeeOther {
		t.Errorf("a disabled account's session still works: %d", code)
	}
	if code, _, _ := other.login("p.keller", "erstes-Passwort"); code != http.StatusUnauthorized {
		t.Errorf("a disabled account logs in: %d", code)
	}
	s.post("/verwaltung/konten/"+id[1]+"/aktivieren", url.Values{"csrf": {token}})
	if code, _, _ := s.post("/verwaltung/konten/"+id[1]+"/passwort", url.Values{"csrf": {token}, "passwort": {"kurz"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("a short reset: %d", code)
	}
	if code, _, _ := s.post("/verwaltung/konten/"+id[1]+"/passwort", url.Values{"csrf": {token}, "passwort": {"vom-Admin-neu"}}); code != http.StatusSeeOther {
		t.Errorf("reset: %d", code)
	}
	if code, _, _ := other.login("p.keller", "vom-Admin-neu"); code != http.StatusSeeOther {
		t.Errorf("log-in after the reset: %d", code)
	}
	if code, _, _ := s.post("/verwaltung/konten/"+id[1]+"/passwort", url.Values{"passwort": {"ohne-Token-1"}}); code != http.StatusForbidden {
		t.Errorf("a reset without the CSRF token: %d", code)
	}
}

// TestSearchScreen: staff search in German; what an entry says is never
// markup; the admin, who may not search, is refused.
func TestSearchScreen(t *testing.T) {
	s := newSite(t)
	s.login("rm", "geheim-und-lang")
	code, body, _ := s.get("/suche")
	if code != 200 || !strings.Contains(body, `<label for="q">Suchbegriff</label>`) || strings.Contains(body, "Treffer") || !strings.Contains(body, "Einkaufshilfe") {
		t.Fatalf("empty search: %d %s", code, body)
	}
	code, body, _ = s.get("/suche?q=Einkaufen&sozialraum=eselsberg")
	for _, want := range []string{"1 Treffer", "Nachbarschaftshilfe Eselsberg &lt;script&gt;", "– Nachbarschaftshilfe", "Eselsberg · Einkaufshilfe", "<mark>Einkaufen</mark>"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("search: %d, no %q in %s", code, want, body)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("an entry's text is rendered as markup")
	}
	if _, body, _ := s.get("/suche?q=Einkaufen&sozialraum=boefingen"); !strings.Contains(body, "0 Treffer") {
		t.Errorf("another district: %s", body)
	}
	// A misspelt word: the corrected search as a link, the filters kept.
	_, body, _ = s.get("/suche?q=Einkaufshilve&sozialraum=eselsberg")
	if !strings.Contains(body, `Meinten Sie <a href="/suche?q=Einkaufshilfe&amp;sozialraum=eselsberg">Einkaufshilfe</a>?`) {
		t.Errorf("no correction offered: %s", body)
	}
	if _, body, _ := s.get("/suche?q=Einkaufshilfe&sozialraum=eselsberg"); strings.Contains(body, "Meinten Sie") {
		t.Errorf("a correct word corrected: %s", body)
	}
	s.client.Jar, _ = cookiejar.New(nil)
	s.login("admin", "geheim-und-lang")
	if _, body, _ := s.get("/"); strings.Contains(body, `href="/suche"`) {
		t.Error("the admin's menu offers the search")
	}
	if code, _, _ := s.get("/suche?q=x"); code != http.StatusForbidden {
		t.Errorf("the admin searches: %d", code)
	}
}
