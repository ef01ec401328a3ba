package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"massanzug/account"
)

var _ account.Store = (*DB)(nil)

const accountColumns = `id, username, display_name, role, COALESCE(provider_id, ''), districts, disabled, password_hash, failed_logins,
	locked_until, created_at, updated_at`

// CreateAccount stores a new account; a taken user name is a conflict.
func (db *DB) CreateAccount(ctx context.Context, a account.Account) error {
	districts, err := districtsJSON(a.Districts)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, username, display_name, role, provider_id, districts, disabled, password_hash, failed_logins,
			locked_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.Username, a.DisplayName, string(a.Role), nullStr(a.ProviderID), districts, a.Disabled, a.PasswordHash,
			a.FailedLogins, timeArg(a.LockedUntil), fmtTime(a.CreatedAt), fmtTime(a.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert account: %w", mapErr(err))
		}
		return nil
	})
}

// UpdateAccount stores the whole of a.
func (db *DB) UpdateAccount(ctx context.Context, a account.Account) error {
	districts, err := districtsJSON(a.Districts)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET display_name = ?, role = ?, provider_id = ?, districts = ?, disabled = ?,
			password_hash = ?, failed_logins = ?, locked_until = ?, updated_at = ? WHERE id = ?`,
			a.DisplayName, string(a.Role), nullStr(a.ProviderID), districts, a.Disabled, a.PasswordHash, a.FailedLogins,
			timeArg(a.LockedUntil), fmtTime(a.UpdatedAt), a.ID)
		if err != nil {
			return fmt.Errorf("update account: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("account %s: %w", a.ID, account.ErrNotFound)
		}
		return nil
	})
}

// FailedLogin counts a failed log-in in one transaction of the one
// writer, and locks the account when lock says so.
func (db *DB) FailedLogin(ctx context.Context, id string, lock func(failures int) *time.Time) (n int, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, id).Scan(&n); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("account %s: %w", id, account.ErrNotFound)
			}
			return fmt.Errorf("count failed log-in: %w", err)
		}
		if until := lock(n); until != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET locked_until = ? WHERE id = ?`, fmtTime(*until), id); err != nil {
				return fmt.Errorf("lock account: %w", err)
			}
		}
		return nil
	})
	return n, err
}

// LoggedIn sets the failed log-ins back.
func (db *DB) LoggedIn(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?`, id)
		return err
	})
}

// AccountByID returns an account.
func (db *DB) AccountByID(ctx context.Context, id string) (account.Account, error) {
	return scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
}

// AccountByUsername returns an account.
func (db *DB) AccountByUsername(ctx context.Context, username string) (account.Account, error) {
	return scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = ?`, username))
}

// ListAccounts returns every account by user name.
func (db *DB) ListAccounts(ctx context.Context) ([]account.Account, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	out := []account.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAccount(sc interface{ Scan(...any) error }) (account.Account, error) {
	var a account.Account
	var districts, created, updated string
	var locked sql.NullString
	err := sc.Scan(&a.ID, &a.Username, &a.DisplayName, &a.Role, &a.ProviderID, &districts, &a.Disabled, &a.PasswordHash,
		&a.FailedLogins, &locked, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return a, account.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("scan account: %w", err)
	}
	if err := json.Unmarshal([]byte(districts), &a.Districts); err != nil {
		return a, fmt.Errorf("account %s districts: %w", a.ID, err)
	}
	if a.CreatedAt, err = parseTime(created); err != nil {
		return a, err
	}
	if a.UpdatedAt, err = parseTime(updated); err != nil {
		return a, err
	}
	if locked.Valid {
		t, err := parseTime(locked.String)
		if err != nil {
			return a, err
		}
		a.LockedUntil = &t
	}
	return a, nil
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s account.Session) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, account_id, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)`,
			s.Hash, s.AccountID, s.CSRF, fmtTime(s.CreatedAt), fmtTime(s.LastSeen))
		if err != nil {
			return fmt.Errorf("insert session: %w", mapErr(err))
		}
		return nil
	})
}

// SessionByHash returns a session.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (account.Session, error) {
	var s account.Session
	var created, seen string
	err := db.r.QueryRowContext(ctx, `SELECT hash, account_id, csrf, created_at, last_seen FROM sessions WHERE hash = ?`, hash).
		Scan(&s.Hash, &s.AccountID, &s.CSRF, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return s, account.ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("session: %w", err)
	}
	if s.CreatedAt, err = parseTime(created); err != nil {
		return s, err
	}
	s.LastSeen, err = parseTime(seen)
	return s, err
}

// TouchSession records that a session was used at at.
func (db *DB) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE hash = ?`, fmtTime(at), hash)
		return err
	})
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
		return err
	})
}

// DeleteSessionsOf ends every session of an account.
func (db *DB) DeleteSessionsOf(ctx context.Context, accountID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ?`, accountID)
		return err
	})
}

func districtsJSON(ds []string) (string, error) {
	if ds == nil {
		return "[]", nil
	}
	b, err := json.Marshal(ds)
	return string(b), err
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}
