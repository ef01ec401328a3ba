// Package access owns who may do what: the roles of domain.md, the
// principal behind a request and the API tokens that authenticate it.
//
// Tokens are shown once and stored only as a SHA-256 hash of their secret;
// a token is looked up by its public id and its secret compared in constant
// time, so neither the database nor timing reveals a usable token.
package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is one of the four roles of domain.md.
type Role string

const (
	RoleAdmin           Role = "admin"
	RoleResourceManager Role = "ressourcenmanager"
	RoleCaseManager     Role = "fallmanager"
	RoleProvider        Role = "traeger"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleAdmin, RoleResourceManager, RoleCaseManager, RoleProvider}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Principal is the authenticated caller of a request.
type Principal struct {
	TokenID    string
	Name       string
	Role       Role
	ProviderID string // set only for RoleProvider
	// Districts binds a ressourcenmanager to the districts it is
	// responsible for; none means city-wide (the Fachkoordination).
	Districts []string
}

// Is reports whether p holds one of the roles.
func (p Principal) Is(roles ...Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// Token is a stored API token. The secret is never stored, only its hash.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	ProviderID string     `json:"provider_id,omitempty"`
	Districts  []string   `json:"districts,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	SecretHash []byte     `json:"-"`
}

// TokenStore persists tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t Token) error
	TokenByID(ctx context.Context, id string) (Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error
	ProviderExists(ctx context.Context, id string) (bool, error)
}

// ErrUnauthenticated means the presented token is missing, malformed,
// unknown or revoked. Which of these is deliberately not told.
var ErrUnauthenticated = errors.New("missing or invalid token")

// ErrTokenNotFound is returned by a TokenStore for an unknown id.
var ErrTokenNotFound = errors.New("token not found")

// ErrInvalidGrant reports a token request that cannot be granted.
type ErrInvalidGrant struct{ Reason string }

func (e ErrInvalidGrant) Error() string { return e.Reason }

const tokenPrefix = "mz_"

// Issue creates a token for name with role, bound to providerID when the
// role is traeger, and returns the plain token to hand out once.
func Issue(ctx context.Context, s TokenStore, name string, role Role, providerID string, now time.Time) (string, Token, error) {
	return IssueGrant(ctx, s, Grant{Name: name, Role: role, ProviderID: providerID}, now)
}

// Grant is what a token is issued for.
type Grant struct {
	Name       string
	Role       Role
	ProviderID string   // traeger tokens only
	Districts  []string // ressourcenmanager tokens only; the caller checks they exist
}

// IssueGrant creates a token for g and returns the plain token to hand
// out once.
func IssueGrant(ctx context.Context, s TokenStore, g Grant, now time.Time) (string, Token, error) {
	name, role, providerID := strings.TrimSpace(g.Name), g.Role, g.ProviderID
	switch {
	case len(g.Districts) > 0 && role != RoleResourceManager:
		return "", Token{}, ErrInvalidGrant{"districts bind only ressourcenmanager tokens"}
	case len(g.Districts) > 20:
		return "", Token{}, ErrInvalidGrant{"a token is bound to at most 20 districts"}
	case name == "":
		return "", Token{}, ErrInvalidGrant{"name is required"}
	case len(name) > 200:
		return "", Token{}, ErrInvalidGrant{"name is longer than 200 characters"}
	case !role.Valid():
		return "", Token{}, ErrInvalidGrant{fmt.Sprintf("role %q is not one of admin, ressourcenmanager, fallmanager, traeger", role)}
	case role == RoleProvider && providerID == "":
		return "", Token{}, ErrInvalidGrant{"a traeger token needs provider_id"}
	case role != RoleProvider && providerID != "":
		return "", Token{}, ErrInvalidGrant{"provider_id is only for traeger tokens"}
	}
	if providerID != "" {
		ok, err := s.ProviderExists(ctx, providerID)
		if err != nil {
			return "", Token{}, fmt.Errorf("check provider: %w", err)
		}
		if !ok {
			return "", Token{}, ErrInvalidGrant{fmt.Sprintf("provider %q does not exist", providerID)}
		}
	}
	id, err := randomHex(8)
	if err != nil {
		return "", Token{}, err
	}
	secret, err := randomHex(24)
	if err != nil {
		return "", Token{}, err
	}
	t := Token{ID: id, Name: name, Role: role, ProviderID: providerID, Districts: g.Districts, CreatedAt: now.UTC().Truncate(time.Microsecond), SecretHash: hash(secret)}
	if err := s.CreateToken(ctx, t); err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	return tokenPrefix + id + "_" + secret, t, nil
}

// Authenticate resolves a plain token to its principal.
func Authenticate(ctx context.Context, s TokenStore, plain string) (Principal, error) {
	rest, ok := strings.CutPrefix(plain, tokenPrefix)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 16 || len(secret) != 48 {
		return Principal{}, ErrUnauthenticated
	}
	t, err := s.TokenByID(ctx, id)
	if errors.Is(err, ErrTokenNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up token: %w", err)
	}
	if subtle.ConstantTimeCompare(hash(secret), t.SecretHash) != 1 || t.RevokedAt != nil {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{TokenID: t.ID, Name: t.Name, Role: t.Role, ProviderID: t.ProviderID, Districts: t.Districts}, nil
}

func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
