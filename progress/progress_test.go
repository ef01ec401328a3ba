package progress

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMeter: on a terminal, the count, the rate and the time left, redrawn
// in place and at most five times a second; the last line stays; a log
// gets a line every ten seconds; without a terminal nothing is drawn.
func TestMeter(t *testing.T) {
	var term, logged bytes.Buffer
	ctx := context.WithValue(context.Background(), terminalKey{}, &term)
	m := Start(ctx, slog.New(slog.NewTextHandler(&logged, nil)), "indexing", 1000)
	clock := m.start
	m.now = func() time.Time { return clock }
	for i := 0; i < 10; i++ {
		clock = clock.Add(time.Second)
		m.Add(50)
		m.Add(50) // within 200 ms of the last: not drawn
	}
	m.Done()
	out := term.String()
	if n := strings.Count(out, "\r"); n != 11 {
		t.Errorf("%d redraws, want one per second and the last: %q", n, out)
	}
	for _, want := range []string{"indexing: 50/1000 (50/s, 19s left)", "indexing: 550/1000 (92/s, 5s left)", "indexing: 1000/1000 in 10s (100/s)\x1b[K\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in %q", want, out)
		}
	}
	if !strings.Contains(logged.String(), "msg=indexing done=950 per_second=95 of=1000 seconds_left=1") {
		t.Errorf("log: %s", logged.String())
	}
	quiet := Start(context.Background(), nil, "indexing", 10)
	quiet.Add(10)
	quiet.Done()
	if OnTerminal(context.Background(), &term).Value(terminalKey{}) != nil {
		t.Error("a buffer taken for a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a file taken for a terminal")
	}
}
