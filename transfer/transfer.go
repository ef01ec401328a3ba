// Package transfer reads and writes catalogue entries as spreadsheets (CSV)
// and JSON, for staff who arrive with their lists and leave with exports.
//
// A CSV file has a header row; each column is named by the JSON path of a
// field of the kind's input ("name", "contact.email", "home.district",
// "police_certificate.valid_until"). Lists are separated by "|"
// ("einkaufshilfe|besuchsdienst"); languages are written "tr:native|de:good",
// time slots "tue 14:00-17:00|thu 09:00-12:00"; booleans as true/false
// (ja/nein too); empty cells are absent fields. Files are UTF-8 (a byte
// order mark is skipped), separated by ";" or ",", whichever the header
// uses. JSON files are an array of objects shaped as the API's inputs.
//
// Parsing never decides whether a value is valid: each row becomes the same
// input the API takes, and the catalogue validates it with the API's rules.
package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"massanzug/catalogue"
)

// IDColumn is the id an export writes first; an import ignores it, so an
// edited export imports as new entries (into another instance, say).
const IDColumn = "id"

// Row is one parsed row: the line it started on, its fields as a JSON
// object (to be decoded strictly into the kind's input), or what made it
// unreadable.
type Row struct {
	Line   int
	JSON   []byte
	Errors []catalogue.FieldError
}

// InputType returns the input type of a kind.
func InputType(k catalogue.Kind) (reflect.Type, error) {
	switch k {
	case catalogue.KindVolunteer:
		return reflect.TypeOf(catalogue.VolunteerInput{}), nil
	case catalogue.KindNeighbourhoodHelp:
		return reflect.TypeOf(catalogue.NeighbourhoodHelpInput{}), nil
	case catalogue.KindOffer:
		return reflect.TypeOf(catalogue.OfferInput{}), nil
	}
	return nil, fmt.Errorf("unknown kind %q", k)
}

// Columns lists the CSV columns of a kind's input, in field order.
func Columns(t reflect.Type) []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, prefix+name+".")
				continue
			}
			out = append(out, prefix+name)
		}
	}
	walk(t, "")
	return out
}

// fieldType finds the Go type at a column's path.
func fieldType(t reflect.Type, path string) (reflect.Type, bool) {
	for _, part := range strings.Split(path, ".") {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil, false
		}
		found := false
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == part {
				t, found = t.Field(i).Type, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, t.Kind() != reflect.Struct
}

// readCSV parses a CSV file of entries of type t.
func readCSV(r io.Reader, t reflect.Type) ([]Row, error) {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read CSV: %w", err)
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	cr.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	types := make([]reflect.Type, len(header))
	seen := map[string]bool{}
	var bad []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if h == IDColumn {
			continue
		}
		ft, ok := fieldType(t, h)
		if !ok || seen[h] {
			bad = append(bad, fmt.Sprintf("%q", h))
		}
		seen[h] = true
		types[i] = ft
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("CSV header: unknown or repeated columns %s; the columns are: %s", strings.Join(bad, ", "), strings.Join(Columns(t), ", "))
	}
	var rows []Row
	for {
		line, _ := cr.FieldPos(0)
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, Row{Line: pe.StartLine, Errors: []catalogue.FieldError{{Field: "", Message: pe.Err.Error()}}})
				return rows, nil
			}
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ = cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		row := Row{Line: line}
		if len(rec) != len(header) {
			row.Errors = append(row.Errors, catalogue.FieldError{Message: fmt.Sprintf("has %d cells, the header %d", len(rec), len(header))})
			rows = append(rows, row)
			continue
		}
		obj := map[string]any{}
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			if cell == "" || header[i] == IDColumn {
				continue
			}
			v, err := cellValue(cell, types[i])
			if err != nil {
				row.Errors = append(row.Errors, catalogue.FieldError{Field: header[i], Message: err.Error()})
				continue
			}
			put(obj, strings.Split(header[i], "."), v)
		}
		if len(row.Errors) == 0 {
			row.JSON, _ = json.Marshal(obj)
		}
		rows = append(rows, row)
	}
	return rows, nil
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

var (
	languageType = reflect.TypeOf(catalogue.LanguageSkill{})
	slotType     = reflect.TypeOf(catalogue.Slot{})
)

// cellValue converts a cell to the JSON value of a field of type t.
func cellValue(cell string, t reflect.Type) (any, error) {
	switch t.Kind() {
	case reflect.String:
		return cell, nil
	case reflect.Int, reflect.Int64:
		n, err := strconv.Atoi(cell)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", cell)
		}
		return n, nil
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.Replace(cell, ",", ".", 1), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", cell)
		}
		return f, nil
	case reflect.Bool:
		switch strings.ToLower(cell) {
		case "true", "ja", "yes", "1", "x":
			return true, nil
		case "false", "nein", "no", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false", cell)
	case reflect.Slice:
		parts := strings.Split(cell, "|")
		out := make([]any, 0, len(parts))
		for _, p := range parts {
			p = strings.TrimSpace(p)
			switch t.Elem() {
			case languageType:
				code, level, ok := strings.Cut(p, ":")
				if !ok {
					return nil, fmt.Errorf("%q: write languages as code:level, like tr:native", p)
				}
				out = append(out, map[string]any{"code": strings.TrimSpace(code), "level": strings.TrimSpace(level)})
			case slotType:
				day, span, _ := strings.Cut(p, " ")
				from, to, ok := strings.Cut(strings.TrimSpace(span), "-")
				if !ok {
					return nil, fmt.Errorf("%q: write time slots as day HH:MM-HH:MM, like tue 14:00-17:00", p)
				}
				out = append(out, map[string]any{"day": day, "from": strings.TrimSpace(from), "to": strings.TrimSpace(to)})
			default:
				v, err := cellValue(p, t.Elem())
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("column type %s cannot be read from CSV", t)
}

// readJSON parses a JSON array of entry objects. Each object keeps its own
// line number for the report.
func readJSON(r io.Reader) ([]Row, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read JSON: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("a JSON import is an array of objects: %w", err)
	}
	rows := make([]Row, len(raw))
	off := 0
	for i, m := range raw {
		at := bytes.Index(data[off:], m[:min(len(m), 1)])
		if at >= 0 {
			off += at
		}
		rows[i] = Row{Line: 1 + bytes.Count(data[:off], []byte("\n")), JSON: withoutID(m)}
		off += len(m)
	}
	return rows, nil
}

// withoutID drops an exported id from an object; anything else is left to
// the strict decoding of the input.
func withoutID(m json.RawMessage) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(m, &obj) != nil {
		return m
	}
	if _, ok := obj[IDColumn]; !ok {
		return m
	}
	delete(obj, IDColumn)
	b, err := json.Marshal(obj)
	if err != nil {
		return m
	}
	return b
}

// writeCSV writes entries (values of the kind's input type, as JSON
// objects) as CSV with the kind's columns, separated by sep.
func writeCSV(w io.Writer, t reflect.Type, sep rune, objects []map[string]any) error {
	cols := append([]string{IDColumn}, Columns(t)...)
	cw := csv.NewWriter(w)
	cw.Comma = sep
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, o := range objects {
		for i, c := range cols {
			rec[i] = neutralise(cellText(get(o, strings.Split(c, "."))))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// neutralise keeps a spreadsheet from running a cell as a formula (CSV
// injection, OWASP): a cell that begins with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, so that Excel and LibreOffice
// show it as text. Numbers (-3.5) are left as they are; they run nothing.
// Import keeps what it reads as typed: it removes no apostrophe.
// Neutralise keeps a spreadsheet from reading a cell as a formula (OWASP:
// a leading =, +, -, @, tab or CR gets a quote), numbers excepted; for
// every table the service writes.
func Neutralise(cell string) string { return neutralise(cell) }

func neutralise(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil && len(cell) > 1 && cell[1] >= '0' && cell[1] <= '9' {
		return cell
	}
	return "'" + cell
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

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if m, ok := e.(map[string]any); ok {
				switch {
				case m["level"] != nil:
					parts[i] = cellText(m["code"]) + ":" + cellText(m["level"])
				case m["day"] != nil:
					parts[i] = cellText(m["day"]) + " " + cellText(m["from"]) + "-" + cellText(m["to"])
				default:
					b, _ := json.Marshal(m)
					parts[i] = string(b)
				}
				continue
			}
			parts[i] = cellText(e)
		}
		return strings.Join(parts, "|")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Format is a file format of an import or export.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// Parse reads an import file of kind k and decodes each row into the
// kind's input, keeping the errors of rows it cannot read. An error means
// the file as a whole is unreadable (bad header, not a JSON array).
func Parse(k catalogue.Kind, f Format, r io.Reader) ([]catalogue.ImportRow, error) {
	t, err := InputType(k)
	if err != nil {
		return nil, err
	}
	var rows []Row
	switch f {
	case CSV:
		rows, err = readCSV(r, t)
	case JSON:
		rows, err = readJSON(r)
	default:
		return nil, fmt.Errorf("unknown format %q: use csv or json", f)
	}
	if err != nil {
		return nil, err
	}
	out := make([]catalogue.ImportRow, len(rows))
	for i, row := range rows {
		out[i] = catalogue.ImportRow{Line: row.Line, Errors: row.Errors}
		if len(row.Errors) > 0 {
			continue
		}
		in, err := catalogue.NewInput(k)
		if err != nil {
			return nil, err
		}
		if errs := Decode(row.JSON, in); len(errs) > 0 {
			out[i].Errors = errs
			continue
		}
		out[i].Input = in
	}
	return out, nil
}

// Write writes entries of kind k (as the API shows them) in format f.
func Write(w io.Writer, k catalogue.Kind, f Format, sep rune, entries []any) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if entries == nil {
			entries = []any{}
		}
		return enc.Encode(entries)
	case CSV:
		t, err := InputType(k)
		if err != nil {
			return err
		}
		objs := make([]map[string]any, len(entries))
		for i, e := range entries {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(b, &objs[i]); err != nil {
				return err
			}
		}
		return writeCSV(w, t, sep, objs)
	}
	return fmt.Errorf("unknown format %q: use csv or json", f)
}
