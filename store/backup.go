package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// A backup is one SQLite file: a consistent copy of the database (VACUUM
// INTO) that also carries the data folder's own configuration files (the
// compound-word list), so that a restore brings back everything the
// service needs, and nothing in it needs the original folder.

// ConfigFiles are the data folder's files a backup carries.
var ConfigFiles = []string{"compound-words.txt"}

// BackupWithFiles writes a backup to path (see Backup) and adds the files
// of dataDir named in ConfigFiles that exist.
func (db *DB) BackupWithFiles(ctx context.Context, path, dataDir string) error {
	if err := db.Backup(ctx, path); err != nil {
		return err
	}
	err := func() error {
		b, err := sql.Open("sqlite", "file:"+path+"?_pragma=synchronous(FULL)")
		if err != nil {
			return err
		}
		defer b.Close()
		if _, err := b.ExecContext(ctx, `CREATE TABLE backup_files (name TEXT PRIMARY KEY, content BLOB NOT NULL) STRICT`); err != nil {
			return err
		}
		for _, name := range ConfigFiles {
			content, err := os.ReadFile(filepath.Join(dataDir, name))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := b.ExecContext(ctx, `INSERT INTO backup_files (name, content) VALUES (?, ?)`, name, content); err != nil {
				return err
			}
		}
		return nil
	}()
	if err == nil {
		err = SyncFile(path)
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: add the configuration files: %w", path, err)
	}
	return nil
}

// Restored says what Restore did.
type Restored struct {
	SchemaVersion int
	// Aside is where the replaced database was kept ("" if there was none).
	Aside string
	// Files are the configuration files written back, by name.
	Files []string
}

// Restore checks the backup at path (SQLite's integrity check, a schema
// this binary knows) and puts it in place of dataDir's database; the
// database it replaces is kept aside as massanzug.db.replaced-STAMP, and
// configuration files it replaces as NAME.replaced-STAMP. The caller holds
// the data folder's lock (no service runs) and rebuilds the search index.
func Restore(ctx context.Context, dataDir, path, stamp string) (Restored, error) {
	var res Restored
	live := filepath.Join(dataDir, FileName)
	tmp := live + ".restoring"
	if err := copyFile(path, tmp); err != nil {
		return res, fmt.Errorf("restore: copy %s: %w", path, err)
	}
	defer os.Remove(tmp)
	files, version, err := checkBackup(ctx, tmp)
	if err != nil {
		return res, fmt.Errorf("restore: %s: %w", path, err)
	}
	res.SchemaVersion = version
	if err := SyncFile(tmp); err != nil {
		return res, err
	}
	if _, err := os.Stat(live); err == nil {
		// The live database: its log folded in first, so that the copy
		// kept aside is whole.
		db, err := Open(ctx, dataDir)
		if err != nil {
			return res, fmt.Errorf("restore: open the database to replace: %w", err)
		}
		err = db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, fmt.Errorf("restore: checkpoint the database to replace: %w", err)
		}
		res.Aside = live + ".replaced-" + stamp
		if err := os.Rename(live, res.Aside); err != nil {
			return res, fmt.Errorf("restore: keep the old database aside: %w", err)
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(live + suffix) // empty after the checkpoint
		}
	}
	if err := os.Rename(tmp, live); err != nil {
		return res, fmt.Errorf("restore: put the backup in place: %w", err)
	}
	for name, content := range files {
		target := filepath.Join(dataDir, name)
		if _, err := os.Stat(target); err == nil {
			if err := os.Rename(target, target+".replaced-"+stamp); err != nil {
				return res, err
			}
		}
		if err := os.WriteFile(target, content, 0o600); err != nil {
			return res, fmt.Errorf("restore %s: %w", name, err)
		}
		if err := SyncFile(target); err != nil {
			return res, err
		}
		res.Files = append(res.Files, name)
	}
	return res, SyncDir(dataDir)
}

// checkBackup checks a copy of a backup and takes the configuration files
// out of it, leaving a plain database.
func checkBackup(ctx context.Context, path string) (map[string][]byte, int, error) {
	b, err := sql.Open("sqlite", "file:"+path+"?_pragma=synchronous(FULL)")
	if err != nil {
		return nil, 0, err
	}
	defer b.Close()
	var check string
	if err := b.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return nil, 0, fmt.Errorf("not a readable SQLite database: %w", err)
	}
	if check != "ok" {
		return nil, 0, fmt.Errorf("the integrity check failed: %s", check)
	}
	var version int
	if err := b.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return nil, 0, fmt.Errorf("not a Maßanzug database (no schema version): %w", err)
	}
	latest, err := latestMigration()
	if err != nil {
		return nil, 0, err
	}
	if version < 1 || version > latest {
		return nil, 0, fmt.Errorf("schema version %d; this binary knows 1 to %d", version, latest)
	}
	files := map[string][]byte{}
	rows, err := b.QueryContext(ctx, `SELECT name, content FROM backup_files`)
	if err != nil && !strings.Contains(err.Error(), "no such table") {
		return nil, 0, err
	}
	if err == nil {
		for rows.Next() {
			var name string
			var content []byte
			if err := rows.Scan(&name, &content); err != nil {
				rows.Close()
				return nil, 0, err
			}
			if filepath.Base(name) != name || !knownConfig(name) {
				rows.Close()
				return nil, 0, fmt.Errorf("carries an unexpected file %q", name)
			}
			files[name] = content
		}
		rows.Close()
		if _, err := b.ExecContext(ctx, `DROP TABLE backup_files`); err != nil {
			return nil, 0, err
		}
	}
	return files, version, nil
}

func knownConfig(name string) bool {
	for _, n := range ConfigFiles {
		if n == name {
			return true
		}
	}
	return false
}

// latestMigration is the schema version this binary migrates to.
func latestMigration() (int, error) {
	names, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return 0, err
	}
	latest := 0
	for _, n := range names {
		var v int
		if _, err := fmt.Sscanf(n.Name(), "%d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
