package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// env returns a getenv backed by a map.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

const fullConfig = `// A config in the shape of spec §2, with JSON5 features.
{
  gateway: {
    mode: 'local',
    port: 18790,
    bind: "custom",
    customBindHost: "10.0.0.5",
    trustedProxies: ["10.0.0.1", "172.17.0.0/16", "fd00::/8", "::1"],
    allowRealIpFallback: false,
    auth: {
      mode: "token",
      token: "${GW_TOKEN}",
      rateLimit: { maxAttempts: 5, windowMs: 0x3e8, lockoutMs: 2000, exemptLoopback: false },
      trustedProxy: { userHeader: "x-forwarded-user", requiredHeaders: [], allowUsers: [] },
      identityScopes: { "admin@example.com": ["operator.admin"] },
    },
    http: { endpoints: { chatCompletions: { enabled: true, images: { allowUrl: true } }, responses: { enabled: true } } },
    controlUi: { enabled: true, anything: [1, 2, { deep: "yes" }] },
  },
  agents: {
    defaults: { model: { primary: "openai/gpt-4o-mini", fallbacks: ["anthropic/claude-haiku-4-5"] }, workspace: "~/ws", timeoutMs: 60000 },
    list: [ { id: "main", default: true, name: "Main", model: "openrouter/meta/llama-3" }, { id: "helper" } ],
  },
  models: { providers: {
    local: { baseUrl: "http://127.0.0.1:11434/v1", api: "openai-completions", apiKey: "${LOCAL_KEY}",
             headers: { "X-Note": "price is $${PRICE}" },
             models: [ { id: "llama3.2", name: "Llama 3.2", contextWindow: 131072, maxTokens: 8192, cost: { input: 0 } } ] },
  } },
  channels: { msteams: { appId: "app", webhook: { port: "gateway" }, agent: "helper" }, telegram: { botToken: "123:abc" } },
  storage: { sessions: { driver: "sqlite" } },
  meta: { lastTouchedVersion: "2026.1.1" },
}
`

func TestParseFullConfig(t *testing.T) {
	t.Parallel()
	c, err := ParseWith([]byte(fullConfig), Options{Getenv: env("GW_TOKEN", "tok-123", "LOCAL_KEY", "sk-local", "HOME", "/home/u"), StateDir: "/state"})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"port", c.Gateway.Port, 18790},
		{"hex number", c.Gateway.Auth.RateLimit.WindowMs, int64(1000)},
		{"token from env", c.Gateway.Auth.Token.Reveal(), "tok-123"},
		{"apiKey from env", c.Models.Providers["local"].APIKey.Reveal(), "sk-local"},
		{"escaped reference stays literal", c.Models.Providers["local"].Headers["X-Note"], "price is ${PRICE}"},
		{"short model", c.Agents.List[0].Model.Primary, "openrouter/meta/llama-3"},
		{"fallbacks", strings.Join(c.Agents.Defaults.Model.Fallbacks, ","), "anthropic/claude-haiku-4-5"},
		{"workspace ~ expanded", c.Agents.Defaults.Workspace, "/home/u/ws"},
		{"webhook on gateway port", c.Channels.MSTeams.Webhook.Port.Gateway, true},
		{"exemptLoopback kept false", *c.Gateway.Auth.RateLimit.ExemptLoopback, false},
		{"raw section preserved", string(c.Gateway.ControlUI), `{"anything":[1,2,{"deep":"yes"}],"enabled":true}`},
		{"raw channel preserved", string(c.Channels.Telegram), `{"botToken":"123:abc"}`},
		{"default agent", c.DefaultAgentID(), "main"},
		{"non-default agent workspace", c.AgentList()[1].Workspace, "/home/u/ws-helper"},
		{"agent inherits default model", c.AgentList()[1].Model.Primary, "openai/gpt-4o-mini"},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config string
		env    []string
		want   []FieldError
	}{
		{
			name:   "unknown key is an error naming the full path, with a suggestion",
			config: `{gateway: {prot: 1}}`,
			want:   []FieldError{{Path: "gateway.prot", Message: `unknown key (did you mean "port"?)`}},
		},
		{
			name:   "unknown top-level key",
			config: `{gatway: {}}`,
			want:   []FieldError{{Path: "gatway", Message: `unknown key (did you mean "gateway"?)`}},
		},
		{
			name:   "wrong type says expected and found",
			config: `{gateway: {port: "abc"}}`,
			want:   []FieldError{{Path: "gateway.port", Expected: "integer 1-65535", Found: `string "abc"`}},
		},
		{
			name:   "object where a string is expected",
			config: `{gateway: {bind: {}}}`,
			want:   []FieldError{{Path: "gateway.bind", Expected: "string", Found: "object"}},
		},
		{
			name:   "fraction where an integer is expected",
			config: `{gateway: {auth: {rateLimit: {maxAttempts: 1.5}}}}`,
			want:   []FieldError{{Path: "gateway.auth.rateLimit.maxAttempts", Expected: "integer >= 1", Found: "number 1.5"}},
		},
		{
			name:   "enum",
			config: `{gateway: {auth: {mode: "tokn"}}}`,
			want:   []FieldError{{Path: "gateway.auth.mode", Expected: `one of "token", "password", "trusted-proxy", "none"`, Found: `string "tokn"`}},
		},
		{
			name:   "max",
			config: `{gateway: {port: 70000}}`,
			want:   []FieldError{{Path: "gateway.port", Expected: "integer 1-65535", Found: "number 70000"}},
		},
		{
			name:   "min",
			config: `{gateway: {auth: {rateLimit: {lockoutMs: 0}}}}`,
			want:   []FieldError{{Path: "gateway.auth.rateLimit.lockoutMs", Expected: "integer >= 1", Found: "number 0"}},
		},
		{
			name:   "secret of the wrong type does not echo its value",
			config: `{gateway: {auth: {token: 123456}}}`,
			want:   []FieldError{{Path: "gateway.auth.token", Expected: "string", Found: "number"}},
		},
		{
			name:   "array index in path",
			config: `{agents: {list: [{id: "a"}, {id: "b", nme: "x"}]}}`,
			want:   []FieldError{{Path: "agents.list[1].nme", Message: `unknown key (did you mean "name"?)`}},
		},
		{
			name:   "map key in path",
			config: `{models: {providers: {local: {baseUrl: 5}}}}`,
			want:   []FieldError{{Path: "models.providers.local.baseUrl", Expected: "string", Found: "number 5"}},
		},
		{
			name:   "map key with dots is quoted",
			config: `{channels: {msteams: {teams: {"19:a@thread.tacv2": {requireMention: "yes"}}}}}`,
			want:   []FieldError{{Path: `channels.msteams.teams["19:a@thread.tacv2"].requireMention`, Expected: "boolean", Found: `string "yes"`}},
		},
		{
			name:   "bad model ref",
			config: `{agents: {defaults: {model: {primary: "openai/", fallbacks: ["/x", "ok/fine"]}}}}`,
			want: []FieldError{
				{Path: "agents.defaults.model.fallbacks[0]", Expected: `a model reference "provider/model"`, Found: `string "/x"`},
				{Path: "agents.defaults.model.primary", Expected: `a model reference "provider/model"`, Found: `string "openai/"`},
			},
		},
		{
			name:   "model of the wrong shape",
			config: `{agents: {list: [{id: "a", model: 3}]}}`,
			want:   []FieldError{{Path: "agents.list[0].model", Expected: `a "provider/model" string or {primary, fallbacks}`, Found: "number 3"}},
		},
		{
			name:   "duplicate agent id across both shapes",
			config: `{agents: {list: [{id: "main"}], entries: {Main: {}}}}`,
			want:   []FieldError{{Path: "agents.entries.Main.id", Message: `duplicate agent id "Main" (also at agents.list[0])`}},
		},
		{
			name:   "two defaults",
			config: `{agents: {list: [{id: "a", default: true}, {id: "b", default: true}]}}`,
			want:   []FieldError{{Path: "agents.list[1].default", Message: "more than one default agent (also agents.list[0])"}},
		},
		{
			name:   "empty agent id",
			config: `{agents: {list: [{name: "x"}]}}`,
			want:   []FieldError{{Path: "agents.list[0].id", Message: "required: every agent needs an id"}},
		},
		{
			name:   "agent id that is not a safe directory name",
			config: `{agents: {list: [{id: "../etc"}]}}`,
			want:   []FieldError{{Path: "agents.list[0].id", Expected: "an agent id (1-64 letters, digits, '-' or '_', starting with a letter or digit)", Found: `string "../etc"`}},
		},
		{
			name:   "entry id must match its key",
			config: `{agents: {entries: {a: {id: "b"}}}}`,
			want:   []FieldError{{Path: "agents.entries.a.id", Message: `must equal the entry's key "a" (or be omitted)`}},
		},
		{
			name:   "bad CIDR",
			config: `{gateway: {trustedProxies: ["10.0.0.1", "10.0.0.0/33", "nope"]}}`,
			want: []FieldError{
				{Path: "gateway.trustedProxies[1]", Expected: "an IP address or CIDR (10.0.0.1, 172.17.0.0/16, fd00::/8)", Found: `string "10.0.0.0/33"`},
				{Path: "gateway.trustedProxies[2]", Expected: "an IP address or CIDR (10.0.0.1, 172.17.0.0/16, fd00::/8)", Found: `string "nope"`},
			},
		},
		{
			name:   "customBindHost must be IPv4",
			config: `{gateway: {bind: "custom", customBindHost: "::1"}}`,
			want:   []FieldError{{Path: "gateway.customBindHost", Expected: "an IPv4 address", Found: `string "::1"`}},
		},
		{
			name:   "bind custom needs customBindHost",
			config: `{gateway: {bind: "custom"}}`,
			want:   []FieldError{{Path: "gateway.customBindHost", Message: `required when gateway.bind is "custom"`}},
		},
		{
			name:   "unset env var names the key and the variable",
			config: `{gateway: {auth: {token: "${NOPE_TOKEN}"}}}`,
			want:   []FieldError{{Path: "gateway.auth.token", Message: "environment variable NOPE_TOKEN is not set (referenced as ${NOPE_TOKEN})"}},
		},
		{
			name:   "env value is checked after substitution and not echoed",
			config: `{gateway: {bind: "${BIND}"}}`,
			env:    []string{"BIND", "everywhere"},
			want:   []FieldError{{Path: "gateway.bind", Expected: `one of "loopback", "lan", "tailnet", "auto", "custom"`, Found: "string"}},
		},
		{
			name:   "webhook port",
			config: `{channels: {msteams: {webhook: {port: "main"}}}}`,
			want:   []FieldError{{Path: "channels.msteams.webhook.port", Expected: `a port number 1-65535 or "gateway"`, Found: `string "main"`}},
		},
		{
			name:   "msteams agent must exist",
			config: `{agents: {list: [{id: "a"}]}, channels: {msteams: {agent: "b"}}}`,
			want:   []FieldError{{Path: "channels.msteams.agent", Message: `unknown agent "b": not in agents.list or agents.entries`}},
		},
		{
			name:   "provider id with a slash",
			config: `{models: {providers: {"a/b": {}}}}`,
			want:   []FieldError{{Path: `models.providers.a/b`, Message: `invalid provider id: must be non-empty, without "/" or spaces`}},
		},
		{
			name:   "url format",
			config: `{models: {providers: {x: {baseUrl: "localhost:1234"}}}}`,
			want:   []FieldError{{Path: "models.providers.x.baseUrl", Expected: "an http(s) URL", Found: `string "localhost:1234"`}},
		},
		{
			name:   "Infinity cannot be stored even in a preserved section",
			config: `{meta: {x: Infinity}}`,
			want:   []FieldError{{Path: "meta.x", Expected: "a finite number", Found: "Infinity"}},
		},
		{
			name:   "null is not a value",
			config: `{gateway: {port: null}}`,
			want:   []FieldError{{Path: "gateway.port", Expected: "integer 1-65535", Found: "null"}},
		},
		{
			name:   "top level must be an object",
			config: `[1]`,
			want:   []FieldError{{Expected: "object", Found: "array"}},
		},
		{
			name:   "all errors are reported, in path order",
			config: `{gateway: {port: "x", bind: "nowhere", zzz: 1}, agents: {list: [{id: 1}]}}`,
			want: []FieldError{
				{Path: "agents.list[0].id", Expected: "string", Found: "number 1"},
				{Path: "gateway.bind", Expected: `one of "loopback", "lan", "tailnet", "auto", "custom"`, Found: `string "nowhere"`},
				{Path: "gateway.port", Expected: "integer 1-65535", Found: `string "x"`},
				{Path: "gateway.zzz", Message: "unknown key"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.config), env(tc.env...))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse error = %v, want a *ValidationError", err)
			}
			if !slices.Equal(ve.Errors, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", ve.Errors, tc.want)
			}
			if lines := strings.Count(ve.Error(), "\n") + 1; lines != len(tc.want) {
				t.Errorf("Error() has %d lines, want one per error:\n%s", lines, ve.Error())
			}
		})
	}
}

func TestEnvSubstitution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		missing        []string
	}{
		{"plain", "a", "a", nil},
		{"one ref", "${A}", "x", nil},
		{"embedded refs", "p-${A}-${B_2}", "p-x-y", nil},
		{"escape gives a literal reference", "$${A}", "${A}", nil},
		{"escape next to a reference", "$${A}${A}", "${A}x", nil},
		{"lower-case names are not references", "${a}", "${a}", nil},
		{"unterminated", "${A", "${A", nil},
		{"dollar alone", "$5 and $$", "$5 and $$", nil},
		{"missing", "${NOPE}", "${NOPE}", []string{"NOPE"}},
	}
	getenv := env("A", "x", "B_2", "y")
	for _, tc := range tests {
		got, _, missing := expand(tc.in, getenv)
		if got != tc.want || !slices.Equal(missing, tc.missing) {
			t.Errorf("%s: expand(%q) = %q, %q; want %q, %q", tc.name, tc.in, got, missing, tc.want, tc.missing)
		}
	}
}

func TestAllowUnsetEnvKeepsReferences(t *testing.T) {
	t.Parallel()
	c, err := ParseWith([]byte(`{gateway: {bind: "${BIND}", auth: {token: "${T}"}}}`), Options{AllowUnsetEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Gateway.Auth.Token.Reveal() != "${T}" {
		t.Errorf("token = %q", c.Gateway.Auth.Token.Reveal())
	}
}

func TestSyntaxErrorHasPosition(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("{\n  gateway: {port: ,}\n}"), nil)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *SyntaxError", err)
	}
	if se.Line != 2 {
		t.Errorf("line = %d, want 2 (%v)", se.Line, se)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := ParseWith([]byte(`{channels: {msteams: {}}}`), Options{StateDir: "/state"})
	if err != nil {
		t.Fatal(err)
	}
	rl := c.Gateway.Auth.RateLimit
	tm := c.Channels.MSTeams
	checks := []struct {
		name      string
		got, want any
	}{
		{"gateway.port", c.Gateway.Port, 18789},
		{"gateway.bind", c.Gateway.Bind, "loopback"},
		{"gateway.auth.mode inferred", c.Gateway.Auth.Mode, "token"},
		{"rateLimit.maxAttempts", rl.MaxAttempts, 10},
		{"rateLimit.windowMs", rl.WindowMs, int64(60000)},
		{"rateLimit.lockoutMs", rl.LockoutMs, int64(300000)},
		{"rateLimit.exemptLoopback", *rl.ExemptLoopback, true},
		{"trustedProxy.userHeader stays empty", c.Gateway.Auth.TrustedProxy.UserHeader, ""},
		{"workspace", c.Agents.Defaults.Workspace, filepath.Join("/state", "workspace")},
		{"one agent", len(c.AgentList()), 1},
		{"agent main", c.AgentList()[0].ID, "main"},
		{"main is default", c.AgentList()[0].Default, true},
		{"main's workspace", c.AgentList()[0].Workspace, filepath.Join("/state", "workspace")},
		{"DefaultAgentID", c.DefaultAgentID(), "main"},
		{"msteams port", tm.Webhook.Port, WebhookPort{Number: 3978}},
		{"msteams path", tm.Webhook.Path, "/api/messages"},
		{"msteams dmPolicy", tm.DMPolicy, "pairing"},
		{"msteams groupPolicy", tm.GroupPolicy, "allowlist"},
		{"msteams requireMention", *tm.RequireMention, true},
		{"msteams enabled", *tm.Enabled, true},
		{"openid metadata", tm.Microsoft.OpenIDMetadataURL, "https://login.botframework.com/v1/.well-known/openidconfiguration"},
		{"tenant metadata keeps placeholder", tm.Microsoft.TenantOpenIDMetadataURL, "https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration"},
		{"token url keeps placeholder", tm.Microsoft.TokenURL, "https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token"},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
	if c2, _ := Parse(nil, nil); c2.Channels.MSTeams != nil {
		t.Error("msteams defaults applied without a msteams section")
	}
}

func TestAuthModeInference(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, config, want string }{
		{"nothing set: token", `{}`, "token"},
		{"only a password: password", `{gateway: {auth: {password: "p"}}}`, "password"},
		{"both: token", `{gateway: {auth: {password: "p", token: "t"}}}`, "token"},
		{"explicit wins", `{gateway: {auth: {mode: "none", token: "t"}}}`, "none"},
	}
	for _, tc := range tests {
		c, err := Parse([]byte(tc.config), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Gateway.Auth.Mode != tc.want {
			t.Errorf("%s: mode = %q, want %q", tc.name, c.Gateway.Auth.Mode, tc.want)
		}
	}
}

func TestAgentShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config string
		ids          []string
		def          string
	}{
		{"list in declared order, first is default", `{agents: {list: [{id: "b"}, {id: "a"}]}}`, []string{"b", "a"}, "b"},
		{"marked default", `{agents: {list: [{id: "b"}, {id: "a", default: true}]}}`, []string{"b", "a"}, "a"},
		{"entries keyed by id", `{agents: {entries: {work: {name: "W"}, home: {default: true}}}}`, []string{"home", "work"}, "home"},
		{"both shapes merge, list first", `{agents: {list: [{id: "x"}], entries: {y: {default: true}}}}`, []string{"x", "y"}, "y"},
		{"none configured: main", `{}`, []string{"main"}, "main"},
	}
	for _, tc := range tests {
		c, err := Parse([]byte(tc.config), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		defaults := 0
		for _, a := range c.AgentList() {
			ids = append(ids, a.ID)
			if a.Default {
				defaults++
			}
		}
		if !slices.Equal(ids, tc.ids) || c.DefaultAgentID() != tc.def || defaults != 1 {
			t.Errorf("%s: ids %v default %q (%d marked), want %v default %q", tc.name, ids, c.DefaultAgentID(), defaults, tc.ids, tc.def)
		}
	}
}

func TestApplyEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config string
		env    []string
		check  func(*Config) bool
	}{
		{"port overrides config", `{gateway: {port: 1000}}`, []string{"OPENCLAW_GATEWAY_PORT", "2000"},
			func(c *Config) bool { return c.Gateway.Port == 2000 }},
		{"token fills an empty value", `{}`, []string{"OPENCLAW_GATEWAY_TOKEN", "envtok"},
			func(c *Config) bool { return c.Gateway.Auth.Token.Reveal() == "envtok" }},
		{"token does not replace the config's", `{gateway: {auth: {token: "cfg"}}}`, []string{"OPENCLAW_GATEWAY_TOKEN", "envtok"},
			func(c *Config) bool { return c.Gateway.Auth.Token.Reveal() == "cfg" }},
		{"password from env makes the inferred mode password", `{}`, []string{"OPENCLAW_GATEWAY_PASSWORD", "pw"},
			func(c *Config) bool {
				return c.Gateway.Auth.Password.Reveal() == "pw" && c.Gateway.Auth.Mode == "password"
			}},
		{"msteams values fill when the section exists", `{channels: {msteams: {appId: "cfg"}}}`,
			[]string{"MSTEAMS_APP_ID", "envapp", "MSTEAMS_APP_PASSWORD", "envpw", "MSTEAMS_TENANT_ID", "tid"},
			func(c *Config) bool {
				m := c.Channels.MSTeams
				return m.AppID == "cfg" && m.AppPassword.Reveal() == "envpw" && m.TenantID == "tid"
			}},
		{"msteams env does not create the section", `{}`, []string{"MSTEAMS_APP_ID", "envapp"},
			func(c *Config) bool { return c.Channels.MSTeams == nil }},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		path := filepath.Join(dir, "openclaw.json")
		if err := os.WriteFile(path, []byte(tc.config), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, env(tc.env...))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !tc.check(c) {
			t.Errorf("%s: check failed: %+v", tc.name, c.Gateway)
		}
	}

	err := ApplyEnv(&Config{}, env("OPENCLAW_GATEWAY_PORT", "80a"))
	if err == nil || !strings.Contains(err.Error(), "OPENCLAW_GATEWAY_PORT") {
		t.Errorf("invalid port env: err = %v, want one naming OPENCLAW_GATEWAY_PORT", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.json")
	if _, err := Load(path, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load missing: err = %v, want fs.ErrNotExist", err)
	}
	c, err := LoadWith(path, Options{AllowMissing: true})
	if err != nil || c.Gateway.Port != DefaultPort {
		t.Errorf("LoadWith AllowMissing: %v, %v", c, err)
	}
}

func TestResolvePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env         []string
		state, conf string
		wantErr     bool
	}{
		{"defaults under HOME", []string{"HOME", "/h"}, "/h/.openclaw", "/h/.openclaw/openclaw.json", false},
		{"state dir moves the config", []string{"HOME", "/h", "OPENCLAW_STATE_DIR", "/s"}, "/s", "/s/openclaw.json", false},
		{"config path alone", []string{"HOME", "/h", "OPENCLAW_CONFIG_PATH", "~/c.json"}, "/h/.openclaw", "/h/c.json", false},
		{"~ in state dir", []string{"HOME", "/h", "OPENCLAW_STATE_DIR", "~/st"}, "/h/st", "/h/st/openclaw.json", false},
		{"no HOME", nil, "", "", true},
	}
	for _, tc := range tests {
		p, err := ResolvePaths(env(tc.env...))
		if (err != nil) != tc.wantErr || p.StateDir != tc.state || p.ConfigPath != tc.conf {
			t.Errorf("%s: got %+v, %v", tc.name, p, err)
		}
	}
	if got := ExpandHome("~", env("HOME", "/h")); got != "/h" {
		t.Errorf("ExpandHome(~) = %q", got)
	}
	if got := ExpandHome("~user/x", env("HOME", "/h")); got != "~user/x" {
		t.Errorf("ExpandHome(~user/x) = %q", got)
	}
}
