package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"massanzug/access"
	"massanzug/catalogue"
)

// smallDisk mounts a size-limited tmpfs for the test, or skips where
// mounting is not allowed (CI runs as root; a developer's laptop may not).
func smallDisk(t *testing.T, mib int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%dm", mib)); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v); the full-disk test needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// TestFullDisk fills the data folder's disk under writes: no panic and no
// 500; writes answer 507 storage-full and each answer matches what was
// stored; reads without personal data keep working; /healthz says so; once
// space is freed the index catches up without a restart, and a restart is
// healthy.
func TestFullDisk(t *testing.T) {
	if onPostgres() {
		t.Skip("SQLite only: the database's own disk filling up (PostgreSQL's disk_full maps to the same 507)")
	}
	disk := smallDisk(t, 24)
	data := filepath.Join(disk, "data")
	if err := os.Mkdir(data, 0o750); err != nil {
		t.Fatal(err)
	}
	e := newEnvIn(t, data)
	ballast := filepath.Join(disk, "ballast")
	// Most of the disk goes to a ballast file, to be freed later.
	f, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
		var st syscall.Statfs_t
		syscall.Statfs(disk, &st)
		if st.Bavail*uint64(st.Bsize) < 2<<20 {
			break
		}
	}
	f.Close()

	acknowledged := map[string]string{} // name → id
	refused := []string{}
	long := strings.Repeat("Hilft beim Einkaufen und kennt den Wochenmarkt am Münsterplatz. ", 60)
	for i := 0; i < 3000 && len(refused) < 15; i++ {
		in := volunteerInput()
		name := fmt.Sprintf("Füllerin %03d", i)
		in["name"], in["life_experience"], in["interests"] = name, long, long
		r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: in, Unavailable: true})
		switch r.Status {
		case 201:
			acknowledged[name] = r.object(t)["id"].(string)
		case 507:
			if r.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.Body), "storage-full") {
				t.Fatalf("507 without a clear problem: %s", r.Body)
			}
			refused = append(refused, name)
		default:
			t.Fatalf("write %d: %d %s", i, r.Status, r.Body)
		}
	}
	if len(refused) == 0 {
		t.Fatal("the disk never filled up")
	}
	// Reads keep working where they need no audit row; a read of personal
	// data is answered only with its audit row, or refused as clearly.
	for _, r := range []req{
		{Who: "fm", Method: "GET", Path: "/v1/taxonomy"},
		{Who: "fm", Method: "GET", Path: "/v1/offers"},
		{Who: "fm", Method: "GET", Path: "/v1/search?q=Treff&kind=offer"},
	} {
		if got := e.do(r); got.Status != 200 {
			t.Errorf("%s while full: %d %s", r.Path, got.Status, got.Body)
		}
	}
	for _, id := range acknowledged {
		r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id, Unavailable: true})
		if r.Status != 200 && r.Status != 507 {
			t.Errorf("volunteer read while full: %d", r.Status)
		}
		break
	}
	if r := e.do(req{Method: "GET", Path: "/healthz", Unavailable: true}); r.Status != 503 || !strings.Contains(string(r.Body), `"full"`) {
		t.Errorf("healthz while full: %d %s", r.Status, r.Body)
	}

	// Space is freed; every answer matches what is stored.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	staffP := access.Principal{Role: access.RoleResourceManager, TokenID: "check"}
	if err := e.svc.Export(context.Background(), staffP, catalogue.KindVolunteer, func(v any) error {
		stored[v.(*catalogue.Volunteer).Name] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for name := range acknowledged {
		if !stored[name] {
			t.Errorf("acknowledged %s is lost", name)
		}
	}
	for _, name := range refused {
		if stored[name] {
			t.Errorf("%s was refused with 507 but is stored", name)
		}
	}
	// The index catches up without a restart.
	if err := e.svc.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := e.do(req{Method: "GET", Path: "/healthz"}); r.Status != 200 {
		t.Errorf("healthz after freeing space: %d %s", r.Status, r.Body)
	}
	res := e.do(req{Who: "rm", Method: "GET", Path: "/v1/search?q=F%C3%BCllerin&limit=500&facets=false"}).object(t)
	if int(res["total"].(float64)) != len(acknowledged) {
		t.Errorf("search finds %v of %d acknowledged", res["total"], len(acknowledged))
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: volunteerInput()}); r.Status != 201 {
		t.Errorf("write after freeing space: %d", r.Status)
	}
	e.restart()
	if r := e.do(req{Method: "GET", Path: "/healthz"}); r.Status != 200 {
		t.Errorf("healthz after a restart: %d %s", r.Status, r.Body)
	}
}
