package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/openclaw/openclaw-go/internal/session"
	"github.com/openclaw/openclaw-go/internal/session/sqlite"
)

// crashEnv names the database the helper process appends to; the helper does
// nothing unless it is set.
const crashEnv = "OPENCLAW_SQLITE_CRASH_HELPER_DB"

// TestHelperProcess is not a real test: TestCrashSafety re-executes the test
// binary to run it as a child that appends turns until it is killed. Each turn
// id encodes its entry count; after each Append returns, the child prints
// "ok <agent> <key> <turn id>" so the parent knows what was acknowledged.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		return
	}
	round := os.Getenv(crashEnv + "_ROUND")
	s, err := sqlite.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: open:", err)
		os.Exit(2)
	}
	var (
		mu  sync.Mutex
		out = bufio.NewWriter(os.Stdout)
		wg  sync.WaitGroup
	)
	big := strings.Repeat("x", 6000) // spills onto overflow pages
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				n := 1 + (i+w)%7
				agent := []string{"main", "ops"}[i%2]
				key := fmt.Sprintf("k%d", (i+w)%5)
				id := fmt.Sprintf("r%s-w%d-i%d-n%d", round, w, i, n)
				turn := session.Turn{ID: id}
				for j := range n {
					content := fmt.Sprintf("%s/%d", id, j)
					if j == 1 {
						content += big
					}
					turn.Entries = append(turn.Entries, session.Entry{Role: session.RoleUser, Content: content})
				}
				if err := s.Append(context.Background(), agent, key, turn); err != nil {
					fmt.Fprintln(os.Stderr, "helper: append:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "ok %s %s %s\n", agent, key, id)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait() // never returns: the parent kills us
}

// TestCrashSafety kills a process mid-stream with SIGKILL, several times over
// the same database, and checks after each kill that the database opens
// cleanly, holds every acknowledged turn, and holds only whole turns.
func TestCrashSafety(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	path := filepath.Join(t.TempDir(), "agents", "sessions.db")
	acked := map[string]bool{}
	for round := range 4 {
		// Kill at different points: early (the first turns, WAL small) and
		// later (after several background checkpoints).
		killAfter := []int{5, 300, 900, 1500}[round]
		runAndKill(t, path, round, killAfter, acked)
		verifyAfterCrash(t, path, acked)
	}
}

func runAndKill(t *testing.T, path string, round, killAfter int, acked map[string]bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_ROUND=%d", crashEnv, round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "ok" {
			continue // test framework chatter
		}
		acked[f[3]] = true
		if n++; n == killAfter {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Lines still in the pipe after the kill were written after a commit,
	// so they count as acknowledged too; the scan above drained them.
	err = cmd.Wait()
	if n < killAfter {
		t.Fatalf("round %d: child exited after %d turns (%v): %s", round, n, err, stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child ended with %v, want SIGKILL: %s", round, err, stderr.String())
	}
	t.Logf("round %d: killed after %d acknowledged turns", round, n)
}

func verifyAfterCrash(t *testing.T, path string, acked map[string]bool) {
	t.Helper()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer s.Close()
	ctx := t.Context()

	var check string
	if err := rawDB(t, path).QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}

	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, in := range infos {
		entries, err := s.Load(ctx, in.AgentID, in.Key)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != in.Entries {
			t.Errorf("%s/%s: List says %d entries, Load returns %d", in.AgentID, in.Key, in.Entries, len(entries))
		}
		for i := 0; i < len(entries); {
			id := entries[i].TurnID
			n, err := strconv.Atoi(id[strings.LastIndex(id, "-n")+2:])
			if err != nil {
				t.Fatalf("%s/%s seq %d: unexpected turn id %q", in.AgentID, in.Key, entries[i].Seq, id)
			}
			if present[id] {
				t.Fatalf("turn %s stored twice", id)
			}
			present[id] = true
			if i+n > len(entries) {
				t.Fatalf("%s/%s: turn %s is cut short: %d of %d entries", in.AgentID, in.Key, id, len(entries)-i, n)
			}
			for j, e := range entries[i : i+n] {
				if e.TurnID != id || !strings.HasPrefix(e.Content, fmt.Sprintf("%s/%d", id, j)) || e.Seq != int64(i+j+1) {
					t.Fatalf("%s/%s seq %d: entry %d of turn %s is %s %q: partial or interleaved turn",
						in.AgentID, in.Key, i+j+1, j, id, e.TurnID, e.Content[:min(len(e.Content), 40)])
				}
			}
			i += n
		}
	}
	for id := range acked {
		if !present[id] {
			t.Errorf("acknowledged turn %s is missing after the crash", id)
		}
	}
	t.Logf("after crash: %d sessions, %d turns stored, %d acknowledged", len(infos), len(present), len(acked))
}
