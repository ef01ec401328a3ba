package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"massanzug/catalogue"
	"massanzug/store"
)

func volunteerIn(name string) catalogue.VolunteerInput {
	return catalogue.VolunteerInput{Name: name, Home: catalogue.Place{District: "eselsberg", Quarter: "Eselsberg"},
		Districts: []string{"eselsberg"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 1,
		Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}
}

// TestBackupRestoreRoundTrip: a backup taken while writers write is a
// consistent state (every entry with its audit event), carries the
// compound-word list, and restores into a folder whose later changes it
// replaces, keeping the old database aside; the index is rebuilt to match.
func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	words := "quastenflosser\n"
	if err := os.WriteFile(filepath.Join(dir, "compound-words.txt"), []byte(words), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, config{Data: dir}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := a.svc.CreateVolunteer(ctx, cliStaff, volunteerIn(fmt.Sprintf("Schreiberin %d-%d", w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for {
		n, _ := a.db.CountRows(ctx, "entries")
		if n >= 20 {
			break
		}
	}
	if err := a.db.(*store.DB).BackupWithFiles(ctx, backup, dir); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	a.Close()
	os.WriteFile(filepath.Join(dir, "compound-words.txt"), []byte("anderes\n"), 0o600)

	// A file that is no backup is refused, and nothing is replaced.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("kein SQLite ", 500)), 0o600)
	before := listing(t, dir)
	if err := run(ctx, []string{"restore", "--data", dir, junk}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("a junk file was restored")
	}
	if after := listing(t, dir); after != before {
		t.Errorf("a refused restore changed the folder:\n%s\n%s", before, after)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"restore", "--data", dir, backup}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err, out.String())
	}
	if !strings.Contains(out.String(), "kept as") || !strings.Contains(out.String(), "compound-words.txt") {
		t.Errorf("restore said: %s", out.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "compound-words.txt")); string(b) != words {
		t.Errorf("compound words after the restore: %q", b)
	}
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := db.CountRows(ctx, "entries")
	creates, _, err := db.ListAudit(ctx, catalogue.AuditFilter{Action: "create", Page: catalogue.Page{Limit: 100000}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if entries < 20 || len(creates) != entries {
		t.Errorf("restored %d entries with %d create events", entries, len(creates))
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d entries indexed", entries)) {
		t.Errorf("index after the restore: %s", out.String())
	}
	// The restored folder opens without a rebuild.
	var logs bytes.Buffer
	a, err = open(ctx, config{Data: dir}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if strings.Contains(logs.String(), "rebuilding") {
		t.Errorf("rebuilt again after the restore: %s", logs.String())
	}
}

// TestDemoIsAllOrNothing: a demo build a crash left half-way is started
// again from scratch; an empty database gets the demo whole; a database
// holding anything is never touched.
func TestDemoIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	count := func(dir string) (entries, tokens int) {
		db, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		entries, _ = db.CountRows(ctx, "entries")
		tokens, _ = db.CountRows(ctx, "tokens")
		return
	}
	// A crash during an earlier build left a half-built demo folder and no
	// database in place.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, demoDir, "index"), 0o750)
	os.WriteFile(filepath.Join(dir, demoDir, store.FileName), []byte("halb"), 0o600)
	if err := prepareDemo(ctx, config{Data: dir}, quiet); err != nil {
		t.Fatal(err)
	}
	if e, tk := count(dir); e != 180 || tk != 4 {
		t.Errorf("demo after a crashed build: %d entries, %d tokens", e, tk)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "demo-tokens.env")); err != nil || strings.Count(string(b), "=mz_") != 4 {
		t.Errorf("demo tokens: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, demoDir)); !os.IsNotExist(err) {
		t.Errorf("the build folder is left: %v", err)
	}
	// A second start leaves it alone.
	if err := prepareDemo(ctx, config{Data: dir}, quiet); err != nil {
		t.Fatal(err)
	}
	if e, tk := count(dir); e != 180 || tk != 4 {
		t.Errorf("demo after a second start: %d entries, %d tokens", e, tk)
	}
	// A database with a token of the city's own is never replaced.
	own := t.TempDir()
	if err := run(ctx, []string{"token", "create", "--data", own, "--role", "admin", "--name", "IT"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := prepareDemo(ctx, config{Data: own}, quiet); err != nil {
		t.Fatal(err)
	}
	if e, tk := count(own); e != 0 || tk != 1 {
		t.Errorf("a used database was touched: %d entries, %d tokens", e, tk)
	}
	// The demo folder opens without a rebuild.
	var logs bytes.Buffer
	a, err := open(ctx, config{Data: dir}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if strings.Contains(logs.String(), "rebuilding") {
		t.Errorf("the demo's index was rebuilt: %s", logs.String())
	}
}
