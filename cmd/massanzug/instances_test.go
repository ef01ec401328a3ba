package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"massanzug/internal/pgtest"
)

// instance is a massanzug process serving a PostgreSQL database.
type instance struct {
	t    *testing.T
	base string
	cmd  *exec.Cmd
	log  *syncBuf
}

func startInstance(t *testing.T, bin, data, dsn string) *instance {
	t.Helper()
	addr := freeAddr(t)
	in := &instance{t: t, base: "http://" + addr, log: &syncBuf{b: &bytes.Buffer{}}}
	in.cmd = exec.Command(bin, "serve", "--addr", addr, "--data", data, "--database", dsn)
	in.cmd.Stderr = in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.kill() })
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(in.log.String(), "listening"); {
		if time.Now().After(deadline) {
			t.Fatalf("instance did not start:\n%s", in.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return in
}

// kill ends the process at once, as a crash or an OOM kill would: no
// shutdown, no flush.
func (in *instance) kill() {
	if in.cmd.ProcessState == nil {
		in.cmd.Process.Signal(syscall.SIGKILL)
		in.cmd.Wait()
	}
}

func (in *instance) call(token, method, path, body string) (int, string) {
	in.t.Helper()
	req, _ := http.NewRequest(method, in.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// within polls until ok holds, and fails the test when that took longer
// than limit (it goes on polling for a while, to tell "late" from
// "never").
func within(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > 15*time.Second {
			t.Fatalf("%s: never", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	t.Logf("%s: %v", what, took.Round(time.Millisecond))
	if took > limit {
		t.Errorf("%s took %v, more than %v", what, took.Round(time.Millisecond), limit)
	}
}

// TestTwoInstances: two processes serve one PostgreSQL database, each
// with its own data folder (search index) and memory (matcher pool, open
// places, figures, caches). What one writes the other finds by search and
// match within a second; the last free place of a helper goes to one
// referral only, whichever instance is asked; an instance killed and
// started again catches up from the change numbers without a rebuild.
func TestTwoInstances(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "massanzug")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--role", "ressourcenmanager", "--name", "RM", "--database", dsn, "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("token create: %v", err)
	}
	rm := strings.TrimSpace(out.String())
	dataB := filepath.Join(dir, "b")
	a := startInstance(t, bin, filepath.Join(dir, "a"), dsn)
	b := startInstance(t, bin, dataB, dsn)

	volunteerOn := func(in *instance, name, text string) string {
		t.Helper()
		code, body := in.call(rm, "POST", "/v1/volunteers", fmt.Sprintf(`{"name": %q, "home": {"district": "eselsberg"}, "districts": ["eselsberg"],
			"help_kinds": ["einkaufshilfe"], "capacity": 1, "life_experience": %q, "consent": {"given_on": "2026-01-10"}}`, name, text))
		if code != 201 {
			t.Fatalf("create on A: %d %s", code, body)
		}
		var v struct{ ID string }
		json.Unmarshal([]byte(body), &v)
		return v.ID
	}
	volunteer := func(name, text string) string { t.Helper(); return volunteerOn(a, name, text) }
	finds := func(in *instance, q, id string) func() bool {
		return func() bool {
			code, body := in.call(rm, "GET", "/v1/search?q="+q, "")
			return code == 200 && strings.Contains(body, id)
		}
	}
	suggests := func(in *instance, id string) bool {
		code, body := in.call(rm, "POST", "/v1/match", `{"help_kinds": ["einkaufshilfe"], "district": "eselsberg"}`)
		if code != 200 {
			t.Fatalf("match: %d %s", code, body)
		}
		return strings.Contains(body, id)
	}

	ayse := volunteer("Ayşe Yılmaz", "Kennt jeden Laden am Eselsberg und spielt Schach")
	within(t, time.Second, "a volunteer written on A found by search on B", finds(b, "Schach", ayse))
	within(t, time.Second, "and suggested by match on B", func() bool { return suggests(b, ayse) })
	// Both write, one after the other and at once: each instance's change
	// numbers have gaps the other's writes fill; every write is found on
	// both.
	var ids []string
	for i := range 4 {
		ids = append(ids, volunteerOn([]*instance{a, b}[i%2], fmt.Sprintf("Nachbar %d", i), fmt.Sprintf("Gärtner%d", i)))
	}
	var wg sync.WaitGroup
	more := make([]string, 6)
	for i := range more {
		wg.Add(1)
		go func() {
			defer wg.Done()
			more[i] = volunteerOn([]*instance{a, b}[i%2], fmt.Sprintf("Nachbarin %d", i), fmt.Sprintf("Gärtner%d", 10+i))
		}()
	}
	wg.Wait()
	for i, id := range append(ids, more...) {
		n := i
		if i >= len(ids) {
			n = 10 + i - len(ids)
		}
		q := fmt.Sprintf("G%%C3%%A4rtner%d", n)
		for _, in := range []*instance{a, b} {
			if !finds(in, q, id)() {
				within(t, time.Second, fmt.Sprintf("write %d found on %s", i, in.base), finds(in, q, id))
			}
		}
	}

	// Her one place taken through A: B stops suggesting her, and B cannot
	// give the place again.
	refer := func(in *instance, id, caseRef string) int {
		code, body := in.call(rm, "POST", "/v1/referrals", fmt.Sprintf(`{"case_ref": %q, "entry_id": %q, "district": "eselsberg", "department": "jugendhilfe", "help_kinds": ["einkaufshilfe"]}`, caseRef, id))
		if code != 201 && code != 409 {
			t.Fatalf("refer on %s: %d %s", in.base, code, body)
		}
		return code
	}
	if code := refer(a, ayse, "JH-2026-0001"); code != 201 {
		t.Fatalf("first referral: %d", code)
	}
	within(t, time.Second, "a place taken on A counted by match on B", func() bool { return !suggests(b, ayse) })
	if code := refer(b, ayse, "JH-2026-0002"); code != 409 {
		t.Errorf("B gave the place A gave: %d", code)
	}
	// The last place asked for through both at once goes to one.
	for i := range 5 {
		id := volunteer(fmt.Sprintf("Helferin %d", i), "Einkäufe")
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for j, in := range []*instance{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); codes[j] = refer(in, id, fmt.Sprintf("JH-2026-%d%d", 10+i, j)) }()
		}
		wg.Wait()
		if (codes[0] == 201) == (codes[1] == 201) {
			t.Errorf("the last place asked for on A and B at once: %v, want one 201 and one 409", codes)
		}
	}

	// A synonym RM adds on A works on B.
	if code, body := a.call(rm, "PUT", "/v1/synonyms/Brettspiel", `{"means": "Schach"}`); code != 201 && code != 200 {
		t.Fatalf("synonym on A: %d %s", code, body)
	}
	within(t, time.Second, "a synonym added on A used by search on B", finds(b, "Brettspiel", ayse))

	// The district figures (entries, referrals) are the same on both.
	same := func() bool {
		ca, ra := a.call(rm, "GET", "/v1/reports/districts", "")
		cb, rb := b.call(rm, "GET", "/v1/reports/districts", "")
		return ca == 200 && cb == 200 && ra == rb && strings.Contains(ra, `"referrals"`)
	}
	if !same() {
		_, ra := a.call(rm, "GET", "/v1/reports/districts", "")
		_, rb := b.call(rm, "GET", "/v1/reports/districts", "")
		t.Logf("A: %s\nB: %s", ra, rb)
	}
	within(t, time.Second, "the same district figures on A and B", same)

	// B killed; A writes meanwhile; B started again on its index catches up.
	b.kill()
	late := volunteer("Jonas Berg", "Repariert Fahrräder")
	b = startInstance(t, bin, dataB, dsn)
	if log := b.log.String(); strings.Contains(log, "rebuilding search index") || !strings.Contains(log, "search index caught up") {
		t.Errorf("B after the kill rebuilt its index or did not catch up:\n%s", log)
	}
	if !finds(b, "Fahrrad", late)() {
		t.Error("B does not find what A wrote while B was down")
	}

	// An erasure on A: gone from B.
	if code, body := a.call(rm, "POST", "/v1/volunteers/"+late+"/erase", ""); code != 204 {
		t.Fatalf("erase on A: %d %s", code, body)
	}
	within(t, time.Second, "an erasure on A gone from search on B", func() bool { return !finds(b, "Fahrrad", late)() })
	within(t, time.Second, "the same district figures on A and B after B's restart", same)
}
