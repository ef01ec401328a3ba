package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"massanzug/catalogue"
)

// CreateProvider inserts a provider.
func (db *DB) CreateProvider(ctx context.Context, p catalogue.Provider) error {
	doc, err := json.Marshal(p.ProviderInput)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO providers (id, name, status, version, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, string(p.Status), p.Version, fmtTime(p.CreatedAt), fmtTime(p.UpdatedAt), string(doc))
		if err != nil {
			return fmt.Errorf("insert provider: %w", mapErr(err))
		}
		return linkProviderDistricts(ctx, tx, p)
	})
}

func linkProviderDistricts(ctx context.Context, tx *sql.Tx, p catalogue.Provider) error {
	for _, d := range p.Districts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO provider_districts (provider_id, district_id) VALUES (?, ?)`, p.ID, d); err != nil {
			return fmt.Errorf("link district %s: %w", d, mapErr(err))
		}
	}
	return nil
}

const providerColumns = `id, status, version, created_at, updated_at, doc`

func scanProvider(sc interface{ Scan(...any) error }) (catalogue.Provider, error) {
	var p catalogue.Provider
	var created, updated, doc string
	if err := sc.Scan(&p.ID, &p.Status, &p.Version, &created, &updated, &doc); err != nil {
		return p, err
	}
	var err error
	if p.CreatedAt, err = parseTime(created); err != nil {
		return p, err
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(doc), &p.ProviderInput); err != nil {
		return p, fmt.Errorf("provider %s: %w", p.ID, err)
	}
	return p, nil
}

// Provider reads one provider.
func (db *DB) Provider(ctx context.Context, id string) (catalogue.Provider, error) {
	p, err := scanProvider(db.r.QueryRowContext(ctx, `SELECT `+providerColumns+` FROM providers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, catalogue.ErrNotFound
	}
	return p, err
}

// ProviderExists reports whether an active provider has this id.
func (db *DB) ProviderExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM providers WHERE id = ? AND status = 'active'`, id).Scan(&n)
	return n > 0, err
}

// ListProviders lists providers by name.
func (db *DB) ListProviders(ctx context.Context, f catalogue.ProviderFilter) ([]catalogue.Provider, int, error) {
	var w where
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, s := range f.Statuses {
			args[i] = string(s)
		}
		w.add("status IN ("+placeholders(len(args))+")", args...)
	}
	if f.District != "" {
		w.add("EXISTS (SELECT 1 FROM provider_districts d WHERE d.provider_id = providers.id AND d.district_id = ?)", f.District)
	}
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM providers`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count providers: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+providerColumns+` FROM providers`+w.sql()+` ORDER BY name, id LIMIT ? OFFSET ?`,
		append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list providers: %w", err)
	}
	defer rows.Close()
	out := []catalogue.Provider{}
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// UpdateProvider replaces a provider if it is still at version expected.
func (db *DB) UpdateProvider(ctx context.Context, p catalogue.Provider, expected int64) error {
	doc, err := json.Marshal(p.ProviderInput)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE providers SET name = ?, status = ?, version = ?, updated_at = ?, doc = ? WHERE id = ? AND version = ?`,
			p.Name, string(p.Status), p.Version, fmtTime(p.UpdatedAt), string(doc), p.ID, expected)
		if err != nil {
			return fmt.Errorf("update provider: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v int64
			err := tx.QueryRowContext(ctx, `SELECT version FROM providers WHERE id = ?`, p.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return catalogue.ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("stored version %d, expected %d: %w", v, expected, catalogue.ErrVersionMismatch)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM provider_districts WHERE provider_id = ?`, p.ID); err != nil {
			return err
		}
		return linkProviderDistricts(ctx, tx, p)
	})
}
