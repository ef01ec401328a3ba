// Package testbackend gives a package's tests the store they run on:
// SQLite in the test's folder, or, with MASSANZUG_TEST_BACKEND=postgres
// (as .ci/run's second pass sets), a fresh database of one throw-away
// PostgreSQL cluster the package's tests share. A package that uses it
// runs its tests through Main, which stops the cluster at the end.
package testbackend

import (
	"context"
	"os"
	"sync"
	"testing"

	"massanzug/backend"
	"massanzug/internal/pgtest"
)

// Store is every store of the service, as both backends implement it.
type Store = backend.Store

var (
	once    sync.Once
	cluster pgtest.Cluster
	mu      sync.Mutex
	byDir   = map[string]string{} // the database of a test's folder
)

// OnPostgres tells whether the tests run on PostgreSQL.
func OnPostgres() bool { return os.Getenv("MASSANZUG_TEST_BACKEND") == "postgres" }

// Open opens the store for one test (SQLite in dir), closed when the test
// ends. On PostgreSQL, opening the same folder again (a restart in the
// test) opens the same database.
func Open(t testing.TB, dir string) Store {
	t.Helper()
	dsn := ""
	if OnPostgres() {
		once.Do(func() { cluster = pgtest.StartForPackage(t) })
		mu.Lock()
		var ok bool
		if dsn, ok = byDir[dir]; !ok {
			dsn = cluster.Database(t)
			byDir[dir] = dsn
		}
		mu.Unlock()
	}
	s, err := backend.Open(context.Background(), dsn, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Main runs the package's tests and stops the shared cluster.
func Main(m *testing.M) {
	code := m.Run()
	pgtest.StopAll()
	os.Exit(code)
}
