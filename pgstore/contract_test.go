package pgstore_test

import (
	"context"
	"testing"

	"massanzug/catalogue"
	"massanzug/internal/pgtest"
	"massanzug/pgstore"
	"massanzug/store/storetest"
)

// TestStoreContract: the PostgreSQL store keeps every promise of
// catalogue.Store, the same suite the SQLite store passes, each test in a
// fresh database of a throw-away cluster.
func TestStoreContract(t *testing.T) {
	cluster := pgtest.Start(t)
	storetest.Run(t, func(t *testing.T) catalogue.Store {
		db, err := pgstore.Open(context.Background(), cluster.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestMigratesOnceAcrossInstances: instances that start together on one
// database apply the migrations once (the advisory lock), and a second
// start finds nothing to do.
func TestMigratesOnceAcrossInstances(t *testing.T) {
	dsn := pgtest.Start(t).Database(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := pgstore.Open(context.Background(), dsn)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("an instance failed to start: %v", err)
		}
	}
	db, err := pgstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountRows(context.Background(), "entries"); err != nil || n != 0 {
		t.Errorf("entries: %d %v", n, err)
	}
	if err := db.Writable(context.Background()); err != nil {
		t.Errorf("writable: %v", err)
	}
}
