// Package procnet finds which process listens on a local TCP port, through
// Linux's /proc. It is best effort: elsewhere, or without permission to read
// other processes' file descriptors, it finds nothing.
package procnet

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PortOwner returns the command name and pid of the process listening on
// TCP port (IPv4 or IPv6), or "", 0 when it cannot tell.
func PortOwner(port int) (name string, pid int) {
	inodes := listeningInodes(port)
	if len(inodes) == 0 {
		return "", 0
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		link, err := os.Readlink(fd)
		if err != nil {
			continue
		}
		inode, ok := strings.CutPrefix(link, "socket:[")
		if !ok || !inodes[strings.TrimSuffix(inode, "]")] {
			continue
		}
		dir := filepath.Dir(filepath.Dir(fd))
		pid, _ = strconv.Atoi(filepath.Base(dir))
		comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
		return strings.TrimSpace(string(comm)), pid
	}
	return "", 0
}

// listeningInodes returns the socket inodes in state LISTEN on port.
func listeningInodes(port int) map[string]bool {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			// sl local_address rem_address st … inode; state 0A is LISTEN.
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			i := strings.LastIndexByte(fields[1], ':')
			if i < 0 {
				continue
			}
			if p, err := strconv.ParseUint(fields[1][i+1:], 16, 16); err == nil && int(p) == port {
				inodes[fields[9]] = true
			}
		}
		_ = fh.Close()
	}
	return inodes
}
