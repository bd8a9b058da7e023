package diag

import (
	"fmt"
	"io"
	"strings"
)

// Marks used in human output.
const (
	markOK   = "✓"
	markFail = "✗"
	markSkip = "-"
	markWarn = "!"
)

// WriteProbe prints rep for a person: one block per target with a line per
// check, then the cause and the fix when the target is not healthy.
func WriteProbe(w io.Writer, rep ProbeReport) {
	bad := 0
	for i, t := range rep.Targets {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeTarget(w, t)
		if !t.OK {
			bad++
		}
	}
	fmt.Fprintln(w)
	if bad == 0 {
		fmt.Fprintf(w, "all %d target(s) healthy\n", len(rep.Targets))
	} else {
		fmt.Fprintf(w, "%d of %d target(s) unhealthy\n", bad, len(rep.Targets))
	}
}

func writeTarget(w io.Writer, t TargetReport) {
	line := func(mark, format string, args ...any) {
		fmt.Fprintf(w, "  %s %s\n", mark, fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(w, "%s: %s\n", t.Name, t.URL)
	if !t.Reachable {
		line(markFail, "not reachable: %s", t.Error)
		writeDiagnosis(w, t)
		return
	}
	line(markOK, "reachable")
	switch t.TLS {
	case TLSOK:
		line(markOK, "TLS ok")
	case TLSFailed:
		line(markFail, "TLS failed: %s", t.Error)
		writeDiagnosis(w, t)
		return
	}
	if t.Error != "" {
		line(markFail, "no HTTP answer: %s", t.Error)
		writeDiagnosis(w, t)
		return
	}
	models, chat := stepNamed(t, "models"), stepNamed(t, "chat")
	switch t.Surface {
	case SurfaceGateway:
		line(markOK, "answered by the OpenClaw gateway (version %s)", orDash(t.Version))
	case SurfaceTeams:
		line(markFail, "answered by the OpenClaw Teams webhook (X-OpenClaw-Surface: msteams-webhook), not the gateway")
		writeQuote(w, t)
	default:
		line(markFail, "answered by something else (no X-OpenClaw-Surface header)")
		writeQuote(w, t)
	}
	cred := t.Credential
	if cred == "none" {
		cred = "no credential"
	}
	switch {
	case t.AuthOK:
		line(markOK, "credentials accepted (%s)", cred)
	case t.Surface == SurfaceGateway:
		line(markFail, "credentials refused (%s): %s", cred, stepStatus(models))
	default:
		line(markSkip, "credentials not checked: the gateway did not answer")
	}
	switch {
	case t.ModelsOK:
		line(markOK, "/v1/models lists %s", DefaultModel)
	case t.AuthOK && models.Status == 200:
		line(markFail, "/v1/models does not list %s", DefaultModel)
	case t.AuthOK:
		line(markFail, "/v1/models: %s", stepStatus(models))
	default:
		line(markSkip, "/v1/models not checked")
	}
	switch {
	case t.ChatRouteOK:
		line(markOK, "chat route reachable (POST /v1/chat/completions with no messages: the gateway's 400, no tokens spent)")
	case chat.Status == 0:
		line(markFail, "chat route: no answer")
	case chat.Surface == SurfaceGateway:
		line(markFail, "chat route: %s from the gateway, expected 400 on \"messages\"", stepStatus(chat))
	default:
		line(markFail, "chat route: %s from %s", stepStatus(chat), surfaceName(chat.Surface))
		if t.Surface == SurfaceGateway {
			writeQuote(w, t) // only the chat route is misrouted: quote it here
		}
	}
	writeDiagnosis(w, t)
}

// writeQuote quotes the foreign response: status, Server, Via, body.
func writeQuote(w io.Writer, t TargetReport) {
	fmt.Fprintf(w, "      HTTP %d, Server: %s, Via: %s\n", t.Status, orDash(t.Server), orDash(t.Via))
	fmt.Fprintf(w, "      body: %s\n", oneLine(t.BodySnippet))
}

func writeDiagnosis(w io.Writer, t TargetReport) {
	if t.OK {
		fmt.Fprintf(w, "  healthy\n")
		return
	}
	fmt.Fprintf(w, "  diagnosis: %s\n", t.Diagnosis.ID)
	fmt.Fprintf(w, "  cause: %s\n", t.Diagnosis.Cause)
	fmt.Fprintf(w, "  fix: %s\n", t.Diagnosis.Fix)
}

func stepNamed(t TargetReport, name string) Step {
	for _, s := range t.Steps {
		if s.Name == name {
			return s
		}
	}
	return Step{Name: name}
}

func stepStatus(s Step) string {
	if s.Status == 0 {
		return "no answer"
	}
	if s.Code != "" {
		return fmt.Sprintf("HTTP %d %s", s.Status, s.Code)
	}
	return fmt.Sprintf("HTTP %d", s.Status)
}

func surfaceName(s string) string {
	switch s {
	case SurfaceGateway:
		return "the gateway"
	case SurfaceTeams:
		return "the Teams webhook"
	}
	return "something else"
}

// oneLine makes a body snippet printable on one line.
func oneLine(s string) string {
	if s == "" {
		return "(empty)"
	}
	r := strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`, "\t", " ")
	return r.Replace(s)
}

// WriteDoctor prints the doctor's report: what was changed, then one line
// per check with its fix.
func WriteDoctor(w io.Writer, rep DoctorReport) {
	for _, c := range rep.Changes {
		fmt.Fprintf(w, "fixed: %s\n", c)
	}
	if len(rep.Changes) > 0 {
		fmt.Fprintln(w)
	}
	fails, warns := 0, 0
	for _, c := range rep.Checks {
		mark := markOK
		switch c.Status {
		case StatusFail:
			mark = markFail
			fails++
		case StatusWarn:
			mark = markWarn
			warns++
		case StatusSkip:
			mark = markSkip
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.ID, c.Message)
		if c.Fix != "" && (c.Status == StatusFail || c.Status == StatusWarn) {
			fmt.Fprintf(w, "    fix: %s\n", c.Fix)
		}
	}
	fmt.Fprintln(w)
	switch {
	case fails > 0:
		fmt.Fprintf(w, "%d check(s) failed, %d warning(s)\n", fails, warns)
	case warns > 0:
		fmt.Fprintf(w, "no check failed, %d warning(s)\n", warns)
	default:
		fmt.Fprintln(w, "all checks passed")
	}
}

// WriteAudit prints the audit's findings, worst first.
func WriteAudit(w io.Writer, rep AuditReport) {
	fmt.Fprintf(w, "security audit of %s\n\n", rep.Config)
	if len(rep.Findings) == 0 {
		fmt.Fprintln(w, "no findings")
		return
	}
	for _, sev := range []Severity{Critical, Warn, Info} {
		for _, f := range rep.Findings {
			if f.Severity != sev {
				continue
			}
			fmt.Fprintf(w, "[%s] %s: %s\n", f.Severity, f.ID, f.Title)
			fmt.Fprintf(w, "    %s\n", f.Detail)
			fmt.Fprintf(w, "    fix: %s\n", f.Fix)
		}
	}
	fmt.Fprintf(w, "\n%d critical, %d warning(s), %d info\n", rep.Summary.Critical, rep.Summary.Warn, rep.Summary.Info)
}
