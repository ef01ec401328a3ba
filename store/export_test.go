package store

// SetReadPage sets how many rows a full read takes at a time, and returns
// the undo.
func SetReadPage(n int) func() {
	old := readPage
	readPage = n
	return func() { readPage = old }
}
