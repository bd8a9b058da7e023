package msteams

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Pairing defaults: codes live an hour and at most three wait at a time, so
// that strangers cannot fill the owner's list.
const (
	PairingTTL        = time.Hour
	PairingMaxPending = 3
	pairingAlphabet   = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I
	pairingCodeLen    = 8
)

// PairingPaths returns the files of the file pairing store under stateDir:
// pending requests and approved senders.
func PairingPaths(stateDir string) (pending, approved string) {
	dir := filepath.Join(stateDir, "credentials")
	return filepath.Join(dir, "msteams-pairing.json"), filepath.Join(dir, "msteams-allowFrom.json")
}

// FilePairingStore keeps pairing state in two JSON files under the state
// dir, written atomically with mode 0600. A lock file serialises the gateway
// and `openclaw pairing approve` running at the same time.
type FilePairingStore struct {
	pendingPath, approvedPath, lockPath string
	now                                 func() time.Time
	mu                                  sync.Mutex
}

// NewFilePairingStore returns the store for stateDir (now nil: time.Now).
func NewFilePairingStore(stateDir string, now func() time.Time) *FilePairingStore {
	if now == nil {
		now = time.Now
	}
	p, a := PairingPaths(stateDir)
	return &FilePairingStore{pendingPath: p, approvedPath: a, lockPath: p + ".lock", now: now}
}

type pendingFile struct {
	Version  int              `json:"version"`
	Requests []PairingRequest `json:"requests"`
}

type approvedFile struct {
	Version   int      `json:"version"`
	AllowFrom []string `json:"allowFrom"`
}

// Request implements PairingStore.
func (s *FilePairingStore) Request(ctx context.Context, req PairingRequest) (PairingRequest, bool, error) {
	var out PairingRequest
	var created bool
	err := s.locked(ctx, func() error {
		var pf pendingFile
		if err := readJSON(s.pendingPath, &pf); err != nil {
			return err
		}
		now := s.now()
		pf.Requests = slices.DeleteFunc(pf.Requests, func(r PairingRequest) bool { return !now.Before(r.ExpiresAt) })
		for _, r := range pf.Requests {
			if r.SenderID == req.SenderID {
				out = r
				return nil
			}
		}
		if len(pf.Requests) >= PairingMaxPending {
			return ErrPairingFull
		}
		code, err := newPairingCode()
		if err != nil {
			return err
		}
		req.Code, req.CreatedAt, req.ExpiresAt = code, now, now.Add(PairingTTL)
		pf.Version = 1
		pf.Requests = append(pf.Requests, req)
		out, created = req, true
		return writeJSONAtomic(s.pendingPath, pf)
	})
	return out, created, err
}

// Pending implements PairingStore.
func (s *FilePairingStore) Pending(ctx context.Context) ([]PairingRequest, error) {
	var pf pendingFile
	if err := readJSON(s.pendingPath, &pf); err != nil {
		return nil, err
	}
	now := s.now()
	return slices.DeleteFunc(pf.Requests, func(r PairingRequest) bool { return !now.Before(r.ExpiresAt) }), nil
}

// Approve implements PairingStore.
func (s *FilePairingStore) Approve(ctx context.Context, code string) (PairingRequest, error) {
	var out PairingRequest
	err := s.locked(ctx, func() error {
		var pf pendingFile
		if err := readJSON(s.pendingPath, &pf); err != nil {
			return err
		}
		now := s.now()
		i := slices.IndexFunc(pf.Requests, func(r PairingRequest) bool {
			return strings.EqualFold(r.Code, strings.TrimSpace(code)) && now.Before(r.ExpiresAt)
		})
		if i < 0 {
			return ErrPairingNotFound
		}
		out = pf.Requests[i]
		var af approvedFile
		if err := readJSON(s.approvedPath, &af); err != nil {
			return err
		}
		if !slices.Contains(af.AllowFrom, out.SenderID) {
			af.AllowFrom = append(af.AllowFrom, out.SenderID)
		}
		af.Version = 1
		// Approved first: a crash in between leaves a harmless stale request.
		if err := writeJSONAtomic(s.approvedPath, af); err != nil {
			return err
		}
		pf.Requests = slices.Delete(pf.Requests, i, i+1)
		return writeJSONAtomic(s.pendingPath, pf)
	})
	return out, err
}

// Approved implements PairingStore. The file is re-read each time so that
// an approval from the CLI takes effect without a restart.
func (s *FilePairingStore) Approved(ctx context.Context, senderID string) (bool, error) {
	var af approvedFile
	if err := readJSON(s.approvedPath, &af); err != nil {
		return false, err
	}
	return slices.ContainsFunc(af.AllowFrom, func(id string) bool { return strings.EqualFold(id, senderID) }), nil
}

// locked runs fn holding the in-process mutex and the cross-process lock
// file. A lock file older than 30 s is considered abandoned.
func (s *FilePairingStore) locked(ctx context.Context, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.lockPath), 0o700); err != nil {
		return fmt.Errorf("pairing store: %w", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := os.OpenFile(s.lockPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("pairing store lock: %w", err)
		}
		if fi, serr := os.Stat(s.lockPath); serr == nil && time.Since(fi.ModTime()) > 30*time.Second {
			_ = os.Remove(s.lockPath)
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pairing store: %s is held by another process (remove it if no openclaw process is running)", s.lockPath)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer os.Remove(s.lockPath)
	return fn()
}

func newPairingCode() (string, error) {
	b := make([]byte, pairingCodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = pairingAlphabet[int(b[i])%len(pairingAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b), nil
}

// FileReferenceStore keeps conversation references in
// <stateDir>/channels/msteams-conversations.json.
type FileReferenceStore struct {
	path string
	mu   sync.Mutex
	refs map[string]ConversationReference
}

// NewFileReferenceStore loads the store for stateDir.
func NewFileReferenceStore(stateDir string) (*FileReferenceStore, error) {
	s := &FileReferenceStore{path: filepath.Join(stateDir, "channels", "msteams-conversations.json"), refs: map[string]ConversationReference{}}
	var f struct {
		Conversations []ConversationReference `json:"conversations"`
	}
	if err := readJSON(s.path, &f); err != nil {
		return nil, err
	}
	for _, r := range f.Conversations {
		s.refs[r.ConversationID] = r
	}
	return s, nil
}

// Put implements ReferenceStore; it writes only when something changed
// other than the time.
func (s *FileReferenceStore) Put(_ context.Context, ref ConversationReference) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.refs[ref.ConversationID]
	if ok {
		old.UpdatedAt = ref.UpdatedAt
		if old == ref {
			return nil
		}
	}
	s.refs[ref.ConversationID] = ref
	list := make([]ConversationReference, 0, len(s.refs))
	for _, r := range s.refs {
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b ConversationReference) int { return strings.Compare(a.ConversationID, b.ConversationID) })
	return writeJSONAtomic(s.path, map[string]any{"version": 1, "conversations": list})
}

// List implements ReferenceStore.
func (s *FileReferenceStore) List(context.Context) ([]ConversationReference, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]ConversationReference, 0, len(s.refs))
	for _, r := range s.refs {
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b ConversationReference) int { return strings.Compare(a.ConversationID, b.ConversationID) })
	return list, nil
}

// readJSON decodes path into v; a missing file leaves v zero.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeJSONAtomic writes v to path through a temp file and rename, mode 0600.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
