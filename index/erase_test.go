package index_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"massanzug/catalogue"
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
