package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/gateway"
)

type gatewayFlags struct {
	port              int
	bind              string
	auth              string
	token             string
	password          string
	passwordFile      string
	allowUnconfigured bool
	verbose           bool
	logJSON           bool
	shutdownTimeout   time.Duration
	pprofAddr         string
}

func newGatewayCmd(a *App) *cobra.Command {
	var f gatewayFlags
	runE := func(cmd *cobra.Command, args []string) error { return runGateway(a, cmd, &f) }
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run the gateway, or inspect a running one",
		Long: `Run the OpenClaw gateway in the foreground (same as 'gateway run').

On first run with no config file it writes ~/.openclaw/openclaw.json with
gateway.mode "local", bind loopback and token auth with a fresh random token.
Read the token with 'openclaw gateway auth-token --show'.`,
		Example: `  openclaw gateway
  openclaw gateway --port 18789 --bind loopback --verbose
  OPENAI_API_KEY=sk-... openclaw gateway`,
		Args: cobra.NoArgs,
		RunE: runE,
	}
	run := &cobra.Command{
		Use:     "run",
		Short:   "Run the gateway in the foreground",
		Example: `  openclaw gateway run --port 18789 --auth token`,
		Args:    cobra.NoArgs,
		RunE:    runE,
	}
	for _, c := range []*cobra.Command{cmd, run} {
		fl := c.Flags()
		fl.IntVar(&f.port, "port", 0, "port to listen on (default gateway.port, 18789)")
		fl.StringVar(&f.bind, "bind", "", "loopback | lan | tailnet | auto | custom (default gateway.bind)")
		fl.StringVar(&f.auth, "auth", "", "token | password | trusted-proxy | none (default gateway.auth.mode)")
		fl.StringVar(&f.token, "token", "", "gateway token (prefer the config file or OPENCLAW_GATEWAY_TOKEN: flags show in ps)")
		fl.StringVar(&f.password, "password", "", "gateway password (prefer --password-file)")
		fl.StringVar(&f.passwordFile, "password-file", "", "read the gateway password from this file")
		fl.BoolVar(&f.allowUnconfigured, "allow-unconfigured", false, "run even if gateway.mode is not \"local\"")
		fl.BoolVar(&f.verbose, "verbose", false, "debug logging")
		fl.BoolVar(&f.logJSON, "log-json", false, "log as JSON lines instead of text")
		fl.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight requests and streams may finish after SIGINT/SIGTERM")
		fl.StringVar(&f.pprofAddr, "pprof-addr", "", "serve Go profiling (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060")
		_ = fl.MarkHidden("pprof-addr")
	}
	cmd.AddCommand(run, newAuthTokenCmd(a))
	for _, c := range gatewayExtraCommands(a) {
		cmd.AddCommand(c)
	}
	return cmd
}

func newLogger(a *App, verbose, asJSON bool) *slog.Logger {
	lvl := slog.LevelInfo
	if verbose {
		lvl = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if asJSON {
		return slog.New(slog.NewJSONHandler(a.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.Stderr, opts))
}

func runGateway(a *App, cmd *cobra.Command, f *gatewayFlags) error {
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return Fail("%v", err)
	}
	o := gateway.Overrides{Port: f.port, Bind: f.bind, Auth: f.auth, Token: f.token, Password: f.password}
	if f.passwordFile != "" {
		b, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return Usage("--password-file: %v", err)
		}
		o.Password = strings.TrimSpace(string(b))
		if o.Password == "" {
			return Usage("--password-file %s is empty", f.passwordFile)
		}
	}
	if f.port < 0 || f.port > 65535 {
		return Usage("--port %d is out of range 1-65535", f.port)
	}
	cfg, err := gateway.LoadConfig(paths, a.Getenv, f.allowUnconfigured, a.Stdout)
	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			return Fail("invalid config %s:\n%v\nfix the keys above (openclaw config validate lists them again)", paths.ConfigPath, err)
		}
		return Fail("%v", err)
	}
	if a.Getenv("GOGC") == "" {
		// The gateway's live heap is small (tens of MB) and its garbage is
		// per-request; collecting at 200% growth instead of 100% cut CPU
		// per request by about 5% in the load harness for a few MB of RSS
		// under load. GOGC in the environment still wins.
		debug.SetGCPercent(200)
	}
	log := newLogger(a, f.verbose, f.logJSON)
	srv, err := gateway.New(cfg, gateway.Options{
		Paths: paths, Getenv: a.Getenv, Overrides: o, Logger: log, Out: a.Stdout,
		ShutdownTimeout: f.shutdownTimeout,
	})
	if err != nil {
		return Fail("refusing to start: %v", err)
	}
	if f.pprofAddr != "" {
		if err := servePprof(a.Ctx, f.pprofAddr); err != nil {
			return Usage("--pprof-addr: %v", err)
		}
	}
	if err := srv.Run(a.Ctx); err != nil {
		return Fail("%v", err)
	}
	return nil
}

func newAuthTokenCmd(a *App) *cobra.Command {
	var show bool
	cmd := &cobra.Command{
		Use:   "auth-token",
		Short: "Show the gateway token (only to an interactive terminal)",
		Long: `Print the configured gateway token (gateway.auth.token or OPENCLAW_GATEWAY_TOKEN).

The token is printed only when a person is at the terminal: stdout is a
terminal, or stdin and stderr are (as in curl -H "Authorization: Bearer
$(openclaw gateway auth-token --show)"). It is refused in scripts, cron jobs
and redirections so that it does not end up in files or logs.`,
		Example: `  openclaw gateway auth-token --show
  curl -H "Authorization: Bearer $(openclaw gateway auth-token --show)" http://127.0.0.1:18789/v1/models`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !show {
				return Usage("pass --show to print the token")
			}
			if !interactive(a) {
				return Fail("refusing to print the gateway token: no interactive terminal (stdout is a pipe or file). Run it in a terminal; automation should read OPENCLAW_GATEWAY_TOKEN or the config file (0600) directly")
			}
			paths, err := config.ResolvePaths(a.Getenv)
			if err != nil {
				return Fail("%v", err)
			}
			cfg, err := config.Load(paths.ConfigPath, a.Getenv)
			if err != nil {
				return Fail("%v", err)
			}
			tok := cfg.Gateway.Auth.Token.Reveal()
			if tok == "" {
				return Fail("no gateway token is configured in %s (auth mode %q); run `openclaw doctor --generate-gateway-token` or `openclaw config set gateway.auth.token <token>`", paths.ConfigPath, cfg.Gateway.Auth.Mode)
			}
			fmt.Fprintln(a.Stdout, tok)
			return nil
		},
	}
	cmd.Flags().BoolVar(&show, "show", false, "print the token")
	return cmd
}

// interactive reports whether a person is at the terminal.
func interactive(a *App) bool {
	isTTY := func(v any) bool {
		f, ok := v.(*os.File)
		return ok && term.IsTerminal(int(f.Fd()))
	}
	return isTTY(a.Stdout) || (isTTY(a.Stdin) && isTTY(a.Stderr))
}
