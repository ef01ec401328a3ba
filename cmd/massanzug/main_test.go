package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

var tokenLine = regexp.MustCompile(`^mz_[0-9a-f]{16}_[0-9a-f]{48}\n$`)

func TestTokenCreatePrintsOnlyTheToken(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--data", dir, "--role", "admin", "--name", "IT"}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !tokenLine.MatchString(out.String()) {
		t.Errorf("stdout %q is not just a token", out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"token", "create", "--data", dir, "--role", "traeger", "--name", "X"}, &out, &errOut)
	if err == nil || out.Len() != 0 {
		t.Errorf("traeger token without provider: %v, stdout %q", err, out.String())
	}
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	t.Setenv("MASSANZUG_REVIEW_MONTHS", "6")
	t.Setenv("MASSANZUG_ADDR", "127.0.0.1:9999")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "--addr", "127.0.0.1:7777"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MASSANZUG_REVIEW_MONTHS=6", "MASSANZUG_ADDR=127.0.0.1:7777"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config lacks %s:\n%s", want, out.String())
		}
	}
}

// TestConfigChecksAsServeWould: config refuses what serve would refuse,
// naming the setting, and shows the effective match weights in full.
func TestConfigChecksAsServeWould(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "--match-weights", "language=4"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "MASSANZUG_MATCH_WEIGHTS=fit=3,words=2.5,kind_fit=2,distance=2,reach=1,language=4,availability=1,") {
		t.Errorf("effective weights not shown:\n%s", out.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--match-weights", "sprache=4"}, "--match-weights"},
		{[]string{"--match-weights", "fit=-1"}, "--match-weights"},
		{[]string{"--review-months", "0"}, "--review-months"},
		{[]string{"--retention-years", "0"}, "--retention-years"},
		{[]string{"--log-level", "loud"}, "log"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"--addr", "8080"}, "--addr"},
		{[]string{"--data", "main_test.go"}, "--data"},
	} {
		out.Reset()
		err := run(context.Background(), append([]string{"config"}, c.args...), &out, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %v: %v", c.args, err)
		}
		if err := run(context.Background(), append([]string{"serve"}, c.args...), &out, &out); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %v", c.args, err)
		}
	}
}

// webLogIn logs in to the web app as user and expects to be greeted as name.
func webLogIn(t *testing.T, base, user, pw, name string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	r, err := c.Get(base + "/anmelden")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("log-in page: %s", b)
	}
	r, err = c.PostForm(base+"/anmelden", url.Values{"csrf": {string(m[1])}, "benutzername": {user}, "passwort": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(b), "Guten Tag, "+name) {
		t.Errorf("web log-in as %s: %d %s", user, r.StatusCode, b)
	}
}

// TestServeWithDemo starts the real binary's serve command, uses it, and
// stops it as SIGTERM would; a second start does not load the demo again.
func TestServeWithDemo(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 2; round++ {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var logs bytes.Buffer
		out := &syncBuf{b: &logs} // the service writes to it while the test reads
		go func() {
			done <- run(ctx, []string{"serve", "--addr", addr, "--data", dir, "--demo", "--log-format", "json"}, &bytes.Buffer{}, out)
		}()
		base := "http://" + addr
		deadline := time.Now().Add(60 * time.Second)
		for {
			r, err := http.Get(base + "/healthz")
			if err == nil && r.StatusCode == 200 {
				r.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("service did not come up: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		tokens, err := os.ReadFile(filepath.Join(dir, "demo-tokens.env"))
		if err != nil {
			t.Fatal(err)
		}
		fm := regexp.MustCompile(`FALLMANAGER=(\S+)`).FindSubmatch(tokens)
		req, _ := http.NewRequest("GET", base+"/v1/volunteers?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+string(fm[1]))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var l struct{ Total int }
		json.NewDecoder(r.Body).Decode(&l)
		r.Body.Close()
		if l.Total < 50 {
			t.Errorf("round %d: case manager sees %d volunteers", round, l.Total)
		}
		// The web app, with the demo account printed at the first start
		// and kept beside the tokens.
		pw := regexp.MustCompile(`MASSANZUG_DEMO_PASSWORD=(\S+)`).FindSubmatch(tokens)
		if pw == nil || round == 0 && !strings.Contains(out.String(), "Passwort "+string(pw[1])) {
			t.Fatalf("round %d: no demo password: %s", round, out.String())
		}
		webLogIn(t, base, "rm", string(pw[1]), "Ruth Maier")
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no graceful shutdown")
		}
		if round == 1 && !strings.Contains(logs.String(), "demo data not loaded") {
			t.Errorf("second start loaded the demo again: %s", logs.String())
		}
	}
}

// TestUserCreate makes the first admin from the command line.
func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"user", "create", "--data", dir, "--username", "admin", "--name", "Anna Admin", "--role", "admin"}
	t.Setenv("MASSANZUG_PASSWORD", "")
	if err := run(ctx, args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("without a password: %v", err)
	}
	t.Setenv("MASSANZUG_PASSWORD", "kurz")
	if err := run(ctx, args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("short password: %v", err)
	}
	t.Setenv("MASSANZUG_PASSWORD", "ein-langes-Passwort")
	var out bytes.Buffer
	if err := run(ctx, args, &out, &bytes.Buffer{}); err != nil || !regexp.MustCompile(`^usr_[0-9a-f]{16} admin \(admin\)\n$`).MatchString(out.String()) {
		t.Errorf("create: %v %q", err, out.String())
	}
	if err := run(ctx, args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Errorf("the same user twice: %v", err)
	}
}

// TestServeSaysListeningOnlyOnceBound: a taken port is an error at once,
// and the log never claims to listen.
func TestServeSaysListeningOnlyOnceBound(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var out bytes.Buffer
	errOut := &syncBuf{b: &bytes.Buffer{}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = run(ctx, []string{"serve", "--addr", taken.Addr().String(), "--data", t.TempDir()}, &out, errOut)
	if err == nil || !strings.Contains(err.Error(), "listen on "+taken.Addr().String()) {
		t.Fatalf("serve on a taken port: %v", err)
	}
	if strings.Contains(errOut.String(), "listening") {
		t.Errorf("the log claims to listen: %s", errOut.String())
	}
}

// TestEveryCommandHelps: --help says what the command does and lists its
// flags with the variables that set them; main exits 0 on it.
func TestEveryCommandHelps(t *testing.T) {
	for _, cmd := range [][]string{{"serve"}, {"config"}, {"token", "create"}, {"user", "create"}, {"backup"}, {"restore"}, {"reindex"},
		{"import"}, {"export"}, {"bench"}, {"retention"}} {
		var out bytes.Buffer
		errOut := &syncBuf{b: &bytes.Buffer{}}
		err := run(context.Background(), append(cmd, "--help"), &out, errOut)
		name := strings.Join(cmd, " ")
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s --help: %v", name, err)
			continue
		}
		help := out.String() + errOut.String()
		if !strings.Contains(help, "massanzug "+name+": "+commandHelp[name]) || commandHelp[name] == "" ||
			!strings.Contains(help, "-data string") || !strings.Contains(help, "[MASSANZUG_DATA]") {
			t.Errorf("%s --help says:\n%s", name, help)
		}
	}
}

// TestImportExportRoundTrip: what `export` writes, `import` reads back as
// the entries it came from: unchanged, or updated where a cell was edited;
// XLSX too.
func TestImportExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	csv := filepath.Join(dir, "in.csv")
	os.WriteFile(csv, []byte("Name;Wohnort: Sozialraum;Sozialräume;Hilfearten;Kapazität;Einwilligung: gegeben am;Interessen\n"+
		"Ayşe Yılmaz;Eselsberg;Eselsberg;Einkaufshilfe;2;10.01.2026;Kochen\nHans Wolf;Böfingen;Böfingen;besuchsdienst;1;01.02.2026;Schach\n"), 0o600)
	var out bytes.Buffer
	errOut := &syncBuf{b: &bytes.Buffer{}}
	data := filepath.Join(dir, "data")
	if err := run(ctx, []string{"import", "--kind", "volunteer", "--data", data, csv}, &out, errOut); err != nil || !strings.Contains(out.String(), "2 created") {
		t.Fatalf("import: %v\n%s%s", err, out.String(), errOut.String())
	}
	for _, format := range []string{"csv", "xlsx"} {
		out.Reset()
		if err := run(ctx, []string{"export", "--kind", "volunteer", "--format", format, "--data", data}, &out, errOut); err != nil {
			t.Fatalf("export %s: %v", format, err)
		}
		file := filepath.Join(dir, "export."+format)
		os.WriteFile(file, out.Bytes(), 0o600)
		if format == "csv" {
			os.WriteFile(file, bytes.Replace(out.Bytes(), []byte("Schach"), []byte("Schach und Skat"), 1), 0o600)
		}
		out.Reset()
		err := run(ctx, []string{"import", "--kind", "volunteer", "--data", data, file}, &out, errOut)
		want := "0 created, 0 updated, 2 unchanged"
		if format == "csv" {
			want = "0 created, 1 updated, 1 unchanged"
		}
		if err != nil || !strings.Contains(out.String(), want) {
			t.Errorf("%s again: %v\n%s", format, err, out.String())
		}
	}
}

// TestExportHSDS: `export --format hsds` writes a datapackage ZIP, and
// hsds-json the services, of what is public.
func TestExportHSDS(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	csv := filepath.Join(dir, "in.csv")
	os.WriteFile(csv, []byte("name;help_kinds;districts;coordinator.name;coordinator.phone\nNachbarschaftshilfe Böfingen;einkaufshilfe;boefingen;Erika Muster;0731 55555\n"), 0o600)
	var out bytes.Buffer
	errOut := &syncBuf{b: &bytes.Buffer{}}
	data := filepath.Join(dir, "data")
	if err := run(ctx, []string{"import", "--kind", "neighbourhood_help", "--data", data, csv}, &out, errOut); err != nil {
		t.Fatalf("import: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"export", "--format", "hsds", "--data", data}, &out, errOut); err != nil || !bytes.HasPrefix(out.Bytes(), []byte("PK")) {
		t.Fatalf("hsds: %v %q", err, out.String()[:min(20, out.Len())])
	}
	out.Reset()
	if err := run(ctx, []string{"export", "--format", "hsds-json", "--data", data}, &out, errOut); err != nil || !strings.Contains(out.String(), `"name": "Nachbarschaftshilfe Böfingen"`) || strings.Contains(out.String(), "Erika") {
		t.Errorf("hsds-json: %v %s", err, out.String())
	}
}
