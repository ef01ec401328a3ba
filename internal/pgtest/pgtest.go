// Package pgtest starts a throw-away PostgreSQL cluster for a test: initdb
// into a temp folder, the server on a private Unix socket in it (no TCP
// port at all), stopped and removed when the test ends. Tests call Start
// and skip, saying why, where PostgreSQL is not installed.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throw-away cluster.
type Cluster struct {
	// DSN connects as the cluster's superuser to database postgres.
	DSN string
}

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

// start runs a cluster, handing each step's undoing to register as it goes
// (so that a failure half-way still stops what was started).
func start(t testing.TB, register func(func())) Cluster {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		t.Skipf("PostgreSQL not found, skipped (%v); apt-get install -y postgresql, as .ci/run does", err)
	}
	dir, err := os.MkdirTemp("", "pg")
	if err != nil {
		t.Fatal(err)
	}
	register(func() { os.RemoveAll(dir) })
	// initdb refuses to run as root: a root test runs the cluster as the
	// postgres account Debian's package makes.
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and no postgres account to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) error {
		cmd := append(append([]string{}, asUser...), filepath.Join(bin, name))
		c := exec.Command(cmd[0], append(cmd[1:], args...)...)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Run(); err != nil {
			return fmt.Errorf("%s: %w: %s", name, err, out.String())
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", "massanzug", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"); err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off", dir)
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("%v\n%s", err, log)
	}
	register(func() {
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			fmt.Fprintf(os.Stderr, "stop PostgreSQL: %v\n", err)
		}
	})
	c := Cluster{DSN: fmt.Sprintf("host=%s user=massanzug dbname=postgres sslmode=disable", dir)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		t.Fatalf("connect to the throw-away cluster: %v", err)
	}
	conn.Close(ctx)
	return c
}

// Database makes a fresh, empty database in the cluster for one test and
// returns its DSN; it is dropped when the test ends.
func (c Cluster) Database(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t%d", nextDB.Add(1))
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, c.DSN)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return strings.Replace(c.DSN, "dbname=postgres", "dbname="+name, 1)
}

var nextDB atomic.Int64

// binDir finds PostgreSQL's programs: $MASSANZUG_PG_BIN, Debian's
// /usr/lib/postgresql/<newest>/bin, or initdb on the PATH.
func binDir() (string, error) {
	if d := os.Getenv("MASSANZUG_PG_BIN"); d != "" {
		return d, nil
	}
	if ds, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(ds) > 0 {
		sort.Slice(ds, func(i, j int) bool { return version(ds[i]) > version(ds[j]) })
		return ds[0], nil
	}
	p, err := exec.LookPath("initdb")
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}
