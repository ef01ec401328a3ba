package pgstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Moving a city from SQLite to PostgreSQL copies every table as it is:
// same tables, same columns, same ids, versions and change numbers, so
// that a search index built on the SQLite database is in step with the
// PostgreSQL one. The copy runs in one transaction from one snapshot of
// the source, and is checked before it commits: per table, the number of
// rows and a checksum over every value, computed from what was read and
// from what PostgreSQL holds afterwards. A difference rolls everything
// back.

// Source is the database moved from: a read transaction on it (one
// snapshot), and how it writes times.
type Source struct {
	Tx        *sql.Tx
	ParseTime func(string) (time.Time, error)
}

// TableMoved is one table copied: its rows and their checksum.
type TableMoved struct {
	Table    string `json:"table"`
	Rows     int    `json:"rows"`
	Checksum string `json:"checksum"`
}

// ErrNotEmpty: the target database holds data already.
var ErrNotEmpty = errors.New("the PostgreSQL database holds data already; move into an empty one")

// column is a target column and its type.
type column struct{ name, typ string }

type table struct {
	name string
	cols []column
	deps []string // tables it refers to
}

// MoveFrom copies every table of src into this database, which must be
// empty (but for what its migrations wrote), and verifies the copy.
func (db *DB) MoveFrom(ctx context.Context, src Source) ([]TableMoved, error) {
	tables, err := db.tables(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.empty(ctx, tables); err != nil {
		return nil, err
	}
	var moved []TableMoved
	err = db.tx(ctx, func(tx pgx.Tx) error {
		// The copied referrals keep their change numbers.
		if _, err := tx.Exec(ctx, `ALTER TABLE referrals DISABLE TRIGGER referrals_seq`); err != nil {
			return err
		}
		for _, t := range tables {
			if counter(t.name) {
				// The migrations' zero goes; the source's number comes.
				if _, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{t.name}.Sanitize()); err != nil {
					return fmt.Errorf("clear %s: %w", t.name, err)
				}
			}
			m, err := copyTable(ctx, tx, src, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			if err := checkTable(ctx, tx, t, m); err != nil {
				return err
			}
			moved = append(moved, m)
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE referrals ENABLE TRIGGER referrals_seq`); err != nil {
			return err
		}
		// Serial columns go on after the copied numbers.
		_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), COALESCE(MAX(seq), 1), MAX(seq) IS NOT NULL) FROM audit_log`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return moved, nil
}

// tables lists the tables of the schema with their columns, each after
// the tables it refers to.
func (db *DB) tables(ctx context.Context) ([]table, error) {
	rows, err := db.pool.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	byName := map[string]*table{}
	var names []string
	var name, col, typ string
	_, err = pgx.ForEachRow(rows, []any{&name, &col, &typ}, func() error {
		t := byName[name]
		if t == nil {
			t = &table{name: name}
			byName[name] = t
			names = append(names, name)
		}
		t.cols = append(t.cols, column{col, typ})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	rows, err = db.pool.Query(ctx, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, fmt.Errorf("list references: %w", err)
	}
	var from, to string
	_, err = pgx.ForEachRow(rows, []any{&from, &to}, func() error {
		if t := byName[from]; t != nil && from != to {
			t.deps = append(t.deps, to)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list references: %w", err)
	}
	var out []table
	done := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		if done[n] {
			return
		}
		done[n] = true
		for _, d := range byName[n].deps {
			visit(d)
		}
		out = append(out, *byName[n])
	}
	for _, n := range names {
		visit(n)
	}
	return out, nil
}

// empty refuses a target that holds anything but the counters its
// migrations start at zero.
func (db *DB) empty(ctx context.Context, tables []table) error {
	for _, t := range tables {
		q := `SELECT COUNT(*) FROM ` + pgx.Identifier{t.name}.Sanitize()
		if counter(t.name) {
			q += ` WHERE seq <> 0`
		}
		var n int
		if err := db.pool.QueryRow(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("count %s: %w", t.name, err)
		}
		if n > 0 {
			return fmt.Errorf("%w (%s: %d rows)", ErrNotEmpty, t.name, n)
		}
	}
	return nil
}

// counter tells the one-row tables of change numbers.
func counter(table string) bool { return table == "change_seq" || table == "referral_seq" }

// copyTable streams the source's rows of t into it, converting each value
// to the target column's type, and returns the count and checksum of what
// it read.
func copyTable(ctx context.Context, tx pgx.Tx, src Source, t table) (TableMoved, error) {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	rows, err := src.Tx.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+t.name)
	if err != nil {
		return TableMoved{}, fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	sum := newChecksum()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, names, pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			var err error
			if out[i], err = convert(v, t.cols[i].typ, src.ParseTime); err != nil {
				return nil, fmt.Errorf("column %s: %w", t.cols[i].name, err)
			}
		}
		if err := sum.row(out, t.cols); err != nil {
			return nil, err
		}
		return out, nil
	}))
	if err != nil {
		return TableMoved{}, err
	}
	return TableMoved{Table: t.name, Rows: int(n), Checksum: sum.String()}, nil
}

// checkTable reads t back from the target and compares count and
// checksum with what was copied.
func checkTable(ctx context.Context, tx pgx.Tx, t table, want TableMoved) error {
	sel := make([]string, len(t.cols))
	for i, c := range t.cols {
		sel[i] = pgx.Identifier{c.name}.Sanitize()
		if c.typ == "jsonb" {
			sel[i] += "::text"
		}
	}
	rows, err := tx.Query(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+pgx.Identifier{t.name}.Sanitize())
	if err != nil {
		return fmt.Errorf("read back %s: %w", t.name, err)
	}
	defer rows.Close()
	sum := newChecksum()
	n := 0
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("read back %s: %w", t.name, err)
		}
		if err := sum.row(vals, t.cols); err != nil {
			return fmt.Errorf("read back %s: %w", t.name, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read back %s: %w", t.name, err)
	}
	if n != want.Rows || sum.String() != want.Checksum {
		return fmt.Errorf("copy of %s does not match: %d rows, checksum %s; read %d rows, checksum %s", t.name, n, sum.String(), want.Rows, want.Checksum)
	}
	return nil
}

// convert turns an SQLite value into the Go value for a column of type
// typ.
func convert(v any, typ string, parseTime func(string) (time.Time, error)) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "timestamp with time zone":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("a time stored as %T", v)
		}
		return parseTime(s)
	case "boolean":
		switch b := v.(type) {
		case int64:
			return b != 0, nil
		case bool:
			return b, nil
		}
		return nil, fmt.Errorf("a truth value stored as %T", v)
	case "bigint", "integer":
		switch i := v.(type) {
		case int64:
			return i, nil
		case float64:
			if i == math.Trunc(i) {
				return int64(i), nil
			}
		}
		return nil, fmt.Errorf("a whole number stored as %v", v)
	case "double precision":
		switch f := v.(type) {
		case float64:
			return f, nil
		case int64:
			return float64(f), nil
		}
		return nil, fmt.Errorf("a number stored as %T", v)
	case "bytea":
		switch b := v.(type) {
		case []byte:
			return b, nil
		case string:
			return []byte(b), nil
		}
		return nil, fmt.Errorf("bytes stored as %T", v)
	case "jsonb":
		s, err := text(v)
		if err != nil {
			return nil, err
		}
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("a document that is not JSON")
		}
		// json.RawMessage: the text is the document, not a string in one.
		return json.RawMessage(s), nil
	default:
		return text(v)
	}
}

func text(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	case int64:
		return strconv.FormatInt(s, 10), nil
	}
	return "", fmt.Errorf("text stored as %T", v)
}

// checksum hashes rows in any order: the sorted hashes of the rows' values
// in a form both sides give alike (times in UTC, JSON with sorted keys).
type checksum struct{ rows [][32]byte }

func newChecksum() *checksum { return &checksum{} }

func (c *checksum) row(vals []any, cols []column) error {
	var b bytes.Buffer
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(0x1f)
		}
		s, err := canonical(v, cols[i].typ)
		if err != nil {
			return fmt.Errorf("column %s: %w", cols[i].name, err)
		}
		b.WriteString(s)
	}
	c.rows = append(c.rows, sha256.Sum256(b.Bytes()))
	return nil
}

func (c *checksum) String() string {
	slices.SortFunc(c.rows, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	for _, r := range c.rows {
		h.Write(r[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func canonical(v any, typ string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "\x00", nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case []byte:
		if typ == "jsonb" {
			return canonicalJSON(x)
		}
		return hex.EncodeToString(x), nil
	case json.RawMessage:
		return canonicalJSON(x)
	case string:
		if typ == "jsonb" {
			return canonicalJSON([]byte(x))
		}
		return x, nil
	}
	return "", fmt.Errorf("no canonical form for %T", v)
}

// canonicalJSON writes a document with sorted keys and no spaces, as
// jsonb's own order and spacing differ from the text stored in SQLite.
func canonicalJSON(b []byte) (string, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	return string(out), err
}
