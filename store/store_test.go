package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"massanzug/store"
)

func TestMigrationsAreIdempotent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if n, err := db.CountRows(ctx, "entries"); err != nil || n != 0 {
			t.Fatalf("entries: %d, %v", n, err)
		}
		db.Close()
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.Open(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "refusing to downgrade") {
		t.Fatalf("opening a newer database: %v", err)
	}
}

func TestPragmas(t *testing.T) {
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Pragmas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "journal_mode=wal synchronous=2 foreign_keys=1 busy_timeout=10000"
	if got != want {
		t.Errorf("pragmas %q, want %q", got, want)
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(ctx, `INSERT INTO districts (id, name, position, doc) VALUES ('x', 'X', 0, '{}')`); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/backup.db"
	if err := db.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	// It holds everyone's personal data: for the service's user only.
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
	if err := db.Backup(ctx, out); err == nil {
		t.Error("a backup overwrote an existing file")
	}
	db.Close()
	copyDir := t.TempDir()
	if err := copyFile(out, copyDir+"/"+store.FileName); err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, copyDir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, _ := b.CountRows(ctx, "districts"); n != 1 {
		t.Errorf("backup has %d districts", n)
	}
}
