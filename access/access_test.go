package access_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/store"
)

func TestIssueAndAuthenticate(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	plain, tok, err := access.Issue(ctx, db, "Frau K., Fallmanagement", access.RoleCaseManager, "", now)
	if err != nil {
		t.Fatal(err)
	}
	p, err := access.Authenticate(ctx, db, plain)
	if err != nil || p.Role != access.RoleCaseManager || p.TokenID != tok.ID {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	stored, _ := db.TokenByID(ctx, tok.ID)
	if strings.Contains(string(stored.SecretHash), plain[20:]) {
		t.Error("secret stored in plain")
	}
	wrong := plain[:len(plain)-1] + map[bool]string{true: "1", false: "0"}[plain[len(plain)-1] == '0']
	for name, bad := range map[string]string{
		"empty": "", "no prefix": strings.TrimPrefix(plain, "mz_"), "wrong secret": wrong,
		"unknown id": "mz_ffffffffffffffff_" + plain[20:], "truncated": plain[:30],
	} {
		if _, err := access.Authenticate(ctx, db, bad); !errors.Is(err, access.ErrUnauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := db.RevokeToken(ctx, tok.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := access.Authenticate(ctx, db, plain); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("revoked token accepted: %v", err)
	}
}

func TestIssueRefusesBadGrants(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name, role, provider string
	}{
		{"", "admin", ""}, {"x", "boss", ""}, {"x", "traeger", ""}, {"x", "traeger", "prv_missing"}, {"x", "admin", "prv_x"},
	} {
		var grant access.ErrInvalidGrant
		if _, _, err := access.Issue(ctx, db, c.name, access.Role(c.role), c.provider, time.Now()); !errors.As(err, &grant) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	th := access.NewThrottle(3, time.Minute, func() time.Time { return now })
	for i := range 3 {
		if _, blocked := th.Blocked("10.0.0.1"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		if reached := th.Failed("10.0.0.1"); reached != (i == 2) {
			t.Errorf("failure %d: reached %v", i+1, reached)
		}
	}
	if left, blocked := th.Blocked("10.0.0.1"); !blocked || left != time.Minute {
		t.Errorf("after 3 failures: blocked %v for %s", blocked, left)
	}
	if _, blocked := th.Blocked("10.0.0.2"); blocked {
		t.Error("another address is blocked")
	}
	now = now.Add(61 * time.Second)
	if _, blocked := th.Blocked("10.0.0.1"); blocked {
		t.Error("still blocked after the window")
	}
}
