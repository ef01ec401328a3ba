package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"massanzug/catalogue"
)

// Seed fills the empty reference tables.
func (db *DB) Seed(ctx context.Context, districts []catalogue.District, tax catalogue.Taxonomy, synonyms []catalogue.Synonym) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := seedSynonyms(ctx, tx, synonyms); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM districts`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			for i, d := range districts {
				if err := putDistrict(ctx, tx, d, i); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM terms`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return backfillTerms(ctx, tx, tax)
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

func putDistrict(ctx context.Context, tx *sql.Tx, d catalogue.District, pos int) error {
	doc, err := json.Marshal(districtDoc{d.Population, d.RMStaffFTE, d.Quarters})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO districts (id, name, position, doc) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc`, d.ID, d.Name, pos, string(doc))
	if err != nil {
		return fmt.Errorf("put district %s: %w", d.ID, err)
	}
	return nil
}

// Districts lists the districts in their configured order.
func (db *DB) Districts(ctx context.Context) ([]catalogue.District, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, doc FROM districts ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("query districts: %w", err)
	}
	defer rows.Close()
	out := []catalogue.District{}
	for rows.Next() {
		var d catalogue.District
		var doc string
		if err := rows.Scan(&d.ID, &d.Name, &doc); err != nil {
			return nil, err
		}
		var dd districtDoc
		if err := json.Unmarshal([]byte(doc), &dd); err != nil {
			return nil, fmt.Errorf("district %s: %w", d.ID, err)
		}
		d.Population, d.RMStaffFTE, d.Quarters = dd.Population, dd.RMStaffFTE, dd.Quarters
		out = append(out, d)
	}
	return out, rows.Err()
}

// PutDistrict creates or replaces a district.
func (db *DB) PutDistrict(ctx context.Context, d catalogue.District) (bool, error) {
	var created bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var pos int
		err := tx.QueryRowContext(ctx, `SELECT position FROM districts WHERE id = ?`, d.ID).Scan(&pos)
		if err == sql.ErrNoRows {
			created = true
			err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM districts`).Scan(&pos)
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
	rows, err := db.r.QueryContext(ctx, `SELECT vocabulary, code, label, COALESCE(theme, ''), minors, COALESCE(provided_by, ''), COALESCE(needs_car, 0) FROM terms ORDER BY position`)
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
	return db.tx(ctx, func(tx *sql.Tx) error {
		var pos int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM terms`).Scan(&pos); err != nil {
			return err
		}
		return addTerm(ctx, tx, v, t, pos)
	})
}

func addTerm(ctx context.Context, tx *sql.Tx, v catalogue.Vocabulary, t catalogue.Term, pos int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO terms (vocabulary, code, label, theme, minors, provided_by, needs_car, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		string(v), t.Code, t.Label, nullStr(t.Theme), t.Minors, kindList(t.ProvidedBy), t.NeedsCar, pos)
	if err != nil {
		return fmt.Errorf("add term %s/%s: %w", v, t.Code, mapErr(err))
	}
	return nil
}

// UpdateTerm replaces what a term says; its code and place stay.
func (db *DB) UpdateTerm(ctx context.Context, v catalogue.Vocabulary, t catalogue.Term) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE terms SET label = ?, theme = ?, minors = ?, provided_by = ?, needs_car = ? WHERE vocabulary = ? AND code = ?`,
			t.Label, nullStr(t.Theme), t.Minors, kindList(t.ProvidedBy), t.NeedsCar, string(v), t.Code)
		if err != nil {
			return fmt.Errorf("update term %s/%s: %w", v, t.Code, mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("term %s/%s: %w", v, t.Code, catalogue.ErrNotFound)
		}
		return nil
	})
}

// backfillTerms gives the shipped help kinds the provided_by and
// needs_car of this release where a database made by an older one has
// none (NULL; what staff set is kept).
func backfillTerms(ctx context.Context, tx *sql.Tx, tax catalogue.Taxonomy) error {
	for _, th := range tax.Themes {
		for _, h := range th.HelpKinds {
			if _, err := tx.ExecContext(ctx, `UPDATE terms SET needs_car = ? WHERE vocabulary = ? AND code = ? AND needs_car IS NULL`,
				h.NeedsCar, string(catalogue.VocabHelpKinds), h.Code); err != nil {
				return fmt.Errorf("backfill needs_car of %s: %w", h.Code, err)
			}
			if len(h.ProvidedBy) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE terms SET provided_by = ? WHERE vocabulary = ? AND code = ? AND provided_by IS NULL`,
				kindList(h.ProvidedBy), string(catalogue.VocabHelpKinds), h.Code); err != nil {
				return fmt.Errorf("backfill provided_by of %s: %w", h.Code, err)
			}
		}
	}
	return nil
}

// kindList is a term's provided_by as the column holds it: a comma list,
// never NULL once written.
func kindList(ks []catalogue.Kind) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}
