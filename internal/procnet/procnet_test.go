package procnet

import (
	"net"
	"os"
	"testing"
)

func TestPortOwnerFindsThisProcess(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	name, pid := PortOwner(ln.Addr().(*net.TCPAddr).Port)
	if pid != os.Getpid() || name == "" {
		t.Fatalf("PortOwner = %q, %d; want this process (%d)", name, pid, os.Getpid())
	}
}

func TestPortOwnerOfFreePortIsUnknown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if name, pid := PortOwner(port); pid != 0 {
		t.Fatalf("closed port owned by %q (%d)", name, pid)
	}
}
