// Package pgstore keeps the catalogue in PostgreSQL: the second
// implementation of catalogue.Store, for a city whose IT runs PostgreSQL
// or several service instances on one database. It keeps every promise
// the SQLite store keeps (store/storetest runs against both): a write and
// its audit event in one transaction, change numbers in commit order
// (a one-row counter each write updates and holds locked until it
// commits), optimistic versions, erasure.
//
// Migrations are applied once, whichever instance starts first: under a
// transaction-scoped advisory lock. Several instances serve one database:
// commit triggers notify the others (Watch), which read what they missed
// by change number.
package pgstore

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"massanzug/catalogue"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the catalogue's store in PostgreSQL.
type DB struct {
	pool     *pgxpool.Pool
	instance string
}

var _ catalogue.Store = (*DB)(nil)

// statementTimeout bounds every statement: a query the planner got wrong
// fails instead of holding a connection of the pool.
const statementTimeout = 30 * time.Second

// idleInTransaction bounds how long a transaction may sit idle.
const idleInTransaction = 60 * time.Second

// Open connects to the database of dsn (a postgres:// URL or a key=value
// string; pool_max_conns and the like as pgx reads them) and applies the
// migrations this binary knows.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database address: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.Itoa(int(statementTimeout / time.Millisecond))
	// A transaction left open by a stuck client would hold its row locks
	// (the change counter among them) and keep VACUUM from erasing; the
	// server ends it.
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.Itoa(int(idleInTransaction / time.Millisecond))
	cfg.ConnConfig.RuntimeParams["application_name"] = "massanzug"
	// No JIT: its compiling costs 100 ms and more, paid whenever the
	// planner's estimate crosses jit_above_cost (stale statistics right
	// after an import do), for queries that run in well under a
	// millisecond; the service's queries are all short.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	// Every connection carries the instance's id, which the commit
	// triggers put in their notifications: an instance is not woken by its
	// own commits (see Watch).
	instance := newInstanceID()
	cfg.ConnConfig.RuntimeParams["massanzug.instance"] = instance
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	db := &DB{pool: pool, instance: instance}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migrationLock is the advisory lock under which one instance migrates.
const migrationLock = 0x6d617373 // "mass"

func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
			return err
		}
		latest := 0
		for _, name := range names {
			v, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			latest = max(latest, v)
			if v <= current {
				continue
			}
			sql, err := migrationFiles.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version, applied_at) VALUES ($1, now())`, v); err != nil {
				return err
			}
		}
		if current > latest {
			return fmt.Errorf("the database has schema version %d, this binary knows %d: refusing to downgrade", current, latest)
		}
		return nil
	})
}

// tx runs fn in a transaction: committed if fn returns nil, rolled back
// otherwise.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return mapErr(fn(tx)) })
}

// mapErr turns PostgreSQL's errors into the catalogue's.
func mapErr(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%w: %v", catalogue.ErrConflict, err)
	case "23503": // foreign_key_violation
		return fmt.Errorf("%w: a referenced district, term or provider does not exist", catalogue.ErrConflict)
	case "53100": // disk_full
		return fmt.Errorf("%w: %v", catalogue.ErrStorageFull, err)
	}
	return err
}

// Writable reports whether the database takes writes: reachable, and not
// refusing them (a server in recovery or read-only, as a standby is).
func (db *DB) Writable(ctx context.Context) error {
	var readOnly string
	if err := db.pool.QueryRow(ctx, `SHOW transaction_read_only`).Scan(&readOnly); err != nil {
		return fmt.Errorf("database not reachable: %w", err)
	}
	if readOnly == "on" {
		return errors.New("the database takes no writes (a read-only server or standby)")
	}
	return nil
}

// CountRows counts a table's rows (tests, checks).
func (db *DB) CountRows(ctx context.Context, table string) (int, error) {
	switch table {
	case "entries", "entry_districts", "entry_help_kinds", "providers", "provider_districts", "terms", "districts", "tokens", "audit_log", "erasures", "synonyms":
	default:
		return 0, fmt.Errorf("unknown table %q", table)
	}
	var n int
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	return n, err
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// kindList writes provided_by as the SQLite store does: "" for none,
// which Seed's backfill (of NULL only) leaves alone.
func kindList(ks []catalogue.Kind) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func newInstanceID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Instance is the id this process's connections carry.
func (db *DB) Instance() string { return db.instance }

var _ catalogue.Watcher = (*DB)(nil)

// Watch listens, on a connection of its own, for the notifications the
// commit triggers send (migration 0003) and calls changed with the topic
// of each that another instance sent; with "" once listening (what came
// before is unknown) and after every reconnection. It returns when ctx
// ends.
func (db *DB) Watch(ctx context.Context, log *slog.Logger, changed func(topic string)) error {
	wait := 100 * time.Millisecond
	for {
		err := db.listen(ctx, changed)
		if ctx.Err() != nil {
			return nil
		}
		log.WarnContext(ctx, "lost the database's notifications; listening again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (db *DB) listen(ctx context.Context, changed func(topic string)) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN massanzug`); err != nil {
		return err
	}
	changed("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		topic, from, _ := strings.Cut(n.Payload, ":")
		if from != db.instance {
			changed(topic)
		}
	}
}
