package report

import (
	"context"
	"sync"
	"time"

	"massanzug/access"
)

// A screen of figures does not need them to the second: at 100,000
// entries and 200,000 referrals a report takes about 100 ms to count,
// more than a page may take. Recent serves the report as counted a short
// while ago and, once it is older, counts it again in the background;
// the API's Districts always counts anew.

// Fresh is how old a report Recent serves without counting it again, and
// Stale how old one it still serves while it counts again.
const (
	Fresh = time.Minute
	Stale = 15 * time.Minute
)

type recent struct {
	mu      sync.Mutex
	reports map[string]recentReport // by day and the day it was asked on
	busy    map[string]bool         // counted again in the background
}

type recentReport struct {
	rep *Report
	at  time.Time
}

// Recent is the report of Districts as counted at most Stale ago, with
// when it was counted; one older than Fresh is counted again in the
// background. The report is shared: callers must not change it.
func (s *Service) Recent(ctx context.Context, p access.Principal, stichtag string) (*Report, time.Time, error) {
	day, err := s.asked(p, stichtag)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.cat.Now()
	// Today's report counts the entries too, an earlier day's not: the
	// day it is asked on is part of what it says.
	key := day.Format(time.DateOnly) + "@" + now.In(s.cat.Location()).Format(time.DateOnly)
	r := &s.recent
	r.mu.Lock()
	got, ok := r.reports[key]
	switch age := now.Sub(got.at); {
	case ok && age <= Fresh:
		r.mu.Unlock()
		return seenBy(p, got.rep), got.at, nil
	case ok && age <= Stale:
		if !r.busy[key] {
			if r.busy == nil {
				r.busy = map[string]bool{}
			}
			r.busy[key] = true
			go s.recount(key, day)
		}
		r.mu.Unlock()
		return seenBy(p, got.rep), got.at, nil
	}
	r.mu.Unlock()
	rep, err := s.count(ctx, day)
	if err != nil {
		return nil, time.Time{}, err
	}
	s.keep(key, rep, now)
	return seenBy(p, rep), now, nil
}

// recount counts day again, detached from the request that noticed.
func (s *Service) recount(key string, day time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	at := s.cat.Now()
	rep, err := s.count(ctx, day)
	r := &s.recent
	r.mu.Lock()
	delete(r.busy, key)
	r.mu.Unlock()
	if err == nil {
		s.keep(key, rep, at)
	}
}

// keep remembers rep; only the few latest days asked for are kept.
func (s *Service) keep(key string, rep *Report, at time.Time) {
	r := &s.recent
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reports == nil || len(r.reports) >= 8 {
		r.reports = map[string]recentReport{}
	}
	if cur, ok := r.reports[key]; !ok || cur.at.Before(at) {
		r.reports[key] = recentReport{rep: rep, at: at}
	}
}
