// Package account owns the accounts of people who log in to the web app:
// user names, password hashes (argon2id), a role (for resource managers
// optionally their districts, for providers their organisation), lock-out
// after repeated failures and the sessions a log-in opens. API tokens stay
// in package access, for integrations; both resolve to an
// access.Principal, so every rule and the audit log treat a person and a
// token alike and the log names the person.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"massanzug/access"
)

// Account is a person who may log in.
type Account struct {
	ID          string      `json:"id"`
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Role        access.Role `json:"role"`
	ProviderID  string      `json:"provider_id,omitempty"`
	Districts   []string    `json:"districts,omitempty"`
	Disabled    bool        `json:"disabled"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	// The password as a PHC string of argon2id; never shown.
	PasswordHash string `json:"-"`
	// Consecutive failed log-ins, and until when log-in is refused.
	FailedLogins int        `json:"failed_logins"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
}

// Principal is the account as the rules see a caller. Its id stands where
// a token's would, so the audit log names the person.
func (a Account) Principal() access.Principal {
	return access.Principal{TokenID: a.ID, Name: a.DisplayName, Role: a.Role, ProviderID: a.ProviderID, Districts: a.Districts}
}

// Session is an open log-in. Only a hash of its secret is stored.
type Session struct {
	Hash      []byte
	AccountID string
	// CSRF is the token every form of the session carries.
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
}

// Store persists accounts and sessions.
type Store interface {
	CreateAccount(ctx context.Context, a Account) error
	AccountByID(ctx context.Context, id string) (Account, error)
	AccountByUsername(ctx context.Context, username string) (Account, error)
	// UpdateAccount stores a, the whole of it.
	UpdateAccount(ctx context.Context, a Account) error
	// FailedLogin counts one more failed log-in of an account in one step
	// (concurrent failures, on several instances too, each count) and
	// locks it until lock(failures) when that is not nil; LoggedIn sets
	// the count back. Neither touches anything else of the account, so a
	// change staff make meanwhile (disabling it) stays.
	FailedLogin(ctx context.Context, id string, lock func(failures int) *time.Time) (failures int, err error)
	LoggedIn(ctx context.Context, id string) error
	ListAccounts(ctx context.Context) ([]Account, error)
	CreateSession(ctx context.Context, s Session) error
	SessionByHash(ctx context.Context, hash []byte) (Session, error)
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteSessionsOf ends every session of an account (disabled, or a
	// new password).
	DeleteSessionsOf(ctx context.Context, accountID string) error
	ProviderExists(ctx context.Context, id string) (bool, error)
}

// ErrNotFound is what a Store answers for an unknown account or session.
var ErrNotFound = errors.New("not found")

// ErrLogin means the user name or password is wrong, the account is
// disabled or locked; which of these is not told to the person trying.
var ErrLogin = errors.New("wrong user name or password, or the account is disabled or locked")

// ErrSession means there is no valid session: none, unknown, idle too long
// or too old.
var ErrSession = errors.New("no valid session")

// Policy holds the limits of log-in and sessions.
type Policy struct {
	// Idle ends a session not used for this long; Absolute any session
	// this long after log-in.
	Idle, Absolute time.Duration
	// After MaxFailures consecutive failures log-in is refused for
	// LockFor, doubled for every further failure (at most a day).
	MaxFailures int
	LockFor     time.Duration
	// FailureDelay is waited before a failed log-in answers.
	FailureDelay time.Duration
	// MinPassword is the shortest password accepted.
	MinPassword int
}

// DefaultPolicy: 30 minutes idle, 10 hours at most (a working day), five
// tries, then a minute's lock that doubles.
var DefaultPolicy = Policy{Idle: 30 * time.Minute, Absolute: 10 * time.Hour, MaxFailures: 5, LockFor: time.Minute,
	FailureDelay: time.Second, MinPassword: 10}

// argon2id parameters (RFC 9106's second recommendation, with less memory
// for a small municipal server): 64 MiB, 3 passes, 2 lanes.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns the PHC string of an argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC string phc.
func CheckPassword(phc, pw string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 10 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user name is unknown, so that the
// answer takes as long as for a wrong password.
var dummyHash, _ = HashPassword("kein Konto, nur die gleiche Rechenzeit")

func newID(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return prefix + hex.EncodeToString(b), nil
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
