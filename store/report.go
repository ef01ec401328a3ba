package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"massanzug/referral"
	"massanzug/report"
)

var _ report.Store = (*DB)(nil)

// EntryCounts counts entries that are not archived per district, kind and
// status, and for the city ("").
func (db *DB) EntryCounts(ctx context.Context) ([]report.EntryCount, error) {
	rows, err := db.r.QueryContext(ctx, `
		SELECT d.district_id, e.kind, e.status, COUNT(*) FROM entry_districts d JOIN entries e INDEXED BY entries_report ON e.id = d.entry_id
		WHERE e.status <> 'archived' GROUP BY d.district_id, e.kind, e.status
		UNION ALL
		SELECT '', kind, status, COUNT(*) FROM entries WHERE status <> 'archived' GROUP BY kind, status`)
	if err != nil {
		return nil, fmt.Errorf("count entries: %w", err)
	}
	defer rows.Close()
	var out []report.EntryCount
	for rows.Next() {
		var c report.EntryCount
		if err := rows.Scan(&c.District, &c.Kind, &c.Status, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// HelpKindCounts counts entries that are not archived per district and
// kind of help, and for the city ("").
func (db *DB) HelpKindCounts(ctx context.Context) ([]report.HelpKindCount, error) {
	rows, err := db.r.QueryContext(ctx, `
		SELECT d.district_id, h.code, COUNT(*) FROM entry_districts d JOIN entries e INDEXED BY entries_report ON e.id = d.entry_id
		JOIN entry_help_kinds h ON h.entry_id = d.entry_id WHERE e.status <> 'archived' GROUP BY d.district_id, h.code
		UNION ALL
		SELECT '', h.code, COUNT(*) FROM entry_help_kinds h JOIN entries e INDEXED BY entries_report ON e.id = h.entry_id
		WHERE e.status <> 'archived' GROUP BY h.code`)
	if err != nil {
		return nil, fmt.Errorf("count help kinds: %w", err)
	}
	defer rows.Close()
	var out []report.HelpKindCount
	for rows.Next() {
		var c report.HelpKindCount
		if err := rows.Scan(&c.District, &c.HelpKind, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DueForReview counts entries due for review as the review queue selects
// them, per district and for the city ("").
func (db *DB) DueForReview(ctx context.Context, verifiedBefore time.Time, today string) (map[string]int, error) {
	const due = `e.status <> 'archived' AND (e.verified_at IS NULL OR e.verified_at < ? OR (e.kind = 'offer' AND e.valid_until < ?))`
	return countMap(ctx, db.r, `
		SELECT d.district_id, COUNT(*) FROM entry_districts d JOIN entries e INDEXED BY entries_report ON e.id = d.entry_id WHERE `+due+` GROUP BY d.district_id
		UNION ALL
		SELECT '', COUNT(*) FROM entries e INDEXED BY entries_report WHERE `+due, fmtTime(verifiedBefore), today, fmtTime(verifiedBefore), today)
}

// ReferralRows returns the referrals created on or before to and not
// closed before from.
func (db *DB) ReferralRows(ctx context.Context, from, to string) ([]report.ReferralRow, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT district_id, department, status, COALESCE(outcome, ''), substr(created_at, 1, 10),
		COALESCE(active_since, ''), COALESCE(ended_on, ''), COALESCE(monthly_cost, 0) FROM referrals INDEXED BY referrals_report
		WHERE substr(created_at, 1, 10) <= ? AND (ended_on IS NULL OR ended_on >= ?)`, to, from)
	if err != nil {
		return nil, fmt.Errorf("referral rows: %w", err)
	}
	defer rows.Close()
	var out []report.ReferralRow
	for rows.Next() {
		var r report.ReferralRow
		var status, outcome string
		if err := rows.Scan(&r.District, &r.Department, &status, &outcome, &r.CreatedOn, &r.ActiveSince, &r.EndedOn, &r.MonthlyCost); err != nil {
			return nil, err
		}
		r.Status, r.Outcome = referral.Status(status), referral.Outcome(outcome)
		out = append(out, r)
	}
	return out, rows.Err()
}

// UnmetCounts sums unmet needs per district over [fromMonth, toMonth].
func (db *DB) UnmetCounts(ctx context.Context, fromMonth, toMonth string) (map[string]int, error) {
	return countMap(ctx, db.r, `SELECT district_id, SUM(count) FROM unmet_needs WHERE month >= ? AND month <= ? GROUP BY district_id`, fromMonth, toMonth)
}

func countMap(ctx context.Context, q *sql.DB, query string, args ...any) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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
