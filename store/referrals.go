package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"massanzug/catalogue"
	"massanzug/referral"
)

var _ referral.Store = (*DB)(nil)

// openStatuses are the statuses that hold a place, as SQL.
var openStatuses = func() string {
	var in []string
	for _, s := range referral.Statuses {
		if s.Open() {
			in = append(in, "'"+string(s)+"'")
		}
	}
	return "(" + strings.Join(in, ",") + ")"
}()

// CreateReferrals stores rs and the audit event in one transaction, and
// inside it keeps every entry of limits within its places.
func (db *DB) CreateReferrals(ctx context.Context, rs []*referral.Referral, limits map[string]int, audit *catalogue.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rs {
			if err := insertReferral(ctx, tx, r); err != nil {
				return err
			}
		}
		for id, limit := range limits {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals WHERE entry_id = ? AND status IN `+openStatuses, id).Scan(&n); err != nil {
				return fmt.Errorf("count open referrals of %s: %w", id, err)
			}
			if n > limit {
				return fmt.Errorf("%w: %s has no free place left (places beside its other commitments: %d; open referrals with this one: %d)", referral.ErrNoPlace, id, limit, n)
			}
		}
		return insertAudit(ctx, tx, audit)
	})
}

func insertReferral(ctx context.Context, tx *sql.Tx, r *referral.Referral) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO referrals (id, version, case_ref, entry_id, provider_id, district_id, department,
		case_manager, status, created_at, updated_at, active_since, ended_on, next_follow_up, outcome, monthly_cost, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Version, r.CaseRef, r.Entry.ID, nullStr(r.ProviderID), r.District, r.Department, r.CaseManager.ID, string(r.Status),
		fmtTime(r.CreatedAt), fmtTime(r.UpdatedAt), nullStr(r.ActiveSince), nullStr(r.EndedOn), nullStr(r.NextFollowUp),
		nullStr(string(r.Outcome)), monthlyCost(r), string(doc))
	if err != nil {
		return fmt.Errorf("insert referral %s: %w", r.ID, mapErr(err))
	}
	return nil
}

func monthlyCost(r *referral.Referral) any {
	if r.Replaces == nil {
		return nil
	}
	return r.Replaces.MonthlyCost
}

// Referral returns one referral.
func (db *DB) Referral(ctx context.Context, id string) (*referral.Referral, error) {
	var doc string
	err := db.r.QueryRowContext(ctx, `SELECT doc FROM referrals WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, catalogue.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read referral: %w", err)
	}
	return decodeReferral(doc)
}

func decodeReferral(doc string) (*referral.Referral, error) {
	r := &referral.Referral{}
	if err := json.Unmarshal([]byte(doc), r); err != nil {
		return nil, fmt.Errorf("decode referral: %w", err)
	}
	return r, nil
}

// UpdateReferral replaces r at version expected, with the audit event.
func (db *DB) UpdateReferral(ctx context.Context, r *referral.Referral, expected int64, audit *catalogue.AuditEvent) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE referrals SET version = ?, status = ?, updated_at = ?, active_since = ?, ended_on = ?,
			next_follow_up = ?, outcome = ?, monthly_cost = ?, case_ref = ?, doc = ? WHERE id = ? AND version = ?`, r.Version, string(r.Status),
			fmtTime(r.UpdatedAt), nullStr(r.ActiveSince), nullStr(r.EndedOn), nullStr(r.NextFollowUp), nullStr(string(r.Outcome)), monthlyCost(r),
			r.CaseRef, string(doc), r.ID, expected)
		if err != nil {
			return fmt.Errorf("update referral: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int64
			err := tx.QueryRowContext(ctx, `SELECT version FROM referrals WHERE id = ?`, r.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return catalogue.ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("stored version %d, expected %d: %w", v, expected, catalogue.ErrVersionMismatch)
		}
		return insertAudit(ctx, tx, audit)
	})
}

// ListReferrals lists the referrals f selects, newest first, with the total.
func (db *DB) ListReferrals(ctx context.Context, f referral.Filter) ([]*referral.Referral, int, error) {
	var w where
	for _, c := range []struct{ col, v string }{{"case_manager", f.CaseManager}, {"provider_id", f.ProviderID},
		{"status", string(f.Status)}, {"entry_id", f.EntryID}, {"case_ref", f.CaseRef}, {"district_id", f.District}} {
		if c.v != "" {
			w.add(c.col+" = ?", c.v)
		}
	}
	if f.NotProposed {
		w.add("status <> ?", string(referral.Proposed))
	}
	if len(f.Districts) > 0 {
		w.in("district_id IN (%s)", f.Districts)
	}
	order := "created_at DESC, id"
	if f.DueBy != "" {
		w.add("next_follow_up IS NOT NULL AND next_follow_up <= ?", f.DueBy)
		order = "next_follow_up, id"
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count referrals: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT doc FROM referrals`+w.sql()+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list referrals: %w", err)
	}
	out, err := scanReferrals(rows)
	return out, total, err
}

// scanReferrals decodes the documents rows hold, and closes rows.
func scanReferrals(rows *sql.Rows) ([]*referral.Referral, error) {
	defer rows.Close()
	out := []*referral.Referral{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		r, err := decodeReferral(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OpenReferrals counts the open referrals per entry, of the entries
// given or of all.
func (db *DB) OpenReferrals(ctx context.Context, entryIDs ...string) (map[string]int, error) {
	var w where
	w.add("status IN " + openStatuses)
	if len(entryIDs) > 0 {
		w.in("entry_id IN (%s)", entryIDs)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT entry_id, COUNT(*) FROM referrals`+w.sql()+` GROUP BY entry_id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("open referrals: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// ReferralsChangedAfter returns the referrals written after change number
// seq, in change order, and the last change number, in one read
// transaction.
func (db *DB) ReferralsChangedAfter(ctx context.Context, seq int64) ([]*referral.Referral, int64, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("referrals changed after %d: %w", seq, err)
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM referral_seq WHERE id = 1`).Scan(&last); err != nil {
		return nil, 0, fmt.Errorf("referral change number: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM referrals WHERE seq > ? ORDER BY seq`, seq)
	if err != nil {
		return nil, 0, fmt.Errorf("referrals changed after %d: %w", seq, err)
	}
	out, err := scanReferrals(rows)
	return out, last, err
}

// anonymiseReferrals anonymises the referrals cond selects, inside tx, and
// returns nothing personal of them to anyone: the old documents' pages are
// overwritten (secure_delete).
func anonymiseReferrals(ctx context.Context, tx *sql.Tx, cond string, args ...any) error {
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM referrals WHERE `+cond, args...)
	if err != nil {
		return fmt.Errorf("referrals to anonymise: %w", err)
	}
	var rs []*referral.Referral
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			rows.Close()
			return err
		}
		r, err := decodeReferral(doc)
		if err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range rs {
		referral.Anonymise(r)
		r.Version++
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE referrals SET case_ref = ?, version = ?, doc = ? WHERE id = ?`, r.CaseRef, r.Version, string(doc), r.ID); err != nil {
			return fmt.Errorf("anonymise referral %s: %w", r.ID, err)
		}
	}
	return nil
}

// AnonymiseReferrals anonymises the referrals closed (ended, declined,
// withdrawn) before day that are not yet, with the audit event, and
// returns their ids; with dryRun it only lists them.
func (db *DB) AnonymiseReferrals(ctx context.Context, before string, dryRun bool, audit func(ids []string) *catalogue.AuditEvent) ([]string, error) {
	const cond = `ended_on IS NOT NULL AND ended_on < ? AND case_ref <> '` + referral.Anonymised + `'`
	var ids []string
	list := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) error {
		ids = nil
		rows, err := q.QueryContext(ctx, `SELECT id FROM referrals WHERE `+cond+` ORDER BY ended_on, id`, before)
		if err != nil {
			return fmt.Errorf("referrals past retention: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}
	if dryRun {
		return ids, list(db.r)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := list(tx); err != nil || len(ids) == 0 {
			return err
		}
		if err := anonymiseReferrals(ctx, tx, cond, before); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit(ids))
	})
	return ids, err
}

// Engagement counts the referrals of an entry by status and outcome, and
// the day the newest of them became active.
func (db *DB) Engagement(ctx context.Context, entryID string) (referral.Engagement, error) {
	g := referral.Engagement{EntryID: entryID, Ended: map[referral.Outcome]int{}}
	rows, err := db.r.QueryContext(ctx, `SELECT status, COALESCE(outcome, ''), COUNT(*), COALESCE(MAX(active_since), '')
		FROM referrals WHERE entry_id = ? GROUP BY status, outcome`, entryID)
	if err != nil {
		return g, fmt.Errorf("engagement of %s: %w", entryID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, outcome, last string
		var n int
		if err := rows.Scan(&status, &outcome, &n, &last); err != nil {
			return g, err
		}
		g.Add(referral.Status(status), referral.Outcome(outcome), n, last)
	}
	return g, rows.Err()
}
