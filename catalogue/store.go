package catalogue

import (
	"context"
	"time"

	"massanzug/access"
)

// Store is what the catalogue needs from a storage backend. SQLite
// implements it (package store), PostgreSQL too (package pgstore); both
// pass the suite of store/storetest. Implementations return ErrNotFound for unknown ids,
// ErrVersionMismatch when an update's expected version is stale and
// ErrConflict for duplicates. Every method is atomic.
type Store interface {
	access.TokenStore

	// Seed fills empty reference tables with districts and taxonomy; it
	// leaves tables that already hold data alone, but for what a newer
	// release adds to terms that never had it (a help kind's provided_by).
	// Synonyms are seeded once: a list staff emptied stays empty.
	Seed(ctx context.Context, districts []District, tax Taxonomy, synonyms []Synonym) error
	Districts(ctx context.Context) ([]District, error)
	PutDistrict(ctx context.Context, d District) (created bool, err error)
	Taxonomy(ctx context.Context) (Taxonomy, error)
	AddTerm(ctx context.Context, v Vocabulary, t Term) error
	// UpdateTerm replaces label, theme, minors and provided_by of the
	// term with t's code.
	UpdateTerm(ctx context.Context, v Vocabulary, t Term) error
	// Synonyms lists the search's synonyms by word; PutSynonym creates or
	// replaces the one of key (the word folded, see synonymKey),
	// DeleteSynonym removes it (ErrNotFound when there is none).
	Synonyms(ctx context.Context) ([]Synonym, error)
	PutSynonym(ctx context.Context, key string, s Synonym) (created bool, err error)
	DeleteSynonym(ctx context.Context, key string) error

	CreateProvider(ctx context.Context, p Provider) error
	Provider(ctx context.Context, id string) (Provider, error)
	ListProviders(ctx context.Context, f ProviderFilter) ([]Provider, int, error)
	UpdateProvider(ctx context.Context, p Provider, expected int64) error

	// Writes to entries take the audit event that records them (nil for
	// entries without personal data) and commit it in the same
	// transaction: the event is the legal record of the change, so both
	// are stored or neither is.
	//
	// CreateEntry and UpdateEntry return the write's change number: every
	// write to an entry takes the next one.
	CreateEntry(ctx context.Context, r Record, audit *AuditEvent) (int64, error)
	// WriteEntries inserts creates and replaces updates (each only if
	// still at its expected version) in one transaction: all or none. It
	// returns the change numbers, of creates first, then of updates.
	WriteEntries(ctx context.Context, creates []Record, updates []Replacement, audit *AuditEvent) ([]int64, error)
	Entry(ctx context.Context, k Kind, id string) (Record, error)
	ListEntries(ctx context.Context, f EntryFilter) ([]Record, int, error)
	UpdateEntry(ctx context.Context, r Record, expected int64, audit *AuditEvent) (int64, error)
	ReviewQueue(ctx context.Context, q ReviewQuery) ([]Record, int, error)
	// EraseEntry deletes an entry for good (data protection: erasure on
	// request) and returns the change number it took. An error with a
	// change number means the entry is erased and only tidying up failed.
	EraseEntry(ctx context.Context, k Kind, id string, audit *AuditEvent) (int64, error)
	CountEntries(ctx context.Context) (int, error)
	// Fingerprint returns the number of entries and the last change number.
	Fingerprint(ctx context.Context) (count int, seq int64, err error)
	// EachEntry calls fn for every entry, archived ones included.
	EachEntry(ctx context.Context, fn func(Record) error) error
	// ChangesAfter returns, read in one snapshot and in change order, at
	// most limit changes after change number seq: every entry whose last
	// write came after it and every erasure after it. A write another one
	// of the same entry superseded is not there; the later one stands for
	// it. What other writers (other instances) committed is read this way.
	ChangesAfter(ctx context.Context, seq int64, limit int) ([]Change, error)
	// EntryNames calls fn with the id and name of every entry of kind k
	// (what an import compares new rows with, without reading documents).
	EntryNames(ctx context.Context, k Kind, fn func(id, name string) error) error
	// EntriesByID calls fn for the entries of kind k among ids, in no
	// order; ids that name none are skipped.
	EntriesByID(ctx context.Context, k Kind, ids []string, fn func(Record) error) error

	// CountUnmet counts one need no entry met; UnmetNeeds reports them.
	CountUnmet(ctx context.Context, district, helpKind, month, caseKey string) error
	UnmetNeeds(ctx context.Context, district, month string) ([]UnmetNeed, error)

	// Writable reports why the store cannot take writes now (its disk is
	// full, it cannot be reached), or nil.
	Writable(ctx context.Context) error

	// Audit records a read of personal data.
	Audit(ctx context.Context, e AuditEvent) error
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error)
	// AuditOf lists the audit events that name an entry, oldest first.
	AuditOf(ctx context.Context, id string) ([]AuditEvent, error)
}

// Record is an entry as it travels to and from a Store: the columns a
// store filters on, and the whole entry as a JSON document. Stores treat
// Doc as opaque.
type Record struct {
	Header
	Name       string
	Status     Status
	ProviderID string
	ValidFrom  string
	ValidUntil string
	Districts  []string
	HelpKinds  []string
	Doc        []byte
	// Seq is the change number of the last write to the entry.
	Seq int64
}

// Change is one committed change: the entry as written (Record), or,
// with Erased set, the erasure of that id.
type Change struct {
	Seq    int64
	Record Record
	Erased string
}

// Page is a window on a list.
type Page struct {
	Limit  int
	Offset int
}

// Replacement is the next state of a stored entry, written only if the
// entry is still at version Expected.
type Replacement struct {
	Record   Record
	Expected int64
}

// EntryFilter selects entries of one kind. Empty fields do not filter.
type EntryFilter struct {
	Kind       Kind
	Statuses   []Status
	District   string
	HelpKind   string
	ProviderID string
	// CurrentOn keeps only entries whose validity period covers this day
	// (YYYY-MM-DD); entries without a period always pass.
	CurrentOn string
	// AnyDistrict keeps only entries helping in one of these districts.
	AnyDistrict []string
	// AwaitingApproval keeps submitted offers and approved ones with a
	// pending change (Offer.PendingChange).
	AwaitingApproval bool
	Page
}

// ProviderFilter selects providers.
type ProviderFilter struct {
	Statuses []Status
	District string
	ID       string // restrict to one provider (a traeger sees only its own)
	Page
}

// ReviewQuery selects entries due for review: not archived, and either
// never verified, verified before VerifiedBefore, or an offer whose period
// ended before Today.
type ReviewQuery struct {
	VerifiedBefore time.Time
	Today          string
	Kind           Kind
	District       string
	Page
}

// AuditEvent records who read or changed which personal data, and when.
type AuditEvent struct {
	At        time.Time `json:"at"`
	TokenID   string    `json:"token_id"`
	TokenName string    `json:"token_name"`
	Action    string    `json:"action"`
	Kind      Kind      `json:"kind"`
	EntryIDs  []string  `json:"entry_ids"`
}

// AuditActions are the actions an audit event records.
var AuditActions = []string{"create", "read", "list", "update", "archive", "verify", "import", "export", "erase", "search", "match", "anonymise", "login"}

// AuditFilter selects audit events. Empty fields do not filter; the
// period is [From, Until).
type AuditFilter struct {
	EntryID string
	TokenID string
	Action  string
	From    time.Time
	Until   time.Time
	Page
}

// UnmetNeed is how often, in a district and month, a kind of help was asked
// for and nothing fitted. It holds nothing about the people.
type UnmetNeed struct {
	District string `json:"district"`
	HelpKind string `json:"help_kind"`
	Month    string `json:"month"`
	Count    int    `json:"count"`
	// The district's name and the help kind's label, beside the codes.
	DistrictName  string `json:"district_name"`
	HelpKindLabel string `json:"help_kind_label"`
}

// MergeChanges puts the entries written and the erasures after a change
// number (each read in change order, at most limit) into one list in
// change order, cut to limit: what a store's ChangesAfter returns.
func MergeChanges(written []Record, erased []Change, limit int) []Change {
	out := make([]Change, 0, min(limit, len(written)+len(erased)))
	i, j := 0, 0
	for len(out) < limit && (i < len(written) || j < len(erased)) {
		if j == len(erased) || (i < len(written) && written[i].Seq < erased[j].Seq) {
			out = append(out, Change{Seq: written[i].Seq, Record: written[i]})
			i++
		} else {
			out = append(out, erased[j])
			j++
		}
	}
	return out
}
