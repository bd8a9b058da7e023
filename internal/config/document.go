package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
)

// ErrPathNotFound is returned by Document.Get and Unset for a path that is
// not in the document.
var ErrPathNotFound = errors.New("config path not found")

// Document is the raw tree of a config file, for editing: values are as
// written, `${VAR}` references included, so a `config set` writes them back
// unchanged. Comments and key order are not kept (see Marshal).
type Document struct {
	root map[string]any
}

// NewDocument returns an empty document.
func NewDocument() *Document { return &Document{root: map[string]any{}} }

// ParseDocument parses JSON5 into a document without validating it.
func ParseDocument(data []byte) (*Document, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	return &Document{root: root}, nil
}

// ReadDocument reads the config file at path. A missing file is an empty
// document with exists false.
func ReadDocument(path string) (doc *Document, exists bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewDocument(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read config: %w", err)
	}
	doc, err = ParseDocument(data)
	if err != nil {
		return nil, true, fmt.Errorf("config %s: %w", path, err)
	}
	return doc, true, nil
}

// Tree returns a copy of the whole raw tree.
func (d *Document) Tree() map[string]any { return deepCopy(d.root).(map[string]any) }

// Clone returns an independent copy of d.
func (d *Document) Clone() *Document { return &Document{root: d.Tree()} }

// Get returns a copy of the raw value at path, or an error wrapping
// ErrPathNotFound or ErrBadPath.
func (d *Document) Get(path string) (any, error) {
	p, err := ParsePath(path)
	if err != nil {
		return nil, err
	}
	v, ok := lookup(d.root, p)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrPathNotFound, path)
	}
	return deepCopy(v), nil
}

func lookup(node any, p Path) (any, bool) {
	for _, seg := range p {
		switch c := node.(type) {
		case map[string]any:
			if seg.Bracket {
				return nil, false
			}
			v, ok := c[seg.Key]
			if !ok {
				return nil, false
			}
			node = v
		case []any:
			if seg.Index < 0 || seg.Index >= len(c) {
				return nil, false
			}
			node = c[seg.Index]
		default:
			return nil, false
		}
	}
	return node, true
}

// SetMode says what Set does with an existing value.
type SetMode int

const (
	// Replace makes the value at the path exactly the new value.
	Replace SetMode = iota
	// Merge deep-merges an object into an existing object (keys of the new
	// value win; arrays and scalars are replaced); otherwise like Replace.
	Merge
)

// Set stores a generic value (as from ParseValue) at path, creating
// missing objects on the way, or arrays where the path has "[n]" or the
// schema says the key holds a list. An index equal to an array's length
// appends. Set does not validate; call Validate before writing.
func (d *Document) Set(path string, value any, mode SetMode) error {
	p, err := ParsePath(path)
	if err != nil {
		return err
	}
	root, err := setIn(d.root, p, nil, deepCopy(value), mode)
	if err != nil {
		return fmt.Errorf("set %s: %w", path, err)
	}
	m, ok := root.(map[string]any)
	if !ok {
		return fmt.Errorf("set %s: the top level must stay an object", path)
	}
	d.root = m
	return nil
}

func setIn(node any, p Path, at Path, value any, mode SetMode) (any, error) {
	if len(p) == 0 {
		if mode == Merge {
			return merge(node, value), nil
		}
		return value, nil
	}
	seg := p[0]
	if node == nil {
		if wantsArray(seg, at) {
			node = []any{}
		} else {
			node = map[string]any{}
		}
	}
	next := append(slices.Clip(at), seg)
	switch c := node.(type) {
	case map[string]any:
		if seg.Bracket {
			return nil, fmt.Errorf("%s is an object, not an array", orTop(at))
		}
		child, err := setIn(c[seg.Key], p[1:], next, value, mode)
		if err != nil {
			return nil, err
		}
		c[seg.Key] = child
		return c, nil
	case []any:
		if seg.Index < 0 {
			return nil, fmt.Errorf("%s is an array: address elements by index, like %s", orTop(at), Path(append(slices.Clip(at), Segment{Key: "0", Index: 0, Bracket: true})))
		}
		if seg.Index > len(c) {
			return nil, fmt.Errorf("index %d is out of range: %s has %d elements (use [%d] to append)", seg.Index, orTop(at), len(c), len(c))
		}
		var cur any
		if seg.Index < len(c) {
			cur = c[seg.Index]
		}
		child, err := setIn(cur, p[1:], next, value, mode)
		if err != nil {
			return nil, err
		}
		if seg.Index == len(c) {
			return append(c, child), nil
		}
		c[seg.Index] = child
		return c, nil
	default:
		return nil, fmt.Errorf("%s holds a %s, not an object", orTop(at), describe(node, true))
	}
}

// wantsArray decides what container to create for a missing value.
func wantsArray(seg Segment, at Path) bool {
	if seg.Bracket {
		return true
	}
	if seg.Index < 0 {
		return false
	}
	t, raw, _, ok := typeAt(at)
	if !ok || raw {
		return false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Slice
}

func orTop(p Path) string {
	if len(p) == 0 {
		return "the top level"
	}
	return p.String()
}

// merge deep-merges src into dst when both are objects.
func merge(dst, src any) any {
	d, ok1 := dst.(map[string]any)
	s, ok2 := src.(map[string]any)
	if !ok1 || !ok2 {
		return src
	}
	for k, v := range s {
		if old, ok := d[k]; ok {
			d[k] = merge(old, v)
		} else {
			d[k] = v
		}
	}
	return d
}

// Unset removes the key or array element at path (later elements move
// down). A missing path is an error wrapping ErrPathNotFound.
func (d *Document) Unset(path string) error {
	p, err := ParsePath(path)
	if err != nil {
		return err
	}
	parent, ok := lookup(d.root, p[:len(p)-1])
	if !ok {
		return fmt.Errorf("%w: %s", ErrPathNotFound, path)
	}
	seg := p[len(p)-1]
	switch c := parent.(type) {
	case map[string]any:
		if _, ok := c[seg.Key]; ok && !seg.Bracket {
			delete(c, seg.Key)
			return nil
		}
	case []any:
		if seg.Index >= 0 && seg.Index < len(c) {
			shrunk := slices.Delete(c, seg.Index, seg.Index+1)
			// Store the shorter slice back in the grandparent (an array's
			// parent path is never empty: the top level is an object).
			_, err := setIn(d.root, p[:len(p)-1], nil, shrunk, Replace)
			return err
		}
	}
	return fmt.Errorf("%w: %s", ErrPathNotFound, path)
}

// Validate checks the document as Parse would: strict types, `${VAR}`
// references (see Options.AllowUnsetEnv) and cross-field rules, reporting
// every problem in a *ValidationError. Environment overrides are not
// checked; Effective does that.
func (d *Document) Validate(o Options) error {
	_, err := decodeTree(d.root, o)
	return err
}

// Effective returns the config the gateway would run with: validated, with
// environment overrides and defaults applied.
func (d *Document) Effective(o Options) (*Config, error) {
	return effective(d.root, o)
}

// Marshal renders the document as the config file is written: JSON with a
// 2-space indent and keys in sorted order. JSON is valid JSON5, so the file
// stays loadable, but comments and the original key order of a hand-edited
// file are lost on the first write.
func (d *Document) Marshal() ([]byte, error) { return marshalTree(d.root) }
