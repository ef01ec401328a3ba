package catalogue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the service's calendar is Europe/Berlin wherever it runs

	"massanzug/access"
)

// Service applies the catalogue's rules: who may read and change what,
// validation against districts and taxonomy, and the entry lifecycle.
type Service struct {
	store       Store
	now         func() time.Time
	loc         *time.Location
	reviewAfter int // months
	log         *slog.Logger
	indexers    []Indexer // given as options; the applier holds them from then on
	apply       *applier
	reference   cached[reference]
	synonyms    cached[synonymList]
}

// Indexer keeps a derived view of the entries (the search index, the
// matching pool) in step with the store. The store stays the source of
// truth: an Indexer must be rebuildable from Store.EachEntry at any time.
type Indexer interface {
	// Delete forgets an erased entry for good; seq is the change number of
	// the erasure.
	Delete(ctx context.Context, id string, seq int64) error
	// PutMany indexes committed records in batches, in the order given.
	PutMany(ctx context.Context, rs []Record) error
}

// WithIndexer has every committed entry write passed to ix before the write
// returns, so that a change is searchable as soon as it is acknowledged.
// Given more than once, each indexer gets every write, in the order given.
func WithIndexer(ix Indexer) Option { return func(s *Service) { s.indexers = append(s.indexers, ix) } }

// Follow adds an indexer to a running service: it gets every write
// applied from now on, and must read what came before from the store
// itself (after Follow returns, so that nothing falls between the two).
func (s *Service) Follow(ix Indexer) { s.apply.follow(ix) }

// commit runs a store write and hands the committed record to the views,
// returning once they have it.
func (s *Service) commit(ctx context.Context, rec Record, write func() (int64, error)) error {
	if err := s.apply.start(ctx); err != nil {
		return err
	}
	seq, err := write()
	if err != nil {
		return err
	}
	rec.Seq = seq
	s.apply.hand(ctx, []Change{{Seq: seq, Record: rec}})
	return nil
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithReviewAfter sets after how many months an entry is due for review.
func WithReviewAfter(months int) Option { return func(s *Service) { s.reviewAfter = months } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// NewService returns a Service on store.
func NewService(store Store, opts ...Option) *Service {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.UTC
	}
	s := &Service{store: store, now: time.Now, loc: loc, reviewAfter: 12, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	s.apply = newApplier(s, s.indexers)
	s.indexers = nil
	return s
}

// Now is the current instant of the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Today is the current day in the city's calendar, as YYYY-MM-DD.
func (s *Service) Today() string { return s.now().In(s.loc).Format(time.DateOnly) }

// Init seeds the reference data on first start.
func (s *Service) Init(ctx context.Context) error {
	ds, err := DefaultDistricts()
	if err != nil {
		return err
	}
	tax, err := DefaultTaxonomy()
	if err != nil {
		return err
	}
	syns, err := DefaultSynonyms()
	if err != nil {
		return err
	}
	if err := s.store.Seed(ctx, ds, tax, syns); err != nil {
		return fmt.Errorf("seed reference data: %w", err)
	}
	s.forgetReference()
	s.forgetSynonyms()
	return nil
}

func newID(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no randomness left: nothing sane to do
	}
	return prefix + hex.EncodeToString(b)
}

var idPrefix = map[Kind]string{KindVolunteer: "vol_", KindNeighbourhoodHelp: "nbh_", KindOffer: "off_"}

// event is the audit record of an action on entries of kind k, or nil
// where k holds no personal data (only volunteers are people). Writes hand
// it to the store, which commits it with the change.
func (s *Service) event(p access.Principal, action string, k Kind, ids ...string) *AuditEvent {
	if k != KindVolunteer {
		return nil
	}
	if ids == nil {
		ids = []string{}
	}
	return &AuditEvent{At: s.stamp(), TokenID: p.TokenID, TokenName: p.Name, Action: action, Kind: k, EntryIDs: ids}
}

// audit records a read of personal data before it is answered: no event,
// no answer.
func (s *Service) audit(ctx context.Context, p access.Principal, action string, k Kind, ids ...string) error {
	e := s.event(p, action, k, ids...)
	if e == nil {
		return nil
	}
	if err := s.store.Audit(ctx, *e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// validateEntry checks e's input: shape first, then against reference data.
func (s *Service) validateEntry(ctx context.Context, e entry) error {
	r, err := s.loadRefs(ctx)
	if err != nil {
		return err
	}
	return validateWith(r, e)
}

func validateWith(r *refs, e entry) error {
	ve := checkShape(e.inputShape())
	e.checkInput(r, ve)
	return ve.orNil()
}

// load fetches the entry of kind k and id that p may see.
func (s *Service) load(ctx context.Context, p access.Principal, k Kind, id string) (Record, error) {
	if !canRead(p, k) {
		return Record{}, forbidden(p, "read "+string(k)+" entries")
	}
	r, err := s.store.Entry(ctx, k, id)
	if err != nil {
		return Record{}, fmt.Errorf("load %s %s: %w", k, id, err)
	}
	sc := ScopeOf(p, s.Today(), true)
	if !sc.Decide(new(FactsOf(r))).Visible() {
		return Record{}, fmt.Errorf("%s %s: %w", k, id, ErrNotFound)
	}
	return r, nil
}

func createEntry(ctx context.Context, s *Service, p access.Principal, k Kind, e entry) error {
	if !canWrite(p, k) {
		return forbidden(p, "create "+string(k)+" entries")
	}
	if o, ok := e.(*Offer); ok && p.Is(access.RoleProvider) {
		if o.ProviderID == "" {
			o.ProviderID = p.ProviderID
		}
		if o.ProviderID != p.ProviderID {
			return fmt.Errorf("%w: a provider submits offers for its own organisation (%s) only", ErrForbidden, p.ProviderID)
		}
	}
	if err := s.validateEntry(ctx, e); err != nil {
		return err
	}
	s.stampNew(p, k, e)
	h := e.head()
	rec, err := toRecord(e)
	if err != nil {
		return err
	}
	if err := s.inDistricts(p, rec); err != nil {
		return err
	}
	ev := s.event(p, "create", k, h.ID)
	if err := s.commit(ctx, rec, func() (int64, error) { return s.store.CreateEntry(ctx, rec, ev) }); err != nil {
		return fmt.Errorf("create %s: %w", k, err)
	}
	s.log.InfoContext(ctx, "entry created", "kind", k, "id", h.ID, "by", p.TokenID)
	e.finish(p, s.Today())
	return nil
}

// inDistricts refuses a write by a caller bound to districts that would
// put the entry outside them: staff of a district curate its entries, and
// none beyond it.
func (s *Service) inDistricts(p access.Principal, rec Record) error {
	sc := ScopeOf(p, "", true)
	if !sc.InDistricts(new(FactsOf(rec))) {
		return fmt.Errorf("%w: this token is responsible for the districts %s; the entry helps in none of them", ErrForbidden, strings.Join(p.Districts, ", "))
	}
	return nil
}

// stampNew gives a new entry its id, version, times and first status.
func (s *Service) stampNew(p access.Principal, k Kind, e entry) {
	now := s.stamp()
	h := e.head()
	*h = Header{ID: newID(idPrefix[k]), Kind: k, Version: 1, CreatedAt: now, UpdatedAt: now}
	switch {
	case k == KindOffer && p.Is(access.RoleProvider):
		e.setStatus(StatusSubmitted)
	case k == KindOffer:
		e.setStatus(StatusApproved)
	case e.status() == "":
		e.setStatus(StatusActive)
	}
	if p.Is(access.RoleResourceManager) {
		// Staff enter what they know: creating an entry is verifying it.
		h.VerifiedAt = &now
	}
}

func getEntry[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, id string) (P, error) {
	r, err := s.load(ctx, p, k, id)
	if err != nil {
		return nil, err
	}
	e, err := fromRecord[E, P](r)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, p, "read", k, id); err != nil {
		return nil, err
	}
	e.finish(p, s.Today())
	return e, nil
}

// ListQuery is what a caller may ask of a list of entries.
type ListQuery struct {
	Status     Status
	District   string
	HelpKind   string
	ProviderID string
	// AwaitingApproval keeps the offers staff must decide on: submitted
	// ones, and approved ones with a provider's change waiting.
	AwaitingApproval bool
	Page
}

func listEntries[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, q ListQuery) ([]P, int, error) {
	if !canRead(p, k) {
		return nil, 0, forbidden(p, "read "+string(k)+" entries")
	}
	if q.Status != "" && !slices.Contains(statusesOf(k), q.Status) {
		return nil, 0, &ValidationError{Fields: []FieldError{{Field: "status", Message: fmt.Sprintf("%q is not a status of %s entries", q.Status, k)}}}
	}
	if err := s.checkFilters(ctx, q.District, q.HelpKind); err != nil {
		return nil, 0, err
	}
	sc := ScopeOf(p, s.Today(), q.Status == StatusArchived)
	f, ok := sc.Filter(k, q.Status, q.ProviderID)
	if q.AwaitingApproval && (k != KindOffer || !p.Is(access.RoleResourceManager, access.RoleProvider)) {
		return nil, 0, forbidden(p, "see the offers awaiting approval")
	}
	f.District, f.HelpKind, f.AwaitingApproval, f.Page = q.District, q.HelpKind, q.AwaitingApproval, q.Page
	out := []P{}
	if !ok {
		return out, 0, nil
	}
	recs, total, err := s.store.ListEntries(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", k, err)
	}
	ids := make([]string, 0, len(recs))
	today := s.Today()
	for _, r := range recs {
		e, err := fromRecord[E, P](r)
		if err != nil {
			return nil, 0, err
		}
		e.finish(p, today)
		out = append(out, e)
		ids = append(ids, r.ID)
	}
	if err := s.audit(ctx, p, "list", k, ids...); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// updateEntry replaces the input of the entry id with that of next, if the
// stored version is still expected.
func updateEntry[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, id string, expected int64, next P) error {
	if !canWrite(p, k) {
		return forbidden(p, "change "+string(k)+" entries")
	}
	cur, err := s.load(ctx, p, k, id)
	if err != nil {
		return err
	}
	return replaceEntry(ctx, s, p, k, cur, expected, next)
}

// replaceEntry replaces the input of the loaded entry cur with next's, if
// cur is still at version expected.
func replaceEntry[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, cur Record, expected int64, next P) error {
	id := cur.ID
	if o, ok := any(next).(*Offer); ok && p.Is(access.RoleProvider) {
		if o.ProviderID == "" {
			o.ProviderID = p.ProviderID
		}
		if o.ProviderID != p.ProviderID {
			return fmt.Errorf("%w: an offer cannot be moved to another provider", ErrForbidden)
		}
	}
	// A stale change is told so first, whatever else is wrong with it: the
	// caller must read the entry again anyway.
	if cur.Version != expected {
		return fmt.Errorf("%w: %s %s is at version %d, not %d", ErrVersionMismatch, k, id, cur.Version, expected)
	}
	if err := s.validateEntry(ctx, next); err != nil {
		return err
	}
	if err := s.succeed(p, k, cur, next); err != nil {
		return err
	}
	rec, err := toRecord(next)
	if err != nil {
		return err
	}
	if err := s.inDistricts(p, rec); err != nil {
		return err
	}
	ev := s.event(p, "update", k, id)
	if err := s.commit(ctx, rec, func() (int64, error) { return s.store.UpdateEntry(ctx, rec, expected, ev) }); err != nil {
		return fmt.Errorf("update %s %s: %w", k, id, err)
	}
	next.finish(p, s.Today())
	return nil
}

// succeed makes next the following version of the stored entry cur: its
// header, one version on, and the status an update leaves (a provider's
// change goes to review; staff's keeps an offer's review state).
func (s *Service) succeed(p access.Principal, k Kind, cur Record, next entry) error {
	h := next.head()
	*h = cur.Header
	h.Version = cur.Version + 1
	h.UpdatedAt = s.stamp()
	switch {
	case k == KindOffer && p.Is(access.RoleProvider):
		old, err := fromRecord[Offer](cur)
		if err != nil {
			return err
		}
		if err := providerChange(old, any(next).(*Offer), s.stamp()); err != nil {
			return err
		}
	case k == KindOffer:
		old, err := fromRecord[Offer](cur)
		if err != nil {
			return err
		}
		o := any(next).(*Offer)
		o.Status, o.RejectionReason, o.PendingChange = old.Status, old.RejectionReason, old.PendingChange
	case next.status() == "":
		next.setStatus(StatusActive)
	}
	return nil
}

// providerChange decides what a provider's change next of the offer old
// becomes. A change to an offer nobody sees yet (submitted, rejected)
// goes back to staff as a whole. A change to an approved offer waits
// beside it: the approved version stays what case managers see until
// staff approve or reject the change, so that a provider's small edit
// never takes a running offer out of the catalogue.
func providerChange(old, next *Offer, now time.Time) error {
	next.RejectionReason = ""
	if old.Status != StatusApproved {
		next.Status, next.PendingChange = StatusSubmitted, nil
		return nil
	}
	fields, err := changedFields(old.OfferInput, next.OfferInput)
	if err != nil {
		return err
	}
	change := &OfferChange{Input: next.OfferInput, SubmittedAt: now, Fields: fields}
	if len(fields) == 0 {
		change = nil // the approved version again: nothing waits
	}
	next.OfferInput, next.Status, next.PendingChange = old.OfferInput, StatusApproved, change
	return nil
}

// Patch turns what the caller may read of an entry's input (cur) into the
// next input (next, a pointer to an empty input of the same kind); the
// API's JSON merge patch is one.
type Patch func(cur, next any) error

// patchEntry applies patch to the stored entry and saves the result as a
// full update. The entry is read for the patch only: no read is recorded,
// and a stale version is told before anything about the patch.
func patchEntry[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, id string, expected int64, patch Patch) (P, error) {
	if !canWrite(p, k) {
		return nil, forbidden(p, "change "+string(k)+" entries")
	}
	rec, err := s.load(ctx, p, k, id)
	if err != nil {
		return nil, err
	}
	if rec.Version != expected { // told before anything about the patch
		return nil, fmt.Errorf("%w: %s %s is at version %d, not %d", ErrVersionMismatch, k, id, rec.Version, expected)
	}
	cur, err := fromRecord[E, P](rec)
	if err != nil {
		return nil, err
	}
	cur.finish(p, s.Today()) // the patch applies to what the caller may read
	if o, ok := any(cur).(*Offer); ok && p.Is(access.RoleProvider) && o.PendingChange != nil {
		// A provider goes on from its own waiting change, not from the
		// approved version, or a second edit would drop the first.
		o.OfferInput = o.PendingChange.Input
	}
	next := P(new(E))
	if err := patch(cur.inputShape(), next.inputShape()); err != nil {
		return nil, err
	}
	return next, replaceEntry(ctx, s, p, k, rec, expected, next)
}

// transition applies change to the stored entry and saves it as a new
// version. expected 0 means "whatever is current".
func transition[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, action string, k Kind, id string, expected int64, change func(P) error) (P, error) {
	cur, err := s.load(ctx, p, k, id)
	if err != nil {
		return nil, err
	}
	if expected != 0 && cur.Version != expected {
		return nil, fmt.Errorf("%w: %s %s is at version %d, not %d", ErrVersionMismatch, k, id, cur.Version, expected)
	}
	e, err := fromRecord[E, P](cur)
	if err != nil {
		return nil, err
	}
	if err := change(e); err != nil {
		return nil, err
	}
	h := e.head()
	h.Version = cur.Version + 1
	h.UpdatedAt = s.stamp()
	rec, err := toRecord(e)
	if err != nil {
		return nil, err
	}
	ev := s.event(p, action, k, id)
	if err := s.commit(ctx, rec, func() (int64, error) { return s.store.UpdateEntry(ctx, rec, cur.Version, ev) }); err != nil {
		return nil, fmt.Errorf("update %s %s: %w", k, id, err)
	}
	e.finish(p, s.Today())
	return e, nil
}

func archiveEntry[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, id string, expected int64) error {
	if !canWrite(p, k) {
		return forbidden(p, "archive "+string(k)+" entries")
	}
	_, err := transition[E, P](ctx, s, p, "archive", k, id, expected, func(e P) error {
		e.setStatus(StatusArchived)
		return nil
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "entry archived", "kind", k, "id", id, "by", p.TokenID)
	return nil
}

func verifyEntry[E any, P interface {
	*E
	entry
}](ctx context.Context, s *Service, p access.Principal, k Kind, id string) (P, error) {
	if !p.Is(access.RoleResourceManager) {
		return nil, forbidden(p, "verify entries")
	}
	return transition[E, P](ctx, s, p, "verify", k, id, 0, func(e P) error {
		now := s.stamp()
		e.head().VerifiedAt = &now
		return nil
	})
}

// stamp is the current instant as stored: UTC, to the microsecond, so that a
// value read back equals the value written.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// checkFilters refuses filters naming a district or help kind that does not
// exist: an empty answer would wrongly say "nothing there".
func (s *Service) checkFilters(ctx context.Context, district, helpKind string) error {
	if district == "" && helpKind == "" {
		return nil
	}
	r, err := s.loadRefs(ctx)
	if err != nil {
		return err
	}
	ve := &ValidationError{}
	if _, ok := r.districts[district]; district != "" && !ok {
		ve.add("district", "%s", UnknownDistrict(district, r.districts))
	}
	if _, ok := r.vocab[VocabHelpKinds][helpKind]; helpKind != "" && !ok {
		ve.add("help_kind", "%s", UnknownTerm(VocabHelpKinds, helpKind, r.vocab[VocabHelpKinds]))
	}
	return ve.orNil()
}
