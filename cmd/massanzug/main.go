// Command massanzug runs the Maßanzug service and its administrative
// commands. Every flag has an environment variable (MASSANZUG_<FLAG>, with
// dashes as underscores); a flag given on the command line wins.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"massanzug/access"
	"massanzug/account"
	"massanzug/api"
	"massanzug/backend"
	"massanzug/bench"
	"massanzug/catalogue"
	"massanzug/demo"
	"massanzug/gap"
	"massanzug/hsds"
	"massanzug/index"
	"massanzug/internal/pgcluster"
	"massanzug/matching"
	"massanzug/progress"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
	"massanzug/transfer"
	"massanzug/web"
)

const usage = `massanzug: resource directory and matching for social work

Usage:
  massanzug serve [--addr 127.0.0.1:8080] [--data ./data] [--demo] [--review-months 12] [--log-format text|json]
  massanzug token create --role ROLE [--provider ID] --name NAME [--data ./data]
  massanzug user create --username NAME --role ROLE [--name "Full Name"] [--districts IDS] [--provider ID]   a person's log-in for the web app (password on stdin or in MASSANZUG_PASSWORD)
  massanzug backup --out FILE [--data ./data]   a consistent copy, while the service runs
  massanzug restore [--data ./data] FILE   put a backup in place (stop the service first)
  massanzug reindex [--data ./data]   rebuild the search index (stop the service first)
  massanzug import --kind KIND [--dry-run] [--overwrite] [--allow-duplicates] [--data ./data] FILE.csv|.xlsx|.json   (stop the service first)
  massanzug export --kind KIND [--format csv|xlsx|json] [--separator ;|,] [--data ./data] > FILE
  massanzug export --format hsds|hsds-json [--data ./data] > FILE   (the public catalogue in HSDS 3.0)
  massanzug bench [--entries 10000,100000]   measure import, start, search (in temporary folders)
  massanzug bench --backends [--entries 100000] [--database postgres://…]   SQLite and PostgreSQL side by side
  massanzug bench --load [--entries 10000] [--writers 16] [--readers 16] [--duration 20s]   a mixed load over loopback HTTP
  massanzug migrate-db --from sqlite:./data/massanzug.db --to postgres://USER@HOST/DB   move a city to PostgreSQL, checked (stop the service first)
  massanzug retention [--dry-run] [--retention-years 3] [--data ./data]   anonymise referrals closed longer ago (stop the service first)
  massanzug config [flags]     print the effective configuration

The settings of the service and the data folder can also be set as
environment variables (--review-months is MASSANZUG_REVIEW_MONTHS, --data is
MASSANZUG_DATA); massanzug COMMAND --help says what a command does and which
of its flags a variable sets.
`

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return // --help was asked for and given
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "massanzug:", err)
		os.Exit(1)
	}
}

// config is every setting, filled from flags and environment.
type config struct {
	Addr         string
	Data         string
	Demo         bool
	ReviewMonths int
	// RetentionYears: after how long a closed referral is anonymised.
	RetentionYears int
	MatchWeights   string
	// Database is a PostgreSQL database (postgres://…) instead of the
	// SQLite file in the data folder; the search index stays in the data
	// folder, one per instance.
	Database string
	// unsynced builds a folder that is synced as a whole afterwards (the
	// demo's); never set for a folder in use.
	unsynced  bool
	LogFormat string
	LogLevel  string
}

// newFlags defines the flags of a command; defaults come from the
// environment when set there.
func newFlags(name string, c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		// --help is asked for: what the command does and its flags, on
		// the output the help goes to, and a clean exit (see main).
		fmt.Fprintf(fs.Output(), "massanzug %s: %s\n\nFlags (a variable in brackets sets the flag too):\n", name, commandHelp[name])
		fs.PrintDefaults()
	}
	stringFlag(fs, &c.Data, "data", "./data", "data folder (database, backups)")
	stringFlag(fs, &c.Database, "database", "", "a PostgreSQL database, postgres://user@host/db (empty: SQLite in the data folder)")
	stringFlag(fs, &c.LogFormat, "log-format", "text", "log format: text or json")
	stringFlag(fs, &c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	return fs
}

// commandHelp says what each command does, for its --help.
var commandHelp = map[string]string{
	"serve":        "run the service: the JSON API under /v1 and the German web app, on one address",
	"config":       "check the settings as serve would and print the effective values",
	"token create": "issue an API token (printed once, on stdout; stored only as a hash)",
	"user create":  "create a person's log-in for the web app (password on stdin or in MASSANZUG_PASSWORD)",
	"backup":       "write a consistent copy of the database, also while the service runs",
	"restore":      "put a backup in place (stop the service first)",
	"reindex":      "rebuild the search index from the database (stop the service first)",
	"import":       "import volunteers, neighbourhood helps or offers from CSV, XLSX or JSON: rows with an id update their entry, the others create one; all rows or none (stop the service first)",
	"export":       "write one kind of entry as CSV, XLSX or JSON to stdout, to be edited and imported again; or the public catalogue as HSDS 3.0",
	"bench":        "measure import, start, search, matching, referrals and screens in temporary folders",
	"migrate-db":   "copy everything of an SQLite database (entries, referrals, accounts, tokens, audit log) into an empty PostgreSQL database in one consistent run, and verify rows and checksums of every table (stop the service first)",
	"retention":    "anonymise referrals closed longer ago than the retention period (stop the service first)",
}

// envName is the variable that sets a flag too: --review-months is
// MASSANZUG_REVIEW_MONTHS.
func envName(flagName string) string {
	return "MASSANZUG_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func stringFlag(fs *flag.FlagSet, p *string, name, def, usage string) {
	v, ok := os.LookupEnv(envName(name))
	if !ok {
		v = def
	}
	fs.StringVar(p, name, v, usage+" ["+envName(name)+"]")
}

func intFlag(fs *flag.FlagSet, p *int, name string, def int, usage string) {
	if n, err := strconv.Atoi(os.Getenv(envName(name))); err == nil {
		def = n
	}
	fs.IntVar(p, name, def, usage+" ["+envName(name)+"]")
}

func boolFlag(fs *flag.FlagSet, p *bool, name, usage string) {
	b, _ := strconv.ParseBool(os.Getenv(envName(name)))
	fs.BoolVar(p, name, b, usage+" ["+envName(name)+"]")
}

func serveFlags(c *config, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("serve", c, stderr)
	stringFlag(fs, &c.Addr, "addr", "127.0.0.1:8080", "listen address")
	boolFlag(fs, &c.Demo, "demo", "fill an empty catalogue with demo data")
	intFlag(fs, &c.ReviewMonths, "review-months", 12, "months after which an entry is due for review")
	retentionFlag(fs, c)
	stringFlag(fs, &c.MatchWeights, "match-weights", "", "weights of the matching factors, e.g. fit=3,distance=2,language=2 (others keep their defaults)")
	return fs
}

func retentionFlag(fs *flag.FlagSet, c *config) {
	intFlag(fs, &c.RetentionYears, "retention-years", referral.DefaultRetentionYears,
		"years after which a closed referral is anonymised (case reference, notes)")
}

func (c config) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	var c config
	switch args[0] {
	case "import", "export", "reindex", "backup", "restore", "bench":
		// Long commands draw their progress on a terminal; the service
		// logs it instead.
		ctx = progress.OnTerminal(ctx, stderr)
	}
	switch args[0] {
	case "serve":
		if err := serveFlags(&c, stderr).Parse(args[1:]); err != nil {
			return err
		}
		return serve(ctx, c, stderr)
	case "config":
		fs := serveFlags(&c, stderr)
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "massanzug config: %s\n\nFlags (a variable in brackets sets the flag too):\n", commandHelp["config"])
			fs.PrintDefaults()
		}
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		weights, err := c.check()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "MASSANZUG_ADDR=%s\nMASSANZUG_DATA=%s\nMASSANZUG_DATABASE=%s\nMASSANZUG_DEMO=%t\nMASSANZUG_REVIEW_MONTHS=%d\nMASSANZUG_RETENTION_YEARS=%d\nMASSANZUG_MATCH_WEIGHTS=%s\nMASSANZUG_LOG_FORMAT=%s\nMASSANZUG_LOG_LEVEL=%s\n",
			c.Addr, c.Data, redacted(c.Database), c.Demo, c.ReviewMonths, c.RetentionYears, weights, c.LogFormat, c.LogLevel)
		return nil
	case "token":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: massanzug token create --role ROLE [--provider ID] --name NAME")
		}
		return tokenCreate(ctx, args[2:], stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return errors.New("usage: massanzug user create --username NAME --role ROLE [--name \"Full Name\"] [--districts IDS] [--provider ID] (password on stdin or in MASSANZUG_PASSWORD)")
		}
		return userCreate(ctx, args[2:], os.Stdin, stdout, stderr)
	case "backup":
		return backup(ctx, args[1:], stdout, stderr)
	case "reindex":
		return reindex(ctx, args[1:], stdout, stderr)
	case "restore":
		return restore(ctx, args[1:], stdout, stderr)
	case "import":
		return importFile(ctx, args[1:], stdout, stderr)
	case "export":
		return exportKind(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "retention":
		return retention(ctx, args[1:], stdout, stderr)
	case "migrate-db":
		return migrateDB(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// app is an opened data folder: database, search index and the service.
type app struct {
	svc *catalogue.Service
	db  backend.Store
	ix  *index.Index
}

// openBackend opens the configured store: PostgreSQL when --database is
// given, else the SQLite file in the data folder.
func openBackend(ctx context.Context, c config, opts ...store.Option) (backend.Store, error) {
	return backend.Open(ctx, c.Database, c.Data, opts...)
}

// sqliteOnly refuses what works on the SQLite file only.
func sqliteOnly(c config, what, instead string) error {
	if c.Database != "" {
		return fmt.Errorf("%s works on the SQLite data folder only; with PostgreSQL (--database), %s", what, instead)
	}
	return nil
}

func (a *app) Close() error { return errors.Join(a.ix.Close(), a.db.Close()) }

// open opens the data folder: the database (migrated, reference data
// seeded), then the search index, checked against the database and rebuilt
// if it is behind.
func open(ctx context.Context, c config, log *slog.Logger, opts ...catalogue.Option) (*app, error) {
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	var sopts []store.Option
	if c.unsynced {
		sopts = append(sopts, store.Unsynced())
	}
	db, err := openBackend(ctx, c, sopts...)
	if err != nil {
		return nil, err
	}
	// Reference data first: the index places entries by districts.
	if err := catalogue.NewService(db, catalogue.WithLogger(log)).Init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	start := time.Now()
	ix, err := index.Open(ctx, c.Data, db, log)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open search index: %w", err)
	}
	log.Info("search index ready", "ms", time.Since(start).Milliseconds())
	svc := catalogue.NewService(db, append(opts, catalogue.WithLogger(log), catalogue.WithIndexer(ix))...)
	return &app{svc: svc, db: db, ix: ix}, nil
}

// check validates the settings as serve needs them, and returns the
// effective match weights (the defaults with the settings' over them).
func (c config) check() (matching.Weights, error) {
	if _, err := c.logger(io.Discard); err != nil {
		return matching.Weights{}, err
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return matching.Weights{}, fmt.Errorf("--addr must be host:port, like 127.0.0.1:8080, not %q", c.Addr)
	}
	if strings.TrimSpace(c.Data) == "" {
		return matching.Weights{}, errors.New("--data must name a folder")
	}
	if st, err := os.Stat(c.Data); err == nil && !st.IsDir() {
		return matching.Weights{}, fmt.Errorf("--data %s is a file, not a folder", c.Data)
	}
	if c.ReviewMonths < 1 || c.ReviewMonths > 120 {
		return matching.Weights{}, fmt.Errorf("--review-months must be from 1 to 120, not %d", c.ReviewMonths)
	}
	if c.RetentionYears < 1 || c.RetentionYears > 30 {
		return matching.Weights{}, fmt.Errorf("--retention-years must be from 1 to 30, not %d", c.RetentionYears)
	}
	weights, err := matching.ParseWeights(c.MatchWeights)
	if err != nil {
		return matching.Weights{}, fmt.Errorf("--match-weights: %w", err)
	}
	if c.Database != "" {
		if _, err := pgxpool.ParseConfig(c.Database); err != nil {
			return matching.Weights{}, fmt.Errorf("--database must be a PostgreSQL address, like postgres://massanzug@db.example/massanzug: %v", err)
		}
	}
	return weights, nil
}

// redacted writes a database address without its password.
func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return regexp.MustCompile(`password=\S+`).ReplaceAllString(dsn, "password=xxxxx")
}

func serve(ctx context.Context, c config, stderr io.Writer) error {
	weights, err := c.check()
	if err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	release, err := lockFolder(c.Data)
	if err != nil {
		return err
	}
	defer release()
	if c.Demo && c.Database != "" {
		if err := prepareDemoOnPostgres(ctx, c, log); err != nil {
			return err
		}
	} else if c.Demo {
		if err := prepareDemo(ctx, c, log); err != nil {
			return err
		}
	}
	a, err := open(ctx, c, log, catalogue.WithReviewAfter(c.ReviewMonths))
	if err != nil {
		return err
	}
	defer a.Close()
	accounts := account.New(a.db, a.db, a.svc, log)
	if c.Demo {
		if err := demoAccounts(ctx, accounts, a, filepath.Join(c.Data, "demo-tokens.env"), stderr); err != nil {
			return err
		}
	} else if list, err := accounts.List(ctx, cliAdmin); err == nil && len(list) == 0 {
		log.Warn("nobody can log in to the web app yet: make the first admin with `massanzug user create --username admin --role admin`")
	}
	referrals, err := referral.Open(ctx, a.db, a.svc, log, referral.WithRetention(c.RetentionYears))
	if err != nil {
		return err
	}
	// Closed referrals past the retention period are anonymised at start
	// and every day.
	rctx, rcancel := context.WithCancel(ctx)
	retaining := make(chan struct{})
	go func() {
		defer close(retaining)
		for {
			if _, err := referrals.Retain(rctx, false); err != nil && rctx.Err() == nil {
				log.Error("retention of referrals failed; it runs again tomorrow", "err", err)
			}
			select {
			case <-rctx.Done():
				return
			case <-time.After(24 * time.Hour):
			}
		}
	}()
	defer func() { rcancel(); <-retaining }()
	matcher := matching.New(a.svc, a.db, a.ix, weights, log, matching.WithPlacements(referrals))
	if w, ok := a.db.(catalogue.Watcher); ok {
		wctx, wcancel := context.WithCancel(ctx)
		watching := make(chan struct{})
		go func() { defer close(watching); followOthers(wctx, w, a.svc, referrals, log) }()
		defer func() { wcancel(); <-watching }()
	}
	// The matcher reads the catalogue into memory in the background (matches
	// wait for it); serve waits for it before it closes the database, so the
	// goroutine never outlives serve.
	reports := report.New(a.db, a.svc, referrals, c.ReviewMonths)
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		start := time.Now()
		if err := matcher.Warm(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("matcher could not read the catalogue; the first match tries again", "err", err)
			}
			return
		}
		log.Info("matcher ready", "ms", time.Since(start).Milliseconds())
		// The figures count the same entries and the referrals; after the
		// matcher, so that two full reads do not compete at start.
		start = time.Now()
		if err := reports.Warm(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("district figures could not read the catalogue; the first report tries again", "err", err)
			}
			return
		}
		log.Info("district figures ready", "ms", time.Since(start).Milliseconds())
	}()
	defer func() { <-warmed }()
	app, err := web.New(web.Domain{Accounts: accounts, Catalogue: a.svc, Search: a.ix, Matcher: matcher, Referrals: referrals, Reports: reports}, log)
	if err != nil {
		return err
	}
	// An index that fell behind (a full disk) catches up once it can.
	kctx, kcancel := context.WithCancel(ctx)
	keeping := make(chan struct{})
	go func() { defer close(keeping); a.svc.KeepInStep(kctx, 2*time.Second) }()
	defer func() { kcancel(); <-keeping }()
	srv := &http.Server{
		Addr:              c.Addr,
		Handler:           app.Beside(api.New(api.Domain{Catalogue: a.svc, Search: a.ix, Matcher: matcher, Referrals: referrals, Reports: reports, Gaps: gap.New(a.db, a.svc)}, log)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// Bound before it says so: "listening" means a client can connect.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("massanzug listening", "addr", ln.Addr().String(), "data", c.Data)
	select {
	case err := <-errc:
		return fmt.Errorf("listen: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// demoDir is where the demo is built before it is moved into the data
// folder, whole.
const demoDir = ".demo-building"

// prepareDemo gives a data folder without a catalogue the demo, all or
// nothing: the demo's database, index and tokens are built in a folder of
// their own, synced to disk, and moved into the data folder, the database
// last, since its presence says that the demo is there. A crash on the way
// leaves the data folder as it was, and the next start with --demo builds
// it again. A database that holds anything (entries, providers, tokens) is
// never touched. The caller holds the data folder's lock.
func prepareDemo(ctx context.Context, c config, log *slog.Logger) error {
	live := filepath.Join(c.Data, store.FileName)
	if _, err := os.Stat(live); err == nil {
		db, err := store.Open(ctx, c.Data)
		if err != nil {
			return err
		}
		used := 0
		for _, table := range []string{"entries", "providers", "tokens"} {
			n, err := db.CountRows(ctx, table)
			if err != nil {
				db.Close()
				return err
			}
			used += n
		}
		db.Close()
		if used > 0 {
			log.Info("demo data not loaded: the catalogue already holds entries, providers or tokens")
			return nil
		}
		// An empty database, as a start without --demo leaves it: replaced.
		for _, f := range []string{store.FileName, store.FileName + "-wal", store.FileName + "-shm"} {
			os.Remove(filepath.Join(c.Data, f))
		}
		os.RemoveAll(filepath.Join(c.Data, index.DirName))
	}
	tmp := filepath.Join(c.Data, demoDir)
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	built := c
	built.Data, built.unsynced = tmp, true // synced as a whole before it is moved in
	a, err := open(ctx, built, log)
	if err != nil {
		return err
	}
	res, err := demo.Load(ctx, a.svc)
	if err != nil {
		a.Close()
		return fmt.Errorf("load demo data: %w", err)
	}
	var b strings.Builder
	b.WriteString("# Demo tokens, one per role. For trying the service only.\n")
	var manager access.Principal
	for _, r := range access.Roles {
		provider := ""
		if r == access.RoleProvider {
			provider = res.ProviderID
		}
		plain, t, err := a.svc.IssueToken(ctx, cliAdmin, "Demo "+string(r), r, provider)
		if err != nil {
			a.Close()
			return err
		}
		if r == access.RoleCaseManager {
			manager = access.Principal{TokenID: t.ID, Name: t.Name, Role: t.Role}
		}
		fmt.Fprintf(&b, "%s=%s\n", strings.ToUpper(string(r)), plain)
	}
	// The web accounts, one per role; the demo's case manager is the
	// person "fm", so that her referrals are hers in the browser too.
	names, pw, fm, err := makeDemoAccounts(ctx, account.New(a.db, a.db, a.svc, log), a)
	if err != nil {
		a.Close()
		return err
	}
	if fm.TokenID != "" {
		manager = fm
	}
	fmt.Fprintf(&b, "MASSANZUG_DEMO_USERS=%s\nMASSANZUG_DEMO_PASSWORD=%s\n", strings.Join(names, ","), pw)
	// A year of referrals by the demo case manager, so that the district
	// figures are not empty.
	if _, err := demo.Referrals(ctx, a.db, manager, log); err != nil {
		a.Close()
		return fmt.Errorf("load demo referrals: %w", err)
	}
	// Fold the log into the database file, so that one file moves.
	err = a.db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close the demo: %w", err)
	}
	tokens := filepath.Join(tmp, "demo-tokens.env")
	if err := os.WriteFile(tokens, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write demo tokens: %w", err)
	}
	if err := syncTree(tmp); err != nil {
		return err
	}
	for _, f := range []string{store.FileName + "-wal", store.FileName + "-shm", index.LockFile} {
		os.Remove(filepath.Join(tmp, f))
	}
	for _, name := range []string{"demo-tokens.env", index.DirName, store.FileName} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(c.Data, name)); err != nil {
			return fmt.Errorf("move the demo in place: %w", err)
		}
		if err := store.SyncDir(c.Data); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	log.Info("demo data loaded", "entries", res.Entries, "providers", res.Providers, "tokens", filepath.Join(c.Data, "demo-tokens.env"))
	return nil
}

// syncTree syncs every file and folder under dir to disk.
func syncTree(dir string) error {
	return filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", path, err)
		}
		return nil
	})
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var role, provider, name string
	fs := newFlags("token create", &c, stderr)
	fs.StringVar(&role, "role", "", "admin, ressourcenmanager, fallmanager or traeger")
	fs.StringVar(&provider, "provider", "", "provider id (traeger tokens only)")
	fs.StringVar(&name, "name", "", "who holds the token")
	districts := fs.String("districts", "", "comma-separated district ids a ressourcenmanager is responsible for (none: city-wide)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	g := access.Grant{Name: name, Role: access.Role(role), ProviderID: provider}
	if *districts != "" {
		g.Districts = strings.Split(*districts, ",")
	}
	svc := catalogue.NewService(db, catalogue.WithLogger(log))
	if err := svc.Init(ctx); err != nil {
		return err
	}
	plain, _, err := svc.Grant(ctx, cliAdmin, g)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, plain)
	return err
}

// demoAccounts tells how to log in to the demo: the accounts the demo
// was built with, or, for a demo built before there were accounts, one
// per role made now with one fresh password, kept beside the demo's
// tokens (file, 0600).
func demoAccounts(ctx context.Context, accounts *account.Service, a *app, file string, stderr io.Writer) error {
	existing, err := accounts.List(ctx, cliAdmin)
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		kept, _ := os.ReadFile(file)
		users := regexp.MustCompile(`MASSANZUG_DEMO_USERS=(\S+)`).FindSubmatch(kept)
		pw := regexp.MustCompile(`MASSANZUG_DEMO_PASSWORD=(\S+)`).FindSubmatch(kept)
		if users == nil || pw == nil {
			fmt.Fprintf(stderr, "Demo-Anmeldung im Browser: Benutzer und Passwort stehen in %s\n", file)
			return nil
		}
		fmt.Fprintf(stderr, "Demo-Anmeldung im Browser: Benutzer %s, Passwort %s\n", strings.ReplaceAll(string(users[1]), ",", ", "), pw[1])
		return nil
	}
	names, pw, _, err := makeDemoAccounts(ctx, accounts, a)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("keep the demo accounts: %w", err)
	}
	_, err = fmt.Fprintf(f, "MASSANZUG_DEMO_USERS=%s\nMASSANZUG_DEMO_PASSWORD=%s\n", strings.Join(names, ","), pw)
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("keep the demo accounts: %w", err)
	}
	fmt.Fprintf(stderr, "Demo-Anmeldung im Browser: Benutzer %s, Passwort %s\n", strings.Join(names, ", "), pw)
	return nil
}

// makeDemoAccounts makes one account per role with one fresh password;
// fm is the case manager's principal.
func makeDemoAccounts(ctx context.Context, accounts *account.Service, a *app) (names []string, pw string, fm access.Principal, err error) {
	providers, _, err := a.svc.Providers(ctx, cliAdmin, catalogue.StatusActive, "", catalogue.Page{Limit: 1})
	if err != nil {
		return nil, "", fm, err
	}
	pw = randomPassword()
	people := []account.NewAccount{
		{Username: "admin", DisplayName: "Verwaltung Demo", Role: access.RoleAdmin},
		{Username: "rm", DisplayName: "Ruth Maier", Role: access.RoleResourceManager},
		{Username: "fm", DisplayName: "Felix Müller", Role: access.RoleCaseManager},
	}
	if len(providers) > 0 {
		people = append(people, account.NewAccount{Username: "traeger", DisplayName: "Tanja Reuter", Role: access.RoleProvider, ProviderID: providers[0].ID})
	}
	for _, in := range people {
		in.Password = pw
		acc, err := accounts.Create(ctx, cliAdmin, in)
		if err != nil {
			return nil, "", fm, fmt.Errorf("demo account %s: %w", in.Username, err)
		}
		if acc.Role == access.RoleCaseManager {
			fm = acc.Principal()
		}
		names = append(names, in.Username)
	}
	return names, pw, fm, nil
}

func randomPassword() string {
	const letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

// userCreate makes a person's account for the web app: the first admin,
// or anyone when no admin can log in. The password comes from
// MASSANZUG_PASSWORD or the first line of stdin, never from a flag (which
// the process list would show).
func userCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var c config
	var in account.NewAccount
	var role, districts string
	fs := newFlags("user create", &c, stderr)
	fs.StringVar(&in.Username, "username", "", "the name to log in with (lower-case letters, digits, . - _)")
	fs.StringVar(&in.DisplayName, "name", "", "the person's name as the audit log and the screens show it")
	fs.StringVar(&role, "role", "", "admin, ressourcenmanager, fallmanager or traeger")
	fs.StringVar(&in.ProviderID, "provider", "", "provider id (traeger accounts only)")
	fs.StringVar(&districts, "districts", "", "comma-separated district ids a ressourcenmanager is responsible for (none: city-wide)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in.Role = access.Role(role)
	if districts != "" {
		in.Districts = strings.Split(districts, ",")
	}
	in.Password = os.Getenv("MASSANZUG_PASSWORD")
	if in.Password == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("user create needs the password in MASSANZUG_PASSWORD or on the first line of stdin")
		}
		in.Password = strings.TrimRight(line, "\r\n")
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := catalogue.NewService(db, catalogue.WithLogger(log))
	if err := svc.Init(ctx); err != nil {
		return err
	}
	a, err := account.New(db, db, svc, log).Create(ctx, cliAdmin, in)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s %s (%s)\n", a.ID, a.Username, a.Role)
	return err
}

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var out string
	fs := newFlags("backup", &c, stderr)
	fs.StringVar(&out, "out", "", "file to write the backup to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return errors.New("backup needs --out FILE")
	}
	if err := sqliteOnly(c, "backup", "back the database up with pg_dump (pg_dump --format=custom --file=massanzug.dump DBNAME), a consistent copy while the service runs"); err != nil {
		return err
	}
	if _, err := c.logger(stderr); err != nil {
		return err
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	stop := watchGrowth(ctx, "backup (MB)", out, filepath.Join(c.Data, store.FileName))
	err = db.(*store.DB).BackupWithFiles(ctx, out, c.Data)
	stop()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, out)
	return err
}

// watchGrowth shows, on a terminal, how far a file being written (to)
// has grown towards the size of the file it copies (from): SQLite writes a
// backup in one statement that tells nothing on the way.
func watchGrowth(ctx context.Context, what, to, from string) (stop func()) {
	total := 0
	if st, err := os.Stat(from); err == nil {
		total = int(st.Size() >> 20)
	}
	m := progress.Start(ctx, nil, what, total)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if st, err := os.Stat(to); err == nil {
					m.Set(int(st.Size() >> 20))
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		if st, err := os.Stat(to); err == nil {
			m.Set(int(st.Size() >> 20))
		}
		m.Done()
	}
}

// restore puts a backup in place of the data folder's database: refused
// while a service runs, checked before anything is replaced, the old
// database kept aside, the search index rebuilt from what was restored.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("restore", &c, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("restore needs one FILE, written by massanzug backup")
	}
	if err := sqliteOnly(c, "restore", "restore with pg_restore into an empty database, then start the service: each instance rebuilds its index"); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	release, err := lockFolder(c.Data)
	if err != nil {
		return err
	}
	defer release()
	res, err := store.Restore(ctx, c.Data, fs.Arg(0), time.Now().UTC().Format("20060102T150405Z"))
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c) // migrates a backup of an older schema
	if err != nil {
		return err
	}
	defer db.Close()
	ix, err := index.Rebuild(ctx, c.Data, db, log)
	if err != nil {
		return fmt.Errorf("the database is restored, but the search index could not be rebuilt (run massanzug reindex): %w", err)
	}
	n, err := ix.DocCount()
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (schema %d, %d entries indexed)\n", fs.Arg(0), res.SchemaVersion, n)
	if res.Aside != "" {
		fmt.Fprintf(stdout, "the replaced database is kept as %s\n", res.Aside)
	}
	for _, f := range res.Files {
		fmt.Fprintf(stdout, "restored %s\n", f)
	}
	return nil
}

// openStore opens the database alone, with its reference data.
func openStore(ctx context.Context, c config) (backend.Store, error) {
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	db, err := openBackend(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// reindex rebuilds the search index from the database beside the old one
// and swaps it in; the old one stays if the rebuild fails.
func reindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("reindex", &c, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	release, err := lockFolder(c.Data)
	if err != nil {
		return err
	}
	defer release()
	start := time.Now()
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	ix, err := index.Rebuild(ctx, c.Data, db, log)
	if err != nil {
		return fmt.Errorf("rebuild the search index (the old one is kept): %w", err)
	}
	defer ix.Close()
	n, err := ix.DocCount()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "indexed %d entries in %s\n", n, time.Since(start).Round(time.Millisecond))
	return err
}

// cliAdmin is who the command line acts as when it manages tokens.
var cliAdmin = access.Principal{TokenID: "cli", Name: "Kommandozeile", Role: access.RoleAdmin}

// cliStaff is who the command line acts as: whoever may open the data
// folder is the operator; imports and exports are staff work.
var cliStaff = access.Principal{TokenID: "cli", Name: "Kommandozeile", Role: access.RoleResourceManager}

func importFile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var kind string
	var opt catalogue.ImportOptions
	fs := newFlags("import", &c, stderr)
	fs.StringVar(&kind, "kind", "", "volunteer, neighbourhood_help or offer")
	fs.BoolVar(&opt.DryRun, "dry-run", false, "check every row and report what it would do, write nothing")
	fs.BoolVar(&opt.Overwrite, "overwrite", false, "update entries changed since the file was exported (the file wins)")
	fs.BoolVar(&opt.AllowDuplicates, "allow-duplicates", false, "create rows that look like an entry there is (same name and phone, ...)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import needs one FILE (.csv, .xlsx or .json)")
	}
	path := fs.Arg(0)
	format := transfer.CSV
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = transfer.JSON
	case ".xlsx":
		format = transfer.XLSX
	}
	if _, err := catalogue.NewInput(catalogue.Kind(kind)); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	release, err := lockFolder(c.Data)
	if err != nil {
		return err
	}
	defer release()
	a, err := open(ctx, c, log)
	if err != nil {
		return err
	}
	defer a.Close()
	vocab, err := transfer.VocabOf(ctx, a.svc, cliStaff)
	if err != nil {
		return err
	}
	rows, err := transfer.Parse(catalogue.Kind(kind), format, f, vocab)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	start := time.Now()
	rep, err := a.svc.Import(ctx, cliStaff, catalogue.Kind(kind), rows, opt)
	if err != nil {
		return err
	}
	if rep.Imported > 0 {
		// A bulk load leaves the index in many small segments; merge them
		// before the service starts searching it.
		if err := a.ix.Compact(ctx); err != nil {
			return err
		}
	}
	for _, r := range rep.Results {
		switch {
		case r.Outcome == catalogue.Rejected:
			for _, e := range r.Errors {
				fmt.Fprintf(stdout, "%s:%d: %s: %s\n", path, r.Line, e.Field, e.Message)
			}
		case r.Outcome == catalogue.Updated:
			fmt.Fprintf(stdout, "%s:%d: %s updated: %s\n", path, r.Line, r.ID, strings.Join(r.Fields, ", "))
		case len(r.Warnings) > 0:
			for _, w := range r.Warnings {
				fmt.Fprintf(stdout, "%s:%d: warning: %s\n", path, r.Line, w.Message)
			}
		}
	}
	counts := fmt.Sprintf("%d created, %d updated, %d unchanged, %d rejected", rep.Created, rep.Updated, rep.Unchanged, rep.Rejected)
	switch {
	case len(rep.Errors) > 0:
		return fmt.Errorf("%d problem(s) in %d row(s) (%s); nothing was imported", len(rep.Errors), rep.Rows, counts)
	case opt.DryRun:
		fmt.Fprintf(stdout, "%d rows are fine: %s; nothing was written (dry run)\n", rep.Rows, counts)
	default:
		fmt.Fprintf(stdout, "%s %s entries in %s\n", counts, kind, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func retention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("retention", &c, stderr)
	retentionFlag(fs, &c)
	dryRun := fs.Bool("dry-run", false, "only list the referrals that would be anonymised")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	release, err := lockFolder(c.Data)
	if err != nil {
		return err
	}
	defer release()
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	rs, err := referral.Open(ctx, db, catalogue.NewService(db, catalogue.WithLogger(log)), log, referral.WithRetention(c.RetentionYears))
	if err != nil {
		return err
	}
	ids, err := rs.Retain(ctx, *dryRun)
	if err != nil {
		return err
	}
	verb := "anonymised"
	if *dryRun {
		verb = "would be anonymised"
	}
	fmt.Fprintf(stdout, "%d referrals closed more than %d years ago %s\n", len(ids), c.RetentionYears, verb)
	for _, id := range ids {
		fmt.Fprintln(stdout, id)
	}
	return nil
}

func exportKind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var kind, format, sep string
	fs := newFlags("export", &c, stderr)
	fs.StringVar(&kind, "kind", "", "volunteer, neighbourhood_help or offer")
	fs.StringVar(&format, "format", "csv", "csv, xlsx or json; or hsds (the public catalogue as an HSDS 3.0 datapackage, a ZIP; no --kind) or hsds-json")
	fs.StringVar(&sep, "separator", ";", "the CSV's separator: ; (German Excel: decimal commas, TT.MM.JJJJ) or ,")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hsdsFormat := format == "hsds" || format == "hsds-json"
	if _, err := catalogue.NewInput(catalogue.Kind(kind)); err != nil && !hsdsFormat {
		return err
	}
	if sep != ";" && sep != "," {
		return errors.New("--separator must be ; or ,")
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := catalogue.NewService(db)
	if hsdsFormat {
		d, err := svc.OpenData(ctx, cliStaff)
		if err != nil {
			return err
		}
		form := hsds.Forms[0]
		if format == "hsds-json" {
			form, _ = hsds.FormNamed("json")
		}
		return form.Write(stdout, hsds.Build(d, hsds.Options{}))
	}
	vocab, err := transfer.VocabOf(ctx, svc, cliStaff)
	if err != nil {
		return err
	}
	var entries []any
	reading := progress.Start(ctx, nil, "reading entries", 0)
	if err := svc.Export(ctx, cliStaff, catalogue.Kind(kind), func(e any) error { entries = append(entries, e); reading.Add(1); return nil }); err != nil {
		return err
	}
	reading.Done()
	return transfer.Write(stdout, catalogue.Kind(kind), transfer.Format(format), rune(sep[0]), entries, vocab)
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var sizes string
	var load bool
	var writers, readers int
	var duration time.Duration
	fs := newFlags("bench", &c, stderr)
	fs.StringVar(&sizes, "entries", "10000,100000", "catalogue sizes to measure, comma-separated")
	fs.BoolVar(&load, "load", false, "measure a mixed load over loopback HTTP instead (writers and readers at once)")
	var backends bool
	fs.BoolVar(&backends, "backends", false, "measure the same catalogue on SQLite and on PostgreSQL (--database, or a throw-away cluster), with --load's mixed load and the propagation between two instances")
	fs.IntVar(&writers, "writers", 16, "with --load: clients writing")
	fs.IntVar(&readers, "readers", 16, "with --load: clients reading (search, match, the staff list)")
	fs.DurationVar(&duration, "duration", 20*time.Second, "with --load: how long")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	blockProfile := fs.String("blockprofile", "", "write a profile of where goroutines waited (locks, channels) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *blockProfile != "" {
		// Waits of a millisecond or more: where requests queue, not where
		// they compute.
		runtime.SetBlockProfileRate(int(time.Millisecond))
		defer func() {
			if f, err := os.Create(*blockProfile); err == nil {
				pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if load && (writers < 0 || readers < 0 || writers+readers == 0 || writers+readers > 256 || duration <= 0 || duration > 10*time.Minute) {
		return errors.New("--load needs 1 to 256 clients in all and a duration up to 10m")
	}
	if backends {
		return benchBackends(ctx, c, sizes, writers, readers, duration, log, stdout, stderr)
	}
	var results []bench.Result
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 || n > 1_000_000 {
			return fmt.Errorf("--entries: %q is not a size from 100 to 1000000", s)
		}
		dir, err := os.MkdirTemp("", "massanzug-bench-")
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "measuring %d entries in %s ...\n", n, dir)
		if load {
			var r bench.LoadResult
			if r, err = bench.RunLoad(ctx, dir, n, writers, readers, duration, log); err == nil {
				bench.ReportLoad(stdout, r)
				fmt.Fprintln(stdout)
			}
		} else {
			var r bench.Result
			r, err = bench.Run(ctx, dir, n, log)
			results = append(results, r)
		}
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
	}
	if load {
		return nil
	}
	bench.Report(stdout, results)
	return nil
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
