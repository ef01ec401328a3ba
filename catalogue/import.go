package catalogue

import (
	"context"
	"fmt"
	"strings"

	"massanzug/access"
)

// ImportRow is one row of an import: its line in the file and its input
// (*VolunteerInput, *NeighbourhoodHelpInput or *OfferInput), or the errors
// that kept it from being read.
type ImportRow struct {
	Line   int
	Input  any
	Errors []FieldError
}

// RowError is one bad field of one row.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportReport says what an import did or, dry or refused, would do.
type ImportReport struct {
	Kind     Kind       `json:"kind"`
	DryRun   bool       `json:"dry_run"`
	Rows     int        `json:"rows"`
	Imported int        `json:"imported"`
	Errors   []RowError `json:"errors"`
}

// MaxImportRows bounds one import; larger lists are split.
const MaxImportRows = 200_000

// Import validates every row with the rules of the API and then writes all
// of them in one transaction, or none if any row is bad (or dryRun). The
// index is updated in batches before Import returns.
func (s *Service) Import(ctx context.Context, p access.Principal, k Kind, rows []ImportRow, dryRun bool) (ImportReport, error) {
	rep := ImportReport{Kind: k, DryRun: dryRun, Rows: len(rows), Errors: []RowError{}}
	if !p.Is(access.RoleResourceManager) {
		return rep, forbidden(p, "import entries")
	}
	if len(rows) > MaxImportRows {
		return rep, &ValidationError{Fields: []FieldError{{Field: "rows", Message: fmt.Sprintf("%d rows; import at most %d at once", len(rows), MaxImportRows)}}}
	}
	r, err := s.loadRefs(ctx)
	if err != nil {
		return rep, err
	}
	entries := make([]entry, 0, len(rows))
	for _, row := range rows {
		for _, fe := range row.Errors {
			rep.Errors = append(rep.Errors, RowError{Line: row.Line, Field: fe.Field, Message: fe.Message})
		}
		if len(row.Errors) > 0 {
			continue
		}
		e, err := newEntry(k, row.Input)
		if err != nil {
			return rep, err
		}
		if err := validateWith(r, e); err != nil {
			if ve, ok := err.(*ValidationError); ok {
				for _, fe := range ve.Fields {
					rep.Errors = append(rep.Errors, RowError{Line: row.Line, Field: fe.Field, Message: fe.Message})
				}
				continue
			}
			return rep, err
		}
		if rec, err := toRecord(e); err != nil {
			return rep, err
		} else if s.inDistricts(p, rec) != nil {
			rep.Errors = append(rep.Errors, RowError{Line: row.Line, Field: "districts",
				Message: "helps in none of the districts this token is responsible for (" + strings.Join(p.Districts, ", ") + ")"})
			continue
		}
		entries = append(entries, e)
	}
	if len(rep.Errors) > 0 || dryRun {
		return rep, nil
	}
	recs := make([]Record, len(entries))
	ids := make([]string, len(entries))
	for i, e := range entries {
		s.stampNew(p, k, e)
		if recs[i], err = toRecord(e); err != nil {
			return rep, err
		}
		ids[i] = e.head().ID
	}
	if err := s.commitMany(ctx, recs, s.event(p, "import", k, ids...)); err != nil {
		return rep, fmt.Errorf("import %s: %w", k, err)
	}
	rep.Imported = len(recs)
	s.log.InfoContext(ctx, "entries imported", "kind", k, "count", len(recs), "by", p.TokenID)
	return rep, nil
}

// commitMany writes records in one transaction and indexes them.
func (s *Service) commitMany(ctx context.Context, recs []Record, ev *AuditEvent) error {
	if err := s.apply.start(ctx); err != nil {
		return err
	}
	seqs, err := s.store.CreateEntries(ctx, recs, ev)
	if err != nil {
		return err
	}
	cs := make([]change, len(recs))
	for i := range recs {
		recs[i].Seq = seqs[i]
		cs[i] = change{rec: recs[i]}
	}
	s.apply.hand(ctx, seqs, cs)
	return nil
}

func newEntry(k Kind, in any) (entry, error) {
	switch x := in.(type) {
	case *VolunteerInput:
		if k == KindVolunteer {
			return &Volunteer{VolunteerInput: *x}, nil
		}
	case *NeighbourhoodHelpInput:
		if k == KindNeighbourhoodHelp {
			return &NeighbourhoodHelp{NeighbourhoodHelpInput: *x}, nil
		}
	case *OfferInput:
		if k == KindOffer {
			return &Offer{OfferInput: *x}, nil
		}
	}
	return nil, fmt.Errorf("import of %s got a %T", k, in)
}

// NewInput returns a pointer to an empty input of kind k, to decode into.
func NewInput(k Kind) (any, error) {
	switch k {
	case KindVolunteer:
		return &VolunteerInput{}, nil
	case KindNeighbourhoodHelp:
		return &NeighbourhoodHelpInput{}, nil
	case KindOffer:
		return &OfferInput{}, nil
	}
	return nil, &ValidationError{Fields: []FieldError{{Field: "kind", Message: fmt.Sprintf("%q is not one of %s", k, strings.Join([]string{string(KindVolunteer), string(KindNeighbourhoodHelp), string(KindOffer)}, ", "))}}}
}

// Export passes every entry of kind k, archived ones too, in id order, as
// the API shows them to staff, to fn. An export of volunteers is a read of
// everyone's personal data: it is recorded, naming every id, before the
// first entry is passed on.
func (s *Service) Export(ctx context.Context, p access.Principal, k Kind, fn func(any) error) error {
	if !p.Is(access.RoleResourceManager) {
		return forbidden(p, "export the catalogue")
	}
	var recs []Record
	err := s.store.EachEntry(ctx, func(r Record) error {
		if r.Kind == k {
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", k, err)
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	if err := s.audit(ctx, p, "export", k, ids...); err != nil {
		return err
	}
	today := s.Today()
	for _, r := range recs {
		var e entry
		var err error
		switch k {
		case KindVolunteer:
			e, err = fromRecord[Volunteer](r)
		case KindNeighbourhoodHelp:
			e, err = fromRecord[NeighbourhoodHelp](r)
		default:
			e, err = fromRecord[Offer](r)
		}
		if err != nil {
			return err
		}
		e.finish(p, today)
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
