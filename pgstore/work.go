package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"massanzug/catalogue"
	"massanzug/gap"
	"massanzug/referral"
	"massanzug/report"
)

var (
	_ referral.Store = (*DB)(nil)
	_ gap.Store      = (*DB)(nil)
	_ report.Store   = (*DB)(nil)
)

// openStatuses are the statuses that hold a place.
var openStatuses = func() []string {
	var out []string
	for _, s := range referral.Statuses {
		if s.Open() {
			out = append(out, string(s))
		}
	}
	return out
}()

// CreateReferrals stores rs and the audit event in one transaction and
// keeps every entry of limits within its places. Each such entry's row is
// locked first: two instances giving the last place at once wait for
// each other, and the second finds it taken.
func (db *DB) CreateReferrals(ctx context.Context, rs []*referral.Referral, limits map[string]int, audit *catalogue.AuditEvent) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		ids := make([]string, 0, len(limits))
		for id := range limits {
			ids = append(ids, id)
		}
		// In id order, so that two transactions never wait for each other
		// the other way round.
		if _, err := tx.Exec(ctx, `SELECT id FROM entries WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids); err != nil {
			return fmt.Errorf("lock the entries referred to: %w", err)
		}
		for _, r := range rs {
			if err := insertReferral(ctx, tx, r); err != nil {
				return err
			}
		}
		for id, limit := range limits {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM referrals WHERE entry_id = $1 AND status = ANY($2)`, id, openStatuses).Scan(&n); err != nil {
				return fmt.Errorf("count open referrals of %s: %w", id, err)
			}
			if n > limit {
				return fmt.Errorf("%w: %s has no free place left (places beside its other commitments: %d; open referrals with this one: %d)", referral.ErrNoPlace, id, limit, n)
			}
		}
		return insertAudit(ctx, tx, audit)
	})
}

func monthlyCost(r *referral.Referral) any {
	if r.Replaces == nil {
		return nil
	}
	return r.Replaces.MonthlyCost
}

func insertReferral(ctx context.Context, tx pgx.Tx, r *referral.Referral) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO referrals (id, version, case_ref, entry_id, provider_id, district_id, department,
		case_manager, status, created_at, updated_at, active_since, ended_on, next_follow_up, outcome, monthly_cost, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		r.ID, r.Version, r.CaseRef, r.Entry.ID, nullStr(r.ProviderID), r.District, r.Department, r.CaseManager.ID, string(r.Status),
		r.CreatedAt, r.UpdatedAt, nullStr(r.ActiveSince), nullStr(r.EndedOn), nullStr(r.NextFollowUp),
		nullStr(string(r.Outcome)), monthlyCost(r), doc)
	if err != nil {
		return fmt.Errorf("insert referral %s: %w", r.ID, mapErr(err))
	}
	return nil
}

// Referral reads one referral.
func (db *DB) Referral(ctx context.Context, id string) (*referral.Referral, error) {
	var doc []byte
	err := db.pool.QueryRow(ctx, `SELECT doc FROM referrals WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, catalogue.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read referral: %w", err)
	}
	return decodeReferral(doc)
}

func decodeReferral(doc []byte) (*referral.Referral, error) {
	r := &referral.Referral{}
	if err := json.Unmarshal(doc, r); err != nil {
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
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE referrals SET version = $1, status = $2, updated_at = $3, active_since = $4, ended_on = $5,
			next_follow_up = $6, outcome = $7, monthly_cost = $8, case_ref = $9, doc = $10 WHERE id = $11 AND version = $12`, r.Version, string(r.Status),
			r.UpdatedAt, nullStr(r.ActiveSince), nullStr(r.EndedOn), nullStr(r.NextFollowUp), nullStr(string(r.Outcome)), monthlyCost(r),
			r.CaseRef, doc, r.ID, expected)
		if err != nil {
			return fmt.Errorf("update referral: %w", mapErr(err))
		}
		if tag.RowsAffected() == 0 {
			var v int64
			err := tx.QueryRow(ctx, `SELECT version FROM referrals WHERE id = $1`, r.ID).Scan(&v)
			if errors.Is(err, pgx.ErrNoRows) {
				return catalogue.ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: referral %s is at version %d", catalogue.ErrVersionMismatch, r.ID, v)
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
		w.add("district_id = ANY(?)", f.Districts)
	}
	order := " ORDER BY created_at DESC, id"
	if f.DueBy != "" {
		w.add("next_follow_up IS NOT NULL AND next_follow_up <= ?", f.DueBy)
		order = " ORDER BY next_follow_up, id"
	}
	var total int
	if err := db.pool.QueryRow(ctx, w.sql(`SELECT COUNT(*) FROM referrals`, ""), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count referrals: %w", err)
	}
	q, args := w.page(`SELECT doc FROM referrals`, order, f.Page)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list referrals: %w", err)
	}
	defer rows.Close()
	out := []*referral.Referral{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, 0, err
		}
		r, err := decodeReferral(doc)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// OpenReferrals counts the open referrals per entry, of the entries
// given or of all.
func (db *DB) OpenReferrals(ctx context.Context, entryIDs ...string) (map[string]int, error) {
	if len(entryIDs) > 0 {
		return db.countMap(ctx, `SELECT entry_id, COUNT(*) FROM referrals WHERE status = ANY($1) AND entry_id = ANY($2) GROUP BY entry_id`, openStatuses, entryIDs)
	}
	return db.countMap(ctx, `SELECT entry_id, COUNT(*) FROM referrals WHERE status = ANY($1) GROUP BY entry_id`, openStatuses)
}

// ReferralsChangedAfter returns the referrals written after change number
// seq, in change order, and the last change number, in one snapshot.
func (db *DB) ReferralsChangedAfter(ctx context.Context, seq int64) (out []*referral.Referral, last int64, err error) {
	err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT seq FROM referral_seq WHERE id = 1`).Scan(&last); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT doc FROM referrals WHERE seq > $1 ORDER BY seq`, seq)
		if err != nil {
			return err
		}
		docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return err
		}
		for _, doc := range docs {
			r, err := decodeReferral(doc)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("referrals changed after %d: %w", seq, err)
	}
	return out, last, nil
}

// anonymiseReferrals anonymises the referrals cond selects, inside tx.
func anonymiseReferrals(ctx context.Context, tx pgx.Tx, cond string, args ...any) error {
	rows, err := tx.Query(ctx, `SELECT doc FROM referrals WHERE `+cond+` FOR UPDATE`, args...)
	if err != nil {
		return fmt.Errorf("referrals to anonymise: %w", err)
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return fmt.Errorf("referrals to anonymise: %w", err)
	}
	for _, doc := range docs {
		r, err := decodeReferral(doc)
		if err != nil {
			return err
		}
		referral.Anonymise(r)
		r.Version++
		next, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET case_ref = $1, version = $2, doc = $3 WHERE id = $4`, r.CaseRef, r.Version, next, r.ID); err != nil {
			return fmt.Errorf("anonymise referral %s: %w", r.ID, err)
		}
	}
	return nil
}

// retentionLock is the advisory lock of the retention sweep.
const retentionLock = 0x6d7a7274 // "mzrt"

// AnonymiseReferrals anonymises the referrals closed before day that are
// not yet, with the audit event, and returns their ids; with dryRun it only
// lists them.
func (db *DB) AnonymiseReferrals(ctx context.Context, before string, dryRun bool, audit func(ids []string) *catalogue.AuditEvent) ([]string, error) {
	const cond = `ended_on IS NOT NULL AND ended_on < $1 AND case_ref <> '` + referral.Anonymised + `'`
	list := func(q interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}) ([]string, error) {
		rows, err := q.Query(ctx, `SELECT id FROM referrals WHERE `+cond+` ORDER BY ended_on, id`, before)
		if err != nil {
			return nil, fmt.Errorf("referrals past retention: %w", err)
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if dryRun {
		return list(db.pool)
	}
	var ids []string
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// Every instance runs the daily sweep; one at a time, so that the
		// second finds the first's work done instead of auditing it again.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, retentionLock); err != nil {
			return fmt.Errorf("retention lock: %w", err)
		}
		var err error
		if ids, err = list(tx); err != nil || len(ids) == 0 {
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
	rows, err := db.pool.Query(ctx, `SELECT status, COALESCE(outcome, ''), COUNT(*), COALESCE(MAX(active_since), '')
		FROM referrals WHERE entry_id = $1 GROUP BY status, outcome`, entryID)
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

// CreateGap stores a gap.
func (db *DB) CreateGap(ctx context.Context, g *gap.Gap) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO gaps (id, version, district_id, status, created_at, closed_on, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		g.ID, g.Version, g.District, string(g.Status), g.CreatedAt, nullStr(g.ClosedOn), doc)
	if err != nil {
		return fmt.Errorf("insert gap: %w", mapErr(err))
	}
	return nil
}

// Gap reads one gap.
func (db *DB) Gap(ctx context.Context, id string) (*gap.Gap, error) {
	var doc []byte
	err := db.pool.QueryRow(ctx, `SELECT doc FROM gaps WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, catalogue.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read gap: %w", err)
	}
	g := &gap.Gap{}
	return g, json.Unmarshal(doc, g)
}

// UpdateGap replaces a gap if it is still at version expected.
func (db *DB) UpdateGap(ctx context.Context, g *gap.Gap, expected int64) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE gaps SET version = $1, status = $2, closed_on = $3, doc = $4 WHERE id = $5 AND version = $6`,
		g.Version, string(g.Status), nullStr(g.ClosedOn), doc, g.ID, expected)
	if err != nil {
		return fmt.Errorf("update gap: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: gap %s changed meanwhile", catalogue.ErrVersionMismatch, g.ID)
	}
	return nil
}

// ListGaps lists gaps, newest first.
func (db *DB) ListGaps(ctx context.Context, f gap.Filter) ([]*gap.Gap, int, error) {
	var w where
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.District != "" {
		w.add("district_id = ?", f.District)
	}
	if len(f.Districts) > 0 {
		w.add("district_id = ANY(?)", f.Districts)
	}
	var total int
	if err := db.pool.QueryRow(ctx, w.sql(`SELECT COUNT(*) FROM gaps`, ""), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count gaps: %w", err)
	}
	q, args := w.page(`SELECT doc FROM gaps`, ` ORDER BY created_at DESC, id`, f.Page)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list gaps: %w", err)
	}
	defer rows.Close()
	out := []*gap.Gap{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, 0, err
		}
		g := &gap.Gap{}
		if err := json.Unmarshal(doc, g); err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, rows.Err()
}

// GapCounts counts per district the gaps open on day and those closed in
// [from, day].
func (db *DB) GapCounts(ctx context.Context, from, day string) (open, closed map[string]int, err error) {
	if open, err = db.countMap(ctx, `SELECT district_id, COUNT(*) FROM gaps WHERE to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') <= $1
		AND (closed_on IS NULL OR closed_on > $1) GROUP BY district_id`, day); err != nil {
		return nil, nil, err
	}
	closed, err = db.countMap(ctx, `SELECT district_id, COUNT(*) FROM gaps WHERE closed_on >= $1 AND closed_on <= $2 GROUP BY district_id`, from, day)
	return open, closed, err
}

// UnmetCounts sums the unmet needs per district in [fromMonth, toMonth].
func (db *DB) UnmetCounts(ctx context.Context, fromMonth, toMonth string) (map[string]int, error) {
	return db.countMap(ctx, `SELECT district_id, SUM(count)::bigint FROM unmet_needs WHERE month >= $1 AND month <= $2 GROUP BY district_id`, fromMonth, toMonth)
}

func (db *DB) countMap(ctx context.Context, query string, args ...any) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// readPage is how many rows the figures read at once.
const readPage = 5000

// EachEntryFact calls fn with what the figures count of every entry.
func (db *DB) EachEntryFact(ctx context.Context, fn func(catalogue.Record) error) error {
	return byID(ctx, db, `SELECT e.id, e.kind, e.status, e.verified_at, COALESCE(e.valid_until, ''), e.seq,
		COALESCE((SELECT string_agg(district_id, ',') FROM entry_districts WHERE entry_id = e.id), ''),
		COALESCE((SELECT string_agg(code, ',') FROM entry_help_kinds WHERE entry_id = e.id), '')
		FROM entries e WHERE e.id > $1 ORDER BY e.id LIMIT $2`,
		func(row pgx.Row) (catalogue.Record, string, error) {
			var r catalogue.Record
			var districts, helpKinds string
			if err := row.Scan(&r.ID, &r.Kind, &r.Status, &r.VerifiedAt, &r.ValidUntil, &r.Seq, &districts, &helpKinds); err != nil {
				return r, "", fmt.Errorf("entry facts: %w", err)
			}
			if r.VerifiedAt != nil {
				t := r.VerifiedAt.UTC()
				r.VerifiedAt = &t
			}
			r.Districts, r.HelpKinds = splitList(districts), splitList(helpKinds)
			return r, r.ID, nil
		}, fn)
}

// EachReferralRow calls fn with what the figures count of every referral.
func (db *DB) EachReferralRow(ctx context.Context, fn func(report.ReferralRow) error) error {
	return byID(ctx, db, `SELECT id, version, district_id, department, status, COALESCE(outcome, ''),
		to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), COALESCE(active_since, ''), COALESCE(ended_on, ''), COALESCE(monthly_cost, 0)
		FROM referrals WHERE id > $1 ORDER BY id LIMIT $2`,
		func(row pgx.Row) (report.ReferralRow, string, error) {
			var r report.ReferralRow
			var status, outcome string
			if err := row.Scan(&r.ID, &r.Version, &r.District, &r.Department, &status, &outcome, &r.CreatedOn, &r.ActiveSince, &r.EndedOn, &r.MonthlyCost); err != nil {
				return r, "", fmt.Errorf("referral rows: %w", err)
			}
			r.Status, r.Outcome = referral.Status(status), referral.Outcome(outcome)
			return r, r.ID, nil
		}, fn)
}

// byID reads a table page by page in id order, each page with a query of
// its own, so that no statement stays open while fn works.
func byID[T any](ctx context.Context, db *DB, query string, scan func(pgx.Row) (T, string, error), fn func(T) error) error {
	after := ""
	for {
		rows, err := db.pool.Query(ctx, query, after, readPage)
		if err != nil {
			return fmt.Errorf("read by id: %w", err)
		}
		var page []T
		var last string
		for rows.Next() {
			v, id, err := scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page, last = append(page, v), id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read by id: %w", err)
		}
		for _, v := range page {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(page) < readPage {
			return nil
		}
		after = last
	}
}
