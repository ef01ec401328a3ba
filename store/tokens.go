package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
)

// CreateToken stores a token (its secret's hash only).
func (db *DB) CreateToken(ctx context.Context, t access.Token) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		districts, err := json.Marshal(t.Districts)
		if err != nil {
			return err
		}
		if t.Districts == nil {
			districts = []byte("[]")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tokens (id, name, role, provider_id, secret_hash, created_at, districts) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, string(t.Role), nullStr(t.ProviderID), t.SecretHash, fmtTime(t.CreatedAt), string(districts))
		if err != nil {
			return fmt.Errorf("insert token: %w", mapErr(err))
		}
		return nil
	})
}

func scanToken(sc interface{ Scan(...any) error }) (access.Token, error) {
	var t access.Token
	var created string
	var revoked sql.NullString
	var districts string
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &t.ProviderID, &t.SecretHash, &created, &revoked, &districts); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(districts), &t.Districts); err != nil {
		return t, fmt.Errorf("token %s districts: %w", t.ID, err)
	}
	if len(t.Districts) == 0 {
		t.Districts = nil
	}
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return t, err
	}
	if revoked.Valid {
		r, err := parseTime(revoked.String)
		if err != nil {
			return t, err
		}
		t.RevokedAt = &r
	}
	return t, nil
}

const tokenColumns = `id, name, role, COALESCE(provider_id, ''), secret_hash, created_at, revoked_at, districts`

// TokenByID reads one token.
func (db *DB) TokenByID(ctx context.Context, id string) (access.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, access.ErrTokenNotFound
	}
	return t, err
}

// ListTokens lists all tokens, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]access.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id`)
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

// RevokeToken marks a token revoked; revoking twice keeps the first date.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, fmtTime(at), id)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return access.ErrTokenNotFound
		}
		return nil
	})
}

// Audit appends an audit event (a read: writes record theirs in their own
// transaction).
func (db *DB) Audit(ctx context.Context, e catalogue.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, &e) })
}

// insertAudit writes e, if any, inside the write it records.
func insertAudit(ctx context.Context, tx *sql.Tx, e *catalogue.AuditEvent) error {
	if e == nil {
		return nil
	}
	ids, err := json.Marshal(e.EntryIDs)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, token_id, token_name, action, kind, entry_ids) VALUES (?, ?, ?, ?, ?, ?)`,
		fmtTime(e.At), e.TokenID, e.TokenName, e.Action, string(e.Kind), string(ids))
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditOf lists the audit events that name an entry, oldest first.
func (db *DB) AuditOf(ctx context.Context, id string) ([]catalogue.AuditEvent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, token_id, token_name, action, kind, entry_ids FROM audit_log
		WHERE EXISTS (SELECT 1 FROM json_each(audit_log.entry_ids) WHERE value = ?) ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", id, err)
	}
	defer rows.Close()
	return scanAudit(rows)
}

// ListAudit lists the audit events f selects, newest first.
func (db *DB) ListAudit(ctx context.Context, f catalogue.AuditFilter) ([]catalogue.AuditEvent, int, error) {
	var w where
	if f.EntryID != "" {
		w.add("EXISTS (SELECT 1 FROM json_each(audit_log.entry_ids) WHERE value = ?)", f.EntryID)
	}
	if f.TokenID != "" {
		w.add("token_id = ?", f.TokenID)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", fmtTime(f.From))
	}
	if !f.Until.IsZero() {
		w.add("at < ?", fmtTime(f.Until))
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT at, token_id, token_name, action, kind, entry_ids FROM audit_log`+w.sql()+
		` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	out, err := scanAudit(rows)
	return out, total, err
}

func scanAudit(rows *sql.Rows) ([]catalogue.AuditEvent, error) {
	out := []catalogue.AuditEvent{}
	for rows.Next() {
		var e catalogue.AuditEvent
		var at, ids string
		var err error
		if err := rows.Scan(&at, &e.TokenID, &e.TokenName, &e.Action, &e.Kind, &ids); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(ids), &e.EntryIDs); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountUnmet adds one to the unmet needs of a district, help kind and
// month, unless the case (caseKey, when given) was counted there already.
func (db *DB) CountUnmet(ctx context.Context, district, helpKind, month, caseKey string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if caseKey != "" {
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO unmet_cases (case_key, district_id, help_kind, month) VALUES (?, ?, ?, ?)`,
				caseKey, district, helpKind, month)
			if err != nil {
				return mapErr(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // this case was counted already
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO unmet_needs (district_id, help_kind, month, count) VALUES (?, ?, ?, 1)
			ON CONFLICT (district_id, help_kind, month) DO UPDATE SET count = count + 1`, district, helpKind, month)
		return mapErr(err)
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
	rows, err := db.r.QueryContext(ctx, `SELECT district_id, help_kind, month, count FROM unmet_needs`+w.sql()+
		` ORDER BY month DESC, district_id, count DESC, help_kind`, w.args...)
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
