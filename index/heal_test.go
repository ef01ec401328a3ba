package index_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestIndexCatchesUpAfterCrash leaves the index behind on purpose: writes
// reach the database but not the index, as when the process dies between
// the commit and the index update. The next start applies what it missed
// from the change numbers (a create, a change, an archive, an erasure),
// without a rebuild.
func TestIndexCatchesUpAfterCrash(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.volunteer("Vor dem Absturz", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	changed := w.volunteer("Wird Umbenannt", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	archived := w.volunteer("Wird Archiviert Absturz", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	erased := w.volunteer("Wird Gelöscht Absturz", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	noIndex := catalogue.NewService(w.db, catalogue.WithLogger(quiet))
	if _, err := noIndex.CreateVolunteer(ctx, rm, catalogue.VolunteerInput{Name: "Nach dem Absturz", Home: catalogue.Place{District: "wiblingen"},
		Districts: []string{"wiblingen"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 1, Consent: &catalogue.Consent{GivenOn: "2026-01-01"}}); err != nil {
		t.Fatal(err)
	}
	v, err := noIndex.Volunteer(ctx, rm, changed)
	if err != nil {
		t.Fatal(err)
	}
	in := v.VolunteerInput
	in.Name = "Umbenannt nach dem Absturz"
	if _, err := noIndex.UpdateVolunteer(ctx, rm, changed, v.Version, in); err != nil {
		t.Fatal(err)
	}
	if err := noIndex.ArchiveVolunteer(ctx, rm, archived, 0); err != nil {
		t.Fatal(err)
	}
	if err := noIndex.EraseVolunteer(ctx, rm, erased); err != nil {
		t.Fatal(err)
	}
	if res := w.search(rm, catalogue.SearchQuery{Text: "Absturz"}); res.Total != 3 {
		t.Fatalf("the set-up did not leave the index behind: %s", names(res))
	}
	logs := w.reopen()
	if strings.Contains(logs, "rebuilding") || !strings.Contains(logs, "caught up") {
		t.Errorf("no catch-up: %s", logs)
	}
	res := w.search(rm, catalogue.SearchQuery{Text: "Absturz"})
	got := names(res)
	if res.Total != 3 || !strings.Contains(got, "Nach dem Absturz") || !strings.Contains(got, "Umbenannt nach dem Absturz") || strings.Contains(got, "Archiviert") {
		t.Errorf("after catching up: %s", got)
	}
	if found := dataFolderHolds(t, w.dir, "Wird Gelöscht"); len(found) > 0 {
		t.Errorf("the erasure the index missed left %v", found)
	}
	if logs := w.reopen(); strings.Contains(logs, "rebuilding") || strings.Contains(logs, "caught up") {
		t.Errorf("not in step after catching up: %s", logs)
	}
}

// TestIndexFallsBehindAndCatchesUp: an update that fails (here: the
// index closed under it, as a full disk would fail it) leaves the index
// behind; it refuses single updates until CatchUp applied everything from
// the change numbers.
func TestIndexFallsBehindAndCatchesUp(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	first := w.volunteer("Erste Absturz", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	rec, err := w.db.Entry(ctx, catalogue.KindVolunteer, first)
	if err != nil {
		t.Fatal(err)
	}
	rec.Name = "kaputt"
	rec.Doc = []byte("{not json")
	if err := w.ix.Put(ctx, rec); err == nil {
		t.Fatal("a broken record was indexed")
	}
	if !w.ix.Behind() {
		t.Fatal("a failed update did not leave the index behind")
	}
	second := w.volunteer("Zweite Absturz", "Einkauf", "eselsberg", "Eselsberg", "einkaufshilfe")
	if lag, err := w.ix.Lag(ctx); err != nil || lag == 0 {
		t.Errorf("lag %d %v", lag, err)
	}
	if err := w.ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if lag, err := w.ix.Lag(ctx); err != nil || lag != 0 || w.ix.Behind() {
		t.Errorf("after catching up: lag %d %v", lag, err)
	}
	res := w.search(rm, catalogue.SearchQuery{Text: "Absturz"})
	if res.Total != 2 || !strings.Contains(names(res), "Zweite") || second == "" {
		t.Errorf("after catching up: %s", names(res))
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

// TestStaffExtendTheWordList: words added to compound-words.txt split
// compounds after the next start, which rebuilds for the new mapping; a
// compound splits only when all its parts are words of the list.
func TestStaffExtendTheWordList(t *testing.T) {
	w := newWorld(t)
	w.volunteer("Zauberkünstlerin", "Tritt auf Kinderfesten auf", "eselsberg", "Eselsberg", "freizeitbegleitung")
	if res := w.search(rm, catalogue.SearchQuery{Text: "Künstlerin"}); res.Total != 0 {
		t.Fatalf("found before the word was known: %s", names(res))
	}
	if err := os.WriteFile(filepath.Join(w.dir, index.WordsFile), []byte("# eigene Wörter\nzauber\nkünstlerin\n"), 0o600); err != nil {
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

// TestConcurrentWritesAreSearchableWhenAcknowledged: writers race, and
// each finds its own entry by the next search after its write returned,
// however the applier batched the changes.
func TestConcurrentWritesAreSearchableWhenAcknowledged(t *testing.T) {
	w := newWorld(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 6 {
				name := fmt.Sprintf("Eilig%c%c", 'a'+g, 'a'+i)
				v, err := w.svc.CreateVolunteer(context.Background(), rm, catalogue.VolunteerInput{Name: name, Home: catalogue.Place{District: "wiblingen"},
					Districts: []string{"wiblingen"}, HelpKinds: []string{"einkaufshilfe"}, Capacity: 1, Consent: &catalogue.Consent{GivenOn: "2026-01-01"}})
				if err != nil {
					t.Error(err)
					return
				}
				res, err := w.svc.Search(context.Background(), rm, w.ix, catalogue.SearchQuery{Text: name, Page: catalogue.Page{Limit: 5}})
				if err != nil || res.Total != 1 || res.Items[0].ID != v.ID {
					t.Errorf("%s not found right after its write: %+v %v", name, res.Items, err)
				}
			}
		})
	}
	wg.Wait()
}
