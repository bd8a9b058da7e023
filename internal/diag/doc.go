// Package diag finds what is wrong with a gateway setup: the probe (which
// hop of an HTTP path answered, and why it is not the gateway), the doctor
// (config, files, secrets, providers, ports; with safe repairs) and the
// security audit (findings with stable ids and severities).
//
// It talks to a gateway only over HTTP, the way a client would, and reads
// the config through the config package; it does not import the gateway
// itself, so what it reports is what a user on the outside would see. The
// output types carry JSON tags that are a stable interface for scripts.
//
// It is not a monitor: each function runs once and returns a report; the
// cli package prints it and turns it into an exit code.
package diag
