package exampletest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildAndRun builds the main package in the test's working directory (the
// example's folder) into a temporary directory, stores the binary's path in
// *bin, runs the tests and removes the binary. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(exampletest.BuildAndRun(m, &bin)) }
//
// The program is built with -race when the tests are, so its own data races
// fail the tests too.
func BuildAndRun(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "gocred-example-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "exampletest:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "exampletest:", err)
		return 1
	}
	*bin = filepath.Join(dir, filepath.Base(wd))
	args := []string{"build", "-o", *bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "exampletest: the go command is needed to build the example:", err)
		return 1
	}
	cmd := exec.Command(goTool, append(args, ".")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "exampletest: go %v: %v\n", args, err)
		return 1
	}
	return m.Run()
}
