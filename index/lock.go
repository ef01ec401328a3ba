package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFile guards the index folder: bleve does not stop a second process
// from opening the same index, and two writers would corrupt it.
const LockFile = "index.lock"

// ErrInUse means another process has the index open.
var ErrInUse = errors.New("the search index is in use by another massanzug process; stop the service first")

// lockDir takes the exclusive lock of the data folder's index.
func lockDir(dataDir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, LockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open index lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrInUse
		}
		return nil, fmt.Errorf("lock index: %w", err)
	}
	return f, nil
}
