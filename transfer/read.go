package transfer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"massanzug/catalogue"
)

// record is one row of a table as read: the line it started on and its
// cells.
type record struct {
	line  int
	cells []string
}

// Parse reads an import file of kind k and decodes each row into the
// kind's input, keeping the errors of rows it cannot read; v turns labels
// into codes. An error means the file as a whole is unreadable (bad
// header, not a spreadsheet, not a JSON array).
func Parse(k catalogue.Kind, f Format, r io.Reader, v *Vocab) ([]catalogue.ImportRow, error) {
	if _, err := InputType(k); err != nil {
		return nil, err
	}
	if v == nil {
		v = NewVocab(nil, catalogue.Taxonomy{})
	}
	switch f {
	case CSV:
		head, recs, err := readCSV(r)
		if err != nil {
			return nil, err
		}
		return fromTable(k, head, recs, v)
	case XLSX:
		head, recs, err := readXLSX(r)
		if err != nil {
			return nil, err
		}
		return fromTable(k, head, recs, v)
	case JSON:
		return readJSON(k, r, v)
	}
	return nil, unknownFormat(f)
}

// readCSV reads a CSV file: UTF-8 (a byte order mark is skipped) or, when
// it is not valid UTF-8, Windows-1252, as Excel on German Windows saves.
func readCSV(r io.Reader) ([]string, []record, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read CSV: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		if data, err = charmap.Windows1252.NewDecoder().Bytes(data); err != nil {
			return nil, nil, fmt.Errorf("read CSV: neither UTF-8 nor Windows-1252: %w", err)
		}
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read CSV header: %w", err)
	}
	var recs []record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// The rest of the file cannot be split into cells: the row
				// is reported, and nothing after it is read.
				recs = append(recs, record{line: pe.StartLine, cells: nil})
				return head, recs, nil
			}
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, record{line: line, cells: rec})
	}
	return head, recs, nil
}

// readXLSX reads the first sheet of an XLSX workbook (the explanation
// sheet an export adds comes after it). Cells are read raw: a date column
// an Excel user typed holds the day's serial number.
func readXLSX(r io.Reader) ([]string, []record, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("not an XLSX workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, errors.New("the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, fmt.Errorf("read sheet %q: %w", sheets[0], err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("sheet %q is empty: its first row names the columns", sheets[0])
	}
	recs := make([]record, 0, len(rows)-1)
	for i, row := range rows[1:] {
		recs = append(recs, record{line: i + 2, cells: row})
	}
	return rows[0], recs, nil
}

// fromTable turns a table's rows into import rows.
func fromTable(k catalogue.Kind, headCells []string, recs []record, v *Vocab) ([]catalogue.ImportRow, error) {
	// Excel leaves empty cells right of the last column it saw used.
	for len(headCells) > 0 && strings.TrimSpace(headCells[len(headCells)-1]) == "" {
		headCells = headCells[:len(headCells)-1]
	}
	cols, err := header(k, headCells)
	if err != nil {
		return nil, err
	}
	out := make([]catalogue.ImportRow, 0, len(recs))
	for _, rec := range recs {
		if rec.cells == nil {
			out = append(out, catalogue.ImportRow{Line: rec.line, Errors: []catalogue.FieldError{{Message: "the line cannot be split into cells (a quote is not closed?)"}}})
			continue
		}
		cells := rec.cells
		for len(cells) > len(cols) && strings.TrimSpace(cells[len(cells)-1]) == "" {
			cells = cells[:len(cells)-1]
		}
		if blank(cells) {
			continue
		}
		if len(cells) > len(cols) {
			out = append(out, catalogue.ImportRow{Line: rec.line, Errors: []catalogue.FieldError{{Message: fmt.Sprintf("has %d cells, the header %d", len(cells), len(cols))}}})
			continue
		}
		out = append(out, rowOf(k, cols, cells, rec.line, v))
	}
	return out, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowOf reads one row's cells.
func rowOf(k catalogue.Kind, cols []*column, cells []string, line int, v *Vocab) catalogue.ImportRow {
	row := catalogue.ImportRow{Line: line}
	obj := map[string]any{}
	for i, c := range cols {
		if i >= len(cells) {
			break
		}
		cell := unquote(strings.TrimSpace(cells[i]))
		if cell == "" {
			continue
		}
		if strings.ContainsRune(cell, 0) {
			row.Errors = append(row.Errors, catalogue.FieldError{Field: c.path, Message: "must not contain the NUL character"})
			continue
		}
		switch {
		case c.path == IDColumn:
			row.ID = cell
			continue
		case c.path == VersionColumn:
			n, err := wholeNumber(cell)
			if err != nil || n < 1 {
				row.Errors = append(row.Errors, catalogue.FieldError{Field: c.path, Message: fmt.Sprintf("%q is not a version (a whole number from 1)", cell)})
			}
			row.Version = int64(n)
			continue
		case c.path == StatusColumn && k == catalogue.KindOffer:
			row.Status = catalogue.Status(v.lists["offer_status"].code(cell))
			continue
		case c.path == StatusColumn:
			if s := catalogue.Status(v.lists["entry_status"].code(cell)); s == catalogue.StatusArchived {
				row.Status = s
				continue
			}
		}
		val, err := cellValue(cell, c, v)
		if err != nil {
			row.Errors = append(row.Errors, catalogue.FieldError{Field: c.path, Message: err.Error()})
			continue
		}
		put(obj, strings.Split(c.path, "."), val)
	}
	if len(row.Errors) > 0 {
		return row
	}
	data, err := json.Marshal(obj)
	if err != nil {
		row.Errors = append(row.Errors, catalogue.FieldError{Message: err.Error()})
		return row
	}
	in, _ := catalogue.NewInput(k)
	if errs := Decode(data, in); len(errs) > 0 {
		row.Errors = errs
		return row
	}
	row.Input = in
	row.Merge = mergeColumns(cols, obj)
	return row
}

// mergeColumns makes an update's input from the stored one: the file's
// columns replace their fields (an empty cell clears one), the fields of
// columns the file lacks stay.
func mergeColumns(cols []*column, obj map[string]any) catalogue.Patch {
	return func(cur, next any) error {
		b, err := json.Marshal(cur)
		if err != nil {
			return fmt.Errorf("encode the stored input: %w", err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("decode the stored input: %w", err)
		}
		for _, c := range cols {
			if c == nil || c.path == IDColumn || c.path == VersionColumn || (c.path == StatusColumn && c.vocab == "offer_status") {
				continue
			}
			path := strings.Split(c.path, ".")
			old, val := get(m, path), get(obj, path)
			if sameNumber(old, val) {
				continue // a spreadsheet keeps 15 digits of a number: the stored one stays
			}
			remove(m, path)
			if val != nil {
				put(m, path, val)
			}
		}
		if b, err = json.Marshal(m); err != nil {
			return err
		}
		if errs := Decode(b, next); len(errs) > 0 {
			return &catalogue.ValidationError{Fields: errs}
		}
		return nil
	}
}

// sameNumber reports whether two numbers agree in the 15 significant
// digits a spreadsheet keeps (48.32704977317678 comes back from Excel as
// 48.3270497731767 or ...768).
func sameNumber(a, b any) bool {
	x, ok1 := a.(float64)
	y, ok2 := b.(float64)
	return ok1 && ok2 && math.Abs(x-y) <= 1e-13*math.Max(math.Abs(x), math.Abs(y))
}

func put(obj map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}

func remove(obj map[string]any, path []string) {
	for _, p := range path[:len(path)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			return
		}
		obj = next
	}
	delete(obj, path[len(path)-1])
}

func get(o map[string]any, path []string) any {
	var v any = o
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// unquote takes off the apostrophe an export put before a cell a
// spreadsheet would have run as a formula, so that the round trip gives
// back what was exported.
func unquote(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(cell[1])) {
		return cell[1:]
	}
	return cell
}

var (
	languageType = reflect.TypeOf(catalogue.LanguageSkill{})
	slotType     = reflect.TypeOf(catalogue.Slot{})
)

// cellValue converts a cell to the JSON value of column c.
func cellValue(cell string, c *column, v *Vocab) (any, error) {
	t := c.typ
	switch t.Kind() {
	case reflect.String:
		if c.date {
			return date(cell)
		}
		if c.vocab != "" {
			return v.lists[c.vocab].code(cell), nil
		}
		return cell, nil
	case reflect.Int, reflect.Int64:
		n, err := wholeNumber(cell)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", cell)
		}
		return n, nil
	case reflect.Float64:
		f, err := decimal(cell)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", cell)
		}
		return f, nil
	case reflect.Bool:
		switch strings.ToLower(cell) {
		case "true", "ja", "yes", "1", "x", "wahr":
			return true, nil
		case "false", "nein", "no", "0", "falsch":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not ja or nein", cell)
	case reflect.Slice:
		parts := strings.Split(cell, "|")
		out := make([]any, 0, len(parts))
		for _, p := range parts {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			switch t.Elem() {
			case languageType:
				code, level, ok := strings.Cut(p, ":")
				if !ok {
					return nil, fmt.Errorf("%q: write languages as language:level, like Türkisch:Muttersprache or tr:native", p)
				}
				out = append(out, map[string]any{"code": v.lists["language"].code(strings.TrimSpace(code)), "level": v.lists["level"].code(strings.TrimSpace(level))})
			case slotType:
				s, err := slot(p, v)
				if err != nil {
					return nil, err
				}
				out = append(out, s)
			default:
				if c.vocab != "" {
					out = append(out, v.lists[c.vocab].code(p))
					continue
				}
				out = append(out, p)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("column type %s cannot be read from a spreadsheet", t)
}

// slot reads "Di 14:00-17:00" (or "tue 14:00-17:00", "Dienstag 9:00-12:00").
func slot(p string, v *Vocab) (map[string]any, error) {
	day, span, _ := strings.Cut(p, " ")
	from, to, ok := strings.Cut(strings.ReplaceAll(strings.TrimSpace(span), " ", ""), "-")
	if !ok {
		return nil, fmt.Errorf("%q: write time slots as day HH:MM-HH:MM, like Di 14:00-17:00", p)
	}
	return map[string]any{"day": v.lists["day"].code(strings.TrimSpace(day)), "from": clock(from), "to": clock(to)}, nil
}

// clock writes 9:00 (and 9) as 09:00.
func clock(s string) string {
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		h, m = s, "00"
	}
	if len(h) == 1 {
		h = "0" + h
	}
	return h + ":" + m
}

// wholeNumber reads a whole number, also as Excel writes it (2,0 or 2.0).
func wholeNumber(cell string) (int, error) {
	if n, err := strconv.Atoi(cell); err == nil {
		return n, nil
	}
	f, err := decimal(cell)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, errors.New("not a whole number")
	}
	return int(f), nil
}

// decimal reads a number with a decimal comma (48,399; 1.234,50) or point.
func decimal(cell string) (float64, error) {
	s := strings.ReplaceAll(cell, " ", "")
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errors.New("not a number")
	}
	return f, nil
}

// excelEpoch is day 0 of Excel's serial dates (1899-12-30, which absorbs
// Excel's 1900 leap-year bug for every date after February 1900).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// date reads TT.MM.JJJJ (also T.M.JJJJ), JJJJ-MM-TT, or a serial number
// of Excel's, as JJJJ-MM-TT. Anything else is kept for the validation to
// refuse.
func date(cell string) (string, error) {
	if t, err := time.Parse("2.1.2006", cell); err == nil {
		return t.Format(time.DateOnly), nil
	}
	if n, err := strconv.ParseFloat(cell, 64); err == nil && n >= 1 && n < 2958466 && !strings.Contains(cell, "-") {
		return excelEpoch.AddDate(0, 0, int(n)).Format(time.DateOnly), nil
	}
	if _, err := time.Parse(time.DateOnly, cell); err == nil {
		return cell, nil
	}
	return "", fmt.Errorf("%q is not a date: write TT.MM.JJJJ, like 10.01.2026", cell)
}

// outputOnly are the fields the API shows of an entry beyond its input;
// a JSON export imported again carries them, and the import skips them.
var outputOnly = []string{"kind", "created_at", "updated_at", "verified_at", "police_certificate_valid", "rejection_reason", "pending_change"}

// readJSON parses a JSON array of entry objects. Each object keeps its own
// line number for the report.
func readJSON(k catalogue.Kind, r io.Reader, v *Vocab) ([]catalogue.ImportRow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read JSON: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("a JSON import is an array of objects: %w", err)
	}
	rows := make([]catalogue.ImportRow, len(raw))
	off := 0
	for i, m := range raw {
		at := bytes.Index(data[off:], m[:min(len(m), 1)])
		if at >= 0 {
			off += at
		}
		rows[i] = jsonRow(k, m, 1+bytes.Count(data[:off], []byte("\n")))
		off += len(m)
	}
	return rows, nil
}

// jsonRow reads one object: its id, version and an offer's status, then
// the input, strictly.
func jsonRow(k catalogue.Kind, m json.RawMessage, line int) catalogue.ImportRow {
	row := catalogue.ImportRow{Line: line}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(m, &obj); err != nil {
		row.Errors = []catalogue.FieldError{{Message: "is not a JSON object"}}
		return row
	}
	if raw, ok := obj[IDColumn]; ok {
		if json.Unmarshal(raw, &row.ID) != nil {
			row.Errors = append(row.Errors, catalogue.FieldError{Field: IDColumn, Message: "must be a string"})
		}
		delete(obj, IDColumn)
	}
	if raw, ok := obj[VersionColumn]; ok {
		if json.Unmarshal(raw, &row.Version) != nil || row.Version < 1 {
			row.Errors = append(row.Errors, catalogue.FieldError{Field: VersionColumn, Message: "must be a whole number from 1"})
		}
		delete(obj, VersionColumn)
	}
	if raw, ok := obj[StatusColumn]; ok {
		var s catalogue.Status
		if json.Unmarshal(raw, &s) == nil && (k == catalogue.KindOffer || s == catalogue.StatusArchived) {
			row.Status = s
			delete(obj, StatusColumn)
		}
	}
	for _, f := range outputOnly {
		delete(obj, f)
	}
	if len(row.Errors) > 0 {
		return row
	}
	b, err := json.Marshal(obj)
	if err != nil {
		row.Errors = []catalogue.FieldError{{Message: err.Error()}}
		return row
	}
	in, _ := catalogue.NewInput(k)
	if errs := Decode(b, in); len(errs) > 0 {
		row.Errors = errs
		return row
	}
	row.Input = in
	return row
}
