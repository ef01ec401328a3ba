package transfer

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"massanzug/catalogue"
)

// Write writes entries of kind k (as the API shows them to staff) in
// format f: CSV separated by sep, XLSX with an explanation sheet built
// from v, or JSON. A CSV separated by ";" is for German Excel: it starts
// with a byte order mark (without one Excel reads UTF-8 as Windows-1252),
// and writes decimal commas and dates as TT.MM.JJJJ.
func Write(w io.Writer, k catalogue.Kind, f Format, sep rune, entries []any, v *Vocab) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if entries == nil {
			entries = []any{}
		}
		return enc.Encode(entries)
	case CSV, XLSX:
		cols, err := columnsOf(k)
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
		if f == XLSX {
			if v == nil {
				v = NewVocab(nil, catalogue.Taxonomy{})
			}
			return writeXLSX(w, k, cols, objs, v)
		}
		return writeCSV(w, cols, sep, objs)
	}
	return unknownFormat(f)
}

// style is how cells are written: German (decimal comma, TT.MM.JJJJ) or
// as the JSON has them.
type style struct{ german bool }

func writeCSV(w io.Writer, cols []column, sep rune, objects []map[string]any) error {
	st := style{german: sep == ';'}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = sep
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.path
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, o := range objects {
		for i, c := range cols {
			rec[i] = neutralise(st.text(c, get(o, strings.Split(c.path, "."))))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeXLSX writes a workbook: the sheet "Einträge" headed by the German
// titles, and "Erläuterung" saying what each column holds and which
// values it takes. Text goes in as text cells, which a spreadsheet never
// runs as a formula; numbers as numbers.
func writeXLSX(w io.Writer, k catalogue.Kind, cols []column, objects []map[string]any, v *Vocab) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet, help = "Einträge", "Erläuterung"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = excelize.Cell{Value: c.title, StyleID: bold}
	}
	if err := sw.SetRow("A1", row, excelize.RowOpts{}); err != nil {
		return err
	}
	st := style{german: true}
	for n, o := range objects {
		for i, c := range cols {
			val := get(o, strings.Split(c.path, "."))
			switch x := val.(type) {
			case float64:
				row[i] = x
			default:
				row[i] = st.text(c, val)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	lines := [][]any{
		{"Spalte", "Feld (JSON)", "Bedeutung", "Erlaubte Werte"},
	}
	for _, c := range cols {
		lines = append(lines, []any{c.title, c.path, c.meaning(), v.choices(c.vocab)})
	}
	lines = append(lines, []any{}, []any{"Import", "", fmt.Sprintf("Diese Datei lässt sich bearbeitet wieder importieren (Art: %s). Zeilen mit ID ändern den Eintrag, Zeilen ohne ID legen einen neuen an; leere Zellen leeren das Feld, fehlende Spalten lassen es, wie es ist. Der Probelauf zeigt je Zeile: neu, geändert (welche Felder), unverändert, abgelehnt.", catalogue.KindLabels[k]), ""})
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(help, cell, &l); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(help, "A1", "D1", bold); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 28, "B": 28, "C": 70, "D": 90} {
		if err := f.SetColWidth(help, col, col, width); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// text writes a value as a cell.
func (st style) text(c column, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if c.date && st.german {
			if t, err := time.Parse(time.DateOnly, x); err == nil {
				return t.Format("02.01.2006")
			}
		}
		return x
	case bool:
		if x {
			return "ja"
		}
		return "nein"
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if st.german && c.typ.Kind() == reflect.Float64 {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if m, ok := e.(map[string]any); ok {
				switch {
				case m["level"] != nil:
					parts[i] = st.text(c, m["code"]) + ":" + st.text(c, m["level"])
				case m["day"] != nil:
					parts[i] = st.text(c, m["day"]) + " " + st.text(c, m["from"]) + "-" + st.text(c, m["to"])
				default:
					b, _ := json.Marshal(m)
					parts[i] = string(b)
				}
				continue
			}
			parts[i] = st.text(c, e)
		}
		return strings.Join(parts, "|")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// neutralise keeps a spreadsheet from running a cell as a formula (CSV
// injection, OWASP): a cell that begins with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, so that Excel and LibreOffice
// show it as text. Numbers (-3.5, -3,5) are left as they are; they run
// nothing. An import takes the apostrophe off again (unquote).
func neutralise(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(strings.Replace(cell, ",", ".", 1), 64); err == nil && len(cell) > 1 && cell[1] >= '0' && cell[1] <= '9' {
		return cell
	}
	return "'" + cell
}

// Neutralise is neutralise for every other table the service writes as
// CSV.
func Neutralise(cell string) string { return neutralise(cell) }
