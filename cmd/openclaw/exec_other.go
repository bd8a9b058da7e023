//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// run starts the engine as a child with this process's stdio and returns its
// exit code (there is no exec(2) here). Ctrl+C reaches the child through the
// console; the launcher ignores it and waits, so that the prompt comes back
// when the engine has finished, with its exit code.
func run(path string, args, env []string) (int, error) {
	signal.Ignore(os.Interrupt)
	cmd := exec.Command(path, args[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}
