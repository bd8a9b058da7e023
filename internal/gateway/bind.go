package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/procnet"
)

// tailnetRange is Tailscale's CGNAT range.
var tailnetRange = netip.MustParsePrefix("100.64.0.0/10")

// tailnetAddr returns the host's first address in 100.64.0.0/10.
func tailnetAddr() (netip.Addr, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}, false
	}
	for _, a := range addrs {
		if pn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(pn.IP); ok && tailnetRange.Contains(ip.Unmap()) {
				return ip.Unmap(), true
			}
		}
	}
	return netip.Addr{}, false
}

// isLoopbackBind reports whether the gateway listens on loopback only.
func isLoopbackBind(cfg *config.Config) bool {
	switch cfg.Gateway.Bind {
	case "", "loopback":
		return true
	case "auto":
		_, ok := tailnetAddr()
		return !ok
	case "custom":
		ip, err := netip.ParseAddr(cfg.Gateway.CustomBindHost)
		return err == nil && ip.IsLoopback()
	}
	return false
}

// resolveBind turns gateway.bind into listen addresses. note explains a
// fallback (tailnet without a Tailscale address).
func resolveBind(cfg *config.Config) (addrs []string, note string, err error) {
	port := strconv.Itoa(cfg.Gateway.Port)
	loop := func() []string {
		out := []string{net.JoinHostPort("127.0.0.1", port)}
		if ipv6Loopback() {
			out = append(out, net.JoinHostPort("::1", port))
		}
		return out
	}
	switch cfg.Gateway.Bind {
	case "", "loopback":
		return loop(), "", nil
	case "lan":
		return []string{net.JoinHostPort("0.0.0.0", port)}, "", nil
	case "tailnet", "auto":
		if ip, ok := tailnetAddr(); ok {
			return []string{net.JoinHostPort(ip.String(), port), net.JoinHostPort("127.0.0.1", port)}, "", nil
		}
		if cfg.Gateway.Bind == "tailnet" {
			note = "gateway.bind is \"tailnet\" but no Tailscale address (100.64.0.0/10) was found on this host; listening on loopback only. Start Tailscale, or set gateway.bind to \"loopback\" or \"lan\"."
		}
		return loop(), note, nil
	case "custom":
		host := cfg.Gateway.CustomBindHost
		ip, perr := netip.ParseAddr(host)
		if perr != nil || !ip.Is4() {
			return nil, "", fmt.Errorf("gateway.customBindHost %q is not an IPv4 address; set it (e.g. \"10.0.0.5\") or change gateway.bind", host)
		}
		out := []string{net.JoinHostPort(host, port)}
		if host != "0.0.0.0" && host != "127.0.0.1" {
			out = append(out, net.JoinHostPort("127.0.0.1", port))
		}
		return out, "", nil
	}
	return nil, "", fmt.Errorf("gateway.bind %q is not one of loopback, lan, tailnet, auto, custom", cfg.Gateway.Bind)
}

func ipv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

// portError explains a failed listen: which process holds the port, and
// whether it answers as an OpenClaw gateway.
func portError(addr string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	who := ""
	if name, pid := procnet.PortOwner(port); pid != 0 {
		who = fmt.Sprintf(" by %s (pid %d)", name, pid)
	}
	ours := ""
	if v := probeOurs(port); v != "" {
		ours = " It answers as an OpenClaw gateway (" + v + "): one is already running; stop it or use `openclaw gateway status`."
	}
	return fmt.Errorf("port %d is already in use%s.%s Choose another with --port or gateway.port", port, who, ours)
}

// probeOurs asks the process on port whether it is an OpenClaw gateway.
func probeOurs(port int) string {
	c := &http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/healthz")
	if err != nil {
		return ""
	}
	_ = resp.Body.Close()
	if s := resp.Header.Get("X-OpenClaw-Surface"); s != "" {
		return "surface " + s + ", version " + resp.Header.Get("X-OpenClaw-Version")
	}
	return ""
}
