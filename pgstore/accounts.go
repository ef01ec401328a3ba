package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"massanzug/account"
)

var _ account.Store = (*DB)(nil)

const accountColumns = `id, username, display_name, role, COALESCE(provider_id, ''), districts, disabled, password_hash, failed_logins,
	locked_until, created_at, updated_at`

func districtsJSON(ds []string) []byte {
	if ds == nil {
		return []byte("[]")
	}
	b, _ := json.Marshal(ds)
	return b
}

// CreateAccount stores an account (its password only as a hash).
func (db *DB) CreateAccount(ctx context.Context, a account.Account) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO accounts (id, username, display_name, role, provider_id, districts, disabled, password_hash, failed_logins,
		locked_until, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		a.ID, a.Username, a.DisplayName, string(a.Role), nullStr(a.ProviderID), districtsJSON(a.Districts), a.Disabled, a.PasswordHash,
		a.FailedLogins, a.LockedUntil, a.CreatedAt, a.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert account: %w", mapErr(err))
	}
	return nil
}

// UpdateAccount replaces what can change of an account.
func (db *DB) UpdateAccount(ctx context.Context, a account.Account) error {
	tag, err := db.pool.Exec(ctx, `UPDATE accounts SET display_name = $1, role = $2, provider_id = $3, districts = $4, disabled = $5,
		password_hash = $6, failed_logins = $7, locked_until = $8, updated_at = $9 WHERE id = $10`,
		a.DisplayName, string(a.Role), nullStr(a.ProviderID), districtsJSON(a.Districts), a.Disabled, a.PasswordHash, a.FailedLogins,
		a.LockedUntil, a.UpdatedAt, a.ID)
	if err != nil {
		return fmt.Errorf("update account: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("account %s: %w", a.ID, account.ErrNotFound)
	}
	return nil
}

// FailedLogin counts a failed log-in in one statement's row lock, and
// locks the account when lock says so, in the same transaction.
func (db *DB) FailedLogin(ctx context.Context, id string, lock func(failures int) *time.Time) (n int, err error) {
	err = db.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, id).Scan(&n); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("account %s: %w", id, account.ErrNotFound)
			}
			return fmt.Errorf("count failed log-in: %w", err)
		}
		if until := lock(n); until != nil {
			if _, err := tx.Exec(ctx, `UPDATE accounts SET locked_until = $1 WHERE id = $2`, *until, id); err != nil {
				return fmt.Errorf("lock account: %w", err)
			}
		}
		return nil
	})
	return n, err
}

// LoggedIn sets the failed log-ins back.
func (db *DB) LoggedIn(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id)
	return err
}

// AccountByID reads an account.
func (db *DB) AccountByID(ctx context.Context, id string) (account.Account, error) {
	return scanAccount(db.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
}

// AccountByUsername reads the account of a user name.
func (db *DB) AccountByUsername(ctx context.Context, username string) (account.Account, error) {
	return scanAccount(db.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = $1`, username))
}

// ListAccounts lists the accounts by user name.
func (db *DB) ListAccounts(ctx context.Context) ([]account.Account, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY username`)
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

func scanAccount(row pgx.Row) (account.Account, error) {
	var a account.Account
	var districts []byte
	err := row.Scan(&a.ID, &a.Username, &a.DisplayName, &a.Role, &a.ProviderID, &districts, &a.Disabled, &a.PasswordHash,
		&a.FailedLogins, &a.LockedUntil, &a.CreatedAt, &a.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, account.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("scan account: %w", err)
	}
	if err := json.Unmarshal(districts, &a.Districts); err != nil {
		return a, fmt.Errorf("account %s districts: %w", a.ID, err)
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if a.LockedUntil != nil {
		t := a.LockedUntil.UTC()
		a.LockedUntil = &t
	}
	return a, nil
}

// CreateSession stores a session (by the hash of its secret).
func (db *DB) CreateSession(ctx context.Context, s account.Session) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (hash, account_id, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $5)`,
		s.Hash, s.AccountID, s.CSRF, s.CreatedAt, s.LastSeen)
	if err != nil {
		return fmt.Errorf("insert session: %w", mapErr(err))
	}
	return nil
}

// SessionByHash reads a session.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (account.Session, error) {
	var s account.Session
	err := db.pool.QueryRow(ctx, `SELECT hash, account_id, csrf, created_at, last_seen FROM sessions WHERE hash = $1`, hash).
		Scan(&s.Hash, &s.AccountID, &s.CSRF, &s.CreatedAt, &s.LastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, account.ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("session: %w", err)
	}
	s.CreatedAt, s.LastSeen = s.CreatedAt.UTC(), s.LastSeen.UTC()
	return s, nil
}

// TouchSession records that a session was used.
func (db *DB) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE sessions SET last_seen = $1 WHERE hash = $2`, at, hash)
	return err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return err
}

// DeleteSessionsOf ends every session of an account.
func (db *DB) DeleteSessionsOf(ctx context.Context, accountID string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID)
	return err
}
