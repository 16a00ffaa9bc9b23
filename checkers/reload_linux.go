package checkers

import (
	"os"
	"syscall"
)

// stampOf adds the inode, device and change time to what os.FileInfo
// carries, so a file replaced by rename, or rewritten within one mtime tick,
// is still noticed.
func stampOf(fi os.FileInfo) fileStamp {
	s := fileStamp{modTime: fi.ModTime(), size: fi.Size()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.dev, s.ino = uint64(st.Dev), st.Ino
		s.ctime = st.Ctim.Nano()
	}
	return s
}
