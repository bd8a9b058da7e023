package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/provider/registry"
)

// newStatusCmd is `openclaw status`: the same report as `gateway status`.
func newStatusCmd(a *App) *cobra.Command {
	c := newGatewayStatusCmd(a)
	c.Use = "status"
	c.Short = "Show whether the gateway runs, and how (same as 'gateway status')"
	c.Example = "  openclaw status\n  openclaw status --json"
	return c
}

// newModelsCmd is `openclaw models list|status`.
func newModelsCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "models",
		Short: "Show the agents' models and whether their providers are usable",
		Example: `  openclaw models list
  openclaw models status`,
	}
	var asJSON bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List each agent's models (primary first, then fallbacks) and the configured providers",
		Example: "  openclaw models list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := modelRows(a)
			if err != nil {
				return err
			}
			if asJSON {
				if rows == nil {
					rows = []modelRow{}
				}
				return printJSON(a.Stdout, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.Stdout, noModels)
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AGENT\tROLE\tMODEL\tPROVIDER\tSTATUS")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Agent, r.Role, r.Ref, r.Provider, r.Status)
			}
			return tw.Flush()
		},
	}
	status := &cobra.Command{
		Use:     "status",
		Short:   "Check that every configured model has a usable provider (exit 1 if not)",
		Example: "  openclaw models status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := modelRows(a)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				return Fail("%s", noModels)
			}
			bad := 0
			for _, r := range rows {
				mark := "ok  "
				if r.Status != "ok" {
					mark = "FAIL"
					bad++
				}
				fmt.Fprintf(a.Stdout, "%s %s (%s of agent %s): %s\n", mark, r.Ref, r.Role, r.Agent, r.Status)
			}
			if bad > 0 {
				return Fail("%d model(s) cannot be used; fix the keys or refs named above", bad)
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{list, status} {
		c.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	}
	cmd.AddCommand(list, status)
	return cmd
}

const noModels = "no models configured: set agents.defaults.model, e.g. `openclaw config set agents.defaults.model openai/gpt-4o-mini`"

type modelRow struct {
	Agent    string `json:"agent"`
	Role     string `json:"role"` // primary, fallback, embedding
	Ref      string `json:"ref"`
	Provider string `json:"provider"`
	Status   string `json:"status"` // "ok" or what is wrong
}

func modelRows(a *App) ([]modelRow, error) {
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return nil, Fail("%v", err)
	}
	cfg, err := config.LoadWith(paths.ConfigPath, config.Options{Getenv: a.Getenv, AllowMissing: true})
	if err != nil {
		return nil, Fail("%v", err)
	}
	reg, err := registry.New(cfg.Models, a.Getenv)
	if err != nil {
		return nil, Fail("models.providers: %v", err)
	}
	var rows []modelRow
	add := func(agent, role, ref string) {
		r := modelRow{Agent: agent, Role: role, Ref: ref, Status: "ok"}
		pid, _, err := reg.Resolve(ref)
		if err != nil {
			r.Status = err.Error()
		} else {
			r.Provider = pid
			if hint := missingKey(a, cfg, pid); hint != "" {
				r.Status = hint
			}
		}
		rows = append(rows, r)
	}
	for _, ag := range cfg.AgentList() {
		sel := ag.Model
		if sel.IsZero() {
			sel = cfg.Agents.Defaults.Model
		}
		for i, ref := range sel.Refs() {
			role := "fallback"
			if i == 0 && sel.Primary != "" {
				role = "primary"
			}
			add(ag.ID, role, ref)
		}
		emb := ag.Embedding.Model
		if emb == "" {
			emb = cfg.Agents.Defaults.Embedding.Model
		}
		if emb != "" {
			add(ag.ID, "embedding", emb)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Agent < rows[j].Agent })
	return rows, nil
}

// missingKey names the env var or key to set when a built-in provider that
// needs an API key has none.
func missingKey(a *App, cfg *config.Config, pid string) string {
	env := map[string]string{"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}[pid]
	if env == "" {
		return ""
	}
	if p, ok := cfg.Models.Providers[pid]; ok && p.APIKey.IsSet() {
		return ""
	}
	if strings.TrimSpace(a.Getenv(env)) != "" {
		return ""
	}
	return "no API key: set " + env + " or models.providers." + pid + ".apiKey"
}
