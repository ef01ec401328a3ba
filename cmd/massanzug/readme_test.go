package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeTour runs the README's curl tour as it stands against a fresh
// demo service: `go run ./cmd/massanzug` is this package built, every
// curl fails on an HTTP error unless it prints the status, and the
// statuses printed are the ones the README's comments say.
func TestReadmeTour(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the tour")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the tour needs %s", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	tour := section(t, string(readme), "## A tour with curl")
	want := regexp.MustCompile(`-w '%\{http_code\}\\n'[^\n]*?(?:\\\n[^\n]*?)*#\s*(\d{3})`).FindAllStringSubmatch(tour, -1)
	if len(want) < 4 {
		t.Fatalf("the tour prints %d statuses; the pattern is broken", len(want))
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "massanzug")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	errOut := &syncBuf{b: &bytes.Buffer{}}
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--demo", "--addr", addr, "--data", data}, &bytes.Buffer{}, errOut)
	}()
	defer func() { cancel(); <-served }()
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(errOut.String(), "listening"); {
		if time.Now().After(deadline) {
			t.Fatalf("the service did not start:\n%s", errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	statuses := filepath.Join(dir, "statuses")
	prelude := `set -euo pipefail
go() { if [ "$1" = run ]; then shift 2; "$MZ" "$@"; else command go "$@"; fi; }
curl() {
  case " $* " in
    *" -w "*) local code; code=$(command curl "$@"); echo "$code" >> "$STATUSES"; echo "$code" ;;
    *) command curl --fail-with-body "$@" ;;
  esac
}
`
	script := prelude + strings.Replace(tour, "B=http://127.0.0.1:8080", "B=http://"+addr, 1)
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MZ="+bin, "MASSANZUG_DATA="+data, "STATUSES="+statuses)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tour failed: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(statuses)
	lines := strings.Fields(string(got))
	if len(lines) != len(want) {
		t.Fatalf("%d statuses printed, the README names %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if lines[i] != w[1] {
			t.Errorf("status %d: %s, the README says %s", i+1, lines[i], w[1])
		}
	}
	for _, seen := range []string{"Eselsberg", "vol_", "approved", "active", "ended", "Erster Einkauf am Dienstag", `"unchanged": 1`, "meinten Sie „eselsberg“?"} {
		if !strings.Contains(string(out), seen) {
			t.Errorf("the tour's output lacks %q:\n%s", seen, out)
		}
	}
}

// section returns the first ```sh block after a heading.
func section(t *testing.T, md, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(md, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("no %q in the README", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatalf("no sh block under %q", heading)
	}
	block, _, _ := strings.Cut(rest, "```")
	return block
}
