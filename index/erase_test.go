package index_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/store"
)

// dataFolderHolds reports which of needles any file under dir holds, as
// bytes: what a forensic look at the disk would find.
func dataFolderHolds(t *testing.T, dir string, needles ...string) []string {
	t.Helper()
	var found []string
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil // removed meanwhile by bleve's clean-up
		}
		if err != nil {
			return err
		}
		for _, n := range needles {
			for _, form := range []string{n, strings.ToLower(n)} {
				if bytes.Contains(b, []byte(form)) {
					found = append(found, filepath.Base(path)+": "+form)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestErasureLeavesNoBytes: once an erasure returns, nothing of the
// person's name, contact or free texts is left in any file of the data
// folder: database, its log, or the index's segments, also on an index
// merged into one segment, and also after a restart.
func TestErasureLeavesNoBytes(t *testing.T) {
	for _, segments := range []string{"one segment", "many segments"} {
		t.Run(segments, func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			for i := range 5 {
				w.volunteer("Nachbarin "+string(rune('A'+i)), "Hilft gern beim Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
			}
			secret := []string{"Zeynep Quastenflosser", "0176 99887766", "zeynep.q@example.org", "Sammelt Ammoniten im Blautal", "Spielt Theorbe"}
			v, err := w.svc.CreateVolunteer(ctx, rm, catalogue.VolunteerInput{
				Name: secret[0], Contact: catalogue.Contact{Phone: secret[1], Email: secret[2]},
				LifeExperience: secret[3], Interests: secret[4],
				Home: catalogue.Place{District: "eselsberg", Quarter: "Eselsberg"}, Districts: []string{"eselsberg"},
				HelpKinds: []string{"einkaufshilfe"}, Capacity: 1, Consent: &catalogue.Consent{GivenOn: "2026-01-01"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if segments == "one segment" {
				if err := w.ix.Compact(ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				w.volunteer("Noch Eine", "Kocht gern", "eselsberg", "Eselsberg", "einkaufshilfe")
			}
			if found := dataFolderHolds(t, w.dir, secret[0]); len(found) == 0 {
				t.Fatal("the set-up is wrong: the name is nowhere before the erasure")
			}
			if err := w.svc.EraseVolunteer(ctx, rm, v.ID); err != nil {
				t.Fatal(err)
			}
			if found := dataFolderHolds(t, w.dir, secret...); len(found) > 0 {
				t.Errorf("after the erasure the data folder still holds %v", found)
			}
			if res := w.search(rm, catalogue.SearchQuery{Text: "Nachbarin"}); res.Total != 5 {
				t.Errorf("the others after the erasure: %s", names(res))
			}
			if logs := w.reopen(); strings.Contains(logs, "rebuilding") {
				t.Errorf("the index was rebuilt after an erasure: %s", logs)
			}
			if found := dataFolderHolds(t, w.dir, secret...); len(found) > 0 {
				t.Errorf("after a restart the data folder still holds %v", found)
			}
		})
	}
}

// TestRebuildChecksRoomFirst: a start that must rebuild the index on a
// disk without room for a second copy says so and keeps the old index.
func TestRebuildChecksRoomFirst(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "disk")
	os.MkdirAll(dir, 0o750)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=20m"); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v); this test needs root", err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o750)
	w := &world{t: t, dir: data}
	w.open(quiet)
	for i := range 20 {
		w.volunteer(fmt.Sprintf("Bleibt Auffindbar %d", i), "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	}
	w.close()
	before := dataFolderHolds(t, filepath.Join(data, index.DirName), "Bleibt Auffindbar")
	// Leave 4 MiB; a new word list asks for a rebuild.
	var st syscall.Statfs_t
	syscall.Statfs(dir, &st)
	ballast := make([]byte, int64(st.Bavail)*int64(st.Bsize)-4<<20)
	if err := os.WriteFile(filepath.Join(dir, "ballast"), ballast, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, index.WordsFile), []byte("auffindbar\n"), 0o600)
	db, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = index.Open(context.Background(), data, db, quiet)
	if !errors.Is(err, catalogue.ErrStorageFull) || !strings.Contains(err.Error(), "old index is kept") {
		t.Fatalf("open on a full disk: %v", err)
	}
	// bleve may have merged its segments meanwhile; the entries are there.
	if after := dataFolderHolds(t, filepath.Join(data, index.DirName), "Bleibt Auffindbar"); len(after) == 0 || len(before) == 0 {
		t.Errorf("the old index is gone: %v → %v", before, after)
	}
	os.Remove(filepath.Join(dir, "ballast"))
	ix, err := index.Open(context.Background(), data, db, quiet)
	if err != nil {
		t.Fatalf("open with room again: %v", err)
	}
	ix.Close()
}
