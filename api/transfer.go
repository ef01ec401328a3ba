package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/hsds"
	"massanzug/transfer"
	"massanzug/wording"
)

// maxImport is the largest import body: about 100,000 rows of CSV.
const maxImport = 64 << 20

// importProblem is a refused import: a problem with the whole report.
type importProblem struct {
	Problem
	Report catalogue.ImportReport `json:"report"`
}

func (s *Server) importEntries(c echo.Context) error {
	q := newQuery(c, "kind", "dry_run", "overwrite", "allow_duplicates")
	kind := q.entryKind()
	var opt catalogue.ImportOptions
	for name, to := range map[string]*bool{"dry_run": &opt.DryRun, "overwrite": &opt.Overwrite, "allow_duplicates": &opt.AllowDuplicates} {
		if b := q.boolean(name); b != nil {
			*to = *b
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	var format transfer.Format
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case "text/csv":
		format = transfer.CSV
	case echo.MIMEApplicationJSON:
		format = transfer.JSON
	case transfer.XLSXType:
		format = transfer.XLSX
	default:
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "send text/csv, "+transfer.XLSXType+" or application/json (an array of entries)")
	}
	vocab, err := transfer.VocabOf(ctx(c), s.svc, principal(c))
	if err != nil {
		return err
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxImport)
	rows, err := transfer.Parse(kind, format, body, vocab)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return badRequest("unreadable-import", "%v", err)
	}
	rep, err := s.svc.Import(ctx(c), principal(c), kind, rows, opt)
	if err != nil {
		return err
	}
	if wording.WantsGerman(c.Request().Header.Get("Accept-Language")) {
		c.Response().Header().Set("Content-Language", "de")
		rep.Errors = rep.Errors[:0]
		for i, r := range rep.Results {
			rep.Results[i].Errors = germanFields(r.Errors)
			rep.Results[i].Warnings = germanFields(r.Warnings)
			for _, e := range rep.Results[i].Errors {
				rep.Errors = append(rep.Errors, catalogue.RowError{Line: r.Line, Field: e.Field, Message: e.Message})
			}
		}
	}
	if len(rep.Errors) > 0 {
		p := newProblem(http.StatusUnprocessableEntity, "import-rejected",
			fmt.Sprintf("%d problem(s) in %d row(s); nothing was imported", len(rep.Errors), rep.Rows)).p
		p.Instance = c.Request().URL.Path
		for _, r := range rep.Results {
			for _, e := range r.Errors {
				p.Errors = append(p.Errors, catalogue.FieldError{Field: fmt.Sprintf("line %d: %s", r.Line, e.Field), Message: e.Message, German: e.German})
			}
		}
		inGerman(c, &p)
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(http.StatusUnprocessableEntity)
		return jsonEncode(c.Response(), importProblem{Problem: p, Report: rep})
	}
	status := http.StatusCreated
	if opt.DryRun || rep.Imported == 0 {
		status = http.StatusOK
	}
	return c.JSON(status, rep)
}

func (s *Server) exportEntries(c echo.Context) error {
	q := newQuery(c, "kind", "format", "separator")
	kind := q.entryKind()
	format := transfer.Format(q.str("format", 8))
	sep := ';'
	switch format {
	case "":
		format = transfer.CSV
	case transfer.CSV, transfer.JSON, transfer.XLSX:
	default:
		q.fail("format", "must be csv, xlsx or json")
	}
	switch q.str("separator", 1) {
	case "", ";":
	case ",":
		sep = ','
	default:
		q.fail("separator", "must be ; or ,")
	}
	if err := q.err(); err != nil {
		return err
	}
	vocab, err := transfer.VocabOf(ctx(c), s.svc, principal(c))
	if err != nil {
		return err
	}
	var entries []any
	if err := s.svc.Export(ctx(c), principal(c), kind, func(e any) error { entries = append(entries, e); return nil }); err != nil {
		return err
	}
	ct := transfer.MediaType(format)
	c.Response().Header().Set(echo.HeaderContentType, ct)
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, kind, format))
	c.Response().WriteHeader(http.StatusOK)
	return transfer.Write(c.Response(), kind, format, sep, entries, vocab)
}

// exportHSDS writes the public part of the catalogue in HSDS 3.0: a
// datapackage (ZIP) or JSON.
func (s *Server) exportHSDS(c echo.Context) error {
	q := newQuery(c, "format")
	form, ok := hsds.FormNamed(q.str("format", 16))
	if !ok {
		q.fail("format", "must be datapackage or json")
	}
	if err := q.err(); err != nil {
		return err
	}
	d, err := s.svc.OpenData(ctx(c), principal(c))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, form.MediaType)
	h.Set("Content-Disposition", `attachment; filename="`+form.FileName+`"`)
	c.Response().WriteHeader(http.StatusOK)
	return form.Write(c.Response(), hsds.Build(d, hsds.Options{Generated: s.svc.Now()}))
}
