//go:build browser

package main

// The browser suite: the real service (massanzug serve --demo) driven in
// headless Chromium from Debian's package, as each role uses it. Every
// screen is checked with axe-core (vendored in testdata/axe) and fails on
// any serious or critical violation of WCAG 2.1 A/AA; a screenshot of each
// is written to $MASSANZUG_SCREENSHOTS (a temp folder when unset).
//
//	go test -tags browser -run TestBrowser ./cmd/massanzug

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: apt-get install -y chromium (.ci/run does)")
	return ""
}

type tab struct {
	t       *testing.T
	ctx     context.Context
	base    string
	shots   string
	axe     string
	docs    string
	n       int
	weights []string
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("fehler-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v\npage: %s", what, err, b.body())
	}
}

func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.80s: %v", expr, err)
	}
	return v
}

func (b *tab) body() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// follow runs an action that loads a new page (a click on a link or a
// submit button) and waits until the new page has loaded.
func (b *tab) follow(what string, action chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.do(what, chromedp.Evaluate[chromedp.Void](`window.__mzOld = true`), action,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Asked again and again: the old page's context goes away under
			// a question, which is then just asked anew.
			for {
				loaded, err := chromedp.Evaluate[bool](`!window.__mzOld && document.readyState === "complete"`)(ctx, t)
				if err == nil && loaded {
					return nil
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("no new page: %w", ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
			}
		}))
}

func (b *tab) click(what, css string) {
	b.t.Helper()
	b.follow(what, chromedp.Click(chromedp.CSS(css)))
}

// set fills a field by its id as a person would leave it.
func (b *tab) set(id, value string) {
	b.t.Helper()
	v, _ := json.Marshal(value)
	if !eval[bool](b, fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (!e) return false; e.value = %s; return true })()`, id, v)) {
		b.t.Fatalf("no field %s on %s", id, b.body())
	}
}

func (b *tab) tick(css string) {
	b.t.Helper()
	if !eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.checked = true; return true })()`, css)) {
		b.t.Fatalf("no box %s on %s", css, b.body())
	}
}

func (b *tab) see(what string, parts ...string) {
	b.t.Helper()
	body := b.body()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			b.shot("fehler-" + strings.ReplaceAll(what, " ", "-"))
			b.t.Fatalf("%s: no %q on the page:\n%s", what, p, body)
		}
	}
}

func (b *tab) shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name)), png, 0o644)
	// The README's pictures: what a screen shows first, at 1280×900.
	if b.docs != "" && docScreens[name] {
		if view, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(b.docs, name+".png"), view, 0o644)
		}
	}
}

// docScreens are the screens whose pictures the README shows
// (MASSANZUG_DOCS_SCREENSHOTS=docs/screens writes them).
var docScreens = map[string]bool{"start-rm": true, "suche": true, "eintrag": true, "vorschlaege": true, "vermittlung": true, "freigaben": true,
	"kennzahlen": true, "traeger-portal": true, "formular-fehler": true, "vermittlungen": true}

// screen checks the page as a screen of the app: axe-core finds no serious
// or critical violation, and its picture is kept.
func (b *tab) screen(name string) {
	b.t.Helper()
	if !eval[bool](b, `typeof axe !== "undefined"`) {
		eval[chromedp.Void](b, b.axe)
	}
	found := eval[[]string](b, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r =>
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
			v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`)
	for _, v := range found {
		b.t.Errorf("screen %s (%s): %s", name, b.location(), v)
	}
	// What the page weighs: its HTML and everything it loaded.
	weight := eval[float64](b, `performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).reduce((n, e) => n + e.decodedBodySize, 0)`)
	if weight > 200<<10 {
		b.t.Errorf("screen %s (%s) weighs %.0f KB, more than 200 KB", name, b.location(), weight/1024)
	}
	b.weights = append(b.weights, fmt.Sprintf("%s %.0f KB", name, weight/1024))
	b.shot(name)
}

func (b *tab) location() string {
	return eval[string](b, `location.pathname + location.search`)
}

func (b *tab) logIn(user, password string) {
	b.t.Helper()
	b.open("/")
	b.do("type user name", chromedp.WaitVisible(chromedp.ID("benutzername")), chromedp.SendKeys(chromedp.ID("benutzername"), user))
	// By keyboard: Enter in the password field submits.
	b.follow("log in as "+user, chromedp.SendKeys(chromedp.ID("passwort"), password+"\r"))
}

func (b *tab) logOut() {
	b.t.Helper()
	b.click("log out", `form[action="/abmelden"] button`)
	b.see("logged out", "Anmelden")
}

// refuses checks that a role neither sees a screen in its menu nor opens
// it by its address.
func (b *tab) refuses(paths ...string) {
	b.t.Helper()
	menu := eval[[]string](b, `[...document.querySelectorAll("nav.main a")].map(a => a.getAttribute("href"))`)
	for _, p := range paths {
		for _, m := range menu {
			if m == p {
				b.t.Errorf("the menu offers %s: %v", p, menu)
			}
		}
		b.open(p)
		if title := eval[string](b, `document.title`); !strings.HasPrefix(title, "Kein Zugriff") {
			b.t.Errorf("%s opens %s: %q", b.location(), p, title)
		}
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := http.Get(base + "/healthz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("MASSANZUG_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "massanzug-screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	t.Logf("screenshots in %s", shots)

	// The service with the demo, as a new user starts it.
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &syncBuf{b: &bytes.Buffer{}}
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data", dir, "--demo", "--log-level", "warn"}, &bytes.Buffer{}, out)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the service did not stop")
		}
	})
	var password string
	deadline := time.Now().Add(90 * time.Second)
	for password == "" {
		if m := regexp.MustCompile(`Passwort (\S+)`).FindStringSubmatch(out.String()); m != nil {
			password = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no demo password: %s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitHealthy(t, "http://"+addr)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "de-DE"))...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	// The first run starts the browser; it lives as long as bctx, so it
	// must not run under a timeout of its own.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &tab{t: t, ctx: bctx, base: "http://" + addr, shots: shots, axe: string(axe), docs: os.Getenv("MASSANZUG_DOCS_SCREENSHOTS")}

	// A wrong password is refused, and said so.
	b.logIn("rm", "falsch-falsch")
	b.see("wrong password", "Benutzername oder Passwort stimmen nicht")
	b.screen("anmelden")
	// The checker itself: a field without a label is a critical violation.
	eval[chromedp.Void](b, `document.querySelector("main").insertAdjacentHTML("beforeend", '<input id="ohne-label" type="text">')`)
	if found := eval[[]string](b, `axe.run(document).then(r => r.violations.filter(v => v.impact === "critical").map(v => v.id))`); !slices.Contains(found, "label") {
		t.Fatalf("axe-core does not find a field without a label: %v", found)
	}

	// Ressourcenmanagement: search, read, approve, review, edit, figures.
	b.logIn("rm", password)
	b.see("rm start", "Guten Tag, Ruth Maier", "Katalog pflegen")
	b.screen("start-rm")
	b.open("/suche?q=Einkaufshilfe")
	b.see("search", "Treffer")
	b.screen("suche")
	b.click("open a hit", `ol li a[href^="/eintrag/"]`)
	b.see("entry", "Status:", "Bearbeiten")
	b.screen("eintrag")
	// A group's page lists its members.
	b.open("/suche?q=Organisierte+Nachbarschaftshilfe+Eselsberg&art=neighbourhood_help")
	b.click("open the group", `ol li a[href^="/eintrag/nbh_"]`)
	b.see("group", "Ehrenamtliche dieser Gruppe", "Koordination")
	b.screen("gruppe")
	b.open("/katalog")
	b.screen("katalog")
	b.open("/katalog/freigaben")
	b.see("inbox", "Nähcafé Weststadt", "neu eingereicht")
	b.screen("freigaben")
	b.click("approve", `form[action$="/freigeben"] button`)
	b.see("approved", "Das Angebot ist freigegeben.")
	b.open("/katalog/pruefen")
	b.screen("pruefen")
	b.click("verify from the queue", `form[action^="/eintrag/"] button`)
	b.see("verified", "Der Eintrag ist als geprüft vermerkt.")
	b.open("/katalog/hilfearten")
	b.see("help kinds", "Üblicherweise gegeben von", "Schuldnerberatung")
	b.screen("hilfearten")
	b.open("/katalog/suchwoerter")
	b.see("search words", "Suchwörter", "Nachbarschaftshilfe")
	b.screen("suchwoerter")
	b.open("/katalog/import")
	b.see("import and export", "Import und Export", "Offene Daten", "Dubletten erlauben")
	b.screen("import-export")
	b.open("/katalog/ehrenamtliche/neu")
	b.click("submit an empty form", `form.entry-form button[type=submit]`)
	b.see("form errors", "Bitte prüfen Sie die markierten Angaben.", "Bitte einen Namen angeben")
	b.screen("formular-fehler")
	b.open("/kennzahlen")
	b.see("figures", "Aktive Ehrenamtliche", "Je Sozialraum")
	b.screen("kennzahlen")
	b.open("/vermittlungen")
	b.see("referrals", "Vermittlungen", "Nachfragen fällig")
	b.screen("vermittlungen")
	b.refuses("/verwaltung/konten", "/verwaltung/protokoll", "/traeger")
	// A form posted without the session's token is refused.
	if status := eval[int](b, `fetch("/passwort", {method: "POST", body: new URLSearchParams({altes: "x", neues: "yyyyyyyyyyyy"})}).then(r => r.status)`); status != 403 {
		t.Errorf("a post without the CSRF token: %d", status)
	}
	b.open("/")
	b.logOut()

	// The provider's own approved offer, to be referred to.
	b.logIn("traeger", password)
	b.open("/traeger")
	b.see("provider portal", "Ihre Angebote", "Neues Angebot einreichen")
	b.screen("traeger-portal")
	offer := eval[string](b, `(() => { for (const tr of document.querySelectorAll("tbody tr")) { if (tr.cells[1].innerText === "freigegeben") return tr.querySelector("a").getAttribute("href") } return "" })()`)
	if offer == "" {
		t.Fatalf("the demo provider has no approved offer: %s", b.body())
	}
	b.open("/katalog/angebote/neu")
	b.screen("angebot-einreichen")
	b.refuses("/passende-hilfe", "/katalog", "/kennzahlen", "/verwaltung/konten")
	b.open("/traeger")
	b.logOut()

	// Fallmanagement: the case as a form, suggestions, print, refer.
	b.logIn("fm", password)
	b.open("/passende-hilfe")
	b.screen("passende-hilfe-formular")
	b.set("fall", "F-2026-0815")
	b.set("fachbereich", "altenhilfe")
	b.set("quartier", "Eselsberg")
	b.tick(`input[name=hilfeart][value=einkaufshilfe]`)
	b.tick(`input[name=sprache][value=de]`)
	b.set("worte", "Sie möchte jemanden, der mit ihr einkaufen geht.")
	b.click("ask for suggestions", `form.case button[type=submit]:not([name])`)
	b.see("suggestions", "Vorschläge", "bietet Einkaufshilfe", "Vermitteln")
	b.screen("vorschlaege")
	b.click("print view", `form.case button[name=druck]`)
	b.see("print view", "Vorschläge für Fall F-2026-0815", "Altenhilfe")
	b.screen("vorschlagsblatt")
	b.open(offer)
	b.click("refer from the entry", `form[action="/passende-hilfe/vermitteln"] button`)
	b.see("confirm", "Vermitteln:")
	b.set("fall", "F-2026-0815")
	b.set("fachbereich", "jugendhilfe")
	b.set("sozialraum", "weststadt-soeflingen")
	b.screen("vermitteln")
	b.click("create the referral", `form[action="/passende-hilfe/vermitteln"] button[type=submit]`)
	b.see("referral", "Die Vermittlung ist angelegt.", "vorgeschlagen")
	b.screen("vermittlung")
	b.tick(`input[name=status][value=requested]`)
	b.click("request the place", `form[action$="/status"] button`)
	b.see("requested", "Der Status ist geändert.", "angefragt")
	b.refuses("/katalog", "/kennzahlen", "/verwaltung/konten", "/traeger")
	b.open("/")
	b.logOut()

	// The provider accepts the request.
	b.logIn("traeger", password)
	b.open("/vermittlungen")
	b.see("requests", "Anfragen", "F-2026-0815")
	b.screen("anfragen")
	b.click("open the request", `a[href^="/vermittlungen/ref_"]`)
	b.tick(`input[name=status][value=active]`)
	b.click("accept", `form[action$="/status"] button`)
	b.see("accepted", "Der Status ist geändert.", "aktiv")
	b.logOut()

	// Verwaltung: a new account, tokens, the audit log.
	b.logIn("admin", password)
	b.open("/verwaltung/konten")
	b.screen("konten")
	b.set("benutzername", "p.keller")
	b.set("name", "Petra Keller")
	b.set("rolle", "fallmanager")
	b.set("passwort", "erstes-Passwort-1")
	b.click("create an account", `form[action="/verwaltung/konten"] button[type=submit]`)
	b.see("account created", "Das Konto ist angelegt.", "Petra Keller")
	b.open("/verwaltung/schluessel")
	b.screen("schluessel")
	b.open("/verwaltung/protokoll?aktion=login")
	b.see("audit log", "angemeldet", "Felix Müller")
	b.screen("protokoll")
	b.refuses("/suche", "/passende-hilfe", "/katalog")
	b.open("/")
	b.logOut()

	// The new person logs in.
	b.logIn("p.keller", "erstes-Passwort-1")
	b.see("new account", "Guten Tag, Petra Keller")
	b.logOut()
	t.Logf("page weights: %s", strings.Join(b.weights, ", "))
}
