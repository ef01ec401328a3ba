package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"massanzug/internal/pgcluster"
	"massanzug/internal/pgtest"
)

// TestServeOnPostgres: with --database the service keeps its catalogue in
// PostgreSQL and its search index in the data folder: a volunteer written
// is found by search, and after a restart still there; the commands that
// copy the SQLite file refuse and name what to use instead.
func TestServeOnPostgres(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	data := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--role", "ressourcenmanager", "--name", "RM", "--database", dsn, "--data", data}, &out, io.Discard); err != nil {
		t.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(out.String())
	serveOnce := func() (string, func()) {
		addr := freeAddr(t)
		sctx, cancel := context.WithCancel(ctx)
		errOut := &syncBuf{b: &bytes.Buffer{}}
		done := make(chan error, 1)
		go func() {
			done <- run(sctx, []string{"serve", "--addr", addr, "--data", data, "--database", dsn}, io.Discard, errOut)
		}()
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(errOut.String(), "listening"); {
			if time.Now().After(deadline) {
				t.Fatalf("serve on PostgreSQL did not start:\n%s", errOut.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return "http://" + addr, func() { cancel(); <-done }
	}
	call := func(base, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	base, stop := serveOnce()
	code, body := call(base, "POST", "/v1/volunteers", `{"name": "Ayşe Yılmaz", "home": {"district": "eselsberg"}, "districts": ["eselsberg"],
		"help_kinds": ["einkaufshilfe"], "capacity": 1, "life_experience": "Kennt jeden Laden am Eselsberg", "consent": {"given_on": "2026-01-10"}}`)
	if code != 201 {
		t.Fatalf("create on PostgreSQL: %d %s", code, body)
	}
	var v struct{ ID string }
	json.Unmarshal([]byte(body), &v)
	if code, body := call(base, "GET", "/v1/search?q=Laden", ""); code != 200 || !strings.Contains(body, v.ID) {
		t.Errorf("search on PostgreSQL: %d %s", code, body)
	}
	if code, body := call(base, "GET", "/healthz", ""); code != 200 {
		t.Errorf("health: %d %s", code, body)
	}
	stop()
	base, stop = serveOnce()
	defer stop()
	if code, body := call(base, "GET", "/v1/volunteers/"+v.ID, ""); code != 200 || !strings.Contains(body, "Ayşe") {
		t.Errorf("after a restart: %d %s", code, body)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--out", data + "/b.db", "--database", dsn}, "pg_dump"},
		{[]string{"restore", "--database", dsn, data + "/b.db"}, "pg_restore"},
		{[]string{"config", "--database", "mysql://nope"}, "--database must be a PostgreSQL address"},
	} {
		if err := run(ctx, c.args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"config", "--database", "postgres://massanzug:geheim@db.example/massanzug"}, &out, io.Discard); err != nil || strings.Contains(out.String(), "geheim") {
		t.Errorf("config shows the password: %v %s", err, out.String())
	}
}

// TestBackupWithPgDump: the README's backup of a PostgreSQL database is
// real: pg_dump while the service runs, pg_restore into an empty
// database, and the service on the restored one answers with what was
// written, its tokens valid, the data folder's index in step.
func TestBackupWithPgDump(t *testing.T) {
	cluster := pgtest.Start(t)
	dsn := cluster.Database(t)
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--role", "ressourcenmanager", "--name", "RM", "--database", dsn, "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	base, _, stop := serveInProcess(t, "--data", data, "--database", dsn)
	req, _ := http.NewRequest("POST", base+"/v1/volunteers", strings.NewReader(`{"name": "Jonas Berg", "home": {"district": "eselsberg"},
		"districts": ["eselsberg"], "help_kinds": ["einkaufshilfe"], "capacity": 1, "consent": {"given_on": "2026-01-10"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil || r.StatusCode != 201 {
		t.Fatalf("create: %v %v", err, r)
	}
	var v struct{ ID string }
	json.NewDecoder(r.Body).Decode(&v)
	r.Body.Close()
	dump := filepath.Join(t.TempDir(), "massanzug.dump")
	pgDump, _ := pgcluster.Program("pg_dump")
	if b, err := exec.Command(pgDump, "--format=custom", "--file="+dump, "--dbname="+dsn).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump while the service runs: %v %s", err, b)
	}
	stop()
	restored := cluster.Database(t)
	pgRestore, _ := pgcluster.Program("pg_restore")
	if b, err := exec.Command(pgRestore, "--no-owner", "--dbname="+restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v %s", err, b)
	}
	base, logs, stop := serveInProcess(t, "--data", data, "--database", restored)
	defer stop()
	if strings.Contains(logs.String(), "rebuilding search index") {
		t.Errorf("the index was rebuilt on the restored database:\n%s", logs.String())
	}
	if body := get(t, base, token, "/v1/search?q=Jonas"); !strings.Contains(body, v.ID) {
		t.Errorf("the restored database: %s", body)
	}
}
