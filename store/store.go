// Package store keeps the catalogue in SQLite (modernc.org/sqlite, no cgo).
// It implements catalogue.Store: one writer connection, a pool of readers,
// WAL with synchronous=FULL so that an acknowledged write survives a power
// loss, foreign keys on, and versioned migrations embedded in the binary.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"massanzug/catalogue"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// FileName is the database file inside the data folder.
const FileName = "massanzug.db"

// timeLayout is fixed-width so that stored instants sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// DB is the SQLite store.
type DB struct {
	w   *sql.DB // the one writer
	r   *sql.DB // readers
	dir string
	// jobs feeds the group committer (see tx); nil until Open has migrated.
	jobs      chan *job
	committed chan struct{} // closed when the group committer is done
}

var _ catalogue.Store = (*DB)(nil)

// Option configures how a database is opened.
type Option func(*options)

type options struct{ unsynced bool }

// Unsynced opens a database whose writes are not synced to disk one by
// one: only for building a data folder that is synced as a whole and moved
// into place afterwards (the demo), never for a folder in use.
func Unsynced() Option { return func(o *options) { o.unsynced = true } }

// Open opens (creating if missing) the database in dir and migrates it.
func Open(ctx context.Context, dir string, opts ...Option) (*DB, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	path := filepath.Join(dir, FileName)
	dsn := func(extra string) string {
		q := url.Values{}
		// cache_size: 32 MiB of pages per connection instead of 2 MiB, so that
		// the indexes of a large catalogue stay in memory.
		// secure_delete: deleted content is overwritten, not left in free
		// pages, so that erasing a person's data erases it from the file.
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "cache_size(-32768)",
			"secure_delete(1)"} {
			q.Add("_pragma", p)
		}
		if extra != "" {
			q.Add("_pragma", extra)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	writer := ""
	if o.unsynced {
		writer = "synchronous(OFF)"
	}
	w, err := sql.Open("sqlite", dsn(writer))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{w: w, dir: dir}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open readers %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	db.r = r
	db.jobs, db.committed = make(chan *job, 256), make(chan struct{})
	go db.commitGroups()
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.jobs != nil {
		close(db.jobs)
		<-db.committed
		db.jobs = nil
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction, and refuses a database newer than this binary.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var current int
	if err := db.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	type mig struct {
		version int
		name    string
	}
	var migs []mig
	for _, n := range names {
		v, err := strconv.Atoi(strings.SplitN(n.Name(), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", n.Name())
		}
		migs = append(migs, mig{v, n.Name()})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	if len(migs) > 0 && current > migs[len(migs)-1].version {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): refusing to downgrade", current, migs[len(migs)-1].version)
	}
	for _, m := range migs {
		if m.version <= current {
			continue
		}
		body, err := migrationFiles.ReadFile("migrations/" + m.name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", m.name, err)
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`, m.version, time.Now().UTC().Format(timeLayout))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction, atomically: all of fn's statements
// are committed, or none. Writes are committed in groups: while one group
// waits for its fsync, the writes that arrive queue up, and the next group
// commits them all with one fsync, each in a savepoint of its own, so that
// a write that fails undoes only itself. synchronous=FULL stays: when tx
// returns nil, the write is on disk.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.jobs == nil { // while migrating
		return db.txAlone(ctx, fn)
	}
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.jobs <- j
	// Waited for even if ctx ends: the caller must learn whether the write
	// is committed, and it is decided within one group.
	return <-j.done
}

type job struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// maxGroup bounds the writes committed together.
const maxGroup = 128

// commitGroups is the group committer: the one goroutine that writes.
func (db *DB) commitGroups() {
	defer close(db.committed)
	for j := range db.jobs {
		group := []*job{j}
	gather:
		for len(group) < maxGroup {
			select {
			case j, ok := <-db.jobs:
				if !ok {
					break gather
				}
				group = append(group, j)
			default:
				break gather
			}
		}
		if len(group) == 1 {
			j.done <- db.txAlone(j.ctx, j.fn)
			continue
		}
		db.commitGroup(group)
	}
}

// commitGroup commits the writes of group in one transaction, each in a
// savepoint. Should SQLite roll the whole transaction back (it may, on a
// full disk), every write of the group is told so: none is committed.
func (db *DB) commitGroup(group []*job) {
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range group {
			j.done <- full(fmt.Errorf("begin: %w", err))
		}
		return
	}
	var ok []*job
	abort := func(at int, err error) {
		_ = tx.Rollback()
		err = full(err)
		for _, j := range ok {
			j.done <- err
		}
		for _, j := range group[at:] {
			j.done <- err
		}
	}
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.done <- err // abandoned before it began: nothing written
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT w`); err != nil {
			abort(i, fmt.Errorf("savepoint: %w", err))
			return
		}
		if err := j.fn(tx); err != nil {
			if _, rerr := tx.Exec(`ROLLBACK TO w`); rerr != nil {
				abort(i, errors.Join(err, rerr))
				return
			}
			if _, rerr := tx.Exec(`RELEASE w`); rerr != nil {
				abort(i, errors.Join(err, rerr))
				return
			}
			j.done <- full(err)
			continue
		}
		if _, err := tx.Exec(`RELEASE w`); err != nil {
			abort(i, fmt.Errorf("release: %w", err))
			return
		}
		ok = append(ok, j)
	}
	err = tx.Commit()
	if err != nil {
		err = full(fmt.Errorf("commit: %w", err))
	}
	for _, j := range ok {
		j.done <- err
	}
}

// txAlone runs fn in a transaction of its own.
func (db *DB) txAlone(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return full(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return full(err)
	}
	if err := tx.Commit(); err != nil {
		return full(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// full marks an error of a full disk as catalogue.ErrStorageFull, so that
// the caller is told "storage full" (507), not "internal error". SQLite
// rolls the transaction back: nothing of it was written.
func full(err error) error {
	var se *sqlite.Error
	if errors.Is(err, syscall.ENOSPC) || errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL ||
		strings.Contains(err.Error(), "database or disk is full") {
		return fmt.Errorf("%w: %v", catalogue.ErrStorageFull, err)
	}
	return err
}

// MinFree is the free space below which the store counts as full: SQLite
// needs room for its log and journal before it can commit anything.
const MinFree = 8 << 20

// Writable reports whether the database can take writes: reachable, and
// with at least MinFree bytes free on its disk.
func (db *DB) Writable(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("database not reachable: %w", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(db.dir, &st); err != nil {
		return fmt.Errorf("free space of %s: %w", db.dir, err)
	}
	if free := st.Bavail * uint64(st.Bsize); free < MinFree {
		return fmt.Errorf("%w: %d bytes free on the data folder's disk", catalogue.ErrStorageFull, free)
	}
	return nil
}

// Backup writes a consistent copy of the live database to path, readable
// by the service's user only (mode 0600: it holds everyone's personal
// data), and syncs it and its folder to disk before it returns. path must
// not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	// VACUUM INTO writes into an empty file it is given, keeping its mode.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if _, err := db.w.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := SyncFile(path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// SyncFile flushes a written file and the folder entry that names it to
// disk, so that both survive a power loss.
func SyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir flushes a folder's entries (files created, renamed or removed in
// it) to disk.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// mapErr turns SQLite constraint errors into domain errors.
func mapErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("%w: %v", catalogue.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: a referenced district, term or provider does not exist", catalogue.ErrConflict)
		}
	}
	return err
}

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// CountRows counts the rows of a table; for tests and diagnostics.
func (db *DB) CountRows(ctx context.Context, table string) (int, error) {
	switch table {
	case "entries", "entry_districts", "entry_help_kinds", "providers", "provider_districts", "terms", "districts", "tokens", "audit_log", "erasures", "synonyms":
	default:
		return 0, fmt.Errorf("unknown table %q", table)
	}
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	return n, err
}

// Exec runs a statement on the writer; for maintenance and tests.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.w.ExecContext(ctx, query, args...)
	return err
}

// Pragmas reports the settings that durability depends on, as the reader
// connections see them.
func (db *DB) Pragmas(ctx context.Context) (string, error) {
	var journal string
	var sync, fk, busy int
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	for q, dst := range map[string]any{"PRAGMA journal_mode": &journal, "PRAGMA synchronous": &sync, "PRAGMA foreign_keys": &fk, "PRAGMA busy_timeout": &busy} {
		if err := conn.QueryRowContext(ctx, q).Scan(dst); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	return fmt.Sprintf("journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d", journal, sync, fk, busy), nil
}

// Snapshot opens a read transaction: the whole database as it is at this
// moment, for copying it elsewhere (migrate-db). The caller rolls it back.
func (db *DB) Snapshot(ctx context.Context) (*sql.Tx, error) {
	return db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// ParseTime reads a time as the store writes it.
func ParseTime(s string) (time.Time, error) { return parseTime(s) }
