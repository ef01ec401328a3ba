package catalogue

import (
	"context"
	"log/slog"
)

// Several instances of the service may share one store (PostgreSQL
// behind a load balancer). Each keeps its own derived views (search index,
// matcher pool, figures) and caches (reference data, synonyms); what
// another instance committed reaches them through the store: its change
// numbers for entries, a fresh read for the caches. A Watcher wakes them
// when another instance commits; a missed wake-up costs only latency, as
// the next one reads every change since the last one applied.

// Topics of commits a Watcher tells of.
const (
	TopicEntries   = "entries"   // entries written or erased
	TopicReference = "reference" // districts, vocabularies, synonyms
	TopicReferrals = "referrals" // referrals written (referral.Service)
)

// Watcher is a store several instances share, which tells when one of
// them commits.
type Watcher interface {
	// Watch calls changed with the topic of every commit, by any instance,
	// and with "" whenever it may have missed some (at its start, after a
	// lost connection, which it logs to log), until ctx ends.
	Watch(ctx context.Context, log *slog.Logger, changed func(topic string)) error
}

// OthersWrote has the service take in what other instances committed on
// topic ("" for anything): the views apply the entries' changes in change
// order, the reference data and synonyms are read again at their next use.
func (s *Service) OthersWrote(ctx context.Context, topic string) error {
	if topic == "" || topic == TopicReference {
		s.forgetReference()
		s.forgetSynonyms()
	}
	if topic == "" || topic == TopicEntries {
		if err := s.apply.start(ctx); err != nil {
			return err
		}
		s.apply.poke(ctx)
	}
	return nil
}
