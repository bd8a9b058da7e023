//go:build unix

package main

import "syscall"

// run replaces this process with the engine, so that signals, the exit code
// and the process id are the engine's own. It returns only on failure.
func run(path string, args, env []string) (int, error) {
	return 0, syscall.Exec(path, args, env)
}
