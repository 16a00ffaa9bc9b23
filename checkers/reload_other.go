//go:build !linux

package checkers

import "os"

// stampOf identifies a file version by modification time and size, all
// os.FileInfo carries portably.
func stampOf(fi os.FileInfo) fileStamp {
	return fileStamp{modTime: fi.ModTime(), size: fi.Size()}
}
