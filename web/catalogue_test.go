package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"massanzug/transfer"
)

// TestVolunteerForm: staff create and change a volunteer in the browser;
// every problem is told in German next to its field and nothing is
// written; a stale form is refused.
func TestVolunteerForm(t *testing.T) {
	s := newSite(t)
	token := s.relogin("rm")
	code, body, _ := s.get("/katalog/ehrenamtliche/neu")
	must(t, "new volunteer form", code, 200, body, "Ehrenamtliche Person anlegen", `<label for="name">Name <span class="req">(Pflicht)</span></label>`,
		"Einwilligung erteilt am", `<option value="native" selected>Muttersprache</option>`)
	bad := url.Values{"csrf": {token}, "name": {""}, "contact-email": {"kein-mail"}, "availability": {"Montags irgendwann"},
		"capacity": {"2"}, "districts": {"eselsberg"}, "help_kinds": {"einkaufshilfe"}, "consent": {"31.02.2026"}, "languages-tr": {"native"}}
	code, body, _ = s.post("/katalog/ehrenamtliche", bad)
	must(t, "form errors", code, http.StatusUnprocessableEntity, body, "„montags irgendwann“ ist keine Zeit", "Bitte das Datum als TT.MM.JJJJ",
		`<option value="native" selected>Muttersprache</option>`, `value="kein-mail"`)
	bad.Set("availability", "Mo 14-17, Mi 9:30-12")
	bad.Set("consent", "")
	bad.Set("groups", "nbh_gibtsnicht")
	code, body, _ = s.post("/katalog/ehrenamtliche", bad)
	must(t, "domain errors", code, http.StatusUnprocessableEntity, body, "Bitte einen Namen angeben", "Bitte eine gültige E-Mail-Adresse",
		"Ohne Einwilligung der Person", `id="contact-email-fehler"`, `aria-invalid="true"`, "Bitte nur Nachbarschaftshilfen aus der Liste wählen.")
	_, found, _ := s.get("/suche?q=Nachbarschaftshilfe&art=neighbourhood_help")
	group := regexp.MustCompile(`href="/eintrag/(nbh_[0-9a-f]+)"`).FindStringSubmatch(found)
	if group == nil {
		t.Fatal("no neighbourhood help to join")
	}
	bad.Set("groups", group[1])
	good := bad
	good.Set("name", "Ayşe Yılmaz")
	good.Set("contact-email", "ayse@example.org")
	good.Set("consent", "10.01.2026")
	good.Set("home-quarter", "Eselsberg")
	good.Set("life_experience", "Hat selbst zwei Kinder allein großgezogen.")
	code, _, h := s.post("/katalog/ehrenamtliche", good)
	if code != http.StatusSeeOther || !regexp.MustCompile(`^/eintrag/vol_[0-9a-f]+\?ok=angelegt$`).MatchString(h.Get("Location")) {
		t.Fatalf("create: %d %v", code, h)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(h.Get("Location"), "/eintrag/"), "?ok=angelegt")
	code, body, _ = s.get(h.Get("Location"))
	must(t, "created", code, 200, body, "Der Eintrag ist angelegt.", "Ayşe Yılmaz", "Mo 14:00–17:00, Mi 09:30–12:00", "Türkisch (Muttersprache)",
		"erteilt am 10.01.2026", "Eselsberg, Eselsberg", "Hilft in", group[1]+")")
	_, body, _ = s.get("/eintrag/" + group[1])
	must(t, "the group's page", 200, 200, body, "<h2>Ehrenamtliche dieser Gruppe</h2>", `<a href="/eintrag/`+id+`">Ayşe Yılmaz</a>`)
	code, body, _ = s.get("/katalog/ehrenamtliche/" + id + "/bearbeiten")
	must(t, "edit form", code, 200, body, `value="Ayşe Yılmaz"`, `value="Mo 14-17, Mi 09:30-12"`, `value="10.01.2026"`, `name="version" value="1"`,
		`name="groups" value="`+group[1]+`" checked`)
	change := url.Values{}
	for k, v := range good {
		change[k] = v
	}
	change.Set("version", "1")
	change.Set("capacity", "3")
	if code, _, h := s.post("/katalog/ehrenamtliche/"+id, change); code != http.StatusSeeOther || h.Get("Location") != "/eintrag/"+id+"?ok=gespeichert" {
		t.Fatalf("update: %d %v", code, h)
	}
	code, body, _ = s.post("/katalog/ehrenamtliche/"+id, change)
	must(t, "stale form", code, http.StatusConflict, body, "Jemand hat den Eintrag inzwischen geändert")
	// Archived, the volunteer leaves the search; the page says how she comes back.
	if code, _, _ := s.post("/eintrag/"+id+"/archivieren", url.Values{"csrf": {token}, "version": {"1"}}); code != http.StatusConflict {
		t.Errorf("archive with a stale version: %d", code)
	}
	if code, _, h := s.post("/eintrag/"+id+"/archivieren", url.Values{"csrf": {token}, "version": {"2"}}); code != http.StatusSeeOther || h.Get("Location") != "/eintrag/"+id+"?ok=archiviert" {
		t.Fatalf("archive: %d", code)
	}
	_, body, _ = s.get("/eintrag/" + id + "?ok=archiviert")
	must(t, "archived", 200, 200, body, "Der Eintrag ist archiviert", "<strong>archiviert</strong>")
	if _, body, _ := s.get("/suche?q=Yılmaz"); !strings.Contains(body, "0 Treffer") {
		t.Error("an archived volunteer is found")
	}
	// A case manager may not open the forms; a provider may not make volunteers.
	s.relogin("fm")
	if code, _, _ := s.get("/katalog/ehrenamtliche/neu"); code != http.StatusForbidden {
		t.Errorf("a case manager opens the form: %d", code)
	}
	s.relogin("traeger")
	if code, _, _ := s.get("/katalog/ehrenamtliche/neu"); code != http.StatusForbidden {
		t.Errorf("a provider opens the volunteer form: %d", code)
	}
	if code, _, _ := s.get("/katalog/ehrenamtliche/" + id + "/bearbeiten"); code != http.StatusForbidden {
		t.Errorf("a provider opens a volunteer: %d", code)
	}
}

// TestOfferApprovalScreens: a provider submits and changes an offer; RM
// sees what changed, rejects with a reason, approves; the approved
// version stays what case managers see meanwhile.
func TestOfferApprovalScreens(t *testing.T) {
	s := newSite(t)
	ptoken := s.relogin("traeger")
	code, body, _ := s.get("/traeger")
	must(t, "portal", code, 200, body, "Caritas Ulm", "Begegnungscafé am Eselsberg", "freigegeben", "Neues Angebot einreichen")
	code, body, _ = s.get("/katalog/angebote/neu")
	must(t, "new offer form", code, 200, body, "Angebot anlegen", "Kategorie")
	if strings.Contains(body, `name="provider_id"`) {
		t.Error("a provider chooses the provider")
	}
	offer := url.Values{"csrf": {ptoken}, "name": {"Schuldnerberatung Eselsberg"}, "category": {"beratung"}, "help_kinds": {"schuldnerberatung"},
		"districts": {"eselsberg"}, "location-quarter": {"Eselsberg"}, "opening_times": {"Mi 9–12 Uhr"}, "valid_until": {"2026-13-01"}}
	code, body, _ = s.post("/katalog/angebote", offer)
	must(t, "bad date", code, http.StatusUnprocessableEntity, body, "Bitte das Datum als TT.MM.JJJJ")
	offer.Set("valid_until", "")
	code, _, h := s.post("/katalog/angebote", offer)
	if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?ok=eingereicht") {
		t.Fatalf("submit: %d %v", code, h)
	}
	_, body, _ = s.get("/traeger")
	must(t, "submitted", 200, 200, body, "Schuldnerberatung Eselsberg", "Wartet auf Freigabe durch die Stadt.")
	cafe := regexp.MustCompile(`href="/katalog/angebote/(off_[0-9a-f]+)/bearbeiten">Bearbeiten<span class="visually-hidden">: Begegnungscafé`).FindStringSubmatch(body)
	if cafe == nil {
		t.Fatalf("no edit link for the café: %s", body)
	}
	_, body, _ = s.get("/katalog/angebote/" + cafe[1] + "/bearbeiten")
	form := formOf(t, body)
	form.Set("opening_times", "Di und Do 14–17 Uhr")
	if code, _, _ := s.post("/katalog/angebote/"+cafe[1], form); code != http.StatusSeeOther {
		t.Fatalf("change the café: %d", code)
	}
	_, body, _ = s.get("/traeger")
	must(t, "change waits", 200, 200, body, "wartet auf Freigabe.")
	// Case managers still see the approved version.
	s.relogin("fm")
	_, body, _ = s.get("/eintrag/" + cafe[1])
	must(t, "case manager's view", 200, 200, body, "Di 14–17 Uhr")
	if strings.Contains(body, "Di und Do") || strings.Contains(body, "wartet") {
		t.Error("a case manager sees the waiting change")
	}
	token := s.relogin("rm")
	code, body, _ = s.get("/katalog/freigaben")
	must(t, "inbox", code, 200, body, "2 Angebote warten", "Schuldnerberatung Eselsberg", "neu eingereicht", "Änderung eines freigegebenen Angebots",
		"<th scope=\"row\">Öffnungszeiten</th><td><del>Di 14–17 Uhr</del></td><td><ins>Di und Do 14–17 Uhr</ins></td>")
	if code, _, h := s.post("/katalog/angebote/"+cafe[1]+"/ablehnen", url.Values{"csrf": {token}, "grund": {""}}); code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "fehler=grund") {
		t.Errorf("a rejection without a reason: %d %v", code, h)
	}
	_, body, _ = s.get("/katalog/freigaben?fehler=grund&id=" + cafe[1])
	must(t, "reason missing", 200, 200, body, "Bitte sagen Sie dem Träger, was er ändern soll.")
	s.post("/katalog/angebote/"+cafe[1]+"/ablehnen", url.Values{"csrf": {token}, "grund": {"Bitte mit dem Team abstimmen."}})
	newOffer := regexp.MustCompile(`href="/eintrag/(off_[0-9a-f]+)">Schuldnerberatung`).FindStringSubmatch(body)
	if code, _, _ := s.post("/katalog/angebote/"+newOffer[1]+"/freigeben", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
		t.Errorf("approve: %d", code)
	}
	_, body, _ = s.get("/katalog/freigaben?ok=freigegeben")
	must(t, "inbox after", 200, 200, body, "Das Angebot ist freigegeben.", "Nichts wartet.")
	s.relogin("traeger")
	_, body, _ = s.get("/traeger")
	must(t, "provider reads the reason", 200, 200, body, "Ihre letzte Änderung wurde abgelehnt: Bitte mit dem Team abstimmen.")
	s.relogin("fm")
	if _, body, _ := s.get("/suche?q=Schuldnerberatung"); !strings.Contains(body, "1 Treffer") {
		t.Errorf("the approved offer is not found: %s", body)
	}
}

// TestReviewAndImport: the review queue says why in German; a CSV import
// reports per row and writes nothing while any row is wrong.
func TestReviewAndImport(t *testing.T) {
	s := newSite(t)
	// What a provider submitted nobody has checked yet.
	ptoken := s.relogin("traeger")
	if code, _, _ := s.post("/katalog/angebote", url.Values{"csrf": {ptoken}, "name": {"Sprechstunde Eselsberg"}, "category": {"beratung"},
		"help_kinds": {"schuldnerberatung"}, "districts": {"eselsberg"}}); code != http.StatusSeeOther {
		t.Fatalf("submit: %d", code)
	}
	token := s.relogin("rm")
	csv := "name;home.district;home.quarter;districts;help_kinds;languages;capacity;consent.given_on;life_experience\n" +
		"Hans Wolf;eselsberg;Eselsberg;eselsberg;einkaufshilfe;de:native;1;2026-02-01;Rentner mit Werkstatt\n" +
		"Ohne Bezirk;;;atlantis;zauberei;de:native;1;2026-01-01;\n"
	uploadAs := func(name, data string, dry bool) (int, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("csrf", token)
		w.WriteField("art", "volunteer")
		if dry {
			w.WriteField("probelauf", "1")
		}
		f, _ := w.CreateFormFile("datei", name)
		f.Write([]byte(data))
		w.Close()
		r, err := s.client.Post(s.srv.URL+"/katalog/import", w.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(r.Body)
		return r.StatusCode, out.String()
	}
	upload := func(data string, dry bool) (int, string) { return uploadAs("ehrenamtliche.csv", data, dry) }
	code, body := upload(csv, false)
	must(t, "bad import", code, http.StatusUnprocessableEntity, body, "Fehler in 1 von 2 Zeilen – nichts wurde übernommen.", "<td>3</td>")
	code, body = upload(strings.SplitAfterN(csv, "\n", 3)[0]+strings.SplitAfterN(csv, "\n", 3)[1], true)
	must(t, "dry run", code, 200, body, "Probelauf: alle 1 Zeilen sind in Ordnung.")
	code, body = upload(strings.SplitAfterN(csv, "\n", 3)[0]+strings.SplitAfterN(csv, "\n", 3)[1], false)
	must(t, "import", code, 200, body, "1 von 1 Zeilen übernommen.")
	// The round trip: the Excel export, edited, imports as a change of the
	// entry it came from.
	code, xlsx, h := s.get("/katalog/export?art=volunteer&format=xlsx")
	if code != 200 || h.Get("Content-Type") != transfer.XLSXType {
		t.Fatalf("export: %d %s", code, h)
	}
	code, body = uploadAs("ehrenamtliche.xlsx", xlsx, true)
	must(t, "the export again", code, 200, body, "0 neu, 0 geändert, ")
	code, exported, _ := s.get("/katalog/export?art=volunteer&format=csv")
	code, body = uploadAs("ehrenamtliche.csv", strings.Replace(exported, "Rentner mit Werkstatt", "Rentner mit Garten", 1), false)
	must(t, "an edited export", code, 200, body, "0 neu, 1 geändert, ", "Lebenserfahrung")
	code, body = uploadAs("ehrenamtliche.csv", strings.Replace(exported, "Rentner mit Werkstatt", "Rentner ohne Garten", 1), false)
	must(t, "a stale export", code, http.StatusUnprocessableEntity, body, "Der Eintrag wurde seit dem Export geändert")
	if code, zipped, h := s.get("/katalog/export/hsds?format=datapackage"); code != 200 || h.Get("Content-Type") != "application/zip" || !strings.HasPrefix(zipped, "PK") {
		t.Errorf("open data: %d %s", code, h)
	}
	code, body, _ = s.get("/katalog/pruefen")
	must(t, "review queue", code, 200, body, "1 zu prüfen", "Sprechstunde Eselsberg", "nie geprüft")
	id := regexp.MustCompile(`href="/eintrag/(off_[0-9a-f]+)">Sprechstunde`).FindStringSubmatch(body)
	if code, _, h := s.post("/eintrag/"+id[1]+"/pruefen", url.Values{"csrf": {token}, "zurueck": {"pruefen"}}); code != http.StatusSeeOther || h.Get("Location") != "/katalog/pruefen?ok=geprueft" {
		t.Errorf("verify from the queue: %d", code)
	}
	if _, body, _ := s.get("/katalog/pruefen"); strings.Contains(body, "Sprechstunde") {
		t.Error("a verified entry stays in the queue")
	}
	if code, _, _ := s.get("/katalog/pruefen?art=katze"); code != http.StatusBadRequest {
		t.Errorf("an unknown kind: %d", code)
	}
	// A refusal is told in German with its reason, not as a failure.
	// The id is the service's own hex: safe to write into the statement,
	// which runs on either backend.
	if err := s.db.Exec(context.Background(), `UPDATE entries SET status = 'archived' WHERE id = '`+id[1]+`'`); err != nil {
		t.Fatal(err)
	}
	code, body, _ = s.post("/katalog/angebote/"+id[1]+"/freigeben", url.Values{"csrf": {token}})
	must(t, "approve an archived offer", code, http.StatusConflict, body, "Das geht gerade nicht: Das Angebot "+id[1]+" ist archiviert; es muss vor der Freigabe neu eingereicht werden.")
	// Exports hold everyone's personal data: staff only.
	s.relogin("fm")
	for _, path := range []string{"/katalog/export?art=volunteer&format=csv", "/katalog/export/hsds?format=json", "/katalog/import"} {
		if code, _, _ := s.get(path); code != http.StatusForbidden {
			t.Errorf("a case manager at %s: %d", path, code)
		}
	}
}

var inputRE = regexp.MustCompile(`<input type="(?:text|email|tel|hidden)" (?:id="[^"]*" )?name="([^"]+)" value="([^"]*)"`)
var checkedRE = regexp.MustCompile(`<input type="checkbox" (?:id="[^"]*" )?name="([^"]+)" value="([^"]*)" checked`)
var selectRE = regexp.MustCompile(`(?s)<select id="([^"]+)" name="[^"]+"[^>]*>(.*?)</select>`)
var selectedRE = regexp.MustCompile(`<option value="([^"]*)" selected>`)
var areaRE = regexp.MustCompile(`(?s)<textarea id="([^"]+)" name="[^"]+"[^>]*>(.*?)</textarea>`)

// formOf reads back what a rendered form would send, as a browser would.
func formOf(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	unescape := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace
	for _, m := range inputRE.FindAllStringSubmatch(body, -1) {
		v.Add(m[1], unescape(m[2]))
	}
	for _, m := range checkedRE.FindAllStringSubmatch(body, -1) {
		v.Add(m[1], unescape(m[2]))
	}
	for _, m := range selectRE.FindAllStringSubmatch(body, -1) {
		for _, o := range selectedRE.FindAllStringSubmatch(m[2], -1) {
			v.Add(m[1], unescape(o[1]))
		}
	}
	for _, m := range areaRE.FindAllStringSubmatch(body, -1) {
		v.Add(m[1], unescape(m[2]))
	}
	return v
}

// TestHelpKindsScreen: RM says which kinds of entry give a kind of help;
// a refused change is said and writes nothing.
func TestHelpKindsScreen(t *testing.T) {
	s := newSite(t)
	token := s.relogin("rm")
	code, body, _ := s.get("/katalog/hilfearten")
	must(t, "help kinds", code, 200, body, "Schuldnerberatung", `action="/katalog/hilfearten/schuldnerberatung"`, `<label for="label-schuldnerberatung">Bezeichnung</label>`)
	form := url.Values{"csrf": {token}, "label": {"Schuldnerberatung"}, "provided_by": {"offer", "volunteer"}, "needs_car": {"1"}}
	if code, _, h := s.post("/katalog/hilfearten/schuldnerberatung", form); code != http.StatusSeeOther || h.Get("Location") != "/katalog/hilfearten?ok=1#schuldnerberatung" {
		t.Fatalf("save: %d %v", code, h)
	}
	_, body, _ = s.get("/katalog/hilfearten?ok=1")
	row := body[strings.Index(body, `id="schuldnerberatung"`):]
	row = row[:strings.Index(row, "</form>")]
	if strings.Count(row, " checked") != 3 || !strings.Contains(body, "Gespeichert.") || !strings.Contains(row, `name="needs_car" value="1" checked`) {
		t.Errorf("after the change: %s", row)
	}
	form.Set("label", "")
	code, body, _ = s.post("/katalog/hilfearten/schuldnerberatung", form)
	must(t, "empty label", code, http.StatusUnprocessableEntity, body, "Nicht gespeichert", `aria-invalid="true"`, `value="Schuldnerberatung"`)
	if code, _, _ := s.post("/katalog/hilfearten/gibtsnicht", form); code != http.StatusNotFound {
		t.Errorf("an unknown help kind: %d", code)
	}
	s.relogin("fm")
	if code, _, _ := s.get("/katalog/hilfearten"); code != http.StatusForbidden {
		t.Errorf("a case manager opens the help kinds: %d", code)
	}
}

// TestSynonymsScreen: RM adds, changes and removes search words; a
// refused change is said beside its field and writes nothing.
func TestSynonymsScreen(t *testing.T) {
	s := newSite(t)
	token := s.relogin("rm")
	code, body, _ := s.get("/katalog/suchwoerter")
	must(t, "synonyms", code, 200, body, "<h1>Suchwörter</h1>", "<td>NBH</td><td>Nachbarschaftshilfe</td>", `<label for="wort">`)
	form := url.Values{"csrf": {token}, "wort": {"Kiez"}, "bedeutet": {"Quartier"}}
	if code, _, h := s.post("/katalog/suchwoerter", form); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/katalog/suchwoerter?ok=gespeichert") {
		t.Fatalf("save: %d %v", code, h)
	}
	_, body, _ = s.get("/katalog/suchwoerter?ok=gespeichert")
	must(t, "after saving", 200, 200, body, "<td>Kiez</td><td>Quartier</td>", "Gespeichert.")
	form.Set("bedeutet", "kiez")
	code, body, _ = s.post("/katalog/suchwoerter", form)
	must(t, "the word itself", code, http.StatusUnprocessableEntity, body, "Nicht gespeichert", `id="bedeutet-fehler"`, `aria-invalid="true"`, `value="kiez"`)
	_, body, _ = s.get("/katalog/suchwoerter")
	must(t, "refusal writes nothing", 200, 200, body, "<td>Kiez</td><td>Quartier</td>")
	if code, _, h := s.post("/katalog/suchwoerter/entfernen", url.Values{"csrf": {token}, "wort": {"kiez"}}); code != http.StatusSeeOther || h.Get("Location") != "/katalog/suchwoerter?ok=entfernt" {
		t.Fatalf("remove: %d %v", code, h)
	}
	_, body, _ = s.get("/katalog/suchwoerter")
	if strings.Contains(body, "<td>Kiez</td>") {
		t.Error("removed word still listed")
	}
	if code, _, _ := s.post("/katalog/suchwoerter/entfernen", url.Values{"csrf": {token}, "wort": {"kiez"}}); code != http.StatusNotFound {
		t.Errorf("removing twice: %d", code)
	}
	if code, _, _ := s.post("/katalog/suchwoerter", url.Values{"wort": {"X1"}, "bedeutet": {"Y"}}); code != http.StatusForbidden {
		t.Errorf("without CSRF: %d", code)
	}
	s.relogin("fm")
	if code, _, _ := s.get("/katalog/suchwoerter"); code != http.StatusForbidden {
		t.Errorf("a case manager opens the search words: %d", code)
	}
}
