// Package backend names the store of the whole service — the catalogue,
// referrals, gaps, figures, accounts and what the search index is built
// from — which SQLite (package store, the default) and PostgreSQL
// (package pgstore) each implement in full, and opens the one configured.
package backend

import (
	"context"

	"massanzug/account"
	"massanzug/catalogue"
	"massanzug/gap"
	"massanzug/index"
	"massanzug/pgstore"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
)

// Store is every store of the service in one database.
type Store interface {
	catalogue.Store
	referral.Store
	gap.Store
	report.Store
	account.Store
	index.Source
	// Exec runs a statement (maintenance, tests); CountRows counts a
	// table's rows (checks, tests).
	Exec(ctx context.Context, query string, args ...any) error
	CountRows(ctx context.Context, table string) (int, error)
	Close() error
}

var (
	_ Store = (*store.DB)(nil)
	_ Store = (*pgstore.DB)(nil)
)

// Open opens PostgreSQL when database (a postgres:// address) is given,
// else the SQLite file in the data folder dir.
func Open(ctx context.Context, database, dir string, opts ...store.Option) (Store, error) {
	if database != "" {
		return pgstore.Open(ctx, database)
	}
	return store.Open(ctx, dir, opts...)
}
