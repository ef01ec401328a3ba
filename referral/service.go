package referral

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
)

// AuditKind is the kind the audit log records referrals under.
const AuditKind catalogue.Kind = "referral"

// ErrNoPlace is what a store answers when a write would give an entry
// more open referrals than it has places.
var ErrNoPlace = errors.New("no free place")

// Store is what referrals need from a storage backend. Every write takes
// the audit event that records it and commits both, or neither.
type Store interface {
	// CreateReferrals stores rs in one transaction, all or none. For every
	// entry in limits it counts the entry's open referrals, rs included,
	// inside that transaction and fails with ErrNoPlace (naming the entry)
	// beyond the limit: the check and the write cannot be raced.
	CreateReferrals(ctx context.Context, rs []*Referral, limits map[string]int, audit *catalogue.AuditEvent) error
	Referral(ctx context.Context, id string) (*Referral, error)
	// UpdateReferral replaces r if its stored version is expected
	// (catalogue.ErrVersionMismatch otherwise).
	UpdateReferral(ctx context.Context, r *Referral, expected int64, audit *catalogue.AuditEvent) error
	ListReferrals(ctx context.Context, f Filter) ([]*Referral, int, error)
	// OpenReferrals counts the open referrals of the entries given, or of
	// every entry that has any when none is given.
	OpenReferrals(ctx context.Context, entryIDs ...string) (map[string]int, error)
	// ReferralsChangedAfter returns, read in one snapshot, the referrals
	// written after referral change number seq, in change order, and the
	// last change number: what another instance wrote since.
	ReferralsChangedAfter(ctx context.Context, seq int64) (rs []*Referral, last int64, err error)
	// Engagement counts the referrals of one entry (Engagement.Add).
	Engagement(ctx context.Context, entryID string) (Engagement, error)
	// AnonymiseReferrals anonymises (Anonymise) the referrals closed
	// before day that are not yet, with the audit event audit makes of
	// their ids, and returns the ids; with dryRun it changes nothing.
	AnonymiseReferrals(ctx context.Context, before string, dryRun bool, audit func(ids []string) *catalogue.AuditEvent) ([]string, error)
	TokenByID(ctx context.Context, id string) (access.Token, error)
	Audit(ctx context.Context, e catalogue.AuditEvent) error
}

// Filter selects referrals. Empty fields do not filter.
type Filter struct {
	CaseManager string
	ProviderID  string
	NotProposed bool
	Status      Status
	EntryID     string
	CaseRef     string
	District    string
	// Districts keeps referrals of cases in one of these districts.
	Districts []string
	// DueBy keeps referrals whose next follow-up is due by this day,
	// ordered by it.
	DueBy string
	catalogue.Page
}

// Query is what a caller may ask of the list of referrals.
type Query struct {
	Status   Status
	EntryID  string
	CaseRef  string
	District string
	catalogue.Page
}

// Service applies the rules of referrals.
type Service struct {
	store Store
	cat   *catalogue.Service
	log   *slog.Logger
	// open counts the open referrals per entry id (*atomic.Int64): what
	// matching subtracts from capacity at every match, without a query.
	open      sync.Map
	schedule  Schedule
	retention int // years after a referral closed until it is anonymised

	followMu  sync.Mutex
	followers atomic.Pointer[[]Follower]

	// recountMu makes each recount of open referrals read and store as one
	// step, so the last count stored is from the last read.
	recountMu sync.Mutex
	// othersMu guards seen: the referral change number up to which what
	// other instances wrote is taken in.
	othersMu sync.Mutex
	seen     int64
}

// Follower is told of every referral the service writes, as committed,
// before the write returns; one referral's writes come in the order of
// its versions. It keeps a view derived from referrals (the district
// figures) current without reading the store again. It must copy what it
// keeps: the referral is the caller's.
type Follower interface {
	Referred(rs []*Referral)
}

// Follow adds f to the followers. f must read what came before from the
// store itself, after Follow returns, and keep the newest version of each
// referral whichever way it arrives.
func (s *Service) Follow(f Follower) {
	s.followMu.Lock()
	defer s.followMu.Unlock()
	var fs []Follower
	if cur := s.followers.Load(); cur != nil {
		fs = append(fs, *cur...)
	}
	fs = append(fs, f)
	s.followers.Store(&fs)
}

func (s *Service) tell(rs ...*Referral) {
	if fs := s.followers.Load(); fs != nil {
		for _, f := range *fs {
			f.Referred(rs)
		}
	}
}

// DefaultRetentionYears is how long a closed referral keeps its case
// reference and notes.
const DefaultRetentionYears = 3

// WithRetention sets after how many years a closed referral is anonymised.
func WithRetention(years int) Option { return func(s *Service) { s.retention = years } }

// Schedule says when active helps are followed up.
type Schedule struct {
	FirstAfterDays int // after the help became active
	EveryMonths    int // after each check-in
}

// DefaultSchedule: a first check-in after four weeks, then every three
// months.
var DefaultSchedule = Schedule{FirstAfterDays: 28, EveryMonths: 3}

// Option configures a Service.
type Option func(*Service)

// WithSchedule sets when active helps are followed up.
func WithSchedule(sc Schedule) Option { return func(s *Service) { s.schedule = sc } }

// Open returns the service, with the open referrals counted from st.
func Open(ctx context.Context, st Store, cat *catalogue.Service, log *slog.Logger, opts ...Option) (*Service, error) {
	s := &Service{store: st, cat: cat, log: log, schedule: DefaultSchedule, retention: DefaultRetentionYears}
	for _, o := range opts {
		o(s)
	}
	if s.retention < 1 || s.retention > 30 {
		return nil, fmt.Errorf("retention: %d years; give 1 to 30", s.retention)
	}
	if s.schedule.FirstAfterDays < 1 || s.schedule.EveryMonths < 1 {
		return nil, fmt.Errorf("follow-up schedule: the first check-in and the interval must be at least a day and a month")
	}
	// The change number first: what is written after it is read again by
	// OthersWrote, which counts absolutely.
	_, seen, err := st.ReferralsChangedAfter(ctx, math.MaxInt64)
	if err != nil {
		return nil, fmt.Errorf("referral change number: %w", err)
	}
	s.seen = seen
	counts, err := st.OpenReferrals(ctx)
	if err != nil {
		return nil, fmt.Errorf("count open referrals: %w", err)
	}
	for id, n := range counts {
		s.Places(id).Store(int64(n))
	}
	return s, nil
}

// recount counts the open referrals of the entries of moved again, from
// the store, after a write of this instance or of another: counting from
// the truth instead of adding, no instance's count drifts from another's.
// Should the store not answer, each entry's count moves by what moved
// says (the write's own change, known to have committed) and the next
// recount puts it right.
func (s *Service) recount(ctx context.Context, moved map[string]int64) {
	ids := make([]string, 0, len(moved))
	for id := range moved {
		ids = append(ids, id)
	}
	s.recountMu.Lock()
	defer s.recountMu.Unlock()
	counts, err := s.store.OpenReferrals(ctx, ids...)
	if err != nil {
		s.log.WarnContext(ctx, "open referrals not counted again; counting on", "err", err)
		for id, d := range moved {
			s.Places(id).Add(d)
		}
		return
	}
	for _, id := range ids {
		s.Places(id).Store(int64(counts[id]))
	}
}

// OthersWrote takes in the referrals other instances wrote since the last
// look: their entries' open places are counted again and the followers
// (the figures) are told. Several instances on one database call it when
// told of a commit (catalogue.Watcher); a missed call costs latency only.
func (s *Service) OthersWrote(ctx context.Context) error {
	s.othersMu.Lock()
	defer s.othersMu.Unlock()
	rs, last, err := s.store.ReferralsChangedAfter(ctx, s.seen)
	if err != nil {
		return err
	}
	if len(rs) > 0 {
		entries := map[string]int64{}
		for _, r := range rs {
			entries[r.Entry.ID] = 0 // another's write: no change of its own to count on
		}
		s.recount(ctx, entries)
		s.tell(rs...)
	}
	s.seen = max(s.seen, last)
	return nil
}

// Places is the live count of the open referrals of an entry: the places
// they hold (matching.Placements). The pointer stays the entry's for the
// life of the service.
func (s *Service) Places(entryID string) *atomic.Int64 {
	if v, ok := s.open.Load(entryID); ok {
		return v.(*atomic.Int64)
	}
	v, _ := s.open.LoadOrStore(entryID, new(atomic.Int64))
	return v.(*atomic.Int64)
}

func newID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return "ref_" + hex.EncodeToString(b)
}

func (s *Service) event(p access.Principal, action string, ids ...string) *catalogue.AuditEvent {
	return &catalogue.AuditEvent{At: s.cat.Stamp(), TokenID: p.TokenID, TokenName: p.Name, Action: action, Kind: AuditKind, EntryIDs: ids}
}

func person(p access.Principal) Person { return Person{ID: p.TokenID, Name: p.Name} }

func (s *Service) today() string { return s.day(0, 0) }

// day is today plus months and days, in the city's calendar.
func (s *Service) day(months, days int) string {
	return s.cat.Now().In(s.cat.Location()).AddDate(0, months, days).Format(time.DateOnly)
}

// Create records a proposal: a case referred to one entry.
func (s *Service) Create(ctx context.Context, p access.Principal, in Input) (*Referral, error) {
	rs, err := s.CreateMany(ctx, p, []Input{in})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// CreateMany records several proposals in one transaction, all or none;
// no entry is given more cases than it has free places. Field names in
// errors carry the index ("[2].case_ref") when there is more than one.
func (s *Service) CreateMany(ctx context.Context, p access.Principal, ins []Input) ([]*Referral, error) {
	if !mayRefer(p) {
		return nil, fmt.Errorf("%w: role %s may not refer cases", catalogue.ErrForbidden, p.Role)
	}
	ve := &catalogue.ValidationError{}
	prefix := func(i int) string {
		if len(ins) == 1 {
			return ""
		}
		return fmt.Sprintf("[%d].", i)
	}
	districts, tax, err := s.cat.Reference(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Referral
	entries := map[string]catalogue.Placement{}
	now := s.cat.Stamp()
	for i, in := range ins {
		for _, f := range checkInput(in, districts, tax) {
			ve.Add(prefix(i)+f.Field, "%s", f.Message)
		}
		if len(ve.Fields) > 0 {
			continue
		}
		if !inDistricts(p, in.District) {
			return nil, fmt.Errorf("%w: this token is responsible for the districts %s, not for cases in %s", catalogue.ErrForbidden,
				strings.Join(p.Districts, ", "), in.District)
		}
		pl, ok := entries[in.EntryID]
		if !ok {
			if pl, err = s.cat.Placement(ctx, p, in.EntryID); err != nil {
				if errors.Is(err, catalogue.ErrNotFound) && len(ins) > 1 {
					return nil, fmt.Errorf("%sentry_id: %w", prefix(i), err)
				}
				return nil, err
			}
			entries[in.EntryID] = pl
		}
		manager := person(p)
		if in.CaseManagerID != "" && in.CaseManagerID != p.TokenID {
			t, err := s.store.TokenByID(ctx, in.CaseManagerID)
			if err != nil || t.RevokedAt != nil || t.Role != access.RoleCaseManager {
				ve.Add(prefix(i)+"case_manager_id", "%q is not the token of an active case manager", in.CaseManagerID)
				continue
			}
			manager = Person{ID: t.ID, Name: t.Name}
		}
		r := &Referral{ID: newID(), Version: 1, CaseRef: in.CaseRef, Entry: pl, ProviderID: pl.ProviderID, District: in.District,
			Department: in.Department, Frame: strings.TrimSpace(in.Frame), HelpKinds: in.HelpKinds, CaseManager: manager,
			Replaces: in.Replaces, Status: Proposed, CreatedAt: now, UpdatedAt: now,
			History: []Change{{At: now, By: person(p), Status: Proposed}}}
		if n := strings.TrimSpace(in.Note); n != "" {
			r.Notes = []Note{{At: now, By: person(p), Text: n}}
		}
		out = append(out, r)
	}
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	limits := map[string]int{}
	for id, pl := range entries {
		if pl.Capacity != nil {
			limits[id] = max(0, *pl.Capacity-pl.Load)
		}
	}
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.ID
	}
	if err := s.store.CreateReferrals(ctx, out, limits, s.event(p, "create", ids...)); err != nil {
		if errors.Is(err, ErrNoPlace) {
			return nil, fmt.Errorf("%w: %v; ask for suggestions again", catalogue.ErrConflict, err)
		}
		return nil, fmt.Errorf("create referrals: %w", err)
	}
	taken := map[string]int64{}
	for _, r := range out {
		taken[r.Entry.ID]++
	}
	s.recount(ctx, taken)
	s.tell(out...)
	s.log.InfoContext(ctx, "referrals created", "count", len(out), "by", p.TokenID)
	return out, nil
}

// checkInput lists what is wrong with in, before anything is looked up.
func checkInput(in Input, districts []catalogue.District, tax catalogue.Taxonomy) []catalogue.FieldError {
	ve := catalogue.CheckShape(in)
	if in.CaseRef != "" {
		if why := checkCaseRef(in.CaseRef); why != "" {
			ve.Add("case_ref", "%s", why)
		}
	}
	if in.Replaces != nil && strings.TrimSpace(in.Replaces.Name) == "" {
		ve.Add("replaces.name", "name the measure the help replaces or avoids")
	}
	if in.District != "" && !slices.ContainsFunc(districts, func(d catalogue.District) bool { return d.ID == in.District }) {
		ve.Add("district", "%q is not a district", in.District)
	}
	if in.Department != "" && !slices.Contains(departmentCodes(), in.Department) {
		ve.Add("department", "%q is not a department; one of %s", in.Department, strings.Join(departmentCodes(), ", "))
	}
	for i, h := range in.HelpKinds {
		if _, ok := tax.HelpKind(h); !ok {
			ve.Add(fmt.Sprintf("help_kinds[%d]", i), "%q is not a kind of help", h)
		}
	}
	return ve.Fields
}

// Get returns the referral id as p may read it; one p may not see is not
// found, as if it did not exist.
func (s *Service) Get(ctx context.Context, p access.Principal, id string) (*Referral, error) {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.store.Audit(ctx, *s.event(p, "read", id)); err != nil {
		return nil, fmt.Errorf("audit read: %w", err)
	}
	return shown(p, r), nil
}

func (s *Service) load(ctx context.Context, p access.Principal, id string) (*Referral, error) {
	if _, ok := scope(p); !ok {
		return nil, fmt.Errorf("%w: role %s may not read referrals", catalogue.ErrForbidden, p.Role)
	}
	r, err := s.store.Referral(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("referral %s: %w", id, err)
	}
	if !sees(p, r) {
		return nil, fmt.Errorf("referral %s: %w", id, catalogue.ErrNotFound)
	}
	return r, nil
}

// List returns the referrals p may see that q selects, newest first.
func (s *Service) List(ctx context.Context, p access.Principal, q Query) ([]*Referral, int, error) {
	f, ok := scope(p)
	if !ok {
		return nil, 0, fmt.Errorf("%w: role %s may not read referrals", catalogue.ErrForbidden, p.Role)
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		return nil, 0, fieldError("status", "%q is not a status; one of %s", q.Status, join(Statuses))
	}
	if q.Status == Proposed && f.NotProposed {
		return []*Referral{}, 0, nil
	}
	f.Status, f.EntryID, f.CaseRef, f.District, f.Page = q.Status, q.EntryID, q.CaseRef, q.District, q.Page
	rs, total, err := s.store.ListReferrals(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list referrals: %w", err)
	}
	return s.answer(ctx, p, rs, total)
}

// answer shows p the referrals of a list, once the read is recorded.
func (s *Service) answer(ctx context.Context, p access.Principal, rs []*Referral, total int) ([]*Referral, int, error) {
	ids := make([]string, 0, len(rs))
	out := make([]*Referral, 0, len(rs))
	for _, r := range rs {
		if !sees(p, r) { // the filter says the same; this keeps it honest
			total--
			continue
		}
		ids = append(ids, r.ID)
		out = append(out, shown(p, r))
	}
	if len(ids) > 0 {
		if err := s.store.Audit(ctx, *s.event(p, "list", ids...)); err != nil {
			return nil, 0, fmt.Errorf("audit list: %w", err)
		}
	}
	return out, total, nil
}

// Move changes a referral's status as t says, if the lifecycle and p's
// role allow it and expected is its current version.
func (s *Service) Move(ctx context.Context, p access.Principal, id string, expected int64, t Transition) (*Referral, error) {
	r, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.Version != expected {
		return nil, fmt.Errorf("%w: referral %s is at version %d", catalogue.ErrVersionMismatch, id, r.Version)
	}
	if err := catalogue.CheckShape(t).OrNil(); err != nil {
		return nil, err
	}
	if err := mayMove(p, r, t.Status); err != nil {
		return nil, err
	}
	if err := t.check(r); err != nil {
		return nil, err
	}
	now := s.cat.Stamp()
	wasOpen := r.Status.Open()
	r.Status, r.Version, r.UpdatedAt = t.Status, r.Version+1, now
	r.History = append(r.History, Change{At: now, By: person(p), Status: t.Status, Reason: strings.TrimSpace(t.Reason)})
	switch t.Status {
	case Active:
		r.ActiveSince = s.today()
		r.NextFollowUp = s.day(0, s.schedule.FirstAfterDays)
	case Ended:
		r.Outcome, r.OutcomeNote = t.Outcome, strings.TrimSpace(t.OutcomeNote)
		r.EndedOn, r.NextFollowUp = s.today(), ""
	case Declined, Withdrawn:
		r.EndedOn = s.today()
	}
	if err := s.store.UpdateReferral(ctx, r, expected, s.event(p, "update", id)); err != nil {
		return nil, fmt.Errorf("move referral %s: %w", id, err)
	}
	if wasOpen && !r.Status.Open() {
		s.recount(ctx, map[string]int64{r.Entry.ID: -1})
	}
	s.tell(r)
	return shown(p, r), nil
}

// AddNote adds a short note to a referral's timeline.
func (s *Service) AddNote(ctx context.Context, p access.Principal, id, text string) (*Referral, error) {
	if err := mayNote(p); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, fieldError("text", "a note needs a text")
	case len([]rune(text)) > MaxNote:
		return nil, fieldError("text", "a note holds at most %d characters (a few sentences, no case history); this one has %d", MaxNote, len([]rune(text)))
	}
	r, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	now := s.cat.Stamp()
	expected := r.Version
	r.Version, r.UpdatedAt = r.Version+1, now
	r.Notes = append(r.Notes, Note{At: now, By: person(p), Text: text})
	if err := s.store.UpdateReferral(ctx, r, expected, s.event(p, "update", id)); err != nil {
		return nil, fmt.Errorf("note on referral %s: %w", id, err)
	}
	s.tell(r)
	return shown(p, r), nil
}

// FollowUp records a check-in with an active help, with what came of it,
// and schedules the next one.
func (s *Service) FollowUp(ctx context.Context, p access.Principal, id string, note string) (*Referral, error) {
	if err := mayNote(p); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return nil, fieldError("note", "say in a few words how the help goes")
	case len([]rune(note)) > MaxNote:
		return nil, fieldError("note", "a note holds at most %d characters; this one has %d", MaxNote, len([]rune(note)))
	}
	r, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if r.Status != Active {
		return nil, fmt.Errorf("%w: only an active referral is followed up; this one is %s", catalogue.ErrConflict, r.Status)
	}
	now := s.cat.Stamp()
	expected := r.Version
	r.Version, r.UpdatedAt = r.Version+1, now
	r.FollowUps = append(r.FollowUps, FollowUp{Due: r.NextFollowUp, DoneAt: now, By: person(p), Note: note})
	r.NextFollowUp = s.day(s.schedule.EveryMonths, 0)
	if err := s.store.UpdateReferral(ctx, r, expected, s.event(p, "update", id)); err != nil {
		return nil, fmt.Errorf("follow up referral %s: %w", id, err)
	}
	s.tell(r)
	return shown(p, r), nil
}

// DueQuery selects the follow-ups due.
type DueQuery struct {
	// By is the last day counted (YYYY-MM-DD); today and overdue ones
	// are always included.
	By string
	catalogue.Page
}

// Due lists the active referrals p may see whose next check-in is due by
// q.By, the most overdue first. Providers follow up nothing.
func (s *Service) Due(ctx context.Context, p access.Principal, q DueQuery) ([]*Referral, int, error) {
	if !mayRefer(p) {
		return nil, 0, fmt.Errorf("%w: role %s follows up no referrals", catalogue.ErrForbidden, p.Role)
	}
	if q.By == "" {
		q.By = s.day(0, 7)
	}
	if _, err := time.Parse(time.DateOnly, q.By); err != nil {
		return nil, 0, fieldError("due_by", "must be a day, YYYY-MM-DD")
	}
	f, _ := scope(p)
	f.Status, f.DueBy, f.Page = Active, q.By, q.Page
	rs, total, err := s.store.ListReferrals(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("follow-ups due: %w", err)
	}
	return s.answer(ctx, p, rs, total)
}

// Retain anonymises the referrals closed longer ago than the retention
// period (Anonymise: the case reference, notes and texts go, what the
// figures count stays) and returns their ids; with dryRun it only says
// which. It runs at start and daily (serve) and as massanzug retention.
func (s *Service) Retain(ctx context.Context, dryRun bool) ([]string, error) {
	before := s.day(-12*s.retention, 0)
	system := access.Principal{TokenID: "retention", Name: "Aufbewahrungsfrist"}
	ids, err := s.store.AnonymiseReferrals(ctx, before, dryRun, func(ids []string) *catalogue.AuditEvent { return s.event(system, "anonymise", ids...) })
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	if len(ids) > 0 && !dryRun {
		s.log.InfoContext(ctx, "referrals anonymised after the retention period", "count", len(ids), "closed_before", before)
	}
	return ids, nil
}
