package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// startServe runs serve on dir until the test ends; it returns the base URL.
func startServe(t *testing.T, dir string, args ...string) (string, func()) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--data", dir, "--log-level", "warn"}, args...), &bytes.Buffer{}, &syncBuf{b: &bytes.Buffer{}})
	}()
	base := "http://" + addr
	// Generous: the demo's first start under -race, beside the other
	// packages' tests on two cores.
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := http.Get(base + "/healthz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended before it came up: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("service did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("no graceful shutdown")
		}
	}
	t.Cleanup(stop)
	return base, stop
}

// listing names every file under dir with its size.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Name() != folderLock {
			out = append(out, fmt.Sprintf("%s %d", strings.TrimPrefix(path, dir), info.Size()))
		}
		return err
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// settledListing waits until bleve's background merges are done (no
// segment being written, which starts as an empty file, and the listing
// the same for two seconds), so that a change seen afterwards is one a
// command made, not the service's own housekeeping.
func settledListing(t *testing.T, dir string) string {
	t.Helper()
	last := listing(t, dir)
	deadline := time.Now().Add(60 * time.Second)
	for stable := 0; stable < 8; {
		time.Sleep(250 * time.Millisecond)
		now := listing(t, dir)
		if now == last && !strings.Contains(now, ".zap 0\n") && !strings.HasSuffix(now, ".zap 0") {
			stable++
		} else {
			stable, last = 0, now
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index never settled:\n%s", now)
		}
	}
	return last
}

// TestCommandsRefuseBesideTheService: reindex and import refuse while the
// service runs, before they touch anything: the live index is left as it
// is and the service stays healthy.
func TestCommandsRefuseBesideTheService(t *testing.T) {
	dir := t.TempDir()
	base, _ := startServe(t, dir, "--demo")
	index := filepath.Join(dir, "index")
	before := settledListing(t, index)
	csv := filepath.Join(t.TempDir(), "v.csv")
	os.WriteFile(csv, []byte("name;home.district;districts;help_kinds;capacity;consent.given_on\nA B;eselsberg;eselsberg;einkaufshilfe;1;2026-01-01\n"), 0o600)
	for _, args := range [][]string{
		{"reindex", "--data", dir},
		{"import", "--kind", "volunteer", "--data", dir, csv},
		{"restore", "--data", dir, csv},
	} {
		err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.Is(err, errFolderInUse) {
			t.Errorf("%s beside the service: %v", args[0], err)
		}
	}
	if after := settledListing(t, index); after != before {
		t.Errorf("the live index changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	r, err := http.Get(base + "/healthz")
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", r, err)
	}
	r.Body.Close()
}
