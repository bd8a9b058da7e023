package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Options tune Parse and Load.
type Options struct {
	// Getenv resolves `${VAR}` references, environment overrides and $HOME.
	// Nil means an empty environment.
	Getenv func(string) string
	// StateDir is where default paths (the agent workspace) live. Empty
	// means ResolvePaths(Getenv).StateDir.
	StateDir string
	// AllowUnsetEnv keeps `${VAR}` references to unset variables as literal
	// text instead of failing. For editing tools (`config set`) that run
	// without the gateway's environment; never for the gateway itself.
	AllowUnsetEnv bool
	// AllowMissing makes Load treat a missing file as an empty config.
	AllowMissing bool
}

func (o Options) stateDir() string {
	if o.StateDir != "" {
		return o.StateDir
	}
	p, _ := ResolvePaths(o.Getenv)
	return p.StateDir
}

// Parse parses and validates a JSON5 config, substitutes `${VAR}` through
// getenv, and applies defaults. It does not apply environment overrides
// (ApplyEnv); Load does. A config that fails validation returns a
// *ValidationError listing every problem; bad JSON5 returns a *SyntaxError.
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	return ParseWith(data, Options{Getenv: getenv})
}

// ParseWith is Parse with options.
func ParseWith(data []byte, o Options) (*Config, error) {
	tree, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	c, err := decodeTree(tree, o)
	if err != nil {
		return nil, err
	}
	c.ApplyDefaults(o.stateDir())
	return c, nil
}

// Load reads the config file at path and returns it as the gateway uses it:
// parsed, validated, with environment overrides and defaults applied. A
// missing file is an error satisfying errors.Is(err, fs.ErrNotExist).
func Load(path string, getenv func(string) string) (*Config, error) {
	return LoadWith(path, Options{Getenv: getenv})
}

// LoadWith is Load with options.
func LoadWith(path string, o Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil && !(o.AllowMissing && errors.Is(err, fs.ErrNotExist)) {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := loadBytes(data, o)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("invalid config %s:\n%w", path, err)
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

func loadBytes(data []byte, o Options) (*Config, error) {
	tree, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	return effective(tree, o)
}

// effective turns a raw tree into the config the gateway runs with.
func effective(tree map[string]any, o Options) (*Config, error) {
	c, err := decodeTree(tree, o)
	if err != nil {
		return nil, err
	}
	if err := ApplyEnv(c, o.Getenv); err != nil {
		return nil, err
	}
	c.ApplyDefaults(o.stateDir())
	return c, nil
}

// decodeTree substitutes, validates and decodes a raw tree (which it does
// not modify), then runs the cross-field checks.
func decodeTree(tree map[string]any, o Options) (*Config, error) {
	s := newSubstituter(o.Getenv, o.AllowUnsetEnv)
	sub := s.tree("", tree)
	v := &validator{fromEnv: s.fromEnv, unresolved: s.unresolved}
	v.check("", sub, reflect.TypeFor[Config](), rules{})
	if errs := append(s.errs, v.errs...); len(errs) > 0 {
		sortErrors(errs)
		return nil, &ValidationError{Errors: errs}
	}
	data, err := json.Marshal(sub)
	if err != nil {
		return nil, fmt.Errorf("internal: re-encode config: %w", err)
	}
	c := new(Config)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("internal: decode validated config: %w", err)
	}
	if errs := c.crossCheck(); len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	c.expandHome(o.Getenv)
	return c, nil
}

// expandHome expands "~/" in the filesystem paths of the config.
func (c *Config) expandHome(getenv func(string) string) {
	c.Agents.Defaults.Workspace = ExpandHome(c.Agents.Defaults.Workspace, getenv)
	for i := range c.Agents.List {
		c.Agents.List[i].Workspace = ExpandHome(c.Agents.List[i].Workspace, getenv)
	}
	for k, a := range c.Agents.Entries {
		a.Workspace = ExpandHome(a.Workspace, getenv)
		c.Agents.Entries[k] = a
	}
}

// crossCheck runs the checks that involve more than one value.
func (c *Config) crossCheck() []FieldError {
	var errs []FieldError
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}

	// Agents: ids unique (case-insensitively: they name directories) and at
	// most one default, across both shapes.
	ids := map[string]string{}
	defaultAt := ""
	visit := func(path, id string, a Agent) {
		if id == "" {
			add(path+".id", "required: every agent needs an id")
		} else if prev, dup := ids[strings.ToLower(id)]; dup {
			add(path+".id", "duplicate agent id %q (also at %s)", id, prev)
		} else {
			ids[strings.ToLower(id)] = path
		}
		if a.Default {
			if defaultAt != "" {
				add(path+".default", "more than one default agent (also %s)", defaultAt)
			} else {
				defaultAt = path
			}
		}
	}
	for i, a := range c.Agents.List {
		visit(joinIndex("agents.list", i), a.ID, a)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Agents.Entries)) {
		a, path := c.Agents.Entries[k], joinKey("agents.entries", k)
		if !validAgentID(k) {
			errs = append(errs, FieldError{Path: path, Message: "invalid agent id: use 1-64 letters, digits, '-' or '_', starting with a letter or digit"})
			continue
		}
		if a.ID != "" && a.ID != k {
			add(path+".id", "must equal the entry's key %q (or be omitted)", k)
		}
		visit(path, k, a)
	}

	// Model refs are split at the first "/", so a provider id cannot hold one.
	for _, k := range slices.Sorted(maps.Keys(c.Models.Providers)) {
		if k == "" || strings.ContainsAny(k, "/ \t\n") {
			add(joinKey("models.providers", k), "invalid provider id: must be non-empty, without \"/\" or spaces")
		}
	}

	if c.Gateway.Bind == "custom" && c.Gateway.CustomBindHost == "" {
		add("gateway.customBindHost", `required when gateway.bind is "custom"`)
	}

	if t := c.Channels.MSTeams; t != nil && t.Agent != "" {
		known := ids[strings.ToLower(t.Agent)] != ""
		if len(ids) == 0 {
			known = t.Agent == MainAgentID
		}
		if !known {
			add("channels.msteams.agent", "unknown agent %q: not in agents.list or agents.entries", t.Agent)
		}
	}
	return errs
}

// Warnings returns advice about settings that are valid but have no
// effect, for `config validate` and the startup log.
func (c *Config) Warnings() []string {
	var w []string
	if c.Gateway.CustomBindHost != "" && c.Gateway.Bind != "" && c.Gateway.Bind != "custom" {
		w = append(w, fmt.Sprintf("gateway.customBindHost is ignored unless gateway.bind is \"custom\" (it is %q)", c.Gateway.Bind))
	}
	return w
}

// sortErrors orders errors by path, comparing numbers inside paths by value
// so that list[2] comes before list[10].
func sortErrors(errs []FieldError) {
	slices.SortStableFunc(errs, func(a, b FieldError) int { return naturalCompare(a.Path, b.Path) })
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, _ := strconv.Atoi(a[:da])
			nb, _ := strconv.Atoi(b[:db])
			if na != nb {
				return na - nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitPrefix(s string) int {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
