package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"massanzug/catalogue"
	"massanzug/referral"
)

// followOthers has this instance take in what other instances on the same
// database commit, as the database tells of it: entries reach the search
// index, the matcher and the figures in change order, referrals the open
// places and the figures, reference data and synonyms are read again. The
// notifications only wake a worker, so that a slow read never holds up
// listening; topics that come while it works are taken in one go after.
func followOthers(ctx context.Context, w catalogue.Watcher, svc *catalogue.Service, refs *referral.Service, log *slog.Logger) {
	var mu sync.Mutex
	due := map[string]bool{}
	wake := make(chan struct{}, 1)
	mark := func(topic string) {
		mu.Lock()
		due[topic] = true
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	// A topic whose read failed is read again in a while.
	retry := func(topic string) { time.AfterFunc(time.Second, func() { mark(topic) }) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
			mu.Lock()
			topics := due
			due = map[string]bool{}
			mu.Unlock()
			all := topics[""]
			for _, t := range []string{catalogue.TopicEntries, catalogue.TopicReference} {
				if all || topics[t] {
					if err := svc.OthersWrote(ctx, t); err != nil && ctx.Err() == nil {
						log.Warn("changes of other instances not taken in yet", "topic", t, "err", err)
						retry(t)
					}
				}
			}
			if all || topics[catalogue.TopicReferrals] {
				if err := refs.OthersWrote(ctx); err != nil && ctx.Err() == nil {
					log.Warn("referrals of other instances not taken in yet", "err", err)
					retry(catalogue.TopicReferrals)
				}
			}
		}
	}()
	err := w.Watch(ctx, log, mark)
	if err != nil {
		log.Error("not following other instances' commits", "err", err)
	}
	<-done
}
