package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/openclaw/openclaw-go/internal/config"
)

// NewConfigCmd builds `openclaw config` and its subcommands (spec §7).
func NewConfigCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Read, change and check the config file (openclaw.json)",
		Long: `Read, change and check the gateway's config file.

The file is JSON5 at ~/.openclaw/openclaw.json, or $OPENCLAW_STATE_DIR/openclaw.json,
or $OPENCLAW_CONFIG_PATH. Paths are dotted: gateway.auth.mode, agents.list[0].id
(also agents.list.0.id), models.providers.local.baseUrl, and keys with dots
in brackets: channels.msteams.teams["19:abc@thread.tacv2"].

Secrets (tokens, passwords, API keys) are never printed. ${VAR} references
are shown and written back as they are.`,
		Example: `  openclaw config get gateway.port
  openclaw config set gateway.bind lan
  openclaw config set gateway.auth.token '${OPENCLAW_TOKEN}'
  openclaw config validate`,
	}
	cmd.AddCommand(
		newConfigGetCmd(a),
		newConfigSetCmd(a),
		newConfigUnsetCmd(a),
		newConfigFileCmd(a),
		newConfigValidateCmd(a),
		newConfigSchemaCmd(a),
	)
	return cmd
}

func newConfigGetCmd(a *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get <path>",
		Short: "Print a config value (secrets redacted)",
		Long: `Print the value at a dotted path. Strings print as they are, other values
as JSON; --json always prints JSON.

A value in the file prints as written (${VAR} references included). A path
the file does not set prints its effective value: the default, an inferred
value (gateway.auth.mode) or an environment override, so on a fresh machine
'config get gateway.port' prints 18789.

Agents print in the shape the file uses: agents.list (an array) or
agents.entries (a map keyed by id); both may be present.

Secret values print as ` + config.Redacted + `.`,
		Example: `  openclaw config get gateway.port
  openclaw config get gateway.auth --json
  openclaw config get agents.list[0].model`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			p, err := config.ParsePath(path)
			if err != nil {
				return Usage("%v", err)
			}
			paths, err := resolveConfigPaths(a)
			if err != nil {
				return err
			}
			doc, _, err := config.ReadDocument(paths.ConfigPath)
			if err != nil {
				return Fail("%v", err)
			}
			v, err := doc.Get(path)
			if errors.Is(err, config.ErrPathNotFound) {
				v, err = effectiveValue(a, doc, paths, path)
			}
			if err != nil {
				return pathNotFound(a, path, asJSON)
			}
			v = config.Redact(p, v)
			if s, ok := v.(string); ok && !asJSON {
				fmt.Fprintln(a.Stdout, s)
				return nil
			}
			return writeJSON(a.Stdout, v)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (also for strings and errors)")
	return cmd
}

// effectiveValue looks a path up in the config as the gateway would run it.
func effectiveValue(a *App, doc *config.Document, paths config.Paths, path string) (any, error) {
	cfg, err := doc.Effective(config.Options{Getenv: a.Getenv, StateDir: paths.StateDir, AllowUnsetEnv: true})
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	eff, err := config.ParseDocument(data)
	if err != nil {
		return nil, err
	}
	return eff.Get(path)
}

func newConfigSetCmd(a *App) *cobra.Command {
	var strictJSON, merge, replace, dryRun bool
	cmd := &cobra.Command{
		Use:   "set <path> <value>",
		Short: "Set a config value",
		Long: `Set the value at a dotted path, creating missing objects on the way.

The value is parsed as JSON5 (18790, true, {enabled: true}, ['a', 'b']) and
otherwise taken as a string (lan, openai/gpt-4o). Where the config expects a
string, a word that looks like a number stays a string. --strict-json requires
valid JSON instead.

By default the value replaces what is at the path; --merge deep-merges an
object into the existing object. The whole resulting config is validated and
nothing is written if the change adds an error. The file is written
atomically with mode 0600, keeping the previous version as openclaw.json.bak.
It is written as JSON: comments and key order of a hand-edited file are lost.`,
		Example: `  openclaw config set gateway.port 18790
  openclaw config set gateway.http.endpoints.chatCompletions.enabled true
  openclaw config set models.providers.local '{baseUrl: "http://127.0.0.1:11434/v1", api: "openai-completions"}'
  openclaw config set gateway.auth --merge '{rateLimit: {maxAttempts: 5}}'
  openclaw config set agents.list[0].model anthropic/claude-sonnet-4-5 --dry-run`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, text := args[0], args[1]
			if merge && replace {
				return Usage("--merge and --replace cannot be used together")
			}
			p, err := config.ParsePath(path)
			if err != nil {
				return Usage("%v", err)
			}
			value, err := config.ParseValueFor(p, text, strictJSON)
			if err != nil {
				return Usage("%v", err)
			}
			if config.ContainsRedacted(value) {
				return Usage("the value contains the redaction placeholder %s; pass the real value", config.Redacted)
			}
			mode := config.Replace
			if merge {
				mode = config.Merge
			}
			return editConfig(a, path, dryRun, func(doc *config.Document) error {
				return doc.Set(path, value, mode)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&strictJSON, "strict-json", false, "the value must be valid JSON")
	f.BoolVar(&merge, "merge", false, "deep-merge an object value into the existing object")
	f.BoolVar(&replace, "replace", false, "replace the existing value (the default)")
	f.BoolVar(&dryRun, "dry-run", false, "validate and show the change without writing")
	return cmd
}

func newConfigUnsetCmd(a *App) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "unset <path>",
		Short: "Remove a config value",
		Long: `Remove the key (or array element) at a dotted path, so that its default
applies again. The result is validated and written like 'config set'.`,
		Example: `  openclaw config unset gateway.customBindHost
  openclaw config unset agents.list[1]`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if _, err := config.ParsePath(path); err != nil {
				return Usage("%v", err)
			}
			return editConfig(a, path, dryRun, func(doc *config.Document) error {
				return doc.Unset(path)
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "validate and show the change without writing")
	return cmd
}

// editConfig applies edit to the raw document, validates the result and
// writes it. An edit that adds validation errors is refused; one that only
// leaves errors the file already had is written with a warning, so that a
// broken config can be repaired one `config set` at a time.
func editConfig(a *App, path string, dryRun bool, edit func(*config.Document) error) error {
	paths, err := resolveConfigPaths(a)
	if err != nil {
		return err
	}
	doc, _, err := config.ReadDocument(paths.ConfigPath)
	if err != nil {
		return Fail("%v", err)
	}
	// Validation runs without requiring the gateway's environment: an
	// unset ${VAR} is a property of this shell, not of the edit.
	opts := config.Options{Getenv: a.Getenv, StateDir: paths.StateDir, AllowUnsetEnv: true}
	before := config.FieldErrors(doc.Validate(opts))
	p, _ := config.ParsePath(path)
	oldVal, oldErr := doc.Get(path)

	if err := edit(doc); err != nil {
		if errors.Is(err, config.ErrPathNotFound) {
			return pathNotFound(a, path, false)
		}
		return Fail("%v", err)
	}
	after := config.FieldErrors(doc.Validate(opts))
	if added := newErrors(before, after); len(added) > 0 {
		fmt.Fprintf(a.Stderr, "error: %s not changed: the result would be invalid:\n", paths.ConfigPath)
		for _, fe := range after {
			fmt.Fprintf(a.Stderr, "  %s\n", fe.Error())
		}
		return &ExitError{Code: 1, Err: errors.New("invalid config"), Silent: true}
	}
	newVal, newErr := doc.Get(path)

	if dryRun {
		if oldErr == nil {
			fmt.Fprintf(a.Stdout, "- %s = %s\n", path, compactJSON(config.Redact(p, oldVal)))
		}
		if newErr == nil {
			fmt.Fprintf(a.Stdout, "+ %s = %s\n", path, compactJSON(config.Redact(p, newVal)))
		}
		fmt.Fprintf(a.Stdout, "dry run: %s not written\n", paths.ConfigPath)
		return nil
	}

	data, err := doc.Marshal()
	if err != nil {
		return Fail("render config: %v", err)
	}
	if err := config.WriteFile(paths.ConfigPath, data); err != nil {
		return Fail("%v", err)
	}
	if newErr == nil {
		shown := compactJSON(config.Redact(p, newVal))
		if len(shown) > 60 {
			shown = shown[:57] + "..."
		}
		fmt.Fprintf(a.Stdout, "Set %s = %s in %s\n", path, shown, paths.ConfigPath)
	} else {
		fmt.Fprintf(a.Stdout, "Removed %s from %s\n", path, paths.ConfigPath)
	}
	if len(after) > 0 {
		fmt.Fprintf(a.Stderr, "warning: the config still has %d error(s) from before this change; run 'openclaw config validate'\n", len(after))
	}
	return nil
}

// newErrors returns the errors in after that were not in before.
func newErrors(before, after []config.FieldError) []config.FieldError {
	var added []config.FieldError
	for _, fe := range after {
		if !slices.Contains(before, fe) {
			added = append(added, fe)
		}
	}
	return added
}

func newConfigFileCmd(a *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "file",
		Short: "Print the config file's path",
		Long: `Print the path of the config file in use: $OPENCLAW_CONFIG_PATH, else
$OPENCLAW_STATE_DIR/openclaw.json, else ~/.openclaw/openclaw.json.`,
		Example: `  openclaw config file
  openclaw config file --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			paths, err := resolveConfigPaths(a)
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintln(a.Stdout, paths.ConfigPath)
				return nil
			}
			_, exists, _ := config.ReadDocument(paths.ConfigPath)
			return writeJSON(a.Stdout, map[string]any{
				"path":     paths.ConfigPath,
				"exists":   exists,
				"stateDir": paths.StateDir,
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {path, exists, stateDir} as JSON")
	return cmd
}

func newConfigValidateCmd(a *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config file and list every problem",
		Long: `Check the config file as the gateway would load it: JSON5 syntax, unknown
keys, types, allowed values, ${VAR} references (with this shell's
environment), environment overrides and cross-field rules. Every problem
is listed with its dotted path. Exit 0 when valid, 1 when not. A missing
file is valid: the defaults apply.`,
		Example: `  openclaw config validate
  openclaw config validate --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			paths, err := resolveConfigPaths(a)
			if err != nil {
				return err
			}
			cfg, err := config.LoadWith(paths.ConfigPath, config.Options{Getenv: a.Getenv, StateDir: paths.StateDir, AllowMissing: true})
			var warnings []string
			if cfg != nil {
				warnings = cfg.Warnings()
			}
			problems := config.FieldErrors(err)
			if err != nil && len(problems) == 0 {
				problems = []config.FieldError{{Message: err.Error()}}
			}
			if asJSON {
				if problems == nil {
					problems = []config.FieldError{}
				}
				out := map[string]any{"valid": err == nil, "path": paths.ConfigPath, "errors": problems}
				if len(warnings) > 0 {
					out["warnings"] = warnings
				}
				if werr := writeJSON(a.Stdout, out); werr != nil {
					return werr
				}
			} else {
				for _, w := range warnings {
					fmt.Fprintf(a.Stderr, "warning: %s\n", w)
				}
				if err == nil {
					fmt.Fprintf(a.Stdout, "config valid: %s\n", paths.ConfigPath)
				} else {
					fmt.Fprintf(a.Stderr, "config invalid: %s (%d problem(s))\n", paths.ConfigPath, len(problems))
					for _, fe := range problems {
						fmt.Fprintf(a.Stderr, "  %s\n", fe.Error())
					}
				}
			}
			if err != nil {
				return &ExitError{Code: 1, Err: errors.New("invalid config"), Silent: true}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"valid", "path", "errors": [{"path", "expected", "found", "message"}]}`)
	return cmd
}

func newConfigSchemaCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the config file",
		Long: `Print a JSON Schema (draft 2020-12) for openclaw.json, generated from the
gateway's config types. Editors can use it for completion and checking.`,
		Example: `  openclaw config schema > openclaw.schema.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.Stdout.Write(config.Schema())
			return err
		},
	}
}

func resolveConfigPaths(a *App) (config.Paths, error) {
	paths, err := config.ResolvePaths(a.Getenv)
	if err != nil {
		return paths, Fail("%v", err)
	}
	return paths, nil
}

// pathNotFound reports a missing path in the words of the original CLI.
func pathNotFound(a *App, path string, asJSON bool) error {
	msg := "Config path not found: " + path
	if asJSON {
		_ = writeJSON(a.Stdout, map[string]string{"error": msg})
	} else {
		fmt.Fprintln(a.Stderr, msg)
	}
	return &ExitError{Code: 1, Err: errors.New(msg), Silent: true}
}

// writeJSON prints v as indented JSON without HTML escaping.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func compactJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
