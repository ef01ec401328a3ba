package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

var tokenLine = regexp.MustCompile(`^mz_[0-9a-f]{16}_[0-9a-f]{48}\n$`)

func TestTokenCreatePrintsOnlyTheToken(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "create", "--data", dir, "--role", "admin", "--name", "IT"}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !tokenLine.MatchString(out.String()) {
		t.Errorf("stdout %q is not just a token", out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"token", "create", "--data", dir, "--role", "traeger", "--name", "X"}, &out, &errOut)
	if err == nil || out.Len() != 0 {
		t.Errorf("traeger token without provider: %v, stdout %q", err, out.String())
	}
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	t.Setenv("MASSANZUG_REVIEW_MONTHS", "6")
	t.Setenv("MASSANZUG_ADDR", "127.0.0.1:9999")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "--addr", "127.0.0.1:7777"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MASSANZUG_REVIEW_MONTHS=6", "MASSANZUG_ADDR=127.0.0.1:7777"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config lacks %s:\n%s", want, out.String())
		}
	}
}

// TestServeWithDemo starts the real binary's serve command, uses it, and
// stops it as SIGTERM would; a second start does not load the demo again.
func TestServeWithDemo(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 2; round++ {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var logs bytes.Buffer
		go func() {
			done <- run(ctx, []string{"serve", "--addr", addr, "--data", dir, "--demo", "--log-format", "json"}, &bytes.Buffer{}, &syncBuf{b: &logs})
		}()
		base := "http://" + addr
		deadline := time.Now().Add(60 * time.Second)
		for {
			r, err := http.Get(base + "/healthz")
			if err == nil && r.StatusCode == 200 {
				r.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("service did not come up: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		tokens, err := os.ReadFile(filepath.Join(dir, "demo-tokens.env"))
		if err != nil {
			t.Fatal(err)
		}
		fm := regexp.MustCompile(`FALLMANAGER=(\S+)`).FindSubmatch(tokens)
		req, _ := http.NewRequest("GET", base+"/v1/volunteers?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+string(fm[1]))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var l struct{ Total int }
		json.NewDecoder(r.Body).Decode(&l)
		r.Body.Close()
		if l.Total < 50 {
			t.Errorf("round %d: case manager sees %d volunteers", round, l.Total)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no graceful shutdown")
		}
		if round == 1 && !strings.Contains(logs.String(), "demo data not loaded") {
			t.Errorf("second start loaded the demo again: %s", logs.String())
		}
	}
}
