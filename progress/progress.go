// Package progress tells how far a long task is: on a terminal, a line
// with the count, the rate and the time left, redrawn in place; in a log,
// a line every few seconds. Commands put their terminal into the context
// (OnTerminal); the code doing the work starts a Meter from it, and draws
// nothing where no terminal was given or the output is not one.
package progress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

type terminalKey struct{}

// OnTerminal returns ctx with w as the terminal long tasks draw their
// progress on, if w is a terminal; otherwise ctx as it is, so that a
// command whose stderr goes to a file or a pipe stays quiet.
func OnTerminal(ctx context.Context, w io.Writer) context.Context {
	if !IsTerminal(w) {
		return ctx
	}
	return context.WithValue(ctx, terminalKey{}, w)
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Meter counts the steps of one task.
type Meter struct {
	what  string
	total int
	term  io.Writer
	log   *slog.Logger
	start time.Time
	now   func() time.Time

	mu                sync.Mutex
	done              int
	lastDraw, lastLog time.Time
}

const (
	drawEvery = 200 * time.Millisecond
	logEvery  = 10 * time.Second
)

// Start begins a meter for a task of total steps (0: not known). It draws
// on the context's terminal and, when log is given, logs every ten
// seconds (a service's long start).
func Start(ctx context.Context, log *slog.Logger, what string, total int) *Meter {
	w, _ := ctx.Value(terminalKey{}).(io.Writer)
	m := &Meter{what: what, total: total, term: w, log: log, now: time.Now}
	m.start = m.now()
	m.lastLog = m.start
	return m
}

// Add counts n more steps done.
func (m *Meter) Add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += n
	m.report()
}

// Set says that done steps are done.
func (m *Meter) Set(done int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done = done
	m.report()
}

// Done ends the task: the last line stays on the terminal.
func (m *Meter) Done() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.term != nil {
		fmt.Fprintf(m.term, "\r%s\033[K\n", m.line(true))
		m.term = nil
	}
}

func (m *Meter) report() {
	now := m.now()
	if m.term != nil && now.Sub(m.lastDraw) >= drawEvery {
		m.lastDraw = now
		fmt.Fprintf(m.term, "\r%s\033[K", m.line(false))
	}
	if m.log != nil && now.Sub(m.lastLog) >= logEvery {
		m.lastLog = now
		args := []any{"done", m.done, "per_second", int(m.rate())}
		if m.total > 0 {
			args = append(args, "of", m.total, "seconds_left", int(m.left().Seconds()))
		}
		m.log.Info(m.what, args...)
	}
}

// rate is the steps per second so far.
func (m *Meter) rate() float64 {
	el := m.now().Sub(m.start).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(m.done) / el
}

// left is the time the rest takes at the rate so far.
func (m *Meter) left() time.Duration {
	r := m.rate()
	if r <= 0 || m.total <= m.done {
		return 0
	}
	return time.Duration(float64(m.total-m.done) / r * float64(time.Second)).Round(time.Second)
}

// line is what the terminal shows: "indexing: 12000/100000 (2400/s, 37s left)".
func (m *Meter) line(final bool) string {
	count := fmt.Sprint(m.done)
	if m.total > 0 {
		count += "/" + fmt.Sprint(m.total)
	}
	switch {
	case final:
		return fmt.Sprintf("%s: %s in %s (%.0f/s)", m.what, count, m.now().Sub(m.start).Round(100*time.Millisecond), m.rate())
	case m.total > 0:
		return fmt.Sprintf("%s: %s (%.0f/s, %s left)", m.what, count, m.rate(), m.left())
	}
	return fmt.Sprintf("%s: %s (%.0f/s)", m.what, count, m.rate())
}
