package catalogue

import (
	"context"
	"fmt"
	"slices"

	"massanzug/access"
)

// Tokens are city IT's business: the admin issues, lists and revokes them.
// access owns what a token is and how it is checked; the service owns who
// may manage them.

func requireAdmin(p access.Principal, what string) error {
	if !p.Is(access.RoleAdmin) {
		return forbidden(p, what)
	}
	return nil
}

// Authenticate resolves a presented token to its principal.
func (s *Service) Authenticate(ctx context.Context, plain string) (access.Principal, error) {
	return access.Authenticate(ctx, s.store, plain)
}

// IssueToken creates a token and returns it in plain, to be shown once.
func (s *Service) IssueToken(ctx context.Context, p access.Principal, name string, role access.Role, providerID string) (string, access.Token, error) {
	return s.Grant(ctx, p, access.Grant{Name: name, Role: role, ProviderID: providerID})
}

// Grant creates a token for g, checking that its districts exist, and
// returns it in plain, to be shown once.
func (s *Service) Grant(ctx context.Context, p access.Principal, g access.Grant) (string, access.Token, error) {
	if err := requireAdmin(p, "manage tokens"); err != nil {
		return "", access.Token{}, err
	}
	if len(g.Districts) > 0 {
		r, err := s.loadRefs(ctx)
		if err != nil {
			return "", access.Token{}, err
		}
		for _, d := range g.Districts {
			if _, ok := r.districts[d]; !ok {
				return "", access.Token{}, access.ErrInvalidGrant{Reason: fmt.Sprintf("district %q does not exist", d)}
			}
		}
		g.Districts = slices.Compact(slices.Sorted(slices.Values(g.Districts)))
	}
	plain, t, err := access.IssueGrant(ctx, s.store, g, s.now())
	if err != nil {
		return "", access.Token{}, err
	}
	s.log.InfoContext(ctx, "token issued", "id", t.ID, "role", t.Role, "by", p.TokenID)
	return plain, t, nil
}

// Tokens lists every token, revoked ones too; never their secrets.
func (s *Service) Tokens(ctx context.Context, p access.Principal) ([]access.Token, error) {
	if err := requireAdmin(p, "manage tokens"); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx)
}

// RevokeToken revokes a token for good.
func (s *Service) RevokeToken(ctx context.Context, p access.Principal, id string) error {
	if err := requireAdmin(p, "manage tokens"); err != nil {
		return err
	}
	if err := s.store.RevokeToken(ctx, id, s.now().UTC()); err != nil {
		return fmt.Errorf("token %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "token revoked", "id", id, "by", p.TokenID)
	return nil
}
