package report

import (
	"testing"
	"time"
)

// TestKeepRemembersTheNewest: a background count that finishes after a
// newer one does not replace it, and only a few days are kept.
func TestKeepRemembersTheNewest(t *testing.T) {
	s := &Service{}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	newer, older := &Report{Stichtag: "newer"}, &Report{Stichtag: "older"}
	s.keep("2026-12-02@2026-12-02", newer, t0.Add(time.Minute))
	s.keep("2026-12-02@2026-12-02", older, t0)
	if got := s.recent.reports["2026-12-02@2026-12-02"]; got.rep != newer {
		t.Errorf("kept %v", got.rep)
	}
	for i := range 20 {
		s.keep(time.Date(2026, 1, i+1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), newer, t0)
	}
	if n := len(s.recent.reports); n > 8 {
		t.Errorf("%d reports kept", n)
	}
}
