package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// relogin starts a new browser session as user.
func (s *site) relogin(user string) string {
	s.t.Helper()
	s.client.Jar, _ = cookiejar.New(nil)
	if code, _, _ := s.login(user, "geheim-und-lang"); code != http.StatusSeeOther {
		s.t.Fatalf("log-in as %s: %d", user, code)
	}
	_, body, _ := s.get("/")
	return csrf(s.t, body)
}

func must(t *testing.T, what string, code, want int, body string, parts ...string) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: %d, want %d: %s", what, code, want, body)
	}
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Fatalf("%s: no %q in %s", what, p, body)
		}
	}
}

// TestSearchFiltersAndEntryPage: the filters narrow, facets are links,
// a hit opens the entry's page in German.
func TestSearchFiltersAndEntryPage(t *testing.T) {
	s := newSite(t)
	s.relogin("fm")
	code, body, _ := s.get("/suche?q=&sprache=tr&barrierefrei=1")
	must(t, "language and access filter", code, 200, body, "1 Treffer", "Begegnungscafé am Eselsberg", "– Angebot")
	if strings.Contains(body, "Nachbarschaftshilfe Eselsberg") {
		t.Error("the Turkish filter lets a German-only group through")
	}
	code, body, _ = s.get("/suche?q=&nahe=Eselsberg&umkreis=1")
	must(t, "near a quarter", code, 200, body, "2 Treffer", "km entfernt", `<option value="1" selected>1 km</option>`)
	// A facet value is a link that filters by it.
	m := regexp.MustCompile(`href="(/suche\?[^"]*art=offer[^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no facet link for offers: %s", body)
	}
	_, body, _ = s.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	must(t, "facet link", 200, 200, body, "1 Treffer", "Filter aufheben")
	id := regexp.MustCompile(`href="/eintrag/(off_[0-9a-f]+)"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no link to the entry: %s", body)
	}
	code, body, _ = s.get("/eintrag/" + id[1])
	must(t, "entry page", code, 200, body, "Begegnungscafé am Eselsberg", "Status: <strong>freigegeben</strong>", "Türkisch", "Barrierefrei</dt><dd>ja",
		"Laufende Vermittlungen")
	if strings.Contains(body, "Bearbeiten") || strings.Contains(body, "Als geprüft vermerken") {
		t.Error("a case manager is offered to edit or verify")
	}
	if code, _, _ := s.get("/eintrag/vol_0000000000000000"); code != http.StatusNotFound {
		t.Errorf("an unknown entry: %d", code)
	}
	if code, _, _ := s.get("/eintrag/irgendwas"); code != http.StatusNotFound {
		t.Errorf("no entry id: %d", code)
	}
	// Staff verify from the page.
	token := s.relogin("rm")
	_, body, _ = s.get("/eintrag/" + id[1])
	must(t, "entry page for staff", 200, 200, body, "Bearbeiten", "Als geprüft vermerken")
	if code, _, h := s.post("/eintrag/"+id[1]+"/pruefen", url.Values{"csrf": {token}}); code != http.StatusSeeOther || h.Get("Location") != "/eintrag/"+id[1]+"?ok=geprueft" {
		t.Fatalf("verify: %d", code)
	}
	if code, _, _ := s.post("/eintrag/"+id[1]+"/pruefen", nil); code != http.StatusForbidden {
		t.Errorf("verify without the CSRF token: %d", code)
	}
}

// TestCaseToReferral: a case manager fills the case, gets German reasons,
// refers; the provider answers the request; the case manager follows up.
func TestCaseToReferral(t *testing.T) {
	s := newSite(t)
	token := s.relogin("fm")
	code, body, _ := s.get("/passende-hilfe")
	must(t, "case form", code, 200, body, "Welche Hilfe wird gebraucht?", "Einkaufshilfe", `<label for="quartier">Quartier</label>`)
	// Nothing chosen: the message is next to the field, nothing is matched.
	code, body, _ = s.post("/passende-hilfe", url.Values{"csrf": {token}, "quartier": {"Eselsberg"}, "alter": {"alt"}})
	must(t, "empty case", code, http.StatusUnprocessableEntity, body, "Bitte wählen Sie mindestens eine Hilfeart.", "Bitte geben Sie das Alter als Zahl", `<option value="Eselsberg" selected>`)
	if code, _, _ := s.post("/passende-hilfe", url.Values{"hilfeart": {"einkaufshilfe"}}); code != http.StatusForbidden {
		t.Errorf("a case without the CSRF token: %d", code)
	}
	form := url.Values{"csrf": {token}, "fall": {"F-2026-17"}, "fachbereich": {"altenhilfe"}, "quartier": {"Eselsberg"},
		"hilfeart": {"einkaufshilfe"}, "sprache": {"de"}, "worte": {"Sie möchte jemanden, der beim Einkaufen hilft."}}
	code, body, _ = s.post("/passende-hilfe", form)
	must(t, "suggestions", code, 200, body, "Vorschläge", "Nachbarschaftshilfe Eselsberg &lt;script&gt;", "bietet Einkaufshilfe", "Vermitteln")
	// The print view repeats what was entered, without the menu.
	print := url.Values{}
	for k, v := range form {
		print[k] = v
	}
	print.Set("druck", "1")
	code, body, _ = s.post("/passende-hilfe", print)
	must(t, "print view", code, 200, body, "Vorschläge für Fall F-2026-17", "Altenhilfe", "Eingekauft"[0:0], "Sie möchte jemanden")
	if strings.Contains(body, `nav class="main"`) {
		t.Error("the print view has the menu")
	}
	nh := regexp.MustCompile(`name="eintrag" value="(nbh_[0-9a-f]+)"`).FindStringSubmatch(body + s.mustPost("/passende-hilfe", form))
	if nh == nil {
		t.Fatal("no Vermitteln form for the group")
	}
	refer := url.Values{"csrf": {token}, "eintrag": {nh[1]}, "fall": {"F-2026-17"}, "fachbereich": {"altenhilfe"}, "sozialraum": {"eselsberg"}, "hilfeart": {"einkaufshilfe"}}
	code, body, _ = s.post("/passende-hilfe/vermitteln", refer)
	must(t, "confirm step", code, 200, body, "Vermitteln: Nachbarschaftshilfe Eselsberg", `value="F-2026-17"`, "Vermittlung anlegen")
	refer.Set("bestaetigt", "1")
	refer.Set("fall", "")
	refer.Set("kosten", "viel")
	refer.Set("massnahme", "Haushaltshilfe")
	code, body, _ = s.post("/passende-hilfe/vermitteln", refer)
	must(t, "bad referral", code, http.StatusUnprocessableEntity, body, "Bitte geben Sie die monatlichen Kosten als Betrag an")
	refer.Set("kosten", "450,50")
	code, body, _ = s.post("/passende-hilfe/vermitteln", refer)
	must(t, "no case reference", code, http.StatusUnprocessableEntity, body, "Bitte geben Sie das Fallkennzeichen an")
	refer.Set("fall", "F-2026-17")
	code, _, h := s.post("/passende-hilfe/vermitteln", refer)
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/vermittlungen/ref_") {
		t.Fatalf("refer: %d %v", code, h)
	}
	refPath := strings.TrimSuffix(h.Get("Location"), "?ok=angelegt")
	code, body, _ = s.get(h.Get("Location"))
	must(t, "referral page", code, 200, body, "Die Vermittlung ist angelegt.", "vorgeschlagen", "Altenhilfe", "Haushaltshilfe (450,50 € im Monat)", "Hilfe läuft (angenommen)", "Zurückziehen")
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
	// Declining needs a reason, said in German next to the field.
	code, body, _ = s.post(refPath+"/status", url.Values{"csrf": {token}, "version": {version}, "status": {"declined"}})
	must(t, "decline without reason", code, http.StatusUnprocessableEntity, body, "wer abgesagt hat und warum")
	code, _, _ = s.post(refPath+"/status", url.Values{"csrf": {token}, "version": {version}, "status": {"active"}})
	if code != http.StatusSeeOther {
		t.Fatalf("activate: %d", code)
	}
	if code, body, _ := s.post(refPath+"/status", url.Values{"csrf": {token}, "version": {version}, "status": {"ended"}, "ergebnis": {"successful"}}); code != http.StatusConflict {
		t.Errorf("a stale version: %d %s", code, body)
	}
	code, _, _ = s.post(refPath+"/notiz", url.Values{"csrf": {token}, "notiz": {"Erster Einkauf am Dienstag."}})
	if code != http.StatusSeeOther {
		t.Fatalf("note: %d", code)
	}
	code, _, _ = s.post(refPath+"/nachfrage", url.Values{"csrf": {token}, "nachfrage": {""}})
	if code != http.StatusUnprocessableEntity {
		t.Errorf("empty follow-up: %d", code)
	}
	code, _, _ = s.post(refPath+"/nachfrage", url.Values{"csrf": {token}, "nachfrage": {"Läuft gut."}})
	if code != http.StatusSeeOther {
		t.Fatalf("follow-up: %d", code)
	}
	code, body, _ = s.get(refPath)
	must(t, "timeline", code, 200, body, "Status: aktiv", "Erster Einkauf am Dienstag.", "Nachfrage (fällig am", "Läuft gut.", "Frank Müller", "Nächste Nachfrage")
	code, body, _ = s.get("/vermittlungen?status=active")
	must(t, "list", code, 200, body, "1 aktiv", "F-2026-17", "Nachfragen fällig")
	// Another case manager never sees it; the provider sees no proposal.
	s.relogin("rm")
	if code, _, _ := s.get(refPath); code != http.StatusNotFound && code != http.StatusOK {
		t.Errorf("rm opens the referral: %d", code)
	}
	s.relogin("traeger")
	if code, _, _ := s.get(refPath); code != http.StatusNotFound {
		t.Errorf("a provider opens a referral to another's group: %d", code)
	}
	if code, _, _ := s.get("/passende-hilfe"); code != http.StatusForbidden {
		t.Errorf("a provider opens the case form: %d", code)
	}
}

// TestProviderAnswersRequest: a referral to the provider's offer, once
// requested, is the provider's to accept or decline, and nothing else.
func TestProviderAnswersRequest(t *testing.T) {
	s := newSite(t)
	token := s.relogin("fm")
	body := s.mustPost("/passende-hilfe", url.Values{"csrf": {token}, "quartier": {"Eselsberg"}, "hilfeart": {"begegnung"}, "art": {"offer"}})
	off := regexp.MustCompile(`name="eintrag" value="(off_[0-9a-f]+)"`).FindStringSubmatch(body)
	if off == nil {
		t.Fatalf("no offer suggested: %s", body)
	}
	_, _, h := s.post("/passende-hilfe/vermitteln", url.Values{"csrf": {token}, "bestaetigt": {"1"}, "eintrag": {off[1]}, "fall": {"F-9"},
		"fachbereich": {"jugendhilfe"}, "sozialraum": {"eselsberg"}, "hilfeart": {"begegnung"}})
	refPath := strings.TrimSuffix(h.Get("Location"), "?ok=angelegt")
	if !strings.HasPrefix(refPath, "/vermittlungen/ref_") {
		t.Fatalf("refer: %v", h)
	}
	ptoken := s.relogin("traeger")
	if _, body, _ := s.get("/"); !strings.Contains(body, `href="/vermittlungen">Anfragen`) || strings.Contains(body, "/passende-hilfe") {
		t.Errorf("a provider's menu: %s", body)
	}
	if code, _, _ := s.get(refPath); code != http.StatusNotFound {
		t.Errorf("a provider sees a proposal: %d", code)
	}
	s.relogin("fm")
	_, body, _ = s.get(refPath)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
	s.post(refPath+"/status", url.Values{"csrf": {csrf(t, body)}, "version": {version}, "status": {"requested"}})
	ptoken = s.relogin("traeger")
	code, body, _ := s.get("/vermittlungen")
	must(t, "requests", code, 200, body, "Anfragen", "1 angefragt", "F-9")
	code, body, _ = s.get(refPath)
	must(t, "request page", code, 200, body, "Hilfe läuft (angenommen)", "Abgelehnt")
	for _, hidden := range []string{"Zurückziehen", "Notiz speichern", "Jugendhilfe"} {
		if strings.Contains(body, hidden) {
			t.Errorf("a provider is shown %q", hidden)
		}
	}
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
	if code, _, _ := s.post(refPath+"/notiz", url.Values{"csrf": {ptoken}, "notiz": {"x"}}); code != http.StatusForbidden {
		t.Errorf("a provider writes a note: %d", code)
	}
	if code, _, _ := s.post(refPath+"/status", url.Values{"csrf": {ptoken}, "version": {version}, "status": {"active"}}); code != http.StatusSeeOther {
		t.Fatalf("accept: %d", code)
	}
	_, body, _ = s.get(refPath)
	must(t, "accepted", 200, 200, body, "<strong>aktiv</strong>")
}

func (s *site) mustPost(path string, form url.Values) string {
	s.t.Helper()
	code, body, _ := s.post(path, form)
	if code != 200 {
		s.t.Fatalf("POST %s: %d %s", path, code, body)
	}
	return body
}

// TestFiguresScreen: the district figures as a table, bars and a CSV for
// Excel; case managers and providers are refused.
func TestFiguresScreen(t *testing.T) {
	s := newSite(t)
	s.relogin("rm")
	code, body, _ := s.get("/kennzahlen")
	must(t, "figures", code, 200, body, "Aktive Nachbarschaftshilfen", "Eselsberg", "Stadt", "<svg", `role="img"`, "Begonnene Vermittlungen je Sozialraum am")
	if code, body, _ := s.get("/kennzahlen?stichtag=01.01.2999"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "nicht in der Zukunft") {
		t.Errorf("a future day: %d", code)
	}
	if code, _, _ := s.get("/kennzahlen?stichtag=gestern"); code != http.StatusUnprocessableEntity {
		t.Errorf("not a day: %d", code)
	}
	code, body, h := s.get("/kennzahlen.csv")
	if code != 200 || !strings.HasPrefix(body, "\ufeffSozialraum;Kennzahl;Schlüssel;Stichtag ") || !strings.Contains(body, "Eselsberg;Aktive Nachbarschaftshilfen;entries.neighbourhood_help.active;1;") ||
		!strings.Contains(h.Get("Content-Disposition"), "kennzahlen-") {
		t.Errorf("CSV: %d %s", code, body)
	}
	for _, who := range []string{"fm", "traeger"} {
		s.relogin(who)
		if code, _, _ := s.get("/kennzahlen"); code != http.StatusForbidden {
			t.Errorf("%s opens the figures: %d", who, code)
		}
		if code, _, _ := s.get("/kennzahlen.csv"); code != http.StatusForbidden {
			t.Errorf("%s downloads the figures: %d", who, code)
		}
	}
	s.relogin("admin")
	if code, _, _ := s.get("/kennzahlen"); code != 200 {
		t.Errorf("the admin opens the figures: %d", code)
	}
}

// TestAdminScreens: tokens are made (shown once) and revoked; the audit
// log names the person and filters; nobody else opens either.
func TestAdminScreens(t *testing.T) {
	s := newSite(t)
	token := s.relogin("admin")
	code, body, _ := s.post("/verwaltung/schluessel", url.Values{"csrf": {token}, "name": {""}, "rolle": {"traeger"}})
	must(t, "bad token", code, http.StatusUnprocessableEntity, body, "Bitte sagen Sie, wofür der Schlüssel ist")
	code, body, _ = s.post("/verwaltung/schluessel", url.Values{"csrf": {token}, "name": {"Fachverfahren"}, "rolle": {"traeger"}})
	must(t, "provider token without provider", code, http.StatusUnprocessableEntity, body, "gehört zu einem Träger")
	code, body, _ = s.post("/verwaltung/schluessel", url.Values{"csrf": {token}, "name": {"Fachverfahren Jugendhilfe"}, "rolle": {"fallmanager"}})
	must(t, "token", code, http.StatusCreated, body, "wird nur jetzt angezeigt", "Fachverfahren Jugendhilfe", "Widerrufen")
	plain := regexp.MustCompile(`id="neuer-schluessel" value="([^"]+)"`).FindStringSubmatch(body)
	id := regexp.MustCompile(`/verwaltung/schluessel/([0-9a-f]+)/widerrufen`).FindStringSubmatch(body)
	if plain == nil || id == nil {
		t.Fatalf("no token shown: %s", body)
	}
	if _, body, _ := s.get("/verwaltung/schluessel"); strings.Contains(body, plain[1]) {
		t.Error("the secret is shown again")
	}
	if code, _, _ := s.post("/verwaltung/schluessel/"+id[1]+"/widerrufen", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
		t.Errorf("revoke: %d", code)
	}
	// A staff read is in the log with the person's name.
	s.relogin("fm")
	_, body, _ = s.get("/suche?q=Einkaufen")
	entry := regexp.MustCompile(`href="/eintrag/(nbh_[0-9a-f]+)"`).FindStringSubmatch(body)
	s.get("/eintrag/" + entry[1])
	s.relogin("admin")
	code, body, _ = s.get("/verwaltung/protokoll?aktion=read&eintrag=" + entry[1])
	must(t, "audit log", code, 200, body, "1 Einträge", "Frank Müller", "gelesen", "Nachbarschaftshilfe", entry[1])
	code, body, _ = s.get("/verwaltung/protokoll?aktion=login")
	must(t, "log-ins", code, 200, body, "angemeldet", "Anna Admin")
	if code, _, _ := s.get("/verwaltung/protokoll?von=gestern"); code != http.StatusUnprocessableEntity {
		t.Errorf("a bad day: %d", code)
	}
	if code, _, _ := s.get("/verwaltung/protokoll?von=02.01.2026&bis=01.01.2026"); code != http.StatusUnprocessableEntity {
		t.Errorf("a period ending before it starts: %d", code)
	}
	for _, who := range []string{"rm", "fm", "traeger"} {
		s.relogin(who)
		for _, path := range []string{"/verwaltung/schluessel", "/verwaltung/protokoll"} {
			if code, _, _ := s.get(path); code != http.StatusForbidden {
				t.Errorf("%s opens %s: %d", who, path, code)
			}
		}
	}
}
