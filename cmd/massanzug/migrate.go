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
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"massanzug/index"
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
	dst, err := pgstore.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	start := time.Now()
	moved, err := moveFolder(ctx, dir, dst)
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
	if _, err := moveFolder(ctx, built.Data, dst); err != nil {
		return fmt.Errorf("move the demo to PostgreSQL: %w", err)
	}
	log.Info("demo data moved to PostgreSQL", "tokens", filepath.Join(c.Data, "demo-tokens.env"))
	return nil
}

// moveFolder moves the SQLite database of the data folder dir, read in
// one snapshot, into dst (pgstore.MoveFrom).
func moveFolder(ctx context.Context, dir string, dst *pgstore.DB) ([]pgstore.TableMoved, error) {
	src, err := store.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	defer snap.Rollback()
	return dst.MoveFrom(ctx, pgstore.Source{Tx: snap, ParseTime: store.ParseTime})
}
