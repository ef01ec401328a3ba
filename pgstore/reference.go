package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"massanzug/catalogue"
)

// Seed fills empty reference tables, as the SQLite store does: districts
// and terms only where there are none (a newer release's needs_car and
// provided_by are filled in where a term never had them), synonyms once.
func (db *DB) Seed(ctx context.Context, districts []catalogue.District, tax catalogue.Taxonomy, synonyms []catalogue.Synonym) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		var seeded int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM synonyms_seeded`).Scan(&seeded); err != nil {
			return err
		}
		if seeded == 0 {
			for _, s := range synonyms {
				if _, err := putSynonym(ctx, tx, catalogue.SynonymKey(s.Word), s); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO synonyms_seeded (done) VALUES (1)`); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM districts`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			for i, d := range districts {
				if err := putDistrict(ctx, tx, d, i); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM terms`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			for _, th := range tax.Themes {
				for _, h := range th.HelpKinds {
					if _, err := tx.Exec(ctx, `UPDATE terms SET needs_car = $1 WHERE vocabulary = 'help-kinds' AND code = $2 AND needs_car IS NULL`, h.NeedsCar, h.Code); err != nil {
						return err
					}
					if len(h.ProvidedBy) > 0 {
						if _, err := tx.Exec(ctx, `UPDATE terms SET provided_by = $1 WHERE vocabulary = 'help-kinds' AND code = $2 AND provided_by IS NULL`, kindList(h.ProvidedBy), h.Code); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}
		for i, vt := range tax.Terms() {
			if err := addTerm(ctx, tx, vt.Vocabulary, vt.Term, i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

type districtDoc struct {
	Population catalogue.Population `json:"population"`
	RMStaffFTE float64              `json:"rm_staff_fte"`
	Quarters   []catalogue.Quarter  `json:"quarters"`
}

func putDistrict(ctx context.Context, tx pgx.Tx, d catalogue.District, pos int) error {
	doc, err := json.Marshal(districtDoc{d.Population, d.RMStaffFTE, d.Quarters})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO districts (id, name, position, doc) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc`, d.ID, d.Name, pos, doc)
	if err != nil {
		return fmt.Errorf("put district %s: %w", d.ID, err)
	}
	return nil
}

// Districts lists the districts in their configured order.
func (db *DB) Districts(ctx context.Context) ([]catalogue.District, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, doc FROM districts ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("query districts: %w", err)
	}
	defer rows.Close()
	out := []catalogue.District{}
	for rows.Next() {
		var d catalogue.District
		var doc []byte
		if err := rows.Scan(&d.ID, &d.Name, &doc); err != nil {
			return nil, err
		}
		var dd districtDoc
		if err := json.Unmarshal(doc, &dd); err != nil {
			return nil, fmt.Errorf("district %s: %w", d.ID, err)
		}
		d.Population, d.RMStaffFTE, d.Quarters = dd.Population, dd.RMStaffFTE, dd.Quarters
		out = append(out, d)
	}
	return out, rows.Err()
}

// PutDistrict creates or replaces a district; a new one goes last.
func (db *DB) PutDistrict(ctx context.Context, d catalogue.District) (bool, error) {
	var created bool
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var pos int
		err := tx.QueryRow(ctx, `SELECT position FROM districts WHERE id = $1`, d.ID).Scan(&pos)
		if errors.Is(err, pgx.ErrNoRows) {
			created = true
			err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM districts`).Scan(&pos)
		}
		if err != nil {
			return err
		}
		return putDistrict(ctx, tx, d, pos)
	})
	return created, err
}

// Taxonomy reads the vocabularies.
func (db *DB) Taxonomy(ctx context.Context) (catalogue.Taxonomy, error) {
	rows, err := db.pool.Query(ctx, `SELECT vocabulary, code, label, COALESCE(theme, ''), minors, COALESCE(provided_by, ''), COALESCE(needs_car, false)
		FROM terms ORDER BY position`)
	if err != nil {
		return catalogue.Taxonomy{}, fmt.Errorf("query terms: %w", err)
	}
	defer rows.Close()
	var terms []catalogue.VocabTerm
	for rows.Next() {
		var vt catalogue.VocabTerm
		var providedBy string
		if err := rows.Scan(&vt.Vocabulary, &vt.Code, &vt.Label, &vt.Theme, &vt.Minors, &providedBy, &vt.NeedsCar); err != nil {
			return catalogue.Taxonomy{}, err
		}
		for _, k := range splitList(providedBy) {
			vt.ProvidedBy = append(vt.ProvidedBy, catalogue.Kind(k))
		}
		terms = append(terms, vt)
	}
	if err := rows.Err(); err != nil {
		return catalogue.Taxonomy{}, err
	}
	return catalogue.TaxonomyOf(terms), nil
}

// AddTerm appends a term to a vocabulary.
func (db *DB) AddTerm(ctx context.Context, v catalogue.Vocabulary, t catalogue.Term) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		var pos int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM terms`).Scan(&pos); err != nil {
			return err
		}
		return addTerm(ctx, tx, v, t, pos)
	})
}

func addTerm(ctx context.Context, tx pgx.Tx, v catalogue.Vocabulary, t catalogue.Term, pos int) error {
	_, err := tx.Exec(ctx, `INSERT INTO terms (vocabulary, code, label, theme, minors, provided_by, needs_car, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		string(v), t.Code, t.Label, nullStr(t.Theme), t.Minors, kindList(t.ProvidedBy), t.NeedsCar, pos)
	if err != nil {
		return fmt.Errorf("add term %s/%s: %w", v, t.Code, mapErr(err))
	}
	return nil
}

// UpdateTerm replaces what a term says; its code and place stay.
func (db *DB) UpdateTerm(ctx context.Context, v catalogue.Vocabulary, t catalogue.Term) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE terms SET label = $1, theme = $2, minors = $3, provided_by = $4, needs_car = $5 WHERE vocabulary = $6 AND code = $7`,
			t.Label, nullStr(t.Theme), t.Minors, kindList(t.ProvidedBy), t.NeedsCar, string(v), t.Code)
		if err != nil {
			return fmt.Errorf("update term %s/%s: %w", v, t.Code, mapErr(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("term %s/%s: %w", v, t.Code, catalogue.ErrNotFound)
		}
		return nil
	})
}

// Synonyms lists the synonyms by key.
func (db *DB) Synonyms(ctx context.Context) ([]catalogue.Synonym, error) {
	rows, err := db.pool.Query(ctx, `SELECT word, means FROM synonyms ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("query synonyms: %w", err)
	}
	defer rows.Close()
	out := []catalogue.Synonym{}
	for rows.Next() {
		var s catalogue.Synonym
		if err := rows.Scan(&s.Word, &s.Means); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PutSynonym creates or replaces the synonym of key.
func (db *DB) PutSynonym(ctx context.Context, key string, s catalogue.Synonym) (created bool, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		created, err = putSynonym(ctx, tx, key, s)
		return err
	})
	return created, err
}

func putSynonym(ctx context.Context, tx pgx.Tx, key string, s catalogue.Synonym) (bool, error) {
	// xmax is 0 for a row this statement inserted, the updater's id for one
	// it replaced.
	var inserted bool
	err := tx.QueryRow(ctx, `INSERT INTO synonyms (key, word, means) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET word = excluded.word, means = excluded.means RETURNING xmax = 0`, key, s.Word, s.Means).Scan(&inserted)
	if err != nil {
		return false, fmt.Errorf("put synonym %q: %w", key, mapErr(err))
	}
	return inserted, nil
}

// DeleteSynonym removes the synonym of key.
func (db *DB) DeleteSynonym(ctx context.Context, key string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM synonyms WHERE key = $1`, key)
	if err != nil {
		return fmt.Errorf("delete synonym %q: %w", key, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("synonym %q: %w", key, catalogue.ErrNotFound)
	}
	return nil
}
