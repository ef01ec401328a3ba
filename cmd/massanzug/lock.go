package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// folderLock is held by every command that writes to a data folder
// beyond what SQLite lets processes share (serve, import, reindex,
// restore). It is taken before anything in the folder is touched, so that
// a second such command refuses without having changed a byte.
const folderLock = "massanzug.lock"

// errFolderInUse says that another command holds the data folder.
var errFolderInUse = errors.New("the data folder is in use by a running massanzug (serve, import, reindex or restore); stop it first")

// lockFolder takes the data folder's lock; release gives it back.
func lockFolder(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, folderLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the data folder's lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, errFolderInUse)
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	return func() { f.Close() }, nil
}
