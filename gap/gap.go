// Package gap owns the gaps in the help system (Lücken im Hilfesystem)
// that staff record by hand: a need nothing in the catalogue meets, which
// they forward to the city's planners (Fachplanung) and close by naming
// the offer or group that now fills it, as RM closed the gaps that the
// Canapé Café and the Eselsberg neighbourhood help fill. Unmet needs that
// matching counts by itself are the catalogue's (UnmetNeeds); these are
// the ones a person describes.
package gap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
)

// Status is where a gap stands.
type Status string

const (
	Open      Status = "open"      // offen
	Forwarded Status = "forwarded" // weitergeleitet an die Fachplanung
	Closed    Status = "closed"    // geschlossen: something fills it now
)

// Statuses lists every status.
var Statuses = []Status{Open, Forwarded, Closed}

var next = map[Status][]Status{Open: {Forwarded, Closed}, Forwarded: {Closed}}

// Person names who did something.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Change is one step of a gap's history.
type Change struct {
	At     time.Time `json:"at"`
	By     Person    `json:"by"`
	Status Status    `json:"status"`
	Note   string    `json:"note,omitempty"`
}

// Input describes a gap.
type Input struct {
	District    string `json:"district" validate:"required,max=64"`
	HelpKind    string `json:"help_kind,omitempty" validate:"max=64"`
	Description string `json:"description" validate:"required,max=1000"`
}

// Gap is a recorded gap.
type Gap struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Input
	Status Status `json:"status"`
	// FilledBy is the entry (an offer or a neighbourhood help) that closed it.
	FilledBy  *catalogue.Placement `json:"filled_by,omitempty"`
	ClosedOn  string               `json:"closed_on,omitempty"`
	History   []Change             `json:"history"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// Transition is a status change asked for.
type Transition struct {
	Status Status `json:"status" validate:"required"`
	// FilledBy names the entry that fills the gap; needed to close it.
	FilledBy string `json:"filled_by,omitempty" validate:"max=64"`
	Note     string `json:"note,omitempty" validate:"max=1000"`
}

// Filter selects gaps.
type Filter struct {
	Status    Status
	District  string
	Districts []string // a caller bound to districts
	catalogue.Page
}

// Store keeps gaps.
type Store interface {
	CreateGap(ctx context.Context, g *Gap) error
	Gap(ctx context.Context, id string) (*Gap, error)
	UpdateGap(ctx context.Context, g *Gap, expected int64) error
	ListGaps(ctx context.Context, f Filter) ([]*Gap, int, error)
}

// Service applies the rules of gaps: staff only, within their districts.
type Service struct {
	store Store
	cat   *catalogue.Service
}

// New returns a Service.
func New(st Store, cat *catalogue.Service) *Service { return &Service{store: st, cat: cat} }

func may(p access.Principal, district string) error {
	if !p.Is(access.RoleResourceManager) {
		return fmt.Errorf("%w: role %s may not record gaps", catalogue.ErrForbidden, p.Role)
	}
	if district != "" && len(p.Districts) > 0 && !slices.Contains(p.Districts, district) {
		return fmt.Errorf("%w: this token is responsible for the districts %s, not for %s", catalogue.ErrForbidden, strings.Join(p.Districts, ", "), district)
	}
	return nil
}

// Create records a gap.
func (s *Service) Create(ctx context.Context, p access.Principal, in Input) (*Gap, error) {
	if err := may(p, ""); err != nil {
		return nil, err
	}
	ve := catalogue.CheckShape(in)
	ds, tax, err := s.cat.Reference(ctx)
	if err != nil {
		return nil, err
	}
	if in.District != "" && !slices.ContainsFunc(ds, func(d catalogue.District) bool { return d.ID == in.District }) {
		ve.Add("district", "%q is not a district", in.District)
	}
	if in.HelpKind != "" {
		if _, ok := tax.HelpKind(in.HelpKind); !ok {
			ve.Add("help_kind", "%q is not a kind of help", in.HelpKind)
		}
	}
	if strings.TrimSpace(in.Description) == "" && in.Description != "" {
		ve.Add("description", "say what is missing")
	}
	if err := ve.OrNil(); err != nil {
		return nil, err
	}
	if err := may(p, in.District); err != nil {
		return nil, err
	}
	now := s.cat.Stamp()
	b := make([]byte, 8)
	rand.Read(b)
	g := &Gap{ID: "gap_" + hex.EncodeToString(b), Version: 1, Input: in, Status: Open, CreatedAt: now, UpdatedAt: now,
		History: []Change{{At: now, By: Person{p.TokenID, p.Name}, Status: Open}}}
	if err := s.store.CreateGap(ctx, g); err != nil {
		return nil, fmt.Errorf("record gap: %w", err)
	}
	return g, nil
}

// List lists the gaps p may see, newest first.
func (s *Service) List(ctx context.Context, p access.Principal, f Filter) ([]*Gap, int, error) {
	if err := may(p, ""); err != nil {
		return nil, 0, err
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		ve := &catalogue.ValidationError{}
		ve.Add("status", "%q is not a status of gaps; one of open, forwarded, closed", f.Status)
		return nil, 0, ve
	}
	f.Districts = p.Districts
	return s.store.ListGaps(ctx, f)
}

// Move forwards or closes a gap; closing it names what fills it now.
func (s *Service) Move(ctx context.Context, p access.Principal, id string, expected int64, t Transition) (*Gap, error) {
	if err := may(p, ""); err != nil {
		return nil, err
	}
	g, err := s.store.Gap(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("gap %s: %w", id, err)
	}
	if may(p, g.District) != nil {
		return nil, fmt.Errorf("gap %s: %w", id, catalogue.ErrNotFound)
	}
	if g.Version != expected {
		return nil, fmt.Errorf("%w: gap %s is at version %d", catalogue.ErrVersionMismatch, id, g.Version)
	}
	if err := catalogue.CheckShape(t).OrNil(); err != nil {
		return nil, err
	}
	if !slices.Contains(next[g.Status], t.Status) {
		allowed := "none: the gap is closed"
		if len(next[g.Status]) > 0 {
			var a []string
			for _, st := range next[g.Status] {
				a = append(a, string(st))
			}
			allowed = strings.Join(a, ", ")
		}
		return nil, fmt.Errorf("%w: a gap that is %s cannot become %s; allowed: %s", catalogue.ErrConflict, g.Status, t.Status, allowed)
	}
	now := s.cat.Stamp()
	if t.Status == Closed {
		if t.FilledBy == "" {
			ve := &catalogue.ValidationError{}
			ve.Add("filled_by", "name the offer or neighbourhood help that fills the gap now")
			return nil, ve
		}
		if k := catalogue.KindOfID(t.FilledBy); k != catalogue.KindOffer && k != catalogue.KindNeighbourhoodHelp {
			ve := &catalogue.ValidationError{}
			ve.Add("filled_by", "%q is not an offer or a neighbourhood help", t.FilledBy)
			return nil, ve
		}
		pl, err := s.cat.Placement(ctx, p, t.FilledBy)
		if err != nil {
			return nil, err
		}
		g.FilledBy, g.ClosedOn = &pl, now.In(s.cat.Location()).Format(time.DateOnly)
	}
	g.Status, g.Version, g.UpdatedAt = t.Status, g.Version+1, now
	g.History = append(g.History, Change{At: now, By: Person{p.TokenID, p.Name}, Status: t.Status, Note: strings.TrimSpace(t.Note)})
	if err := s.store.UpdateGap(ctx, g, expected); err != nil {
		return nil, fmt.Errorf("move gap %s: %w", id, err)
	}
	return g, nil
}
