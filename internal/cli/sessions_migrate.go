package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/openclaw/openclaw-go/internal/config"
	"github.com/openclaw/openclaw-go/internal/gateway"
	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/jsonl"
	"github.com/openclaw/openclaw-go/internal/session/postgres"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
)

func newSessionsMigrateCmd(a *App) *cobra.Command {
	var from, to, fromPath, toPath, toURL string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Copy every session from one store to another (jsonl, sqlite, postgres)",
		Long: `Copy every session of one store into another, turn by turn, keeping turn ids,
order and entry timestamps, then verify that both hold the same entry counts.

Sources: jsonl (the embedded default: JSON Lines files under <state dir>/agents)
and sqlite (<state dir>/agents/sessions.db, the embedded store of earlier
versions). Targets: postgres (for several replicas) and jsonl. The default
source is the embedded store the state dir holds.

The copy is idempotent and resumable: a session the target already holds in
full is skipped, and one that was cut short (an interrupted run) is completed
from where it stopped. A target session whose entries differ from the source
is reported and left alone. Sessions are copied oldest activity first, so
'openclaw sessions list' keeps its order; a migrated session's timestamps are
those of its last activity in the source.

Stop the gateway (or point it at the target) before migrating, so that no new
turn lands in the source afterwards. A PostgreSQL target's URL is --to-url,
else storage.sessions.url from the config. After moving a SQLite store to
jsonl, set storage.sessions.driver to "jsonl" (or move sessions.db away).`,
		Example: `  openclaw sessions migrate --to postgres
  openclaw sessions migrate --from jsonl --to postgres --to-url "$DATABASE_URL"
  openclaw sessions migrate --from sqlite --to jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			paths, err := config.ResolvePaths(a.Getenv)
			if err != nil {
				return Fail("%v", err)
			}
			if from == "" {
				// The embedded store the state dir holds, whatever the
				// config selects (it may already point at the target).
				from = gateway.EmbeddedSessionDriver(&config.Config{}, paths.StateDir)
			}
			src := storeSpec{driver: from, location: fromPath}
			switch from {
			case "sqlite":
				if src.location == "" {
					src.location = gateway.SQLiteSessionsPath(paths.StateDir)
				}
			case "jsonl":
				if src.location == "" {
					src.location = filepath.Join(paths.StateDir, "agents")
				}
			default:
				return Usage("--from %q: use \"jsonl\" or \"sqlite\"", from)
			}
			dst := storeSpec{driver: to}
			switch to {
			case "postgres":
				dst.location = toURL
				if dst.location == "" {
					cfg, err := config.Load(paths.ConfigPath, a.Getenv)
					if err != nil {
						return Fail("load %s: %v (or pass --to-url)", paths.ConfigPath, err)
					}
					dst.location = cfg.Storage.Sessions.URL.Reveal()
					if dst.location == "" {
						return Usage("no target: pass --to-url postgres://… or set storage.sessions.url in %s", paths.ConfigPath)
					}
				}
			case "jsonl":
				dst.location = toPath
				if dst.location == "" {
					dst.location = filepath.Join(paths.StateDir, "agents")
				}
			default:
				return Usage("--to %q: use \"postgres\" or \"jsonl\"", to)
			}
			if src == dst {
				return Usage("--from and --to are the same store (%s at %s)", from, src.location)
			}
			return migrateSessions(a.Ctx, src, dst, a.Stdout, a.Stderr)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "source store: jsonl or sqlite (default: the embedded store in the state dir)")
	cmd.Flags().StringVar(&to, "to", "postgres", "target store: postgres or jsonl")
	cmd.Flags().StringVar(&fromPath, "from-path", "", "source location (default <state dir>/agents, or <state dir>/agents/sessions.db for sqlite)")
	cmd.Flags().StringVar(&toPath, "to-path", "", "jsonl target directory (default <state dir>/agents)")
	cmd.Flags().StringVar(&toURL, "to-url", "", "PostgreSQL URL (default storage.sessions.url)")
	return cmd
}

// storeSpec names a session store: its driver and where it lives (a
// directory, a file or a URL).
type storeSpec struct{ driver, location string }

func (sp storeSpec) open(ctx context.Context, now func() time.Time) (session.Store, error) {
	switch sp.driver {
	case "jsonl":
		return jsonl.OpenWithOptions(sp.location, jsonl.Options{Now: now})
	case "sqlite":
		return sqlite.OpenWithOptions(sp.location, sqlite.Options{Now: now})
	case "postgres":
		return postgres.Open(ctx, sp.location, postgres.Options{Now: now})
	}
	return nil, fmt.Errorf("unknown session store %q", sp.driver)
}

// migrateSessions copies every session of the source store into the target
// and verifies the counts.
func migrateSessions(ctx context.Context, from, to storeSpec, stdout, stderr io.Writer) error {
	if from.driver != "postgres" {
		if _, err := os.Stat(from.location); err != nil {
			return Fail("source %s: %v (pass --from-path, or set OPENCLAW_STATE_DIR)", from.location, err)
		}
	}
	src, err := from.open(ctx, nil)
	if err != nil {
		return Fail("open source: %v", err)
	}
	defer src.Close()

	// The target's clock is the source session's last activity, so that the
	// migrated sessions keep their newest-first order and times.
	var clock atomic.Pointer[time.Time]
	now := time.Now()
	clock.Store(&now)
	dst, err := to.open(ctx, func() time.Time { return *clock.Load() })
	if err != nil {
		return Fail("open target: %v", err)
	}
	defer dst.Close()

	infos, err := src.List(ctx, "")
	if err != nil {
		return Fail("list source sessions: %v", err)
	}
	slices.SortStableFunc(infos, func(x, y session.Info) int { return x.UpdatedAt.Compare(y.UpdatedAt) })
	before, err := countsByKey(ctx, dst)
	if err != nil {
		return Fail("list target sessions: %v", err)
	}
	total := 0
	for _, in := range infos {
		total += in.Entries
	}

	bar := newProgress(stderr, len(infos), total)
	var copied, skipped, resumed int
	var conflicts []string
	for _, in := range infos {
		if err := ctx.Err(); err != nil {
			bar.finish()
			return Fail("interrupted after %d of %d sessions; run the same command again to resume", bar.sessions, len(infos))
		}
		have := before[sessionID{in.AgentID, in.Key}]
		entries, err := src.Load(ctx, in.AgentID, in.Key)
		if err != nil {
			bar.finish()
			return Fail("read %s/%s from the source: %v", in.AgentID, in.Key, err)
		}
		var existing []session.Entry
		if have > 0 {
			if existing, err = dst.Load(ctx, in.AgentID, in.Key); err != nil {
				bar.finish()
				return Fail("read %s/%s from the target: %v", in.AgentID, in.Key, err)
			}
			if !samePrefix(entries, existing) {
				conflicts = append(conflicts, in.AgentID+"/"+in.Key)
				bar.add(1, len(entries))
				continue
			}
		}
		switch {
		case len(existing) >= len(entries):
			skipped++
			bar.add(1, len(entries))
			continue
		case len(existing) > 0:
			resumed++
		default:
			copied++
		}
		t := in.UpdatedAt
		clock.Store(&t)
		bar.add(0, len(existing))
		for _, turn := range turnsOf(entries[len(existing):]) {
			if err := dst.Append(ctx, in.AgentID, in.Key, turn); err != nil {
				bar.finish()
				return Fail("copy %s/%s: %v (run the same command again to resume)", in.AgentID, in.Key, err)
			}
			bar.add(0, len(turn.Entries))
		}
		bar.add(1, 0)
	}
	bar.finish()

	// Verify: every source session is in the target with at least as many
	// entries (more only if the gateway has appended since), and the
	// migrated totals agree.
	after, err := countsByKey(ctx, dst)
	if err != nil {
		return Fail("verify: list target sessions: %v", err)
	}
	var mismatched []string
	srcTotal, dstTotal := 0, 0
	for _, in := range infos {
		n := after[sessionID{in.AgentID, in.Key}]
		if slices.Contains(conflicts, in.AgentID+"/"+in.Key) {
			continue
		}
		srcTotal += in.Entries
		dstTotal += min(n, in.Entries)
		if n < in.Entries {
			mismatched = append(mismatched, fmt.Sprintf("%s/%s: %d in source, %d in target", in.AgentID, in.Key, in.Entries, n))
		}
	}
	fmt.Fprintf(stdout, "migrated %d sessions (%d copied, %d completed, %d already there); verified %d entries in source and target\n",
		len(infos)-len(conflicts), copied, resumed, skipped, dstTotal)
	if len(mismatched) > 0 || srcTotal != dstTotal {
		return Fail("verify: counts differ for %d sessions: %s", len(mismatched), strings.Join(mismatched, "; "))
	}
	if len(conflicts) > 0 {
		return Fail("%d sessions differ between source and target and were left alone: %s "+
			"(the target already has other turns under these keys; inspect them before deleting either)",
			len(conflicts), strings.Join(conflicts, ", "))
	}
	return nil
}

type sessionID struct{ agent, key string }

func countsByKey(ctx context.Context, st session.Store) (map[sessionID]int, error) {
	infos, err := st.List(ctx, "")
	if err != nil {
		return nil, err
	}
	m := make(map[sessionID]int, len(infos))
	for _, in := range infos {
		m[sessionID{in.AgentID, in.Key}] = in.Entries
	}
	return m, nil
}

// samePrefix reports whether the shorter of src and dst is a prefix of the
// other, entry by entry (turn, role, content): the target holds an earlier
// copy of this session, not another conversation under the same key.
func samePrefix(src, dst []session.Entry) bool {
	n := min(len(src), len(dst))
	for i := range n {
		s, d := src[i], dst[i]
		if s.TurnID != d.TurnID || s.Role != d.Role || s.Content != d.Content {
			return false
		}
	}
	return true
}

// turnsOf regroups entries into their turns, in order.
func turnsOf(entries []session.Entry) []session.Turn {
	var turns []session.Turn
	for _, e := range entries {
		if len(turns) == 0 || turns[len(turns)-1].ID != e.TurnID {
			turns = append(turns, session.Turn{ID: e.TurnID})
		}
		last := &turns[len(turns)-1]
		last.Entries = append(last.Entries, e)
	}
	return turns
}

// progress draws a bar on a terminal, or prints a line every 10% when
// stderr is a file or a pipe.
type progress struct {
	w                    io.Writer
	tty                  bool
	totalSessions, total int
	sessions, entries    int
	lastDecile           int
	started, lastDraw    time.Time
	finished             bool
}

func newProgress(w io.Writer, sessions, entries int) *progress {
	f, ok := w.(*os.File)
	p := &progress{w: w, tty: ok && term.IsTerminal(int(f.Fd())), totalSessions: sessions, total: entries, started: time.Now()}
	p.draw(true)
	return p
}

func (p *progress) add(sessions, entries int) {
	p.sessions += sessions
	p.entries += entries
	p.draw(false)
}

func (p *progress) draw(force bool) {
	pct := 100
	if p.total > 0 {
		pct = p.entries * 100 / p.total
	}
	if p.tty {
		if !force && time.Since(p.lastDraw) < 100*time.Millisecond && p.entries < p.total {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		fill := pct * width / 100
		fmt.Fprintf(p.w, "\r[%s%s] %3d%%  %d/%d entries  %d/%d sessions",
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, p.entries, p.total, p.sessions, p.totalSessions)
		return
	}
	if d := pct / 10; force || d > p.lastDecile {
		p.lastDecile = d
		fmt.Fprintf(p.w, "migrate: %3d%%  %d/%d entries  %d/%d sessions\n", pct, p.entries, p.total, p.sessions, p.totalSessions)
	}
}

func (p *progress) finish() {
	if p.finished {
		return
	}
	p.finished = true
	if p.tty {
		p.draw(true)
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "migrate: done in %s\n", time.Since(p.started).Round(time.Millisecond))
}
