package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"massanzug/catalogue"
)

// CreateProvider inserts a provider.
func (db *DB) CreateProvider(ctx context.Context, p catalogue.Provider) error {
	doc, err := json.Marshal(p.ProviderInput)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO providers (id, name, status, version, created_at, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, p.Name, string(p.Status), p.Version, p.CreatedAt, p.UpdatedAt, doc)
		if err != nil {
			return fmt.Errorf("insert provider: %w", mapErr(err))
		}
		return linkProviderDistricts(ctx, tx, p)
	})
}

func linkProviderDistricts(ctx context.Context, tx pgx.Tx, p catalogue.Provider) error {
	for _, d := range p.Districts {
		if _, err := tx.Exec(ctx, `INSERT INTO provider_districts (provider_id, district_id) VALUES ($1, $2)`, p.ID, d); err != nil {
			return fmt.Errorf("link district %s: %w", d, mapErr(err))
		}
	}
	return nil
}

const providerColumns = `id, status, version, created_at, updated_at, doc`

func scanProvider(row pgx.Row) (catalogue.Provider, error) {
	var p catalogue.Provider
	var doc []byte
	if err := row.Scan(&p.ID, &p.Status, &p.Version, &p.CreatedAt, &p.UpdatedAt, &doc); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if err := json.Unmarshal(doc, &p.ProviderInput); err != nil {
		return p, fmt.Errorf("provider %s: %w", p.ID, err)
	}
	return p, nil
}

// Provider reads one provider.
func (db *DB) Provider(ctx context.Context, id string) (catalogue.Provider, error) {
	p, err := scanProvider(db.pool.QueryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, catalogue.ErrNotFound
	}
	return p, err
}

// ProviderExists reports whether an active provider has this id.
func (db *DB) ProviderExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM providers WHERE id = $1 AND status = 'active'`, id).Scan(&n)
	return n > 0, err
}

// ListProviders lists providers by name.
func (db *DB) ListProviders(ctx context.Context, f catalogue.ProviderFilter) ([]catalogue.Provider, int, error) {
	var w where
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", statuses(f.Statuses))
	}
	if f.District != "" {
		w.add("EXISTS (SELECT 1 FROM provider_districts d WHERE d.provider_id = providers.id AND d.district_id = ?)", f.District)
	}
	if f.ID != "" {
		w.add("id = ?", f.ID)
	}
	var total int
	if err := db.pool.QueryRow(ctx, w.sql(`SELECT COUNT(*) FROM providers`, ""), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count providers: %w", err)
	}
	q, args := w.page(`SELECT `+providerColumns+` FROM providers`, ` ORDER BY name, id`, f.Page)
	rows, err := db.pool.Query(ctx, q, args...)
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
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE providers SET name = $1, status = $2, version = $3, updated_at = $4, doc = $5 WHERE id = $6 AND version = $7`,
			p.Name, string(p.Status), p.Version, p.UpdatedAt, doc, p.ID, expected)
		if err != nil {
			return fmt.Errorf("update provider: %w", mapErr(err))
		}
		if tag.RowsAffected() == 0 {
			var v int64
			err := tx.QueryRow(ctx, `SELECT version FROM providers WHERE id = $1`, p.ID).Scan(&v)
			if errors.Is(err, pgx.ErrNoRows) {
				return catalogue.ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: provider %s is at version %d, not %d", catalogue.ErrVersionMismatch, p.ID, v, expected)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM provider_districts WHERE provider_id = $1`, p.ID); err != nil {
			return err
		}
		return linkProviderDistricts(ctx, tx, p)
	})
}

func statuses(ss []catalogue.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
