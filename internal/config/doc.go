// Package config loads, validates, edits and watches openclaw.json, the
// gateway's JSON5 config file.
//
// Loading is a pipeline: JSON5 → generic tree → `${VAR}` substitution →
// strict validation against the Go types in types.go (every error, each with
// its full dotted path) → decode into *Config → cross-field checks →
// environment overrides (ApplyEnv) → defaults (ApplyDefaults). Past Load
// nothing in the program looks at the raw tree.
//
// Editing (`openclaw config set`) works on the raw, un-substituted tree
// (Document), so `${VAR}` references are written back unchanged, and the
// whole resulting document is validated before WriteFile replaces the file.
//
// The struct tags in types.go drive validation, redaction and Schema:
//
//	json:"name"            key name (exact, case-sensitive)
//	enum:"a,b,c"           allowed string values
//	min:"1" max:"65535"    integer bounds
//	validate:"…"           string format: ipv4, ip-or-cidr, url, abspath,
//	                       modelref, agentid, header (applied to each
//	                       element of a []string)
//
// Fields of type Secret are never printed (see Redact); json.RawMessage
// fields are sections of the original OpenClaw config that are accepted and
// preserved but not interpreted.
//
// This package does not decide what the gateway does with the values:
// startup safety rules (bind vs auth, trusted-proxy requirements) live with
// the gateway.
package config
