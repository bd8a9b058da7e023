package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/diag"
	"github.com/openclaw/openclaw-go/internal/gateway"
)

// failed is the exit-1 error of a check whose report is already printed.
func failed() error { return &ExitError{Code: 1, Silent: true} }

// newDoctorCmd is `openclaw doctor`.
func newDoctorCmd(a *App) *cobra.Command {
	var fix, genToken, asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the config, files, secrets, providers and ports (and repair with --fix)",
		Long: `Check this machine's OpenClaw setup: config validity, permissions of the
state dir (0700) and config file (0600), gateway token strength, bind vs auth
safety, provider keys for every configured model, Teams credentials and
webhook, and whether something else holds the gateway port.

--fix repairs what is safe to repair: permissions, a missing gateway token,
a missing gateway.mode ("local"). It says what it changed. The config is
written atomically and the previous version kept as openclaw.json.bak.

Exit status 1 when a check fails (after the fixes).`,
		Example: `  openclaw doctor
  openclaw doctor --fix
  openclaw doctor --generate-gateway-token
  openclaw doctor --json | jq '.checks[] | select(.status=="fail")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep := diag.Doctor(a.Ctx, diag.DoctorOptions{Getenv: a.Getenv, Fix: fix, GenerateToken: genToken})
			if asJSON {
				if err := printJSON(a.Stdout, rep); err != nil {
					return Fail("%v", err)
				}
			} else {
				diag.WriteDoctor(a.Stdout, rep)
			}
			if !rep.OK {
				return failed()
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&fix, "fix", false, "repair what is safe to repair (permissions, missing token, missing gateway.mode)")
	fl.BoolVar(&genToken, "generate-gateway-token", false, "write a fresh 32-byte random gateway token (running gateways pick it up by hot reload)")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// newSecurityCmd is `openclaw security` with its `audit` subcommand.
func newSecurityCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "security",
		Example: "  openclaw security audit\n  openclaw security audit --json",
		Short:   "Security checks of this machine's gateway setup",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	var asJSON bool
	audit := &cobra.Command{
		Use:   "audit",
		Short: "Audit the config and files for unsafe settings",
		Long: `List security findings, each with a stable id, a severity (critical, warn,
info), what is wrong and how to fix it: unauthenticated or weak-secret
gateways reachable from the network, trusted-proxy pitfalls, files readable
by other users, open Teams policies.

Exit status 1 when any finding is critical.`,
		Example: `  openclaw security audit
  openclaw security audit --json | jq '.findings[].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep := diag.Audit(diag.LoadLocal(a.Getenv))
			if asJSON {
				if err := printJSON(a.Stdout, rep); err != nil {
					return Fail("%v", err)
				}
			} else {
				diag.WriteAudit(a.Stdout, rep)
			}
			if !rep.OK {
				return failed()
			}
			return nil
		},
	}
	audit.Flags().BoolVar(&asJSON, "json", false, "print the findings as JSON")
	cmd.AddCommand(audit)
	return cmd
}

// gatewayDiagCommands are the `gateway` subcommands that inspect a gateway
// from the outside: probe, status and health.
func gatewayDiagCommands(a *App) []*cobra.Command {
	return []*cobra.Command{newProbeCmd(a), newGatewayStatusCmd(a), newGatewayHealthCmd(a)}
}

// connFlags are the flags shared by probe, status and health.
type connFlags struct {
	url      string
	token    string
	password string
	asJSON   bool
	timeout  time.Duration
}

func (f *connFlags) register(cmd *cobra.Command, urlHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", urlHelp)
	fl.StringVar(&f.token, "token", "", "gateway token to send (default: the configured gateway.auth.token / OPENCLAW_GATEWAY_TOKEN)")
	fl.StringVar(&f.password, "password", "", "gateway password to send instead of a token")
	fl.BoolVar(&f.asJSON, "json", false, "print the result as JSON")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "timeout of each request")
}

// credential picks the bearer: the flags, else the configured secret.
func (f *connFlags) credential(l diag.Local) (secret, kind string, err error) {
	switch {
	case f.token != "" && f.password != "":
		return "", "", Usage("--token and --password cannot be combined")
	case f.token != "":
		return f.token, "token", nil
	case f.password != "":
		return f.password, "password", nil
	}
	s, k := l.Credential()
	return s, k, nil
}

func (f *connFlags) check() error {
	if f.timeout <= 0 {
		return Usage("--timeout must be positive (e.g. 5s)")
	}
	return nil
}

// warnConfig tells stderr that the config could not be read, so the probe
// falls back to defaults.
func warnConfig(a *App, l diag.Local) {
	if l.LoadErr != nil {
		fmt.Fprintf(a.Stderr, "warning: %v\nwarning: using port %d and no configured credential\n", l.LoadErr, l.Port)
	}
}

func newProbeCmd(a *App) *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Find which hop answers: the local gateway, and the gateway behind --url",
		Long: `Probe the local gateway (http://127.0.0.1:<gateway.port>/v1) and, with --url,
the same API through a reverse proxy or cloud application gateway.

For each target it reports: reachable (DNS, connect, timeout), TLS, which
surface answered (X-OpenClaw-Surface: the gateway, our Teams webhook, or
something else), the version, whether the credentials are accepted
(GET /v1/models), whether /v1/models lists openclaw/default, and whether
POST /v1/chat/completions reaches the gateway (with an empty message list,
which the gateway rejects with 400 before any model runs: no tokens spent).

When something else answered it quotes its status, Server and Via headers
and the start of its body, and names the likely cause and the fix (for
example {"jwt-auth-error":"invalid token"}: the route points at a Teams
webhook instead of the gateway port).

Exit status 0 only when every target is healthy.`,
		Example: `  openclaw gateway probe
  openclaw gateway probe --url https://bot.example.com/v1
  openclaw gateway probe --url https://bot.example.com --json | jq '.targets[].diagnosis'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			l := diag.LoadLocal(a.Getenv)
			secret, kind, err := f.credential(l)
			if err != nil {
				return err
			}
			targets := []diag.Target{{Name: "local", BaseURL: l.BaseURL + "/v1"}}
			if f.url != "" {
				base, err := diag.NormalizeBaseURL(f.url)
				if err != nil {
					return Usage("--url: %v", err)
				}
				targets = append(targets, diag.Target{Name: "url", BaseURL: base})
			}
			warnConfig(a, l)
			rep := diag.Probe(a.Ctx, diag.ProbeOptions{
				Targets: targets, Bearer: secret, Credential: kind, Timeout: f.timeout, GatewayPort: l.Port,
			})
			if f.asJSON {
				if err := printJSON(a.Stdout, rep); err != nil {
					return Fail("%v", err)
				}
			} else {
				diag.WriteProbe(a.Stdout, rep)
			}
			if !rep.OK {
				return failed()
			}
			return nil
		},
	}
	f.register(cmd, "also probe this base URL, e.g. https://example.com/v1 (with or without /v1)")
	return cmd
}

// baseURL is the gateway root to ask: --url without /v1, or loopback.
// target checks the flags and returns the credential and base URL to use.
func (f *connFlags) target(a *App) (secret, base string, err error) {
	if err := f.check(); err != nil {
		return "", "", err
	}
	l := diag.LoadLocal(a.Getenv)
	if secret, _, err = f.credential(l); err != nil {
		return "", "", err
	}
	base, err = f.baseURL(l)
	return secret, base, err
}

func (f *connFlags) baseURL(l diag.Local) (string, error) {
	if f.url == "" {
		return l.BaseURL, nil
	}
	u, err := diag.NormalizeBaseURL(f.url)
	if err != nil {
		return "", Usage("--url: %v", err)
	}
	return strings.TrimSuffix(u, "/v1"), nil
}

// statusOutput is `gateway status --json`.
type statusOutput struct {
	URL     string          `json:"url"`
	Running bool            `json:"running"`
	Error   string          `json:"error,omitempty"`
	Status  *gateway.Status `json:"status,omitempty"`
}

func newGatewayStatusCmd(a *App) *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the gateway runs, and its version, uptime, bind, auth, endpoints, agents and channels",
		Long: `Ask the running gateway for GET /v1/openclaw/status with the configured
credential and print it. Exit status 1 when no gateway is running or it
refuses the request.`,
		Example: `  openclaw gateway status
  openclaw gateway status --json | jq .status.uptimeSeconds`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			secret, base, err := f.target(a)
			if err != nil {
				return err
			}
			out := statusOutput{URL: base}
			var st gateway.Status
			err = diag.FetchStatus(a.Ctx, base, secret, f.timeout, &st)
			if err == nil {
				out.Running, out.Status = true, &st
			} else {
				var ae *diag.APIError
				out.Running = errors.As(err, &ae)
				out.Error = err.Error()
			}
			if f.asJSON {
				if perr := printJSON(a.Stdout, out); perr != nil {
					return Fail("%v", perr)
				}
				if err != nil {
					return failed()
				}
				return nil
			}
			if err != nil {
				if errors.Is(err, diag.ErrNotRunning) {
					fmt.Fprintf(a.Stdout, "gateway: not running (%v)\n", err)
					fmt.Fprintln(a.Stdout, "start it with `openclaw gateway`; `openclaw doctor` checks the setup")
					return failed()
				}
				return Fail("gateway at %s is running but the status request failed: %v", base, err)
			}
			writeStatus(a.Stdout, base, &st)
			return nil
		},
	}
	f.register(cmd, "ask the gateway at this base URL instead of the local one")
	return cmd
}

func writeStatus(w io.Writer, base string, st *gateway.Status) {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	fmt.Fprintf(w, "gateway: running (%s)\n", base)
	row := func(k, format string, args ...any) {
		fmt.Fprintf(w, "  %-10s %s\n", k+":", fmt.Sprintf(format, args...))
	}
	row("version", "%s (%s)", st.Version, st.Commit)
	row("pid", "%d", st.PID)
	row("uptime", "%s (since %s)", (time.Duration(st.UptimeSeconds) * time.Second).String(), st.StartedAt.Format(time.RFC3339))
	ready := "ready"
	if !st.Ready {
		ready = "not ready"
	}
	row("phase", "%s (%s)", st.Phase, ready)
	row("bind", "%s (%s)", st.Bind, strings.Join(st.Listen, ", "))
	row("auth", "%s", st.AuthMode)
	var eps []string
	for _, k := range slices.Sorted(maps.Keys(st.Endpoints)) {
		eps = append(eps, k+" "+onOff(st.Endpoints[k]))
	}
	row("endpoints", "%s", strings.Join(eps, ", "))
	agents := make([]string, 0, len(st.Agents))
	for _, id := range st.Agents {
		if id == st.DefaultAgent {
			id += " (default)"
		}
		agents = append(agents, id)
	}
	row("agents", "%s", strings.Join(agents, ", "))
	if len(st.Channels) == 0 {
		row("channels", "none")
	}
	for _, k := range slices.Sorted(maps.Keys(st.Channels)) {
		b, _ := json.Marshal(st.Channels[k])
		row("channels", "%s: %s", k, b)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Checks)) {
		row("check", "%s: %s", k, st.Checks[k])
	}
}

func newGatewayHealthCmd(a *App) *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check the gateway's liveness (/healthz) and readiness (/readyz)",
		Long: `GET /healthz and /readyz of the running gateway and print the result with
the readiness checks (session store, channels). Exit status 1 when the
gateway is not running or not ready.`,
		Example: `  openclaw gateway health
  openclaw gateway health --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			secret, base, err := f.target(a)
			if err != nil {
				return err
			}
			rep := diag.Health(a.Ctx, base, secret, f.timeout)
			if f.asJSON {
				if err := printJSON(a.Stdout, rep); err != nil {
					return Fail("%v", err)
				}
			} else {
				writeHealth(a.Stdout, rep)
			}
			if !rep.OK {
				return failed()
			}
			return nil
		},
	}
	f.register(cmd, "ask the gateway at this base URL instead of the local one")
	return cmd
}

func writeHealth(w io.Writer, rep diag.HealthReport) {
	mark := func(ok bool) string {
		if ok {
			return "✓"
		}
		return "✗"
	}
	if !rep.Running {
		fmt.Fprintf(w, "gateway: not running (%s)\n", rep.Error)
		return
	}
	fmt.Fprintf(w, "gateway: %s (version %s)\n", rep.URL, rep.Version)
	fmt.Fprintf(w, "  %s live (/healthz)\n", mark(rep.Live))
	fmt.Fprintf(w, "  %s ready (/readyz: %s)\n", mark(rep.Ready), rep.Status)
	for _, k := range slices.Sorted(maps.Keys(rep.Checks)) {
		fmt.Fprintf(w, "      %s: %s\n", k, rep.Checks[k])
	}
	if rep.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", rep.Error)
	}
}
