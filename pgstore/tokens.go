package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"massanzug/access"
	"massanzug/catalogue"
)

// CreateToken stores a token (its secret only as a hash).
func (db *DB) CreateToken(ctx context.Context, t access.Token) error {
	districts, err := json.Marshal(t.Districts)
	if err != nil {
		return err
	}
	if t.Districts == nil {
		districts = []byte("[]")
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO tokens (id, name, role, provider_id, secret_hash, created_at, districts) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.Name, string(t.Role), nullStr(t.ProviderID), t.SecretHash, t.CreatedAt, districts)
	if err != nil {
		return fmt.Errorf("insert token: %w", mapErr(err))
	}
	return nil
}

const tokenColumns = `id, name, role, COALESCE(provider_id, ''), secret_hash, created_at, revoked_at, districts`

func scanToken(row pgx.Row) (access.Token, error) {
	var t access.Token
	var districts []byte
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.ProviderID, &t.SecretHash, &t.CreatedAt, &t.RevokedAt, &districts); err != nil {
		return t, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if t.RevokedAt != nil {
		at := t.RevokedAt.UTC()
		t.RevokedAt = &at
	}
	if err := json.Unmarshal(districts, &t.Districts); err != nil {
		return t, fmt.Errorf("token %s: %w", t.ID, err)
	}
	if len(t.Districts) == 0 {
		t.Districts = nil
	}
	return t, nil
}

// TokenByID reads one token.
func (db *DB) TokenByID(ctx context.Context, id string) (access.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, access.ErrTokenNotFound
	}
	return t, err
}

// ListTokens lists all tokens, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]access.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []access.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked; a second revocation keeps the first
// time.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, at, id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return access.ErrTokenNotFound
	}
	return nil
}

// Audit appends an audit event (a read: writes record theirs in their own
// transaction).
func (db *DB) Audit(ctx context.Context, e catalogue.AuditEvent) error {
	return db.tx(ctx, func(tx pgx.Tx) error { return insertAudit(ctx, tx, &e) })
}

func insertAudit(ctx context.Context, tx pgx.Tx, e *catalogue.AuditEvent) error {
	if e == nil {
		return nil
	}
	ids, err := json.Marshal(e.EntryIDs)
	if err != nil {
		return err
	}
	if e.EntryIDs == nil {
		ids = []byte("[]")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, token_id, token_name, action, kind, entry_ids) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.At, e.TokenID, e.TokenName, e.Action, string(e.Kind), ids); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

const auditColumns = `at, token_id, token_name, action, kind, entry_ids`

// AuditOf lists the events that name an entry, oldest first.
func (db *DB) AuditOf(ctx context.Context, id string) ([]catalogue.AuditEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE entry_ids @> jsonb_build_array($1::text) ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", id, err)
	}
	defer rows.Close()
	return scanAudit(rows)
}

// ListAudit lists events, newest first.
func (db *DB) ListAudit(ctx context.Context, f catalogue.AuditFilter) ([]catalogue.AuditEvent, int, error) {
	var w where
	if f.EntryID != "" {
		w.add("entry_ids @> jsonb_build_array(?::text)", f.EntryID)
	}
	if f.TokenID != "" {
		w.add("token_id = ?", f.TokenID)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From)
	}
	if !f.Until.IsZero() {
		w.add("at < ?", f.Until)
	}
	var total int
	if err := db.pool.QueryRow(ctx, w.sql(`SELECT COUNT(*) FROM audit_log`, ""), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit: %w", err)
	}
	q, args := w.page(`SELECT `+auditColumns+` FROM audit_log`, ` ORDER BY seq DESC`, f.Page)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	out, err := scanAudit(rows)
	return out, total, err
}

func scanAudit(rows pgx.Rows) ([]catalogue.AuditEvent, error) {
	out := []catalogue.AuditEvent{}
	for rows.Next() {
		var e catalogue.AuditEvent
		var ids []byte
		if err := rows.Scan(&e.At, &e.TokenID, &e.TokenName, &e.Action, &e.Kind, &ids); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		if err := json.Unmarshal(ids, &e.EntryIDs); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountUnmet counts one need nothing met, once per case (caseKey, a hash
// of its reference) and district, kind of help and month.
func (db *DB) CountUnmet(ctx context.Context, district, helpKind, month, caseKey string) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if caseKey != "" {
			tag, err := tx.Exec(ctx, `INSERT INTO unmet_cases (case_key, district_id, help_kind, month) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				caseKey, district, helpKind, month)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return nil // this case was counted already
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO unmet_needs (district_id, help_kind, month, count) VALUES ($1, $2, $3, 1)
			ON CONFLICT (district_id, help_kind, month) DO UPDATE SET count = unmet_needs.count + 1`, district, helpKind, month)
		return err
	})
}

// UnmetNeeds lists counted unmet needs, newest month first.
func (db *DB) UnmetNeeds(ctx context.Context, district, month string) ([]catalogue.UnmetNeed, error) {
	var w where
	if district != "" {
		w.add("district_id = ?", district)
	}
	if month != "" {
		w.add("month = ?", month)
	}
	rows, err := db.pool.Query(ctx, w.sql(`SELECT district_id, help_kind, month, count FROM unmet_needs`, ` ORDER BY month DESC, district_id, count DESC, help_kind`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("unmet needs: %w", err)
	}
	defer rows.Close()
	out := []catalogue.UnmetNeed{}
	for rows.Next() {
		var u catalogue.UnmetNeed
		if err := rows.Scan(&u.District, &u.HelpKind, &u.Month, &u.Count); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
