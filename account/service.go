package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
)

// AuditKind is the kind the audit log records account changes under.
const AuditKind catalogue.Kind = "account"

// Auditor records what is done with accounts.
type Auditor interface {
	Audit(ctx context.Context, e catalogue.AuditEvent) error
}

// Service applies the rules of accounts and log-in.
type Service struct {
	store  Store
	audit  Auditor
	cat    *catalogue.Service // the clock, the districts
	policy Policy
	log    *slog.Logger
	sleep  func(time.Duration)
}

// Option configures a Service.
type Option func(*Service)

// WithPolicy sets the limits of log-in and sessions.
func WithPolicy(p Policy) Option { return func(s *Service) { s.policy = p } }

// New returns a Service.
func New(st Store, audit Auditor, cat *catalogue.Service, log *slog.Logger, opts ...Option) *Service {
	s := &Service{store: st, audit: audit, cat: cat, policy: DefaultPolicy, log: log, sleep: time.Sleep}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Policy is the service's policy.
func (s *Service) Policy() Policy { return s.policy }

// NewAccount is what an admin enters for a new account.
type NewAccount struct {
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Role        access.Role `json:"role"`
	ProviderID  string      `json:"provider_id"`
	Districts   []string    `json:"districts"`
	Password    string      `json:"password"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// Create makes an account. Admins create accounts (and the command line
// the first admin, as admin).
func (s *Service) Create(ctx context.Context, p access.Principal, in NewAccount) (Account, error) {
	if !p.Is(access.RoleAdmin) {
		return Account{}, fmt.Errorf("%w: only an admin creates accounts", catalogue.ErrForbidden)
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	ve := &catalogue.ValidationError{}
	if !usernameRE.MatchString(in.Username) {
		ve.Add("username", "2 to 64 characters: lower-case letters, digits, dot, hyphen or underscore, starting with a letter or digit")
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	if len([]rune(in.DisplayName)) > 100 {
		ve.Add("display_name", "at most 100 characters")
	}
	if err := s.checkPassword(in.Password); err != nil {
		ve.Add("password", "%s", err)
	}
	if err := s.checkGrant(ctx, ve, in.Role, in.ProviderID, in.Districts); err != nil {
		return Account{}, err
	}
	if err := ve.OrNil(); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return Account{}, err
	}
	id, err := newID("usr_", 8)
	if err != nil {
		return Account{}, err
	}
	now := s.cat.Stamp()
	a := Account{ID: id, Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, ProviderID: in.ProviderID,
		Districts: in.Districts, CreatedAt: now, UpdatedAt: now, PasswordHash: hash}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, catalogue.ErrConflict) {
			ve.Add("username", "%q is taken", in.Username)
			return Account{}, ve
		}
		return Account{}, fmt.Errorf("create account: %w", err)
	}
	if err := s.record(ctx, p, "create", a.ID); err != nil {
		return Account{}, err
	}
	return a, nil
}

func (s *Service) checkGrant(ctx context.Context, ve *catalogue.ValidationError, role access.Role, providerID string, districts []string) error {
	switch {
	case !role.Valid():
		ve.Add("role", "one of admin, ressourcenmanager, fallmanager, traeger")
	case role == access.RoleProvider && providerID == "":
		ve.Add("provider_id", "a traeger account belongs to a provider")
	case role != access.RoleProvider && providerID != "":
		ve.Add("provider_id", "only traeger accounts belong to a provider")
	case len(districts) > 0 && role != access.RoleResourceManager:
		ve.Add("districts", "districts bind only ressourcenmanager accounts")
	}
	if providerID != "" {
		ok, err := s.store.ProviderExists(ctx, providerID)
		if err != nil {
			return fmt.Errorf("check provider: %w", err)
		}
		if !ok {
			ve.Add("provider_id", "provider %q does not exist", providerID)
		}
	}
	if len(districts) > 0 {
		known, _, err := s.cat.Reference(ctx)
		if err != nil {
			return err
		}
		for _, d := range districts {
			if !slices.ContainsFunc(known, func(k catalogue.District) bool { return k.ID == d }) {
				ve.Add("districts", "%q is not a district", d)
			}
		}
	}
	return nil
}

func (s *Service) checkPassword(pw string) error {
	switch n := len([]rune(pw)); {
	case n < s.policy.MinPassword:
		return fmt.Errorf("at least %d characters", s.policy.MinPassword)
	case n > 200:
		return errors.New("at most 200 characters")
	}
	return nil
}

// Login checks a user name and password and opens a session. It returns
// the session's secret for the cookie. Every failure answers ErrLogin
// after the policy's delay; after too many the account is locked for a
// while, also against the right password.
func (s *Service) Login(ctx context.Context, username, password string) (string, Session, Account, error) {
	now := s.cat.Now()
	a, err := s.store.AccountByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
	if errors.Is(err, ErrNotFound) {
		CheckPassword(dummyHash, password)
		s.sleep(s.policy.FailureDelay)
		s.log.WarnContext(ctx, "log-in failed", "reason", "unknown user")
		return "", Session{}, Account{}, ErrLogin
	}
	if err != nil {
		return "", Session{}, Account{}, fmt.Errorf("log-in: %w", err)
	}
	locked := a.LockedUntil != nil && now.Before(*a.LockedUntil)
	if locked || a.Disabled || !CheckPassword(a.PasswordHash, password) {
		if !locked && !a.Disabled {
			a.FailedLogins, err = s.store.FailedLogin(ctx, a.ID, func(failures int) *time.Time {
				over := failures - s.policy.MaxFailures
				if over < 0 {
					return nil
				}
				until := now.Add(min(s.policy.LockFor<<min(over, 10), 24*time.Hour))
				return &until
			})
			if err != nil {
				return "", Session{}, Account{}, fmt.Errorf("count failed log-in: %w", err)
			}
		}
		s.sleep(s.policy.FailureDelay)
		s.log.WarnContext(ctx, "log-in failed", "account", a.ID, "failures", a.FailedLogins, "locked", locked, "disabled", a.Disabled)
		return "", Session{}, Account{}, ErrLogin
	}
	if a.FailedLogins > 0 || a.LockedUntil != nil {
		a.FailedLogins, a.LockedUntil = 0, nil
		if err := s.store.LoggedIn(ctx, a.ID); err != nil {
			return "", Session{}, Account{}, fmt.Errorf("log-in: %w", err)
		}
	}
	secret, err := newID("", 32)
	if err != nil {
		return "", Session{}, Account{}, err
	}
	csrf, err := newID("", 32)
	if err != nil {
		return "", Session{}, Account{}, err
	}
	sess := Session{Hash: hashSecret(secret), AccountID: a.ID, CSRF: csrf, CreatedAt: now.UTC(), LastSeen: now.UTC()}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, Account{}, fmt.Errorf("open session: %w", err)
	}
	if err := s.record(ctx, a.Principal(), "login", a.ID); err != nil {
		return "", Session{}, Account{}, err
	}
	return secret, sess, a, nil
}

// Resolve returns the account and session of a session secret, if the
// session is still valid, and marks it used.
func (s *Service) Resolve(ctx context.Context, secret string) (Account, Session, error) {
	if len(secret) != 64 {
		return Account{}, Session{}, ErrSession
	}
	h := hashSecret(secret)
	sess, err := s.store.SessionByHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return Account{}, Session{}, ErrSession
	}
	if err != nil {
		return Account{}, Session{}, fmt.Errorf("session: %w", err)
	}
	now := s.cat.Now()
	if now.Sub(sess.LastSeen) > s.policy.Idle || now.Sub(sess.CreatedAt) > s.policy.Absolute {
		if err := s.store.DeleteSession(ctx, h); err != nil {
			return Account{}, Session{}, fmt.Errorf("end session: %w", err)
		}
		return Account{}, Session{}, ErrSession
	}
	a, err := s.store.AccountByID(ctx, sess.AccountID)
	if errors.Is(err, ErrNotFound) || err == nil && a.Disabled {
		return Account{}, Session{}, ErrSession
	}
	if err != nil {
		return Account{}, Session{}, fmt.Errorf("session account: %w", err)
	}
	// A write per request would be a write per page: the idle clock moves
	// in steps of a minute.
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.store.TouchSession(ctx, h, now.UTC()); err != nil {
			return Account{}, Session{}, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeen = now.UTC()
	}
	return a, sess, nil
}

// Logout ends the session of secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	if err := s.store.DeleteSession(ctx, hashSecret(secret)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("log-out: %w", err)
	}
	return nil
}

// ChangePassword sets a's new password if old is the current one, and
// ends the account's other sessions (the caller opens a new one).
func (s *Service) ChangePassword(ctx context.Context, a Account, old, next string) error {
	ve := &catalogue.ValidationError{}
	if !CheckPassword(a.PasswordHash, old) {
		ve.Add("old_password", "is not the current password")
	}
	if err := s.checkPassword(next); err != nil {
		ve.Add("new_password", "%s", err)
	} else if next == old {
		ve.Add("new_password", "must differ from the current password")
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return s.setPassword(ctx, a.Principal(), a, next)
}

func (s *Service) setPassword(ctx context.Context, by access.Principal, a Account, pw string) error {
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	a.PasswordHash, a.UpdatedAt, a.FailedLogins, a.LockedUntil = hash, s.cat.Stamp(), 0, nil
	if err := s.store.UpdateAccount(ctx, a); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := s.store.DeleteSessionsOf(ctx, a.ID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return s.record(ctx, by, "update", a.ID)
}

// List returns every account, for admins.
func (s *Service) List(ctx context.Context, p access.Principal) ([]Account, error) {
	if !p.Is(access.RoleAdmin) {
		return nil, fmt.Errorf("%w: only an admin lists accounts", catalogue.ErrForbidden)
	}
	return s.store.ListAccounts(ctx)
}

// SetDisabled disables an account (ending its sessions) or enables it
// again.
func (s *Service) SetDisabled(ctx context.Context, p access.Principal, id string, disabled bool) (Account, error) {
	a, err := s.adminLoad(ctx, p, id)
	if err != nil {
		return Account{}, err
	}
	if disabled && a.ID == p.TokenID {
		return Account{}, fmt.Errorf("%w: an admin cannot disable their own account", catalogue.ErrConflict)
	}
	a.Disabled, a.UpdatedAt = disabled, s.cat.Stamp()
	if !disabled {
		a.FailedLogins, a.LockedUntil = 0, nil
	}
	if err := s.store.UpdateAccount(ctx, a); err != nil {
		return Account{}, fmt.Errorf("update account: %w", err)
	}
	if disabled {
		if err := s.store.DeleteSessionsOf(ctx, a.ID); err != nil {
			return Account{}, fmt.Errorf("end sessions: %w", err)
		}
	}
	return a, s.record(ctx, p, "update", a.ID)
}

// ResetPassword sets a new password for someone who forgot theirs, and
// lifts a lock.
func (s *Service) ResetPassword(ctx context.Context, p access.Principal, id, pw string) error {
	a, err := s.adminLoad(ctx, p, id)
	if err != nil {
		return err
	}
	if err := s.checkPassword(pw); err != nil {
		ve := &catalogue.ValidationError{}
		ve.Add("password", "%s", err)
		return ve
	}
	return s.setPassword(ctx, p, a, pw)
}

func (s *Service) adminLoad(ctx context.Context, p access.Principal, id string) (Account, error) {
	if !p.Is(access.RoleAdmin) {
		return Account{}, fmt.Errorf("%w: only an admin changes accounts", catalogue.ErrForbidden)
	}
	a, err := s.store.AccountByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Account{}, fmt.Errorf("account %s: %w", id, catalogue.ErrNotFound)
	}
	return a, err
}

func (s *Service) record(ctx context.Context, p access.Principal, action, id string) error {
	e := catalogue.AuditEvent{At: s.cat.Stamp(), TokenID: p.TokenID, TokenName: p.Name, Action: action, Kind: AuditKind, EntryIDs: []string{id}}
	if err := s.audit.Audit(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
