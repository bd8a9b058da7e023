// Package jsonl is the embedded default session store: one append-only
// JSON Lines file per session, like the original OpenClaw's transcripts,
// under <state dir>/agents/<agent>/sessions/<key>.jsonl.
//
// Each line is one whole turn, written with a single write(2) to a file
// opened O_APPEND while holding an exclusive flock(2) on it, so appends from
// several goroutines or processes (a gateway and `openclaw agent`) never
// interleave and the store can number entries. A turn is therefore atomic:
// a crash can at worst leave the last line incomplete, and an incomplete
// last line is not a turn: readers skip it and the next append cuts it off.
//
// An append costs four system calls (flock, fstat, write, unlock; the
// files of recent sessions stay open) and no fsync, the durability of SQLite's
// WAL mode with synchronous=NORMAL (what the SQLite store used): a turn
// survives the gateway being killed at any point, while an operating system
// crash or power cut may lose the last turns written. Compared with that
// store an append costs about a tenth of the CPU (see BenchmarkAppend). In
// the load harness it is about a third of what a `user` session adds to a
// turn; the rest is the longer upstream request that carries the history.
//
// A new session creates a file. That usually costs some 20 µs of kernel
// time, but on an ext4 file system without a journal, for a few minutes
// after many files were deleted, the kernel skips the recently freed inodes
// one by one and a creation can take 100–600 µs (the load harness's own
// clean-up of earlier runs can cause this).
package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/openclaw/openclaw-go/internal/session"
)

// Store is a directory of session files. It is safe for concurrent use.
type Store struct {
	dir   string
	clock *session.Clock

	mu     sync.Mutex
	closed bool
	files  map[sessionID]*file
	open   []*file // files with an open descriptor, oldest first
}

type sessionID struct{ agent, key string }

// file is what the store knows of one session file. Its fields are valid
// only while mu is held and the file still has size bytes: another process
// may have appended since, which Append notices from the file's size.
type file struct {
	mu    sync.Mutex
	path  string
	fd    int   // open for appending, or -1
	size  int64 // bytes of complete lines last seen; -1 unknown
	count int64 // entries in those bytes
}

// maxFiles bounds the per-session bookkeeping kept in memory; past it the
// map is cleared (the next append of each session rescans its file once).
const maxFiles = 100_000

// Options tune a Store.
type Options struct {
	// Now is the clock of turn timestamps (default time.Now).
	Now func() time.Time
}

// Open returns the store rooted at dir (normally <state dir>/agents),
// creating the directory with mode 0700 if needed.
func Open(dir string) (*Store, error) { return OpenWithOptions(dir, Options{}) }

// OpenWithOptions is Open with options.
func OpenWithOptions(dir string, o Options) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open session store %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("open session store: %w", err)
	}
	return &Store{dir: abs, clock: session.NewClock(o.Now), files: map[sessionID]*file{}}, nil
}

// Dir returns the absolute path of the store's directory.
func (s *Store) Dir() string { return s.dir }

// line is one turn as stored. Seq is not stored: it is the entry's position
// in the file. Times are microseconds since the Unix epoch.
type line struct {
	Agent   string      `json:"agent"`
	Key     string      `json:"key"`
	Turn    string      `json:"turn"`
	At      int64       `json:"at"`
	Entries []lineEntry `json:"entries"`
}

type lineEntry struct {
	Role        string          `json:"role"`
	Content     string          `json:"content,omitempty"`
	ToolCalls   json.RawMessage `json:"toolCalls,omitempty"`
	ToolCallID  string          `json:"toolCallId,omitempty"`
	Model       string          `json:"model,omitempty"`
	Usage       json.RawMessage `json:"usage,omitempty"`
	Interrupted bool            `json:"interrupted,omitempty"`
	At          int64           `json:"at"`
}

var errClosed = errors.New("session store is closed")

// path returns the file of a session: names are escaped so that any agent id
// or key is a single safe path element, and hashed when too long.
func (s *Store) path(agent, key string) string {
	return filepath.Join(s.dir, escape(agent), "sessions", escape(key)+".jsonl")
}

// escape keeps [A-Za-z0-9_-] and non-leading dots, writes every other byte as
// %XX, and replaces names longer than 200 bytes by a hash (the real key is in
// every line of the file).
func escape(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() > 200 {
		sum := sha256.Sum256([]byte(name))
		return "h-" + hex.EncodeToString(sum[:16])
	}
	return b.String()
}

func (s *Store) file(agent, key string) (*file, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	id := sessionID{agent, key}
	f := s.files[id]
	if f == nil {
		if len(s.files) >= maxFiles {
			for k, o := range s.files {
				if o.mu.TryLock() {
					if o.fd < 0 {
						delete(s.files, k)
					}
					o.mu.Unlock()
				}
			}
		}
		f = &file{path: s.path(agent, key), fd: -1, size: -1}
		s.files[id] = f
	}
	return f, nil
}

// Append implements session.Store.
func (s *Store) Append(ctx context.Context, agentID, key string, turn session.Turn) (err error) {
	if ok, err := turn.Prepare(agentID, key); !ok {
		return err
	}
	f, err := s.file(agentID, key)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("append to session %q/%q: %w", agentID, key, err)
		}
	}()

	// The timestamp and the line are made under the session's lock, so that
	// lines are in time order within a file.
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.clock.Tick()
	rec := line{Agent: agentID, Key: key, Turn: turn.ID, At: now.UnixMicro(), Entries: make([]lineEntry, len(turn.Entries))}
	for i, e := range turn.Entries {
		at := e.CreatedAt
		if at.IsZero() {
			at = now
		}
		rec.Entries[i] = lineEntry{Role: e.Role, Content: e.Content, ToolCalls: compact(e.ToolCalls), ToolCallID: e.ToolCallID,
			Model: e.Model, Usage: compact(e.Usage), Interrupted: e.Interrupted, At: at.UnixMicro()}
	}
	buf, err := rec.appendJSON(make([]byte, 0, rec.lineSize()))
	if err != nil {
		return err
	}
	buf = append(buf, '\n')
	seq, err := s.write(f, buf, len(turn.Entries), agentID, key)
	if err != nil {
		return err
	}
	for i := range turn.Entries {
		turn.Entries[i].Seq = seq - int64(len(turn.Entries)) + int64(i) + 1
	}
	return nil
}

// write appends one line to f's file and returns the seq of its last
// entry. The caller holds f.mu.
func (s *Store) write(f *file, buf []byte, entries int, agentID, key string) (int64, error) {
	if err := s.openFD(f); err != nil {
		return 0, err
	}
	if err := flock(f.fd, unix.LOCK_EX); err != nil {
		return 0, err
	}
	// f.fd may change below (a deleted file is reopened): unlock the one
	// held at the end.
	defer func() { flock(f.fd, unix.LOCK_UN) }() //nolint:errcheck // closing the fd would release it too
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return 0, err
	}
	if st.Nlink == 0 {
		// The file was deleted while we held it open: start a new one
		// rather than write into the unlinked one.
		s.closeFD(f)
		if err := s.openFD(f); err != nil {
			return 0, err
		}
		if err := flock(f.fd, unix.LOCK_EX); err != nil {
			return 0, err
		}
		if err := unix.Fstat(f.fd, &st); err != nil {
			return 0, err
		}
	}
	if st.Size == 0 {
		f.size, f.count = 0, 0
	} else if st.Size != f.size {
		// First append from this process, or another process appended: count
		// the entries again, and cut off an incomplete last line left by a
		// crash so that this turn starts on a line of its own.
		size, count, err := scan(f.path)
		if err != nil {
			return 0, err
		}
		if size != st.Size {
			if err := unix.Ftruncate(f.fd, size); err != nil {
				return 0, fmt.Errorf("cut off an incomplete last line: %w", err)
			}
		}
		f.size, f.count = size, count
	}
	if err := writeAll(f.fd, buf); err != nil {
		// Out of space or similar: take back whatever part was written.
		f.size = -1
		if terr := unix.Ftruncate(f.fd, st.Size); terr != nil {
			return 0, fmt.Errorf("%w (and removing the partial line failed: %v)", err, terr)
		}
		return 0, err
	}
	f.size += int64(len(buf))
	f.count += int64(entries)
	return f.count, nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// maxOpen is how many session files the store keeps open between appends;
// a session's next turn then costs no open(2). Past it the least recently
// opened one that is not in use is closed.
const maxOpen = 64

// openFD makes sure f.fd is open for appending. The caller holds f.mu.
// Raw descriptors (not *os.File): regular files gain nothing from the
// runtime poller, and os.File would register each with it.
func (s *Store) openFD(f *file) error {
	if f.fd >= 0 {
		return nil
	}
	fd, err := openAppend(f.path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		unix.Close(fd) //nolint:errcheck // never written
		return errClosed
	}
	f.fd = fd
	s.open = append(s.open, f)
	var evict []*file
	if len(s.open) > maxOpen {
		keep := s.open[:0]
		for i, o := range s.open {
			if o != f && len(s.open)-len(evict) > maxOpen && o.mu.TryLock() {
				evict = append(evict, o)
				continue
			}
			keep = append(keep, s.open[i])
		}
		clear(s.open[len(keep):])
		s.open = keep
	}
	s.mu.Unlock()
	for _, o := range evict {
		if o.fd >= 0 {
			unix.Close(o.fd) //nolint:errcheck // nothing was buffered
			o.fd = -1
		}
		o.mu.Unlock()
	}
	return nil
}

// closeFD closes f's descriptor and forgets it. The caller holds f.mu.
func (s *Store) closeFD(f *file) {
	if f.fd < 0 {
		return
	}
	unix.Close(f.fd) //nolint:errcheck // nothing was buffered
	f.fd = -1
	s.mu.Lock()
	s.open = slices.DeleteFunc(s.open, func(o *file) bool { return o == f })
	s.mu.Unlock()
}

// compact returns JSON without insignificant whitespace, so that a value
// stays on its line (json.Marshal would compact it too, but this way it does
// not validate it a second time after Turn.Validate).
func compact(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || !bytes.ContainsAny(raw, "\n\r") {
		return raw
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func openAppend(path string) (int, error) {
	const flags = unix.O_WRONLY | unix.O_APPEND | unix.O_CREAT | unix.O_CLOEXEC
	fd, err := unix.Open(path, flags, 0o600)
	if err == unix.ENOENT {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return -1, err
		}
		fd, err = unix.Open(path, flags, 0o600)
	}
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

func flock(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if err != unix.EINTR {
			return err
		}
	}
}

// scan reads a session file from the start and returns the length of its
// complete lines and the number of entries in them. A complete line that
// does not decode is an error: the file was damaged by something else.
func scan(path string) (size, count int64, err error) {
	r, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	err = eachLine(r, func(rec *line, end int64) error {
		size, count = end, count+int64(len(rec.Entries))
		return nil
	})
	return size, count, err
}

// eachLine decodes the complete lines of r in order, passing each with the
// offset just past its newline. An incomplete last line is skipped.
func eachLine(r io.Reader, fn func(rec *line, end int64) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil // b, if any, is an incomplete line
		}
		if err != nil {
			return err
		}
		off += int64(len(b))
		var rec line
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("line %d is damaged: %w", n, err)
		}
		if err := fn(&rec, off); err != nil {
			return err
		}
	}
}

// Load implements session.Store.
func (s *Store) Load(ctx context.Context, agentID, key string) ([]session.Entry, error) {
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("load session %q/%q: %w", agentID, key, err)
	}
	p := s.path(agentID, key)
	r, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session %q/%q: %w", agentID, key, err)
	}
	defer r.Close()
	var out []session.Entry
	err = eachLine(r, func(rec *line, _ int64) error {
		if rec.Agent != agentID || rec.Key != key {
			return fmt.Errorf("belongs to session %q/%q", rec.Agent, rec.Key)
		}
		for _, e := range rec.Entries {
			out = append(out, session.Entry{
				Seq: int64(len(out) + 1), TurnID: rec.Turn, Role: e.Role, Content: e.Content, ToolCalls: e.ToolCalls,
				ToolCallID: e.ToolCallID, Model: e.Model, Usage: e.Usage, Interrupted: e.Interrupted,
				CreatedAt: time.UnixMicro(e.At).UTC(),
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load session %q/%q from %s: %w", agentID, key, p, err)
	}
	return out, nil
}

func (s *Store) check(ctx context.Context) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errClosed
	}
	return ctx.Err()
}

// List implements session.Store. It reads every session file (of one agent,
// or of all), so it is meant for the CLI and status pages, not for each
// request.
func (s *Store) List(ctx context.Context, agentID string) ([]session.Info, error) {
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	pattern := filepath.Join(s.dir, "*", "sessions", "*.jsonl")
	if agentID != "" {
		pattern = filepath.Join(s.dir, escape(agentID), "sessions", "*.jsonl")
	}
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out := []session.Info{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		in, ok, err := info(p)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %s: %w", p, err)
		}
		if ok && (agentID == "" || in.AgentID == agentID) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b session.Info) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.AgentID, b.AgentID); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// info summarises one session file; ok is false for a file with no
// complete turn yet.
func info(path string) (in session.Info, ok bool, err error) {
	r, err := os.Open(path)
	if err != nil {
		return in, false, err
	}
	defer r.Close()
	err = eachLine(r, func(rec *line, _ int64) error {
		at := time.UnixMicro(rec.At).UTC()
		if !ok {
			in = session.Info{AgentID: rec.Agent, Key: rec.Key, CreatedAt: at}
			ok = true
		}
		in.Entries += len(rec.Entries)
		in.UpdatedAt = at
		return nil
	})
	return in, ok, err
}

// Ping implements session.Store: the directory must exist and be writable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := unix.Access(s.dir, unix.W_OK|unix.X_OK); err != nil {
		return fmt.Errorf("session store %s is not writable: %w", s.dir, err)
	}
	return nil
}

// Close implements session.Store. Appends in progress finish; later calls
// fail.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	open := s.open
	s.open = nil
	s.mu.Unlock()
	for _, f := range open {
		f.mu.Lock()
		if f.fd >= 0 {
			unix.Close(f.fd) //nolint:errcheck // nothing was buffered
			f.fd = -1
		}
		f.mu.Unlock()
	}
	return nil
}
