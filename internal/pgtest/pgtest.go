// Package pgtest starts a throw-away PostgreSQL cluster (pgcluster) for a
// test, stopped and removed when the test ends, and a fresh database in
// it per test. Tests call Start and skip, saying why, where PostgreSQL is
// not installed.
package pgtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"massanzug/internal/pgcluster"
)

// Cluster is a running throw-away cluster.
type Cluster struct{ pgcluster.Cluster }

// Start runs a cluster for t, or skips t when no PostgreSQL is found.
func Start(t testing.TB) Cluster {
	t.Helper()
	return start(t, t.Cleanup)
}

// StartForPackage runs a cluster that outlives t, for every test of a
// package; TestMain stops it with StopAll.
func StartForPackage(t testing.TB) Cluster {
	t.Helper()
	return start(t, func(f func()) { stops = append([]func(){f}, stops...) })
}

var stops []func()

// StopAll stops the clusters StartForPackage started.
func StopAll() {
	for _, stop := range stops {
		stop()
	}
	stops = nil
}

// start runs a cluster for a test, stopped when register's functions run.
func start(t testing.TB, register func(func())) Cluster {
	t.Helper()
	c, stop, err := pgcluster.Launch(false)
	if errors.Is(err, pgcluster.ErrNotInstalled) {
		t.Skipf("PostgreSQL not found, skipped (%v); apt-get install -y postgresql, as .ci/run does", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	register(stop)
	return Cluster{c}
}

// Database makes a fresh, empty database in the cluster for one test and
// returns its DSN; it is dropped when the test ends.
func (c Cluster) Database(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	dsn, err := c.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, c.DSN)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		name := strings.TrimPrefix(dsn[strings.Index(dsn, "dbname="):], "dbname=")
		name = strings.Fields(name)[0]
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return dsn
}
