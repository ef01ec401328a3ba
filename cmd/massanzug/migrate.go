package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"massanzug/bench"
	"massanzug/index"
	"massanzug/internal/pgcluster"
	"massanzug/pgstore"
	"massanzug/store"
)

// migrateDB moves a city from its SQLite file to an empty PostgreSQL
// database: every table in one transaction from one snapshot, verified
// table by table before it commits (pgstore.MoveFrom). The data folder is
// locked meanwhile, so that no service writes to the SQLite file after the
// snapshot. Its search index stays in step: the ids and change numbers are
// the same, so `serve --database` on the same folder starts without a
// rebuild.
func migrateDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var from, to string
	fs.StringVar(&from, "from", "", "the SQLite database to move: sqlite:./data/"+store.FileName)
	fs.StringVar(&to, "to", "", "the empty PostgreSQL database to move to: postgres://USER@HOST/DB")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "massanzug migrate-db: %s\n\nFlags:\n", commandHelp["migrate-db"])
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, ok := strings.CutPrefix(from, "sqlite:")
	if !ok || path == "" {
		return fmt.Errorf("--from must name the SQLite file as sqlite:PATH, e.g. sqlite:./data/%s", store.FileName)
	}
	if filepath.Base(path) != store.FileName {
		return fmt.Errorf("--from: the SQLite file of a data folder is named %s, not %s", store.FileName, filepath.Base(path))
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if to == "" || strings.HasPrefix(to, "sqlite:") {
		return errors.New("--to must be a PostgreSQL address, postgres://USER@HOST/DB")
	}
	if _, err := pgxpool.ParseConfig(to); err != nil {
		return fmt.Errorf("--to must be a PostgreSQL address, postgres://USER@HOST/DB: %v", err)
	}
	dir := filepath.Dir(path)
	release, err := lockFolder(dir)
	if err != nil {
		return err
	}
	defer release()
	src, err := store.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer snap.Rollback()
	dst, err := pgstore.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	start := time.Now()
	moved, err := dst.MoveFrom(ctx, pgstore.Source{Tx: snap, ParseTime: store.ParseTime})
	if err != nil {
		return fmt.Errorf("nothing moved: %w", err)
	}
	total := 0
	for _, m := range moved {
		fmt.Fprintf(stdout, "%-20s %9d rows  checksum %s\n", m.Table, m.Rows, m.Checksum)
		total += m.Rows
	}
	_, err = fmt.Fprintf(stdout, "moved %d rows of %d tables in %s; every table's rows and checksum verified in PostgreSQL\n",
		total, len(moved), time.Since(start).Round(time.Millisecond))
	return err
}

// benchBackends runs bench.RunBackends for each size: on the PostgreSQL
// database of --database (which must be empty) or, without it, on a
// throw-away cluster with PostgreSQL's durable defaults.
func benchBackends(ctx context.Context, c config, sizes string, writers, readers int, d time.Duration, log *slog.Logger, stdout, stderr io.Writer) error {
	var results []bench.BackendResult
	cluster := pgcluster.Cluster{}
	if c.Database == "" {
		cl, stop, err := pgcluster.Launch(true)
		if err != nil {
			return fmt.Errorf("bench --backends needs PostgreSQL: give --database, or install it: %w", err)
		}
		defer stop()
		cluster = cl
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 || n > 1_000_000 {
			return fmt.Errorf("--entries: %q is not a size from 100 to 1000000", s)
		}
		dsn := c.Database
		if dsn == "" {
			if dsn, err = cluster.NewDatabase(ctx); err != nil {
				return err
			}
		}
		dir, err := os.MkdirTemp("", "massanzug-bench-")
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "measuring %d entries on SQLite and PostgreSQL in %s ...\n", n, dir)
		rs, err := bench.RunBackends(ctx, dir, n, dsn, writers, readers, d, log)
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	bench.ReportBackends(stdout, results)
	return nil
}

// prepareDemoOnPostgres gives an empty PostgreSQL database the demo: it
// is built as an SQLite folder (prepareDemo, in a folder of its own) and
// moved over as migrate-db moves a city; its search index and tokens go
// to the data folder, in step with the database since ids and change
// numbers are kept. The files are moved in before the database commits:
// a crash between leaves the database empty, and the next start builds
// the demo again. A database that holds anything is never touched.
func prepareDemoOnPostgres(ctx context.Context, c config, log *slog.Logger) error {
	dst, err := pgstore.Open(ctx, c.Database)
	if err != nil {
		return err
	}
	defer dst.Close()
	for _, table := range []string{"entries", "providers", "tokens"} {
		n, err := dst.CountRows(ctx, table)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("demo data not loaded: the database holds data already", "table", table)
			return nil
		}
	}
	built := c
	built.Database, built.Data = "", filepath.Join(c.Data, ".demo-postgres")
	if err := os.RemoveAll(built.Data); err != nil {
		return err
	}
	defer os.RemoveAll(built.Data)
	if err := prepareDemo(ctx, built, log); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(c.Data, index.DirName)); err != nil {
		return err
	}
	for _, name := range []string{"demo-tokens.env", index.DirName} {
		if err := os.Rename(filepath.Join(built.Data, name), filepath.Join(c.Data, name)); err != nil {
			return fmt.Errorf("move the demo in place: %w", err)
		}
	}
	if err := store.SyncDir(c.Data); err != nil {
		return err
	}
	src, err := store.Open(ctx, built.Data)
	if err != nil {
		return err
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Rollback()
	if _, err := dst.MoveFrom(ctx, pgstore.Source{Tx: snap, ParseTime: store.ParseTime}); err != nil {
		return fmt.Errorf("move the demo to PostgreSQL: %w", err)
	}
	log.Info("demo data moved to PostgreSQL", "tokens", filepath.Join(c.Data, "demo-tokens.env"))
	return nil
}
