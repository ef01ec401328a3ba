package store_test

import (
	"context"
	"testing"

	"massanzug/catalogue"
	"massanzug/store"
	"massanzug/store/storetest"
)

// TestStoreContract: the SQLite store keeps every promise of
// catalogue.Store (the suite a second backend runs too).
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalogue.Store {
		db, err := store.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
