package store

import (
	"context"
	"database/sql"
	"fmt"

	"massanzug/catalogue"
)

// seedSynonyms fills the synonyms once.
func seedSynonyms(ctx context.Context, tx *sql.Tx, list []catalogue.Synonym) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM synonyms_seeded`).Scan(&n); err != nil {
		return fmt.Errorf("count synonyms seeded: %w", err)
	}
	if n > 0 {
		return nil
	}
	for _, s := range list {
		if _, err := putSynonym(ctx, tx, catalogue.SynonymKey(s.Word), s); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO synonyms_seeded (done) VALUES (1)`)
	return err
}

// Synonyms lists the synonyms by word.
func (db *DB) Synonyms(ctx context.Context) ([]catalogue.Synonym, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT word, means FROM synonyms ORDER BY key`)
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
	err = db.tx(ctx, func(tx *sql.Tx) error {
		created, err = putSynonym(ctx, tx, key, s)
		return err
	})
	return created, err
}

func putSynonym(ctx context.Context, tx *sql.Tx, key string, s catalogue.Synonym) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM synonyms WHERE key = ?`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("look up synonym %q: %w", key, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO synonyms (key, word, means) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET word = excluded.word, means = excluded.means`, key, s.Word, s.Means); err != nil {
		return false, fmt.Errorf("put synonym %q: %w", key, mapErr(err))
	}
	return n == 0, nil
}

// DeleteSynonym removes the synonym of key.
func (db *DB) DeleteSynonym(ctx context.Context, key string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM synonyms WHERE key = ?`, key)
		if err != nil {
			return fmt.Errorf("delete synonym %q: %w", key, mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("synonym %q: %w", key, catalogue.ErrNotFound)
		}
		return nil
	})
}
