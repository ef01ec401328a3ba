package catalogue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"massanzug/access"
	"massanzug/progress"
)

// ImportRow is one row of an import: its line in the file, the entry it
// updates (ID, with the Version the file was exported at, 0 when the file
// does not say) or none, and its input (*VolunteerInput,
// *NeighbourhoodHelpInput or *OfferInput), or the errors that kept it from
// being read. Merge makes an update's next input from the stored one: a
// spreadsheet without some columns leaves those fields as they are.
// Status is an offer's status as the file shows it ("" when absent): the
// review decides it, so an import only checks it.
type ImportRow struct {
	Line    int
	ID      string
	Version int64
	Status  Status
	Input   any
	Merge   Patch
	Errors  []FieldError
}

// ImportOptions: DryRun checks and reports without writing; Overwrite
// updates entries changed since the file was exported (the file wins);
// AllowDuplicates creates rows that look like an entry there is.
type ImportOptions struct {
	DryRun, Overwrite, AllowDuplicates bool
}

// Outcome is what an import does with one row.
type Outcome string

const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Rejected  Outcome = "rejected"
)

// RowError is one bad field of one row.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// RowReport says what an import does, or would do, with one row: the id it
// created or updated, the fields an update changes, the warnings (likely
// duplicates) and errors.
type RowReport struct {
	Line     int          `json:"line"`
	Outcome  Outcome      `json:"outcome"`
	ID       string       `json:"id,omitempty"`
	Fields   []string     `json:"fields,omitempty"`
	Warnings []FieldError `json:"warnings,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// ImportReport says what an import did or, dry or refused, would do.
// Imported counts the rows written (created and updated); an import with
// an error writes nothing.
type ImportReport struct {
	Kind       Kind        `json:"kind"`
	DryRun     bool        `json:"dry_run"`
	Rows       int         `json:"rows"`
	Imported   int         `json:"imported"`
	Created    int         `json:"created"`
	Updated    int         `json:"updated"`
	Unchanged  int         `json:"unchanged"`
	Rejected   int         `json:"rejected"`
	Duplicates int         `json:"duplicates"`
	CreatedIDs []string    `json:"created_ids"`
	Results    []RowReport `json:"results"`
	Errors     []RowError  `json:"errors"`
}

// MaxImportRows bounds one import; larger lists are split.
const MaxImportRows = 200_000

// Import validates every row with the rules of the API and then writes all
// of them in one transaction, or none if any row is bad, a likely duplicate
// (unless allowed), or opt.DryRun. A row with an id updates that entry if
// it is still at the row's version (or opt.Overwrite); a row that changes
// nothing is left alone. The index is updated before Import returns.
func (s *Service) Import(ctx context.Context, p access.Principal, k Kind, rows []ImportRow, opt ImportOptions) (ImportReport, error) {
	rep := ImportReport{Kind: k, DryRun: opt.DryRun, Rows: len(rows), CreatedIDs: []string{}, Results: make([]RowReport, len(rows)), Errors: []RowError{}}
	if !p.Is(access.RoleResourceManager) {
		return rep, forbidden(p, "import entries")
	}
	if len(rows) > MaxImportRows {
		return rep, &ValidationError{Fields: []FieldError{{Field: "rows", Message: fmt.Sprintf("%d rows; import at most %d at once", len(rows), MaxImportRows)}}}
	}
	if _, err := NewInput(k); err != nil {
		return rep, err
	}
	r, err := s.loadRefs(ctx)
	if err != nil {
		return rep, err
	}
	sc := ScopeOf(p, s.Today(), true)
	known, err := s.importContext(ctx, k, rows, sc)
	if err != nil {
		return rep, err
	}
	var creates []entry
	var updates []Replacement
	var written []int // rows behind creates, then updates
	twins := duplicates{known: known.twins, file: newTwinIndex(), named: map[string]bool{}}
	checking := progress.Start(ctx, nil, "checking rows", len(rows))
	for i, row := range rows {
		checking.Add(1)
		res := &rep.Results[i]
		res.Line, res.ID = row.Line, row.ID
		res.Errors = append(res.Errors, row.Errors...)
		if len(res.Errors) == 0 {
			if row.ID == "" {
				e, err := s.importNew(p, k, r, row, res)
				if err != nil {
					return rep, err
				}
				if e != nil {
					res.Warnings = twins.check(k, e, row.Line)
					if len(res.Warnings) > 0 && !opt.AllowDuplicates {
						for _, w := range res.Warnings {
							res.Errors = append(res.Errors, FieldError{Field: "name", Message: w.Message + "; import with duplicates allowed to create it anyway", German: w.German + "; mit „Dubletten erlauben“ wird sie trotzdem angelegt"})
						}
					} else {
						creates = append(creates, e)
						written = append(written, i)
					}
				}
			} else {
				u, err := s.importUpdate(p, k, r, sc, known.byID[row.ID], row, opt, res)
				if err != nil {
					return rep, err
				}
				if u != nil {
					updates = append(updates, *u)
				}
			}
		}
		if len(res.Errors) > 0 {
			res.Outcome, res.Fields = Rejected, nil
			rep.Rejected++
			for _, fe := range res.Errors {
				rep.Errors = append(rep.Errors, RowError{Line: row.Line, Field: fe.Field, Message: fe.Message})
			}
		}
		if len(res.Warnings) > 0 {
			rep.Duplicates++
		}
	}
	checking.Done()
	// Comparing rows with stored volunteers and naming likely twins reads
	// their personal data, in a dry run too: recorded before the answer.
	var read []string
	for _, row := range rows {
		if row.ID != "" && known.byID[row.ID] != nil && sc.Decide(new(FactsOf(*known.byID[row.ID]))).Visible() {
			read = append(read, row.ID)
		}
	}
	for id := range twins.named {
		read = append(read, id)
	}
	if len(read) > 0 {
		slices.Sort(read)
		if err := s.audit(ctx, p, "read", k, slices.Compact(read)...); err != nil {
			return rep, err
		}
	}
	for i := range rep.Results {
		switch rep.Results[i].Outcome {
		case Created:
			rep.Created++
		case Updated:
			rep.Updated++
		case Unchanged:
			rep.Unchanged++
		}
	}
	if len(rep.Errors) > 0 || opt.DryRun || len(creates)+len(updates) == 0 {
		return rep, nil
	}
	recs := make([]Record, len(creates))
	ids := make([]string, 0, len(creates)+len(updates))
	for i, e := range creates {
		s.stampNew(p, k, e)
		if recs[i], err = toRecord(e); err != nil {
			return rep, err
		}
		ids = append(ids, e.head().ID)
		rep.Results[written[i]].ID = e.head().ID
		rep.CreatedIDs = append(rep.CreatedIDs, e.head().ID)
	}
	for _, u := range updates {
		ids = append(ids, u.Record.ID)
	}
	if err := s.commitMany(ctx, recs, updates, s.event(p, "import", k, ids...)); err != nil {
		return rep, fmt.Errorf("import %s: %w", k, err)
	}
	rep.Imported = len(recs) + len(updates)
	s.log.InfoContext(ctx, "entries imported", "kind", k, "created", len(recs), "updated", len(updates), "by", p.TokenID)
	return rep, nil
}

// importNew checks a row that creates an entry; nil when it is rejected
// (its errors are in res).
func (s *Service) importNew(p access.Principal, k Kind, r *refs, row ImportRow, res *RowReport) (entry, error) {
	e, err := newEntry(k, row.Input)
	if err != nil {
		return nil, err
	}
	if row.Status != "" && !(k == KindOffer && row.Status == StatusApproved) {
		res.Errors = append(res.Errors, FieldError{Field: "status", Message: fmt.Sprintf("%q is set by the review or by archiving, not by an import: leave the cell empty for a new entry", row.Status),
			German: fmt.Sprintf("„%s“ setzt die Freigabe oder das Archivieren, nicht ein Import: für einen neuen Eintrag die Zelle leer lassen", StatusLabels[row.Status])})
		return nil, nil
	}
	if !s.importValid(r, e, res) {
		return nil, nil
	}
	rec, err := toRecord(e)
	if err != nil {
		return nil, err
	}
	if s.inDistricts(p, rec) != nil {
		res.Errors = append(res.Errors, outsideDistricts(p))
		return nil, nil
	}
	res.Outcome = Created
	return e, nil
}

// importUpdate checks a row that updates the stored entry cur; nil when
// it changes nothing or is rejected (res says which).
func (s *Service) importUpdate(p access.Principal, k Kind, r *refs, sc Scope, cur *Record, row ImportRow, opt ImportOptions, res *RowReport) (*Replacement, error) {
	if cur == nil || !sc.Decide(new(FactsOf(*cur))).Visible() {
		res.Errors = append(res.Errors, FieldError{Field: "id", Message: fmt.Sprintf("no %s has the id %q; leave the id empty to create the entry", kindNoun[k], row.ID),
			German: fmt.Sprintf("Keinen Eintrag (%s) mit der ID „%s“ gefunden; für einen neuen Eintrag die ID leer lassen", KindLabels[k], row.ID)})
		return nil, nil
	}
	if !opt.Overwrite {
		switch {
		case row.Version == 0:
			res.Errors = append(res.Errors, FieldError{Field: "version", Message: "is missing: the version the file was exported at keeps the import from overwriting changes made since; export again, or overwrite",
				German: "fehlt: Die Version beim Export verhindert, dass spätere Änderungen überschrieben werden. Bitte neu exportieren oder „Überschreiben“ wählen"})
			return nil, nil
		case row.Version != cur.Version:
			res.Errors = append(res.Errors, FieldError{Field: "version", Message: fmt.Sprintf("the entry was changed since the export (it is at version %d, the file at %d); export again, or overwrite", cur.Version, row.Version),
				German: fmt.Sprintf("Der Eintrag wurde seit dem Export geändert (jetzt Version %d, in der Datei %d). Bitte neu exportieren oder „Überschreiben“ wählen", cur.Version, row.Version)})
			return nil, nil
		}
	}
	old, err := Decode(*cur)
	if err != nil {
		return nil, err
	}
	oldEntry := old.(entry)
	if row.Status != "" && row.Status != oldEntry.status() {
		res.Errors = append(res.Errors, FieldError{Field: "status",
			Message: fmt.Sprintf("is %q, not %q: the review and archiving change it, an import does not", oldEntry.status(), row.Status),
			German:  fmt.Sprintf("ist „%s“, nicht „%s“: Das ändern die Freigabe und das Archivieren, nicht ein Import", StatusLabels[oldEntry.status()], StatusLabels[row.Status])})
		return nil, nil
	}
	in, err := NewInput(k)
	if err != nil {
		return nil, err
	}
	if row.Merge == nil {
		in = row.Input
	} else if err := row.Merge(oldEntry.inputShape(), in); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			res.Errors = append(res.Errors, ve.Fields...)
			return nil, nil
		}
		return nil, err
	}
	next, err := newEntry(k, in)
	if err != nil {
		return nil, err
	}
	if next.status() == "" && k != KindOffer {
		next.setStatus(oldEntry.status())
	}
	fields, err := changedFields(oldEntry.inputShape(), next.inputShape())
	if err != nil {
		return nil, err
	}
	if !s.importValid(r, next, res) {
		return nil, nil
	}
	if len(fields) == 0 {
		res.Outcome = Unchanged
		return nil, nil
	}
	if err := s.succeed(p, k, *cur, next); err != nil {
		return nil, err
	}
	rec, err := toRecord(next)
	if err != nil {
		return nil, err
	}
	if s.inDistricts(p, rec) != nil {
		res.Errors = append(res.Errors, outsideDistricts(p))
		return nil, nil
	}
	res.Outcome, res.Fields = Updated, fields
	return &Replacement{Record: rec, Expected: cur.Version}, nil
}

// importValid validates an entry with the API's rules, keeping its field
// errors in res.
func (s *Service) importValid(r *refs, e entry, res *RowReport) bool {
	err := validateWith(r, e)
	if err == nil {
		return true
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		res.Errors = append(res.Errors, ve.Fields...)
	} else {
		res.Errors = append(res.Errors, FieldError{Message: err.Error()})
	}
	return false
}

// importKnown is what the store holds that an import's rows refer to: the
// entries they update, by id, and the entries of the kind that share a
// name with a new row, to warn of duplicates.
type importKnown struct {
	byID  map[string]*Record
	twins *twinIndex
}

// importContext reads the entries the rows update and those whose names a
// new row bears. Names come from a light pass over ids and names; only the
// entries named are read in full.
func (s *Service) importContext(ctx context.Context, k Kind, rows []ImportRow, sc Scope) (importKnown, error) {
	known := importKnown{byID: map[string]*Record{}, twins: newTwinIndex()}
	names := map[string]bool{}
	want := map[string]bool{}
	updates := map[string]bool{} // the ids the file's rows update
	for _, row := range rows {
		if row.ID != "" {
			want[row.ID], updates[row.ID] = true, true
		} else if row.Input != nil {
			if n := nameKey(factsOf(row.Input).Name); n != "" {
				names[n] = true
			}
		}
	}
	twins := map[string]bool{} // the ids of entries named as a new row
	if len(names) > 0 {
		err := s.store.EntryNames(ctx, k, func(id, name string) error {
			if n := nameKey(name); names[n] {
				twins[id], want[id] = true, true
			}
			return nil
		})
		if err != nil {
			return known, fmt.Errorf("read the names of %s entries: %w", k, err)
		}
	}
	keep := func(r Record) error {
		if r.Kind != k || !want[r.ID] {
			return nil
		}
		if updates[r.ID] {
			known.byID[r.ID] = &r
		}
		// A twin the caller may not see is not named: a warning would tell
		// that it exists.
		if twins[r.ID] && sc.Decide(new(FactsOf(r))).Visible() {
			var f twinFacts
			if err := json.Unmarshal(r.Doc, &f); err != nil {
				return fmt.Errorf("read %s %s: %w", k, r.ID, err)
			}
			known.twins.add(k, f, r.ID)
		}
		return nil
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	err := s.store.EntriesByID(ctx, k, ids, keep)
	if err != nil {
		return known, fmt.Errorf("read the entries an import refers to: %w", err)
	}
	return known, nil
}

// commitMany writes records in one transaction and indexes them.
func (s *Service) commitMany(ctx context.Context, creates []Record, updates []Replacement, ev *AuditEvent) error {
	if err := s.apply.start(ctx); err != nil {
		return err
	}
	seqs, err := s.store.WriteEntries(ctx, creates, updates, ev)
	if err != nil {
		return err
	}
	cs := make([]Change, 0, len(creates)+len(updates))
	for i := range creates {
		creates[i].Seq = seqs[i]
		cs = append(cs, Change{Seq: seqs[i], Record: creates[i]})
	}
	for i := range updates {
		updates[i].Record.Seq = seqs[len(creates)+i]
		cs = append(cs, Change{Seq: seqs[len(creates)+i], Record: updates[i].Record})
	}
	s.apply.hand(ctx, cs)
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

// outsideDistricts refuses a row of a staff member bound to districts that
// names none of them.
func outsideDistricts(p access.Principal) FieldError {
	return FieldError{Field: "districts",
		Message: "helps in none of the districts this token is responsible for (" + strings.Join(p.Districts, ", ") + ")",
		German:  "liegt in keinem der Sozialräume, für die Sie zuständig sind (" + strings.Join(p.Districts, ", ") + ")"}
}
