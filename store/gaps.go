package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"massanzug/catalogue"
	"massanzug/gap"
)

var _ gap.Store = (*DB)(nil)

// CreateGap stores a new gap.
func (db *DB) CreateGap(ctx context.Context, g *gap.Gap) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gaps (id, version, district_id, status, created_at, closed_on, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.Version, g.District, string(g.Status), fmtTime(g.CreatedAt), nullStr(g.ClosedOn), string(doc))
		if err != nil {
			return fmt.Errorf("insert gap: %w", mapErr(err))
		}
		return nil
	})
}

// Gap reads one gap.
func (db *DB) Gap(ctx context.Context, id string) (*gap.Gap, error) {
	var doc string
	err := db.r.QueryRowContext(ctx, `SELECT doc FROM gaps WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, catalogue.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read gap: %w", err)
	}
	g := &gap.Gap{}
	return g, json.Unmarshal([]byte(doc), g)
}

// UpdateGap replaces a gap at version expected.
func (db *DB) UpdateGap(ctx context.Context, g *gap.Gap, expected int64) error {
	doc, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE gaps SET version = ?, status = ?, closed_on = ?, doc = ? WHERE id = ? AND version = ?`,
			g.Version, string(g.Status), nullStr(g.ClosedOn), string(doc), g.ID, expected)
		if err != nil {
			return fmt.Errorf("update gap: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("gap %s changed meanwhile: %w", g.ID, catalogue.ErrVersionMismatch)
		}
		return nil
	})
}

// ListGaps lists gaps newest first, with the total.
func (db *DB) ListGaps(ctx context.Context, f gap.Filter) ([]*gap.Gap, int, error) {
	var w where
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.District != "" {
		w.add("district_id = ?", f.District)
	}
	if len(f.Districts) > 0 {
		w.in("district_id IN (%s)", f.Districts)
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM gaps`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count gaps: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT doc FROM gaps`+w.sql()+` ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list gaps: %w", err)
	}
	defer rows.Close()
	out := []*gap.Gap{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, 0, err
		}
		g := &gap.Gap{}
		if err := json.Unmarshal([]byte(doc), g); err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, rows.Err()
}

// GapCounts counts per district the gaps open on day and those closed in
// [from, day].
func (db *DB) GapCounts(ctx context.Context, from, day string) (open, closed map[string]int, err error) {
	if open, err = countMap(ctx, db.r, `SELECT district_id, COUNT(*) FROM gaps WHERE substr(created_at, 1, 10) <= ? AND (closed_on IS NULL OR closed_on > ?) GROUP BY district_id`, day, day); err != nil {
		return nil, nil, err
	}
	closed, err = countMap(ctx, db.r, `SELECT district_id, COUNT(*) FROM gaps WHERE closed_on >= ? AND closed_on <= ? GROUP BY district_id`, from, day)
	return open, closed, err
}
