package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/agent"
	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/gateway"
	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
	"github.com/openclaw/openclaw-go/internal/session"
)

// localEnv is what the in-process commands (agent, sessions) need.
type localEnv struct {
	paths config.Paths
	cfg   *config.Config
}

func loadLocal(a *App) (*localEnv, error) {
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return nil, Fail("%v", err)
	}
	cfg, err := config.Load(paths.ConfigPath, a.Getenv)
	if err != nil {
		return nil, Fail("load %s: %v", paths.ConfigPath, err)
	}
	return &localEnv{paths: paths, cfg: cfg}, nil
}

func newAgentCmd(a *App) *cobra.Command {
	var message, agentID, sessionKey string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run one agent turn from the command line and stream the reply",
		Long: `Run one turn of a configured agent, exactly as the /v1 API would, and stream
the reply to the terminal. With --session the turn continues (and is appended
to) that session; without it the turn is stateless.`,
		Example: `  openclaw agent --message "Summarise RFC 9110 in one line"
  openclaw agent --agent main --session notes --message "Remember: the build is green"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(message) == "" {
				return Usage("--message is required (the text to send to the agent)")
			}
			env, err := loadLocal(a)
			if err != nil {
				return err
			}
			reg, err := registry.New(env.cfg.Models, a.Getenv)
			if err != nil {
				return Fail("models.providers: %v", err)
			}
			var store session.Store
			if sessionKey != "" {
				st, err := gateway.OpenSessionStore(env.cfg, env.paths.StateDir)
				if err != nil {
					return Fail("%v", err)
				}
				defer st.Close()
				store = st
			}
			rt, err := agent.New(env.cfg, agent.Options{Providers: reg, Store: store, StateDir: env.paths.StateDir})
			if err != nil {
				return Fail("%v", err)
			}
			turn, err := rt.Start(a.Ctx, &agent.TurnRequest{
				AgentID: agentID, SessionKey: sessionKey, Channel: "cli",
				Messages: []provider.Message{{Role: provider.RoleUser, Content: message}},
			})
			if err != nil {
				return turnError(err)
			}
			defer turn.Close()
			res := agent.Result{AgentID: turn.AgentID(), Model: turn.Model()}
			for {
				d, err := turn.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					fmt.Fprintln(a.Stdout)
					return turnError(err)
				}
				switch {
				case d.Text != "":
					res.Text += d.Text
					if !asJSON {
						fmt.Fprint(a.Stdout, d.Text)
					}
				case d.ToolCall != nil && d.ToolCall.Name != "" && !asJSON:
					fmt.Fprintf(a.Stdout, "\n[tool call: %s]", d.ToolCall.Name)
				case d.Usage != nil:
					res.Usage = d.Usage
				case d.FinishReason != "":
					res.FinishReason = d.FinishReason
				}
			}
			if err := turn.Close(); err != nil {
				return Fail("the reply was shown but not saved: %v", err)
			}
			if asJSON {
				b, _ := json.MarshalIndent(res, "", "  ")
				fmt.Fprintln(a.Stdout, string(b))
			} else {
				fmt.Fprintln(a.Stdout)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&message, "message", "m", "", "the user message")
	fl.StringVar(&agentID, "agent", "", "agent id (default: the default agent)")
	fl.StringVar(&sessionKey, "session", "", "session key to continue and save to (default: stateless)")
	fl.BoolVar(&asJSON, "json", false, "print the whole result as JSON at the end instead of streaming")
	return cmd
}

func turnError(err error) error {
	ae := agent.APIError(err)
	msg := ae.Message
	if ae.Hint != "" {
		msg += "\nhint: " + ae.Hint
	}
	return Fail("%s", msg)
}

func newSessionsCmd(a *App) *cobra.Command {
	var agentID string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Inspect stored conversations",
		Example: `  openclaw sessions list
  openclaw sessions show agent:main:openai-user:alice`,
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List sessions, newest first",
		Example: `  openclaw sessions list --agent main --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openSessions(a)
			if err != nil {
				return err
			}
			defer st.Close()
			infos, err := st.List(a.Ctx, agentID)
			if err != nil {
				return Fail("list sessions: %v", err)
			}
			if asJSON {
				if infos == nil {
					infos = []session.Info{}
				}
				return printJSON(a.Stdout, infos)
			}
			if len(infos) == 0 {
				fmt.Fprintln(a.Stdout, "no sessions yet")
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AGENT\tKEY\tENTRIES\tUPDATED")
			for _, in := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", in.AgentID, in.Key, in.Entries, in.UpdatedAt.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:     "show <key>",
		Short:   "Print a session's transcript",
		Example: `  openclaw sessions show agent:main:openai-user:alice --agent main`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openSessions(a)
			if err != nil {
				return err
			}
			defer st.Close()
			id := agentID
			if id == "" {
				id = agentFromKey(args[0])
			}
			if id == "" {
				return Usage("cannot tell the agent from key %q; pass --agent", args[0])
			}
			entries, err := st.Load(a.Ctx, id, args[0])
			if err != nil {
				return Fail("load session: %v", err)
			}
			if len(entries) == 0 {
				return Fail("session %q of agent %q not found; `openclaw sessions list` shows the keys", args[0], id)
			}
			if asJSON {
				return printJSON(a.Stdout, entries)
			}
			for _, e := range entries {
				mark := ""
				if e.Interrupted {
					mark = " (interrupted)"
				}
				fmt.Fprintf(a.Stdout, "[%d] %s %s%s\n", e.Seq, e.CreatedAt.Local().Format(time.DateTime), e.Role, mark)
				if e.Content != "" {
					fmt.Fprintln(a.Stdout, indent(e.Content))
				}
				if len(e.ToolCalls) > 0 {
					fmt.Fprintln(a.Stdout, indent("tool calls: "+string(e.ToolCalls)))
				}
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{list, show} {
		c.Flags().StringVar(&agentID, "agent", "", "agent id")
		c.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	}
	cmd.AddCommand(list, show, newSessionsMigrateCmd(a))
	return cmd
}

// openSessions opens the session store the config selects (storage.sessions;
// the embedded SQLite file by default).
func openSessions(a *App) (session.Store, error) {
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return nil, Fail("%v", err)
	}
	cfg, err := config.LoadWith(paths.ConfigPath, config.Options{Getenv: a.Getenv, AllowMissing: true})
	if err != nil {
		return nil, Fail("%v", err)
	}
	st, err := gateway.OpenSessionStore(cfg, paths.StateDir)
	if err != nil {
		return nil, Fail("%v", err)
	}
	return st, nil
}

// agentFromKey reads the agent id out of "agent:<id>:…" keys.
func agentFromKey(key string) string {
	rest, ok := strings.CutPrefix(key, "agent:")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.New("encode JSON: " + err.Error())
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
