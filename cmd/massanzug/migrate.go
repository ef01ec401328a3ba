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
