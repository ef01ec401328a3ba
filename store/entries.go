package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"massanzug/catalogue"
)

const entryColumns = `e.id, e.kind, e.name, e.status, COALESCE(e.provider_id, ''), e.version, e.created_at, e.updated_at,
	e.verified_at, COALESCE(e.valid_from, ''), COALESCE(e.valid_until, ''),
	COALESCE((SELECT group_concat(district_id, ',') FROM entry_districts WHERE entry_id = e.id), ''),
	COALESCE((SELECT group_concat(code, ',') FROM entry_help_kinds WHERE entry_id = e.id), ''), e.doc, e.seq`

func scanEntry(sc interface{ Scan(...any) error }) (catalogue.Record, error) {
	var r catalogue.Record
	var created, updated, districts, helpKinds, doc string
	var verified sql.NullString
	err := sc.Scan(&r.ID, &r.Kind, &r.Name, &r.Status, &r.ProviderID, &r.Version, &created, &updated,
		&verified, &r.ValidFrom, &r.ValidUntil, &districts, &helpKinds, &doc, &r.Seq)
	if err != nil {
		return r, err
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return r, err
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return r, err
	}
	if verified.Valid {
		t, err := parseTime(verified.String)
		if err != nil {
			return r, err
		}
		r.VerifiedAt = &t
	}
	r.Districts, r.HelpKinds = splitList(districts), splitList(helpKinds)
	r.Doc = []byte(doc)
	return r, nil
}

func verifiedArg(r catalogue.Record) any {
	if r.VerifiedAt == nil {
		return nil
	}
	return fmtTime(*r.VerifiedAt)
}

// CreateEntry inserts a new entry with its district and help-kind links and
// returns its change number.
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
	seqs := make([]int64, 0, len(creates)+len(updates))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		seqs = seqs[:0]
		if len(creates) > 0 {
			ins, err := tx.PrepareContext(ctx, `INSERT INTO entries (id, kind, name, status, provider_id, version, created_at, updated_at,
			verified_at, valid_from, valid_until, doc, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer ins.Close()
			for _, r := range creates {
				seq, err := nextSeq(ctx, tx)
				if err != nil {
					return err
				}
				_, err = ins.ExecContext(ctx, r.ID, string(r.Kind), r.Name, string(r.Status), nullStr(r.ProviderID), r.Version, fmtTime(r.CreatedAt),
					fmtTime(r.UpdatedAt), verifiedArg(r), nullStr(r.ValidFrom), nullStr(r.ValidUntil), string(r.Doc), seq)
				if err != nil {
					return fmt.Errorf("insert entry %s: %w", r.ID, mapErr(err))
				}
				if err := writeLinks(ctx, tx, r); err != nil {
					return err
				}
				seqs = append(seqs, seq)
			}
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

// nextSeq takes the next change number inside a write transaction.
func nextSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var seq int64
	if err := tx.QueryRowContext(ctx, `UPDATE change_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("next change number: %w", err)
	}
	return seq, nil
}

func writeLinks(ctx context.Context, tx *sql.Tx, r catalogue.Record) error {
	for _, d := range r.Districts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO entry_districts (entry_id, district_id) VALUES (?, ?)`, r.ID, d); err != nil {
			return fmt.Errorf("link district %s: %w", d, mapErr(err))
		}
	}
	for _, h := range r.HelpKinds {
		if _, err := tx.ExecContext(ctx, `INSERT INTO entry_help_kinds (entry_id, code) VALUES (?, ?)`, r.ID, h); err != nil {
			return fmt.Errorf("link help kind %s: %w", h, mapErr(err))
		}
	}
	return nil
}

// EraseEntry deletes an entry and its links for good and takes a change
// number for it; then it checkpoints the write-ahead log, so that the old
// pages are gone from it too (secure_delete zeroes them in the database).
func (db *DB) EraseEntry(ctx context.Context, k catalogue.Kind, id string, audit *catalogue.AuditEvent) (int64, error) {
	var seq int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE id = ? AND kind = ?`, id, string(k))
		if err != nil {
			return fmt.Errorf("erase entry %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return catalogue.ErrNotFound
		}
		if seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO erasures (id, seq) VALUES (?, ?)`, id, seq); err != nil {
			return fmt.Errorf("tombstone of %s: %w", id, err)
		}
		// The person's referrals stay for the figures, as anonymous stubs.
		if err := anonymiseReferrals(ctx, tx, `entry_id = ?`, id); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		return 0, err
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return seq, fmt.Errorf("checkpoint after erasing %s: %w", id, err)
	}
	return seq, nil
}

// Entry reads one entry of kind k.
func (db *DB) Entry(ctx context.Context, k catalogue.Kind, id string) (catalogue.Record, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.id = ? AND e.kind = ?`, id, string(k))
	r, err := scanEntry(row)
	if errors.Is(err, sql.ErrNoRows) {
		return r, catalogue.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read entry %s: %w", id, err)
	}
	return r, nil
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

// replaceIn replaces an entry inside a write transaction if it is still at
// version expected, with its links, and returns the change number it took.
func replaceIn(ctx context.Context, tx *sql.Tx, r catalogue.Record, expected int64) (int64, error) {
	seq, err := nextSeq(ctx, tx)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE entries SET name = ?, status = ?, provider_id = ?, version = ?, updated_at = ?,
			verified_at = ?, valid_from = ?, valid_until = ?, doc = ?, seq = ? WHERE id = ? AND kind = ? AND version = ?`,
		r.Name, string(r.Status), nullStr(r.ProviderID), r.Version, fmtTime(r.UpdatedAt), verifiedArg(r),
		nullStr(r.ValidFrom), nullStr(r.ValidUntil), string(r.Doc), seq, r.ID, string(r.Kind), expected)
	if err != nil {
		return 0, fmt.Errorf("update entry %s: %w", r.ID, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var v int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM entries WHERE id = ? AND kind = ?`, r.ID, string(r.Kind)).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("update entry %s: %w", r.ID, catalogue.ErrNotFound)
		}
		if err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("%s is at version %d, not %d: %w", r.ID, v, expected, catalogue.ErrVersionMismatch)
	}
	for _, q := range []string{`DELETE FROM entry_districts WHERE entry_id = ?`, `DELETE FROM entry_help_kinds WHERE entry_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, r.ID); err != nil {
			return 0, err
		}
	}
	return seq, writeLinks(ctx, tx, r)
}

// where builds a WHERE clause from conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds the condition template, whose %s stands for the placeholders
// of vals ("district_id IN (%s)").
func (w *where) in(template string, vals []string) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	w.add(fmt.Sprintf(template, placeholders(len(args))), args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// ListEntries lists entries matching f, ordered by name, with the total.
func (db *DB) ListEntries(ctx context.Context, f catalogue.EntryFilter) ([]catalogue.Record, int, error) {
	var w where
	w.add("e.kind = ?", string(f.Kind))
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, s := range f.Statuses {
			args[i] = string(s)
		}
		w.add("e.status IN ("+placeholders(len(args))+")", args...)
	}
	if f.District != "" {
		w.add("EXISTS (SELECT 1 FROM entry_districts d WHERE d.entry_id = e.id AND d.district_id = ?)", f.District)
	}
	if f.HelpKind != "" {
		w.add("EXISTS (SELECT 1 FROM entry_help_kinds h WHERE h.entry_id = e.id AND h.code = ?)", f.HelpKind)
	}
	if len(f.AnyDistrict) > 0 {
		w.in("EXISTS (SELECT 1 FROM entry_districts d WHERE d.entry_id = e.id AND d.district_id IN (%s))", f.AnyDistrict)
	}
	if f.ProviderID != "" {
		w.add("e.provider_id = ?", f.ProviderID)
	}
	if f.AwaitingApproval {
		// Few offers are approved with a change waiting; the document says
		// which, so no column is kept for it.
		// In the words of the partial index entries_awaiting, so that the
		// planner reads that index instead of every offer's document.
		w.add(`e.rowid IN (SELECT rowid FROM entries WHERE kind = ? AND (status = 'submitted' OR
			(status = 'approved' AND json_extract(doc, '$.pending_change') IS NOT NULL)))`, string(f.Kind))
	}
	if f.CurrentOn != "" {
		w.add("(e.valid_from IS NULL OR e.valid_from <= ?) AND (e.valid_until IS NULL OR e.valid_until >= ?)", f.CurrentOn, f.CurrentOn)
	}
	return db.listEntries(ctx, w, "e.name, e.id", f.Page)
}

func (db *DB) listEntries(ctx context.Context, w where, order string, pg catalogue.Page) ([]catalogue.Record, int, error) {
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM entries e`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count entries: %w", err)
	}
	args := append(append([]any{}, w.args...), pg.Limit, pg.Offset)
	// The page is chosen from the indexes alone; only its rows are read
	// whole (documents, district links).
	rows, err := db.r.QueryContext(ctx, `SELECT `+entryColumns+` FROM (SELECT e.rowid AS rid FROM entries e`+w.sql()+` ORDER BY `+order+
		` LIMIT ? OFFSET ?) page JOIN entries e ON e.rowid = page.rid ORDER BY `+order, args...)
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

// ReviewQueue lists entries due for review, the longest unverified first.
func (db *DB) ReviewQueue(ctx context.Context, q catalogue.ReviewQuery) ([]catalogue.Record, int, error) {
	var w where
	w.add("e.status <> 'archived'")
	// Each reason by its own index, not one scan of every entry.
	w.add(`e.rowid IN (SELECT rowid FROM entries WHERE verified_at IS NULL UNION SELECT rowid FROM entries INDEXED BY entries_verified WHERE verified_at < ?
		UNION SELECT rowid FROM entries WHERE kind = 'offer' AND valid_until IS NOT NULL AND valid_until < ?)`, fmtTime(q.VerifiedBefore), q.Today)
	if q.Kind != "" {
		w.add("e.kind = ?", string(q.Kind))
	}
	if q.District != "" {
		w.add("EXISTS (SELECT 1 FROM entry_districts d WHERE d.entry_id = e.id AND d.district_id = ?)", q.District)
	}
	return db.listEntries(ctx, w, "e.verified_at IS NOT NULL, e.verified_at, e.name, e.id", q.Page)
}

// Fingerprint is the number of entries and the last change number: enough
// for the search index to tell whether it has seen every change.
func (db *DB) Fingerprint(ctx context.Context) (count int, seq int64, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM entries), (SELECT seq FROM change_seq WHERE id = 1)`).Scan(&count, &seq)
	if err != nil {
		return 0, 0, fmt.Errorf("fingerprint: %w", err)
	}
	return count, seq, nil
}

// EachEntry calls fn for every entry, archived ones included, in id order,
// reading in pages so that no transaction stays open for long.
// EntryNames calls fn with the id and name of every entry of kind k.
func (db *DB) EntryNames(ctx context.Context, k catalogue.Kind, fn func(id, name string) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name FROM entries WHERE kind = ?`, string(k))
	if err != nil {
		return fmt.Errorf("entry names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("entry names: %w", err)
		}
		if err := fn(id, name); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EntriesByID calls fn for each entry of kind k among ids, in no order;
// ids that name none are skipped.
func (db *DB) EntriesByID(ctx context.Context, k catalogue.Kind, ids []string, fn func(catalogue.Record) error) error {
	const batch = 500 // well below SQLite's limit of bound parameters
	for len(ids) > 0 {
		n := min(batch, len(ids))
		args := make([]any, 0, n+1)
		args = append(args, string(k))
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ids = ids[n:]
		rows, err := db.r.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.kind = ? AND e.id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("entries by id: %w", err)
		}
		for rows.Next() {
			r, err := scanEntry(rows)
			if err == nil {
				err = fn(r)
			}
			if err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("entries by id: %w", err)
		}
	}
	return nil
}

func (db *DB) EachEntry(ctx context.Context, fn func(catalogue.Record) error) error {
	return db.pages(ctx, "e.id", "", func(r catalogue.Record) any { return r.ID }, fn)
}

// ChangesSince calls fn for every entry written after change number seq,
// in change order, and returns the ids erased after it: what a derived
// view that applied seq has missed.
func (db *DB) ChangesSince(ctx context.Context, seq int64, fn func(catalogue.Record) error) (erased []string, err error) {
	if err := db.pages(ctx, "e.seq", seq, func(r catalogue.Record) any { return r.Seq }, fn); err != nil {
		return nil, fmt.Errorf("changes since %d: %w", seq, err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM erasures WHERE seq > ? ORDER BY seq`, seq)
	if err != nil {
		return nil, fmt.Errorf("erasures since %d: %w", seq, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		erased = append(erased, id)
	}
	return erased, rows.Err()
}

// pages calls fn for every entry whose key (a unique, indexed column)
// comes after after, in key order, 2,000 at a time.
func (db *DB) pages(ctx context.Context, key string, after any, keyOf func(catalogue.Record) any, fn func(catalogue.Record) error) error {
	for {
		rows, err := db.r.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries e WHERE `+key+` > ? ORDER BY `+key+` LIMIT 2000`, after)
		if err != nil {
			return fmt.Errorf("scan entries: %w", err)
		}
		var page []catalogue.Record
		for rows.Next() {
			r, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		after = keyOf(page[len(page)-1])
	}
}

// CountEntries counts all entries, archived ones included.
func (db *DB) CountEntries(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM entries`).Scan(&n)
	return n, err
}

// ChangesAfter returns at most limit changes after change number seq, in
// change order, read in one transaction (one snapshot of the WAL).
func (db *DB) ChangesAfter(ctx context.Context, seq int64, limit int) ([]catalogue.Change, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("changes after %d: %w", seq, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries e WHERE e.seq > ? ORDER BY e.seq LIMIT ?`, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("changes after %d: %w", seq, err)
	}
	var written []catalogue.Record
	for rows.Next() {
		r, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("changes after %d: %w", seq, err)
		}
		written = append(written, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes after %d: %w", seq, err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, seq FROM erasures WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("erasures after %d: %w", seq, err)
	}
	defer rows.Close()
	var erased []catalogue.Change
	for rows.Next() {
		var c catalogue.Change
		if err := rows.Scan(&c.Erased, &c.Seq); err != nil {
			return nil, fmt.Errorf("erasures after %d: %w", seq, err)
		}
		erased = append(erased, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("erasures after %d: %w", seq, err)
	}
	return catalogue.MergeChanges(written, erased, limit), nil
}
