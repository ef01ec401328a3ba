package account_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/account"
	"massanzug/catalogue"
	"massanzug/internal/testbackend"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestMain(m *testing.M) { testbackend.Main(m) }

func open(t *testing.T) (*account.Service, testbackend.Store, *clock) {
	t.Helper()
	ctx := context.Background()
	db := testbackend.Open(t, t.TempDir())
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	cat := catalogue.NewService(db, catalogue.WithClock(c.Now))
	pol := account.DefaultPolicy
	pol.FailureDelay = 0
	return account.New(db, db, cat, slog.New(slog.NewTextHandler(io.Discard, nil)), account.WithPolicy(pol)), db, c
}

var admin = access.Principal{Role: access.RoleAdmin, TokenID: "setup", Name: "setup"}

func TestPasswordHash(t *testing.T) {
	h, err := account.HashPassword("richtig-langes-Passwort")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") || !account.CheckPassword(h, "richtig-langes-Passwort") {
		t.Errorf("hash %s does not check", h)
	}
	for _, bad := range []string{"richtig-langes-passwort", "", "richtig-langes-Passwort "} {
		if account.CheckPassword(h, bad) {
			t.Errorf("%q passes", bad)
		}
	}
	if account.CheckPassword("$argon2id$v=19$m=99999999,t=3,p=2$AAAA$AAAA", "x") || account.CheckPassword("nonsense", "x") {
		t.Error("a malformed hash passes")
	}
}

func TestCreateValidates(t *testing.T) {
	s, _, _ := open(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		in    account.NewAccount
		field string
	}{
		{"short password", account.NewAccount{Username: "mk", Role: access.RoleCaseManager, Password: "kurz"}, "password"},
		{"bad user name", account.NewAccount{Username: "Frau Müller", Role: access.RoleCaseManager, Password: "lang-genug-123"}, "username"},
		{"unknown role", account.NewAccount{Username: "mk", Role: "chef", Password: "lang-genug-123"}, "role"},
		{"traeger without provider", account.NewAccount{Username: "mk", Role: access.RoleProvider, Password: "lang-genug-123"}, "provider_id"},
		{"districts for a case manager", account.NewAccount{Username: "mk", Role: access.RoleCaseManager, Districts: []string{"eselsberg"}, Password: "lang-genug-123"}, "districts"},
		{"unknown district", account.NewAccount{Username: "mk", Role: access.RoleResourceManager, Districts: []string{"atlantis"}, Password: "lang-genug-123"}, "districts"},
	} {
		_, err := s.Create(ctx, admin, c.in)
		var ve *catalogue.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != c.field {
			t.Errorf("%s: %v, want a validation error on %s", c.name, err, c.field)
		}
	}
	if _, err := s.Create(ctx, access.Principal{Role: access.RoleResourceManager}, account.NewAccount{Username: "mk", Role: access.RoleCaseManager, Password: "lang-genug-123"}); !errors.Is(err, catalogue.ErrForbidden) {
		t.Errorf("an RM creates an account: %v", err)
	}
	in := account.NewAccount{Username: "M.Keller", DisplayName: "Monika Keller", Role: access.RoleResourceManager, Districts: []string{"eselsberg"}, Password: "lang-genug-123"}
	a, err := s.Create(ctx, admin, in)
	if err != nil || a.Username != "m.keller" {
		t.Fatalf("create: %+v %v", a, err)
	}
	if _, err := s.Create(ctx, admin, in); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Errorf("the same user name twice: %v", err)
	}
}

func TestLoginSessionsAndLockOut(t *testing.T) {
	s, db, c := open(t)
	ctx := context.Background()
	a, err := s.Create(ctx, admin, account.NewAccount{Username: "mk", DisplayName: "Monika Keller", Role: access.RoleCaseManager, Password: "lang-genug-123"})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, got, err := s.Login(ctx, "MK ", "lang-genug-123")
	if err != nil || got.ID != a.ID {
		t.Fatalf("log-in: %v", err)
	}
	if p := got.Principal(); p.TokenID != a.ID || p.Name != "Monika Keller" || p.Role != access.RoleCaseManager {
		t.Errorf("principal %+v", p)
	}
	if _, _, err := s.Resolve(ctx, secret); err != nil {
		t.Errorf("resolve: %v", err)
	}
	// Idle: 29 minutes pass, the session is used, 29 more: still valid;
	// then 31 without use end it.
	c.add(29 * time.Minute)
	if _, _, err := s.Resolve(ctx, secret); err != nil {
		t.Errorf("after 29 min: %v", err)
	}
	c.add(29 * time.Minute)
	if _, _, err := s.Resolve(ctx, secret); err != nil {
		t.Errorf("after 58 min, used at 29: %v", err)
	}
	c.add(31 * time.Minute)
	if _, _, err := s.Resolve(ctx, secret); !errors.Is(err, account.ErrSession) {
		t.Errorf("idle 31 min: %v", err)
	}
	// Absolute: used every 20 minutes, the session still ends after 10 h.
	secret, _, _, _ = s.Login(ctx, "mk", "lang-genug-123")
	for range 31 {
		c.add(20 * time.Minute)
		s.Resolve(ctx, secret)
	}
	if _, _, err := s.Resolve(ctx, secret); !errors.Is(err, account.ErrSession) {
		t.Errorf("after 10 h: %v", err)
	}

	// Five wrong passwords lock the account, also against the right one,
	// for a minute; the sixth wrong doubles it.
	for i := range 5 {
		if _, _, _, err := s.Login(ctx, "mk", "falsch-falsch"); !errors.Is(err, account.ErrLogin) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	if _, _, _, err := s.Login(ctx, "mk", "lang-genug-123"); !errors.Is(err, account.ErrLogin) {
		t.Errorf("locked account logs in: %v", err)
	}
	c.add(61 * time.Second)
	if _, _, _, err := s.Login(ctx, "mk", "falsch-falsch"); !errors.Is(err, account.ErrLogin) {
		t.Fatal(err)
	}
	c.add(61 * time.Second)
	if _, _, _, err := s.Login(ctx, "mk", "lang-genug-123"); !errors.Is(err, account.ErrLogin) {
		t.Errorf("the second lock is two minutes: %v", err)
	}
	c.add(61 * time.Second)
	secret, _, _, err = s.Login(ctx, "mk", "lang-genug-123")
	if err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if a, _ := db.AccountByID(ctx, a.ID); a.FailedLogins != 0 || a.LockedUntil != nil {
		t.Errorf("a good log-in resets the count: %+v", a)
	}
	if _, _, _, err := s.Login(ctx, "niemand", "lang-genug-123"); !errors.Is(err, account.ErrLogin) {
		t.Errorf("unknown user: %v", err)
	}

	// A new password ends every session; disabling too.
	cur, _ := db.AccountByID(ctx, a.ID)
	if err := s.ChangePassword(ctx, cur, "falsch", "neues-Passwort-1"); err == nil {
		t.Error("password changed without the current one")
	}
	if err := s.ChangePassword(ctx, cur, "lang-genug-123", "neues-Passwort-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resolve(ctx, secret); !errors.Is(err, account.ErrSession) {
		t.Errorf("session after a new password: %v", err)
	}
	secret, _, _, err = s.Login(ctx, "mk", "neues-Passwort-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetDisabled(ctx, admin, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resolve(ctx, secret); !errors.Is(err, account.ErrSession) {
		t.Errorf("session of a disabled account: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "mk", "neues-Passwort-1"); !errors.Is(err, account.ErrLogin) {
		t.Errorf("a disabled account logs in: %v", err)
	}
	if _, err := s.SetDisabled(ctx, admin, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetPassword(ctx, admin, a.ID, "vom-Admin-gesetzt"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Login(ctx, "mk", "vom-Admin-gesetzt"); err != nil {
		t.Errorf("after a reset: %v", err)
	}
	var logins int
	events, _, err := db.ListAudit(ctx, catalogue.AuditFilter{Action: "login", Page: catalogue.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.TokenID == a.ID && e.TokenName == "Monika Keller" {
			logins++
		}
	}
	if logins != 5 {
		t.Errorf("%d log-ins in the audit log naming the person, want 5", logins)
	}
}

// TestFailedLoginsRace: wrong passwords tried at once (as through several
// instances) each count, and staff disabling the account meanwhile is not
// undone by a failure being counted.
func TestFailedLoginsRace(t *testing.T) {
	s, db, _ := open(t)
	ctx := context.Background()
	a, err := s.Create(ctx, admin, account.NewAccount{Username: "mk", DisplayName: "Monika Keller", Role: access.RoleCaseManager, Password: "lang-genug-123"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { s.Login(ctx, "mk", "falsch-falsch") })
	}
	wg.Wait()
	if got, _ := db.AccountByID(ctx, a.ID); got.FailedLogins != 4 || got.LockedUntil != nil {
		t.Errorf("4 failures at once counted %d (locked %v)", got.FailedLogins, got.LockedUntil)
	}
	wg.Go(func() {
		for range 20 {
			s.Login(ctx, "mk", "falsch-falsch")
		}
	})
	if _, err := s.SetDisabled(ctx, admin, a.ID, true); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got, _ := db.AccountByID(ctx, a.ID); !got.Disabled {
		t.Error("a failed log-in counted at the same time undid disabling the account")
	}
}
