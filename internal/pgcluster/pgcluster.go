// Package pgcluster runs a throw-away PostgreSQL cluster: initdb into a
// temp folder, the server on a private Unix socket in it (no TCP port at
// all), stopped and removed at the end. Tests use it through pgtest; the
// benchmark runs one with PostgreSQL's durable defaults.
package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throw-away cluster.
type Cluster struct {
	// DSN connects as the cluster's superuser to database postgres.
	DSN string
}

// ErrNotInstalled: no PostgreSQL programs on this machine.
var ErrNotInstalled = errors.New("PostgreSQL is not installed")

// Launch runs a throw-away cluster outside a test (the benchmark) and
// returns it with the function that stops and removes it. Durable
// clusters keep PostgreSQL's defaults (fsync, synchronous commit, full
// page writes), as a city's server would; the tests' cluster does without,
// for speed.
func Launch(durable bool) (c Cluster, stop func(), err error) {
	bin, err := binDir()
	if err != nil {
		return c, nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	dir, err := os.MkdirTemp("", "pg")
	if err != nil {
		return c, nil, err
	}
	var undo []func()
	stop = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	undo = append(undo, func() { os.RemoveAll(dir) })
	// initdb refuses to run as root: a root process runs the cluster as the
	// postgres account Debian's package makes.
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return c, nil, fmt.Errorf("%w: running as root and no postgres account to run PostgreSQL as: %v", ErrNotInstalled, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return c, nil, err
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
		return c, nil, err
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses=''", dir)
	if !durable {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return c, nil, fmt.Errorf("%v\n%s", err, log)
	}
	undo = append(undo, func() {
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			fmt.Fprintf(os.Stderr, "stop PostgreSQL: %v\n", err)
		}
	})
	c = Cluster{DSN: fmt.Sprintf("host=%s user=massanzug dbname=postgres sslmode=disable", dir)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		return c, nil, fmt.Errorf("connect to the throw-away cluster: %w", err)
	}
	conn.Close(ctx)
	return c, stop, nil
}

// NewDatabase makes a fresh, empty database in the cluster and returns
// its DSN.
func (c Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", nextDB.Add(1))
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return strings.Replace(c.DSN, "dbname=postgres", "dbname="+name, 1), nil
}

var nextDB atomic.Int64

// Program is the path of one of PostgreSQL's programs (pg_dump,
// pg_restore).
func Program(name string) (string, error) {
	bin, err := binDir()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	return filepath.Join(bin, name), nil
}

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
