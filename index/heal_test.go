package index_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"massanzug/catalogue"
	"massanzug/index"
)

// reopen closes everything and opens it again as a start would, returning
// what the index logged.
func (w *world) reopen() string {
	w.t.Helper()
	w.close()
	var logs bytes.Buffer
	w.open(slog.New(slog.NewTextHandler(&logs, nil)))
	return logs.String()
}

func TestIndexInStepAcrossRestarts(t *testing.T) {
	w := newWorld(t)
	w.volunteer("Erste Helferin", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	if logs := w.reopen(); strings.Contains(logs, "rebuilding") {
		t.Errorf("an index in step was rebuilt: %s", logs)
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Helferin"}); res.Total != 1 {
		t.Errorf("after restart: %s", names(res))
	}
}

// TestIndexHealsAfterCrash leaves the index behind on purpose: a write
// reaches the database but not the index, as when the process dies between
// the commit and the index update. The next start must notice and rebuild.
func TestIndexHealsAfterCrash(t *testing.T) {
	w := newWorld(t)
	w.volunteer("Vor dem Absturz", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	noIndex := catalogue.NewService(w.db, catalogue.WithLogger(quiet))
	if _, err := noIndex.CreateVolunteer(context.Background(), rm, catalogue.VolunteerInput{Name: "Nach dem Absturz", Home: catalogue.Place{District: "wiblingen"},
		Districts: []string{"wiblingen"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 1, Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}); err != nil {
		t.Fatal(err)
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Absturz"}); res.Total != 1 {
		t.Fatalf("the set-up did not leave the index behind: %s", names(res))
	}
	logs := w.reopen()
	if !strings.Contains(logs, "rebuilding") {
		t.Errorf("no rebuild: %s", logs)
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Absturz"}); res.Total != 2 {
		t.Errorf("after healing: %s", names(res))
	}
}

func TestUnreadableIndexIsRebuilt(t *testing.T) {
	w := newWorld(t)
	w.volunteer("Erhalten Bleibt", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	w.close()
	dir := filepath.Join(w.dir, index.DirName)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not an index"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := w.reopen()
	if !strings.Contains(logs, "rebuilding") {
		t.Errorf("no rebuild: %s", logs)
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Erhalten"}); res.Total != 1 {
		t.Errorf("after rebuild: %s", names(res))
	}
}

// TestStaffExtendTheWordList: a word added to compound-words.txt splits
// compounds after the next start, which rebuilds for the new mapping.
func TestStaffExtendTheWordList(t *testing.T) {
	w := newWorld(t)
	w.volunteer("Zauberkünstlerin", "Tritt auf Kinderfesten auf", "eselsberg", "Eselsberg", "freizeitbegleitung")
	if res := w.search(rm, catalogue.SearchQuery{Text: "Künstlerin"}); res.Total != 0 {
		t.Fatalf("found before the word was known: %s", names(res))
	}
	if err := os.WriteFile(filepath.Join(w.dir, index.WordsFile), []byte("# eigene Wörter\nkünstlerin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if logs := w.reopen(); !strings.Contains(logs, "mapping version") {
		t.Errorf("no rebuild for the new word list: %s", logs)
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Künstlerin"}); res.Total != 1 {
		t.Errorf("after adding the word: %s", names(res))
	}
}

// TestSecondProcessIsRefused: the index folder is locked while open, so a
// command-line import or reindex cannot corrupt the running service's index.
func TestSecondProcessIsRefused(t *testing.T) {
	w := newWorld(t)
	if _, err := index.Open(context.Background(), w.dir, w.db, quiet); !errors.Is(err, index.ErrInUse) {
		t.Fatalf("second open: %v", err)
	}
	w.ix.Close()
	ix, err := index.Open(context.Background(), w.dir, w.db, quiet)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	ix.Close()
}
