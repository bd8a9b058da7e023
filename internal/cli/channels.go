package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/channel/msteams"
	"github.com/openclaw/openclaw-go/internal/config"
)

// statusPath is the gateway's authenticated status endpoint.
const statusPath = "/v1/openclaw/status"

func newChannelsCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "channels",
		Example: "  openclaw channels status\n  openclaw channels status --json",
		Short:   "Inspect chat channels (Microsoft Teams)",
	}
	cmd.AddCommand(newChannelsStatusCmd(a))
	return cmd
}

func newChannelsStatusCmd(a *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the running gateway's channel status",
		Long: `Ask the running gateway (127.0.0.1:<gateway.port>, authenticated with the
gateway token) for the state of its channels: the Teams webhook's listening
address, readiness, the last validated activity, the last error and the
connector token. When the gateway is not running, the configured webhook
address is shown instead.`,
		Example: `  openclaw channels status
  openclaw channels status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return channelsStatus(cmd.Context(), a, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the channels.msteams status as JSON")
	return cmd
}

func channelsStatus(ctx context.Context, a *App, asJSON bool) error {
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return Fail("%v", err)
	}
	cfg, err := config.LoadWith(paths.ConfigPath, config.Options{Getenv: a.Getenv, AllowMissing: true})
	if err != nil {
		return Fail("%v", err)
	}
	port := cfg.Gateway.Port
	if port == 0 {
		port = config.DefaultPort
	}
	base := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+statusPath, nil)
	if err != nil {
		return Fail("%v", err)
	}
	secret := cfg.Gateway.Auth.Token.Reveal()
	if cfg.Gateway.Auth.Mode == "password" {
		secret = cfg.Gateway.Auth.Password.Reveal()
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(a.Stdout, "The gateway is not running (nothing answered on %s).\n", base)
		printConfiguredTeams(a.Stdout, cfg)
		return &ExitError{Code: 1, Err: errors.New("gateway not running"), Silent: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Fail("read %s: %v", base+statusPath, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Fail("the gateway on %s rejected the credentials (HTTP %d); set gateway.auth.token in %s or OPENCLAW_GATEWAY_TOKEN to the gateway's token",
			base, resp.StatusCode, paths.ConfigPath)
	case resp.StatusCode == http.StatusNotFound:
		return Fail("the server on %s has no %s (is it an OpenClaw gateway of this version?)", base, statusPath)
	case resp.StatusCode != http.StatusOK:
		return Fail("GET %s: HTTP %d", base+statusPath, resp.StatusCode)
	}
	var st struct {
		Channels map[string]json.RawMessage `json:"channels"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return Fail("GET %s: the answer is not JSON: %v", base+statusPath, err)
	}
	raw, ok := st.Channels["msteams"]
	if !ok || string(raw) == "null" {
		if asJSON {
			fmt.Fprintln(a.Stdout, "null")
			return nil
		}
		fmt.Fprintln(a.Stdout, "Microsoft Teams: not running in this gateway (channels.msteams is absent or disabled).")
		return nil
	}
	if asJSON {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return Fail("channels.msteams: %v", err)
		}
		return printJSON(a.Stdout, v)
	}
	var ms msteams.Status
	if err := json.Unmarshal(raw, &ms); err != nil {
		return Fail("channels.msteams: unexpected status shape: %v", err)
	}
	printTeamsStatus(a.Stdout, &ms, time.Now())
	return nil
}

func printTeamsStatus(w io.Writer, s *msteams.Status, now time.Time) {
	state := "ready"
	if !s.Ready {
		state = "NOT READY"
		if s.NotReady != "" {
			state += " (" + s.NotReady + ")"
		}
	}
	fmt.Fprintf(w, "Microsoft Teams: %s\n", state)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	where := s.Listen + s.Path
	if s.Mode == "gateway" {
		where = "gateway port, path " + s.Path
	}
	listening := "listening"
	if !s.Listening {
		listening = "not listening"
	}
	fmt.Fprintf(tw, "  webhook:\t%s (%s)\n", where, listening)
	fmt.Fprintf(tw, "  app id:\t%s\n", s.AppID)
	if s.TenantID != "" {
		fmt.Fprintf(tw, "  tenant:\t%s\n", s.TenantID)
	}
	fmt.Fprintf(tw, "  policies:\tdm %s, groups %s\n", s.DMPolicy, s.Group)
	fmt.Fprintf(tw, "  last activity:\t%s\n", ago(s.LastActivityAt, now))
	if s.LastError != nil {
		fmt.Fprintf(tw, "  last error:\t%s (%s)\n", s.LastError.Message, ago(&s.LastError.At, now))
	}
	tok := s.Token.State
	if s.Token.ExpiresAt != nil && tok != "none" {
		tok += ", expires " + s.Token.ExpiresAt.Local().Format(time.DateTime)
	}
	if s.Token.LastError != "" {
		tok += "; last refresh failed: " + s.Token.LastError
	}
	fmt.Fprintf(tw, "  connector token:\t%s\n", tok)
	for _, k := range s.Keys {
		line := fmt.Sprintf("%d keys, loaded %s", k.Keys, ago(k.LoadedAt, now))
		if k.LastError != "" {
			line += "; last error: " + k.LastError
		}
		fmt.Fprintf(tw, "  %s keys:\t%s\n", k.Source, line)
	}
	c := s.Counters
	fmt.Fprintf(tw, "  activities:\t%d accepted, %d rejected, %d duplicates, %d ignored\n", c.Accepted, c.Rejected, c.Duplicates, c.Ignored)
	fmt.Fprintf(tw, "  turns:\t%d (%d failed), %d replies, %d send failures, %d pairing codes\n",
		c.Turns, c.TurnErrors, c.Replies, c.SendFailures, c.PairingCodes)
	_ = tw.Flush()
}

// printConfiguredTeams shows where the Teams webhook would listen.
func printConfiguredTeams(w io.Writer, cfg *config.Config) {
	t := cfg.Channels.MSTeams
	if !msteams.Enabled(t) {
		fmt.Fprintln(w, "Microsoft Teams: not configured (channels.msteams is absent or disabled).")
		return
	}
	path := t.Webhook.Path
	if path == "" {
		path = msteams.DefaultPath
	}
	if t.Webhook.Port.Gateway {
		fmt.Fprintf(w, "Microsoft Teams: configured on the gateway port: http://%s%s\n",
			net.JoinHostPort(bindHost(cfg), strconv.Itoa(max(cfg.Gateway.Port, 1))), path)
		return
	}
	port := t.Webhook.Port.Number
	if port == 0 {
		port = msteams.DefaultPort
	}
	fmt.Fprintf(w, "Microsoft Teams: configured to listen on http://%s%s\n", net.JoinHostPort(bindHost(cfg), strconv.Itoa(port)), path)
}

// bindHost describes gateway.bind as a host for display.
func bindHost(cfg *config.Config) string {
	switch cfg.Gateway.Bind {
	case "", "loopback":
		return "127.0.0.1"
	case "custom":
		if cfg.Gateway.CustomBindHost != "" {
			return cfg.Gateway.CustomBindHost
		}
	case "lan":
		return "0.0.0.0"
	}
	return "<" + strings.TrimSpace(cfg.Gateway.Bind) + " address>"
}

func ago(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := now.Sub(*t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return t.Local().Format(time.DateTime) + " (" + d.String() + " ago)"
}
