package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"massanzug/catalogue"
	"massanzug/referral"
	"massanzug/report"
)

var _ report.Store = (*DB)(nil)

// EachEntryFact calls fn for every entry, archived ones too, with what
// the figures count and without the document, in id order.
func (db *DB) EachEntryFact(ctx context.Context, fn func(catalogue.Record) error) error {
	return byID(ctx, db.r, `SELECT e.id, e.kind, e.status, e.verified_at, COALESCE(e.valid_until, ''), e.seq,
		COALESCE((SELECT group_concat(district_id, ',') FROM entry_districts WHERE entry_id = e.id), ''),
		COALESCE((SELECT group_concat(code, ',') FROM entry_help_kinds WHERE entry_id = e.id), '')
		FROM entries e INDEXED BY entries_facts WHERE e.id > ? ORDER BY e.id LIMIT ?`,
		func(rows *sql.Rows) (catalogue.Record, string, error) {
			var r catalogue.Record
			var verified sql.NullString
			var districts, helpKinds string
			if err := rows.Scan(&r.ID, &r.Kind, &r.Status, &verified, &r.ValidUntil, &r.Seq, &districts, &helpKinds); err != nil {
				return r, "", fmt.Errorf("entry facts: %w", err)
			}
			if verified.Valid {
				t, err := parseTime(verified.String)
				if err != nil {
					return r, "", err
				}
				r.VerifiedAt = &t
			}
			r.Districts, r.HelpKinds = splitList(districts), splitList(helpKinds)
			return r, r.ID, nil
		}, fn)
}

// EachReferralRow calls fn for every referral, in id order.
func (db *DB) EachReferralRow(ctx context.Context, fn func(report.ReferralRow) error) error {
	return byID(ctx, db.r, `SELECT id, version, district_id, department, status, COALESCE(outcome, ''), substr(created_at, 1, 10),
		COALESCE(active_since, ''), COALESCE(ended_on, ''), COALESCE(monthly_cost, 0) FROM referrals INDEXED BY referrals_facts
		WHERE id > ? ORDER BY id LIMIT ?`,
		func(rows *sql.Rows) (report.ReferralRow, string, error) {
			var r report.ReferralRow
			var status, outcome string
			if err := rows.Scan(&r.ID, &r.Version, &r.District, &r.Department, &status, &outcome, &r.CreatedOn, &r.ActiveSince, &r.EndedOn, &r.MonthlyCost); err != nil {
				return r, "", fmt.Errorf("referral rows: %w", err)
			}
			r.Status, r.Outcome = referral.Status(status), referral.Outcome(outcome)
			return r, r.ID, nil
		}, fn)
}

// readPage is how many rows byID reads at a time (a variable for the
// test of page boundaries).
var readPage = 5000

// byID calls fn for every row of query (which takes the last id seen and
// a page size), a page at a time: each page is read and closed before fn
// sees its rows, so that fn may take as long as it likes without holding
// a read open.
func byID[T any](ctx context.Context, q *sql.DB, query string, scan func(*sql.Rows) (T, string, error), fn func(T) error) error {
	pageSize := readPage
	after := ""
	for {
		rows, err := q.QueryContext(ctx, query, after, pageSize)
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
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read by id: %w", err)
		}
		for _, v := range page {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = last
	}
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
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
