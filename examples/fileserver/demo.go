package main

import (
	"embed"
	"io/fs"
	"os"
)

// demoFiles is the small folder served when no -root is given. It is
// embedded, so the program finds it wherever it is run from.
//
//go:embed demo
var demoFiles embed.FS

// copyDemo copies the demo folder into a new temporary directory, so users can
// upload next to it over FTP. The caller removes the directory.
func copyDemo() (string, error) {
	dir, err := os.MkdirTemp("", "gocred-fileserver-")
	if err != nil {
		return "", err
	}
	sub, err := fs.Sub(demoFiles, "demo")
	if err == nil {
		err = os.CopyFS(dir, sub)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
