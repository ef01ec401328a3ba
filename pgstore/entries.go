package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"massanzug/catalogue"
)

const entryColumns = `e.id, e.kind, e.name, e.status, COALESCE(e.provider_id, ''), e.version, e.created_at, e.updated_at,
	e.verified_at, COALESCE(e.valid_from, ''), COALESCE(e.valid_until, ''),
	COALESCE((SELECT string_agg(district_id, ',' ORDER BY district_id) FROM entry_districts WHERE entry_id = e.id), ''),
	COALESCE((SELECT string_agg(code, ',' ORDER BY code) FROM entry_help_kinds WHERE entry_id = e.id), ''), e.doc, e.seq`

func scanEntry(row pgx.Row) (catalogue.Record, error) {
	var r catalogue.Record
	var districts, helpKinds string
	err := row.Scan(&r.ID, &r.Kind, &r.Name, &r.Status, &r.ProviderID, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&r.VerifiedAt, &r.ValidFrom, &r.ValidUntil, &districts, &helpKinds, &r.Doc, &r.Seq)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if r.VerifiedAt != nil {
		v := r.VerifiedAt.UTC()
		r.VerifiedAt = &v
	}
	r.Districts, r.HelpKinds = splitList(districts), splitList(helpKinds)
	return r, nil
}

// nextSeq takes the next change number; the row stays locked until the
// transaction ends, so a later write waits and numbers follow commit order.
func nextSeq(ctx context.Context, tx pgx.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRow(ctx, `UPDATE change_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("next change number: %w", err)
	}
	return seq, nil
}

func writeLinks(ctx context.Context, tx pgx.Tx, r catalogue.Record) error {
	for _, d := range r.Districts {
		if _, err := tx.Exec(ctx, `INSERT INTO entry_districts (entry_id, district_id) VALUES ($1, $2)`, r.ID, d); err != nil {
			return fmt.Errorf("link district %s: %w", d, mapErr(err))
		}
	}
	for _, h := range r.HelpKinds {
		if _, err := tx.Exec(ctx, `INSERT INTO entry_help_kinds (entry_id, code) VALUES ($1, $2)`, r.ID, h); err != nil {
			return fmt.Errorf("link help kind %s: %w", h, mapErr(err))
		}
	}
	return nil
}

// CreateEntry inserts a new entry and returns its change number.
func (db *DB) CreateEntry(ctx context.Context, r catalogue.Record, audit *catalogue.AuditEvent) (int64, error) {
	seqs, err := db.WriteEntries(ctx, []catalogue.Record{r}, nil, audit)
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

// WriteEntries inserts creates, replaces updates (each if still at its
// expected version) and stores the audit event in one transaction: all or
// none. It returns the change numbers, of creates first, then of updates.
func (db *DB) WriteEntries(ctx context.Context, creates []catalogue.Record, updates []catalogue.Replacement, audit *catalogue.AuditEvent) ([]int64, error) {
	var seqs []int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		seqs = make([]int64, 0, len(creates)+len(updates))
		if len(creates) >= copyFrom {
			var err error
			if seqs, err = copyCreates(ctx, tx, creates); err != nil {
				return err
			}
			creates = nil
		}
		for _, r := range creates {
			seq, err := nextSeq(ctx, tx)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO entries (id, kind, name, status, provider_id, version, created_at, updated_at,
				verified_at, valid_from, valid_until, doc, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				r.ID, string(r.Kind), r.Name, string(r.Status), nullStr(r.ProviderID), r.Version, r.CreatedAt, r.UpdatedAt,
				r.VerifiedAt, nullStr(r.ValidFrom), nullStr(r.ValidUntil), r.Doc, seq)
			if err != nil {
				return fmt.Errorf("insert entry %s: %w", r.ID, mapErr(err))
			}
			if err := writeLinks(ctx, tx, r); err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		for _, u := range updates {
			seq, err := replaceIn(ctx, tx, u.Record, u.Expected)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		return insertAudit(ctx, tx, audit)
	})
	return seqs, err
}

// copyFrom is from how many new entries on a write copies them (COPY)
// instead of inserting them one by one: an import's rows, a round trip
// per table instead of four per row.
const copyFrom = 50

// copyCreates inserts new entries and their links with COPY, taking their
// change numbers in one step (the counter's row stays locked until the
// transaction ends, as nextSeq's does).
func copyCreates(ctx context.Context, tx pgx.Tx, rs []catalogue.Record) ([]int64, error) {
	var last int64
	if err := tx.QueryRow(ctx, `UPDATE change_seq SET seq = seq + $1 WHERE id = 1 RETURNING seq`, len(rs)).Scan(&last); err != nil {
		return nil, fmt.Errorf("next change numbers: %w", err)
	}
	seqs := make([]int64, len(rs))
	var districts, helpKinds [][]any
	for i, r := range rs {
		seqs[i] = last - int64(len(rs)) + 1 + int64(i)
		for _, d := range r.Districts {
			districts = append(districts, []any{r.ID, d})
		}
		for _, h := range r.HelpKinds {
			helpKinds = append(helpKinds, []any{r.ID, h})
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"entries"}, []string{"id", "kind", "name", "status", "provider_id", "version", "created_at", "updated_at",
		"verified_at", "valid_from", "valid_until", "doc", "seq"}, pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
		r := rs[i]
		return []any{r.ID, string(r.Kind), r.Name, string(r.Status), nullStr(r.ProviderID), r.Version, r.CreatedAt, r.UpdatedAt,
			r.VerifiedAt, nullStr(r.ValidFrom), nullStr(r.ValidUntil), r.Doc, seqs[i]}, nil
	}))
	if err != nil {
		return nil, fmt.Errorf("insert %d entries: %w", len(rs), mapErr(err))
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"entry_districts"}, []string{"entry_id", "district_id"}, pgx.CopyFromRows(districts)); err != nil {
		return nil, fmt.Errorf("link districts: %w", mapErr(err))
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"entry_help_kinds"}, []string{"entry_id", "code"}, pgx.CopyFromRows(helpKinds)); err != nil {
		return nil, fmt.Errorf("link help kinds: %w", mapErr(err))
	}
	return seqs, nil
}

// UpdateEntry replaces an entry if it is still at version expected and
// returns its new change number.
func (db *DB) UpdateEntry(ctx context.Context, r catalogue.Record, expected int64, audit *catalogue.AuditEvent) (int64, error) {
	seqs, err := db.WriteEntries(ctx, nil, []catalogue.Replacement{{Record: r, Expected: expected}}, audit)
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

func replaceIn(ctx context.Context, tx pgx.Tx, r catalogue.Record, expected int64) (int64, error) {
	seq, err := nextSeq(ctx, tx)
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `UPDATE entries SET name = $1, status = $2, provider_id = $3, version = $4, updated_at = $5,
		verified_at = $6, valid_from = $7, valid_until = $8, doc = $9, seq = $10 WHERE id = $11 AND kind = $12 AND version = $13`,
		r.Name, string(r.Status), nullStr(r.ProviderID), r.Version, r.UpdatedAt, r.VerifiedAt,
		nullStr(r.ValidFrom), nullStr(r.ValidUntil), r.Doc, seq, r.ID, string(r.Kind), expected)
	if err != nil {
		return 0, fmt.Errorf("update entry %s: %w", r.ID, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		var v int64
		err := tx.QueryRow(ctx, `SELECT version FROM entries WHERE id = $1 AND kind = $2`, r.ID, string(r.Kind)).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("update entry %s: %w", r.ID, catalogue.ErrNotFound)
		}
		if err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("%w: %s %s is at version %d, not %d", catalogue.ErrVersionMismatch, r.Kind, r.ID, v, expected)
	}
	for _, q := range []string{`DELETE FROM entry_districts WHERE entry_id = $1`, `DELETE FROM entry_help_kinds WHERE entry_id = $1`} {
		if _, err := tx.Exec(ctx, q, r.ID); err != nil {
			return 0, err
		}
	}
	return seq, writeLinks(ctx, tx, r)
}

// EraseEntry deletes an entry and its links and takes a change number for
// it, with a tombstone that tells derived views to forget it.
func (db *DB) EraseEntry(ctx context.Context, k catalogue.Kind, id string, audit *catalogue.AuditEvent) (int64, error) {
	var seq int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM entries WHERE id = $1 AND kind = $2`, id, string(k))
		if err != nil {
			return fmt.Errorf("erase entry %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return catalogue.ErrNotFound
		}
		if seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO erasures (id, seq) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`, id, seq); err != nil {
			return fmt.Errorf("tombstone of %s: %w", id, err)
		}
		// The person's referrals stay for the figures, as anonymous stubs.
		if err := anonymiseReferrals(ctx, tx, `entry_id = $1`, id); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		// Rolled back: no change number was taken, nothing is erased.
		return 0, err
	}
	// A deleted row, and every older version of an updated one, stays in
	// its page as a dead tuple, bytes and all, until VACUUM prunes it;
	// the erasure is not done before.
	// VACUUM takes index entries out of their pages but leaves their bytes
	// in the page's free space: the two indexes that hold names are built
	// anew first (CONCURRENTLY: reads and writes go on; their old files are
	// deleted), which also waits for every transaction older than the
	// erasure, so that the VACUUM after it finds no reader that could still
	// see a dead version.
	for _, q := range []string{
		`REINDEX INDEX CONCURRENTLY entries_kind_status`,
		`REINDEX INDEX CONCURRENTLY entries_kind_name`,
		`VACUUM (INDEX_CLEANUP ON) entries, entry_districts, entry_help_kinds, referrals`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			return seq, fmt.Errorf("erasing %s: %s: %w", id, strings.Fields(q)[0], err)
		}
	}
	return seq, nil
}

// Entry reads one entry of kind k.
func (db *DB) Entry(ctx context.Context, k catalogue.Kind, id string) (catalogue.Record, error) {
	r, err := scanEntry(db.pool.QueryRow(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.id = $1 AND e.kind = $2`, id, string(k)))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, catalogue.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read entry %s: %w", id, err)
	}
	return r, nil
}

// ListEntries lists entries of one kind by name.
func (db *DB) ListEntries(ctx context.Context, f catalogue.EntryFilter) ([]catalogue.Record, int, error) {
	var w where
	w.add("e.kind = ?", string(f.Kind))
	if len(f.Statuses) > 0 {
		w.add("e.status = ANY(?)", statuses(f.Statuses))
	}
	if f.District != "" {
		w.add("EXISTS (SELECT 1 FROM entry_districts d WHERE d.entry_id = e.id AND d.district_id = ?)", f.District)
	}
	if f.HelpKind != "" {
		w.add("EXISTS (SELECT 1 FROM entry_help_kinds h WHERE h.entry_id = e.id AND h.code = ?)", f.HelpKind)
	}
	if len(f.AnyDistrict) > 0 {
		w.add("EXISTS (SELECT 1 FROM entry_districts d WHERE d.entry_id = e.id AND d.district_id = ANY(?))", f.AnyDistrict)
	}
	if f.ProviderID != "" {
		w.add("e.provider_id = ?", f.ProviderID)
	}
	if f.AwaitingApproval {
		w.add(`(e.status = 'submitted' OR (e.status = 'approved' AND e.doc ? 'pending_change' AND e.doc->'pending_change' <> 'null'::jsonb))`)
	}
	if f.CurrentOn != "" {
		w.add("(e.valid_from IS NULL OR e.valid_from <= ?)", f.CurrentOn)
		w.add("(e.valid_until IS NULL OR e.valid_until >= ?)", f.CurrentOn)
	}
	return db.listEntries(ctx, w, "e.name, e.id", f.Page)
}

func (db *DB) listEntries(ctx context.Context, w where, order string, pg catalogue.Page) ([]catalogue.Record, int, error) {
	var total int
	if err := db.pool.QueryRow(ctx, w.sql(`SELECT COUNT(*) FROM entries e`, ""), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count entries: %w", err)
	}
	q, args := w.page(`SELECT `+entryColumns+` FROM entries e`, ` ORDER BY `+order, pg)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list entries: %w", err)
	}
	defer rows.Close()
	out := []catalogue.Record{}
	for rows.Next() {
		r, err := scanEntry(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// ReviewQueue lists entries due for review: never verified, verified
// before q.VerifiedBefore, or offers whose period ended; never archived.
func (db *DB) ReviewQueue(ctx context.Context, q catalogue.ReviewQuery) ([]catalogue.Record, int, error) {
	var w where
	w.add("e.status <> 'archived'")
	w.add("(e.verified_at IS NULL OR e.verified_at < ? OR (e.kind = 'offer' AND e.valid_until IS NOT NULL AND e.valid_until < ?))", q.VerifiedBefore, q.Today)
	if q.Kind != "" {
		w.add("e.kind = ?", string(q.Kind))
	}
	if q.District != "" {
		w.add("EXISTS (SELECT 1 FROM entry_districts d WHERE d.entry_id = e.id AND d.district_id = ?)", q.District)
	}
	return db.listEntries(ctx, w, "e.verified_at IS NOT NULL, e.verified_at, e.name, e.id", q.Page)
}

// CountEntries counts every entry.
func (db *DB) CountEntries(ctx context.Context) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM entries`).Scan(&n)
	return n, err
}

// Fingerprint returns the number of entries and the last change number.
func (db *DB) Fingerprint(ctx context.Context) (count int, seq int64, err error) {
	err = db.pool.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM entries), (SELECT seq FROM change_seq WHERE id = 1)`).Scan(&count, &seq)
	return count, seq, err
}

// eachPage is how many entries EachEntry reads at once: no statement holds
// a connection while the caller works through a whole catalogue.
const eachPage = 1000

// EachEntry calls fn for every entry in id order.
func (db *DB) EachEntry(ctx context.Context, fn func(catalogue.Record) error) error {
	after := ""
	for {
		rows, err := db.pool.Query(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.id > $1 ORDER BY e.id LIMIT $2`, after, eachPage)
		if err != nil {
			return fmt.Errorf("read entries: %w", err)
		}
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalogue.Record, error) { return scanEntry(row) })
		if err != nil {
			return fmt.Errorf("read entries: %w", err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < eachPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// EntryNames calls fn with the id and name of every entry of kind k.
func (db *DB) EntryNames(ctx context.Context, k catalogue.Kind, fn func(id, name string) error) error {
	rows, err := db.pool.Query(ctx, `SELECT id, name FROM entries WHERE kind = $1`, string(k))
	if err != nil {
		return fmt.Errorf("entry names: %w", err)
	}
	type idName struct{ id, name string }
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (idName, error) {
		var x idName
		return x, row.Scan(&x.id, &x.name)
	})
	if err != nil {
		return fmt.Errorf("entry names: %w", err)
	}
	for _, x := range all {
		if err := fn(x.id, x.name); err != nil {
			return err
		}
	}
	return nil
}

// EntriesByID calls fn for the entries of kind k among ids.
func (db *DB) EntriesByID(ctx context.Context, k catalogue.Kind, ids []string, fn func(catalogue.Record) error) error {
	for len(ids) > 0 {
		n := min(eachPage, len(ids))
		rows, err := db.pool.Query(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.kind = $1 AND e.id = ANY($2)`, string(k), ids[:n])
		if err != nil {
			return fmt.Errorf("entries by id: %w", err)
		}
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalogue.Record, error) { return scanEntry(row) })
		if err != nil {
			return fmt.Errorf("entries by id: %w", err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		ids = ids[n:]
	}
	return nil
}

// ChangesSince passes every entry written after change number seq, in
// change order, and returns the ids erased after it: what a derived view
// (the search index, the matcher's pool) catches up from.
func (db *DB) ChangesSince(ctx context.Context, seq int64, fn func(catalogue.Record) error) (erased []string, err error) {
	after := seq
	for {
		rows, err := db.pool.Query(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`, after, eachPage)
		if err != nil {
			return nil, fmt.Errorf("changes since %d: %w", seq, err)
		}
		page, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalogue.Record, error) { return scanEntry(row) })
		if err != nil {
			return nil, fmt.Errorf("changes since %d: %w", seq, err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return nil, err
			}
		}
		if len(page) < eachPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	rows, err := db.pool.Query(ctx, `SELECT id FROM erasures WHERE seq > $1 ORDER BY seq`, seq)
	if err != nil {
		return nil, fmt.Errorf("erasures since %d: %w", seq, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Exec runs a statement (tests, maintenance).
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.pool.Exec(ctx, query, args...)
	return err
}

// ChangesAfter returns at most limit changes after change number seq, in
// change order, read in one repeatable-read transaction: one snapshot.
func (db *DB) ChangesAfter(ctx context.Context, seq int64, limit int) (out []catalogue.Change, err error) {
	err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`, seq, limit)
		if err != nil {
			return err
		}
		written, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalogue.Record, error) { return scanEntry(row) })
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id, seq FROM erasures WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit)
		if err != nil {
			return err
		}
		erased, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (c catalogue.Change, err error) {
			err = row.Scan(&c.Erased, &c.Seq)
			return c, err
		})
		if err != nil {
			return err
		}
		out = catalogue.MergeChanges(written, erased, limit)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("changes after %d: %w", seq, err)
	}
	return out, nil
}
