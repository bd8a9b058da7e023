package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadPath is wrapped by errors about malformed dotted paths.
var ErrBadPath = errors.New("invalid config path")

// Segment is one step of a Path: an object key or an array index.
type Segment struct {
	Key string
	// Index is the array index for "[n]" segments and for all-digit dotted
	// segments ("a.0.b"); -1 otherwise.
	Index int
	// Bracket is true for "[n]": the segment is only an index, never a key.
	Bracket bool
}

// Path is a parsed dotted config path such as `agents.list[0].id`.
type Path []Segment

// ParsePath parses `a.b[0].c`, `a.b.0.c` and `a["key.with.dots"].c`.
func ParsePath(s string) (Path, error) {
	bad := func(msg string) (Path, error) {
		return nil, fmt.Errorf("%w %q: %s", ErrBadPath, s, msg)
	}
	if strings.TrimSpace(s) == "" {
		return bad("empty path")
	}
	var p Path
	i := 0
	for i < len(s) {
		switch {
		case s[i] == '[':
			end := strings.IndexByte(s[i:], ']')
			if i+1 < len(s) && s[i+1] == '"' {
				key, rest, err := unquotePrefix(s[i+1:])
				if err != nil || !strings.HasPrefix(rest, "]") {
					return bad(`unterminated ["…"] key`)
				}
				p = append(p, Segment{Key: key, Index: -1})
				i = len(s) - len(rest) + 1
				break
			}
			if end < 0 {
				return bad("missing ]")
			}
			n, err := strconv.Atoi(s[i+1 : i+end])
			if err != nil || n < 0 {
				return bad("array index must be a non-negative integer")
			}
			p = append(p, Segment{Key: strconv.Itoa(n), Index: n, Bracket: true})
			i += end + 1
		case s[i] == '.':
			if i == 0 || i == len(s)-1 || s[i+1] == '.' || s[i+1] == '[' {
				return bad("empty segment")
			}
			i++
		default:
			if i > 0 && s[i-1] != '.' {
				return bad("expected . or [ after ]")
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			key := s[i:j]
			idx := -1
			if n, err := strconv.Atoi(key); err == nil && n >= 0 && key == strconv.Itoa(n) {
				idx = n
			}
			p = append(p, Segment{Key: key, Index: idx})
			i = j
		}
	}
	return p, nil
}

// unquotePrefix reads a Go/JSON double-quoted string at the start of s.
func unquotePrefix(s string) (string, string, error) {
	for j := 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			v, err := strconv.Unquote(s[:j+1])
			return v, s[j+1:], err
		}
	}
	return "", "", errors.New("unterminated")
}

// String renders the path in canonical form: indices in brackets, keys that
// are not plain identifiers as ["…"].
func (p Path) String() string {
	out := ""
	for _, s := range p {
		if s.Bracket {
			out = joinIndex(out, s.Index)
		} else {
			out = joinKey(out, s.Key)
		}
	}
	return out
}

// joinKey appends an object key to a rendered path.
func joinKey(path, key string) string {
	if needsQuote(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinIndex appends an array index to a rendered path.
func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func needsQuote(key string) bool {
	return key == "" || strings.ContainsAny(key, ".[]\" \t\n")
}
