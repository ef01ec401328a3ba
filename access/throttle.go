package access

import (
	"sync"
	"time"
)

// Throttle slows down guessing tokens: an address that failed to
// authenticate Limit times within Window is refused, without a look at its
// token, until the window is over. Addresses that stop failing are
// forgotten, so that the table stays small.
type Throttle struct {
	Limit  int
	Window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	count int
	since time.Time
}

// NewThrottle returns a throttle of limit failures per window.
func NewThrottle(limit int, window time.Duration, now func() time.Time) *Throttle {
	return &Throttle{Limit: limit, Window: window, now: now, fails: map[string]*failures{}}
}

// Blocked reports whether addr must wait, and how long.
func (t *Throttle) Blocked(addr string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.fails[addr]
	if !ok {
		return 0, false
	}
	left := f.since.Add(t.Window).Sub(t.now())
	if left <= 0 {
		delete(t.fails, addr)
		return 0, false
	}
	return left, f.count >= t.Limit
}

// Failed counts a failed authentication of addr and reports whether addr
// has now reached the limit.
func (t *Throttle) Failed(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fails) > 100_000 {
		t.forget(now) // many addresses: drop those whose window is over
	}
	f, ok := t.fails[addr]
	if !ok || now.Sub(f.since) >= t.Window {
		f = &failures{since: now}
		t.fails[addr] = f
	}
	f.count++
	return f.count == t.Limit
}

func (t *Throttle) forget(now time.Time) {
	for a, f := range t.fails {
		if now.Sub(f.since) >= t.Window {
			delete(t.fails, a)
		}
	}
}
