package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"massanzug/internal/pgtest"
)

// serveInProcess runs serve with args until the test stops it; it returns
// the base address, the log so far, and stop.
func serveInProcess(t *testing.T, args ...string) (string, *syncBuf, func()) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuf{b: &bytes.Buffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), io.Discard, logs) }()
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(logs.String(), "listening"); {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve %v did not start:\n%s", args, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + addr, logs, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}

func get(t *testing.T, base, token, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, r.StatusCode, b)
	}
	return string(b)
}

// TestMigrateDB: the demo city moved from its SQLite file to PostgreSQL
// answers alike there: the same entries, referrals, figures and audit log,
// the same tokens and web accounts valid; the search index of the data
// folder is in step without a rebuild. A second move into the now full
// database is refused, and so is moving while the service runs.
func TestMigrateDB(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	data := t.TempDir()
	base, _, stop := serveInProcess(t, "--demo", "--data", data)
	tokens, err := os.ReadFile(filepath.Join(data, "demo-tokens.env"))
	if err != nil {
		t.Fatal(err)
	}
	token := func(role string) string { return string(regexp.MustCompile(role + `=(\S+)`).FindSubmatch(tokens)[1]) }
	rm, admin := token("RESSOURCENMANAGER"), token("ADMIN")
	pages := []string{"/v1/volunteers?limit=200", "/v1/offers?limit=200", "/v1/neighbourhood-helps?limit=200", "/v1/providers?limit=100",
		"/v1/referrals?limit=500", "/v1/reports/districts", "/v1/synonyms", "/v1/taxonomy", "/v1/districts", "/v1/search?q=Einkauf"}
	before := map[string]string{}
	for _, p := range pages {
		before[p] = get(t, base, rm, p)
	}
	// What the reads above wrote to the audit log is moved too.
	before["audit"] = get(t, base, admin, "/v1/audit-log?limit=500")
	before["tokens"] = get(t, base, admin, "/v1/tokens")

	moving := func() error {
		return run(context.Background(), []string{"migrate-db", "--from", "sqlite:" + filepath.Join(data, "massanzug.db"), "--to", dsn}, io.Discard, io.Discard)
	}
	if err := moving(); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("moving while the service runs: %v", err)
	}
	stop()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate-db", "--from", "sqlite:" + filepath.Join(data, "massanzug.db"), "--to", dsn}, &out, io.Discard); err != nil {
		t.Fatalf("migrate-db: %v", err)
	}
	for _, table := range []string{"entries", "referrals", "accounts", "tokens", "audit_log", "providers", "synonyms", "change_seq"} {
		if !regexp.MustCompile(`(?m)^` + table + `\s+[1-9]\d* rows  checksum [0-9a-f]{16}$`).MatchString(out.String()) {
			t.Errorf("no rows of %s moved:\n%s", table, out.String())
		}
	}
	if err := moving(); err == nil || !strings.Contains(err.Error(), "holds data already") {
		t.Errorf("a second move into the full database: %v", err)
	}

	base, logs, stop := serveInProcess(t, "--data", data, "--database", dsn)
	defer stop()
	if strings.Contains(logs.String(), "rebuilding search index") {
		t.Errorf("the index of the data folder was rebuilt on PostgreSQL:\n%s", logs.String())
	}
	after := map[string]string{"audit": get(t, base, admin, "/v1/audit-log?limit=500"), "tokens": get(t, base, admin, "/v1/tokens")}
	for _, p := range pages {
		after[p] = get(t, base, rm, p)
	}
	for p, want := range before {
		if after[p] != want {
			t.Errorf("%s differs after the move:\nSQLite:     %.600s\nPostgreSQL: %.600s", p, want, after[p])
		}
	}
	pw := regexp.MustCompile(`MASSANZUG_DEMO_PASSWORD=(\S+)`).FindSubmatch(tokens)
	webLogIn(t, base, "rm", string(pw[1]), "Ruth Maier")
}

// TestDemoOnPostgres: --demo with --database fills an empty PostgreSQL
// database with the demo (built as SQLite, moved over), its tokens and
// web accounts work, its index is in step; a second start leaves the
// database alone.
func TestDemoOnPostgres(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	data := t.TempDir()
	for round := range 2 {
		base, logs, stop := serveInProcess(t, "--demo", "--data", data, "--database", dsn)
		tokens, err := os.ReadFile(filepath.Join(data, "demo-tokens.env"))
		if err != nil {
			t.Fatal(err)
		}
		rm := string(regexp.MustCompile(`RESSOURCENMANAGER=(\S+)`).FindSubmatch(tokens)[1])
		if body := get(t, base, rm, "/v1/volunteers?limit=1"); !strings.Contains(body, `"total":110`) {
			t.Errorf("round %d: demo volunteers: %.300s", round, body)
		}
		if body := get(t, base, rm, "/v1/search?q=Einkauf"); !strings.Contains(body, `"total":`) || strings.Contains(body, `"total":0`) {
			t.Errorf("round %d: search: %.300s", round, body)
		}
		// The demo's own build makes an index; after the move, none is built.
		served := logs.String()
		if round == 0 {
			_, served, _ = strings.Cut(served, "demo data moved to PostgreSQL")
		}
		if served == "" || strings.Contains(served, "rebuilding search index") {
			t.Errorf("round %d: the index was rebuilt after the move:\n%s", round, logs.String())
		}
		if round == 1 && !strings.Contains(logs.String(), "demo data not loaded") {
			t.Errorf("the second start loaded the demo again:\n%s", logs.String())
		}
		if _, err := os.Stat(filepath.Join(data, "massanzug.db")); err == nil {
			t.Error("an SQLite file was left in the data folder")
		}
		pw := regexp.MustCompile(`MASSANZUG_DEMO_PASSWORD=(\S+)`).FindSubmatch(tokens)
		webLogIn(t, base, "rm", string(pw[1]), "Ruth Maier")
		stop()
	}
}
