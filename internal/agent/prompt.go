package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/openclaw/openclaw-go/internal/provider"
	"github.com/openclaw/openclaw-go/internal/session"
)

// bootstrapFiles are read from the agent workspace, in this order.
var bootstrapFiles = []string{"AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md", "TOOLS.md"}

// maxBootstrapChars caps each bootstrap file.
const maxBootstrapChars = 20000

// workspaceTTL is how long a workspace's files are served from memory before
// they are read again; edits show up within this delay.
const workspaceTTL = 2 * time.Second

// systemPrompt assembles the preamble, the workspace files and the
// request-supplied system texts. The part before the request's own texts
// only changes with the day, the workspace files and the channel, so it is
// built once and reused (it can be tens of kilobytes of workspace files).
func (r *Runtime) systemPrompt(ac *agentConf, req *TurnRequest) string {
	now := r.opts.Now()
	zone, _ := now.Zone()
	channel := req.Channel
	if channel == "" {
		channel = "api"
	}
	ws := r.ws.get(ac.workspace)
	year, yday := now.Year(), now.YearDay()
	key := promptKey{agent: ac.id, channel: channel}
	var base string
	if v, ok := r.prompts.Load(key); ok {
		if p := v.(*promptEntry); p.year == year && p.yday == yday && p.zone == zone && p.name == ac.name && p.ws == ws {
			base = p.text
		}
	}
	if base == "" {
		base = basePrompt(ac.name, now, zone, channel, ws)
		r.prompts.Store(key, &promptEntry{year: year, yday: yday, zone: zone, name: ac.name, ws: ws, text: base})
	}
	if len(req.System) == 0 {
		return base
	}
	var b strings.Builder
	b.WriteString(base)
	for _, s := range req.System {
		b.WriteString("\n")
		b.WriteString(s)
		b.WriteString("\n")
	}
	return b.String()
}

// basePrompt is the system prompt without the request's own system texts.
func basePrompt(name string, now time.Time, zone, channel, ws string) string {
	var b strings.Builder
	b.WriteString("You are ")
	b.WriteString(name)
	b.WriteString(", an agent running on the OpenClaw gateway.\nCurrent date: ")
	b.WriteString(now.Format("Monday, 2006-01-02"))
	b.WriteString(" (time zone ")
	b.WriteString(zone)
	b.WriteString(").\nChannel: ")
	b.WriteString(channel)
	b.WriteString(".\n")
	if ws != "" {
		b.WriteString("\n")
		b.WriteString(ws)
	}
	return b.String()
}

// promptKey and promptEntry are the cache of basePrompt results, one per
// agent and channel, valid for one day, zone, agent name and workspace text.
type promptKey struct{ agent, channel string }

type promptEntry struct {
	year, yday int
	zone, name string
	ws, text   string
}

// workspaceCache keeps the rendered bootstrap text of each workspace for a
// short time, so that a busy gateway does not read five files per request.
type workspaceCache struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]wsEntry
}

type wsEntry struct {
	text    string
	expires time.Time
}

func newWorkspaceCache(now func() time.Time) *workspaceCache {
	return &workspaceCache{now: now, m: map[string]wsEntry{}}
}

func (c *workspaceCache) get(dir string) string {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[dir]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.text
	}
	text := readWorkspace(dir)
	c.mu.Lock()
	c.m[dir] = wsEntry{text: text, expires: now.Add(workspaceTTL)}
	c.mu.Unlock()
	return text
}

// readWorkspace renders the bootstrap files of dir. A missing workspace is
// created empty, never an error.
func readWorkspace(dir string) string {
	if dir == "" {
		return ""
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		_ = os.MkdirAll(dir, 0o700)
		return ""
	}
	var b strings.Builder
	for _, name := range bootstrapFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		text := strings.TrimSpace(string(data))
		if text == "" {
			continue
		}
		trimmed := false
		if len([]rune(text)) > maxBootstrapChars {
			text = string([]rune(text)[:maxBootstrapChars])
			trimmed = true
		}
		b.WriteString("## ")
		b.WriteString(name)
		b.WriteString("\n")
		b.WriteString(text)
		b.WriteString("\n")
		if trimmed {
			b.WriteString("[… ")
			b.WriteString(name)
			b.WriteString(" was trimmed to 20000 characters …]\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// buildMessages puts the stored history before the request's conversation.
// Interrupted assistant replies are left out of the history. With a history
// the list comes from a pool, and held is its handle: the caller gives it
// back with releaseMessages once no provider call can read the list.
func buildMessages(history []session.Entry, msgs []provider.Message) (list []provider.Message, held *[]provider.Message) {
	if len(history) == 0 {
		return msgs, nil
	}
	held, _ = messagePool.Get().(*[]provider.Message)
	if held == nil || cap(*held) < len(history)+len(msgs) {
		held = &[]provider.Message{}
		*held = make([]provider.Message, 0, len(history)+len(msgs)+8)
	}
	out := (*held)[:0]
	for _, e := range history {
		if e.Interrupted {
			continue
		}
		out = append(out, provider.Message{Role: e.Role, Content: e.Content, ToolCallID: e.ToolCallID,
			ToolCalls: decodeToolCalls(e.ToolCalls)})
	}
	out = append(out, msgs...)
	*held = out
	return out, held
}

// decodeToolCalls decodes the stored tool calls of a history entry. It is a
// function of its own so that only its result escapes: decoding into a
// field of the message built in buildMessages's loop would move every
// message of the history to the heap.
func decodeToolCalls(raw []byte) []provider.ToolCall {
	if len(raw) == 0 {
		return nil
	}
	var calls []provider.ToolCall
	_ = json.Unmarshal(raw, &calls)
	return calls
}

// messagePool recycles the lists buildMessages joins a session's history
// into: one per turn with a session, about 4 KB at 16 turns, which is most of
// what a turn with a session allocates beyond a stateless one.
var messagePool sync.Pool // of *[]provider.Message

// maxPooledMessages bounds the lists kept for reuse, so that one very long
// session does not pin a large array.
const maxPooledMessages = 512

// releaseMessages gives back a list from buildMessages; the list must not be
// used afterwards.
func releaseMessages(held *[]provider.Message) {
	if cap(*held) > maxPooledMessages {
		return
	}
	clear(*held) // drop the references to the transcript's strings
	*held = (*held)[:0]
	messagePool.Put(held)
}

// currentTurn returns the trailing user or tool messages of the request:
// the messages this turn adds to the transcript.
func currentTurn(msgs []provider.Message) []provider.Message {
	i := len(msgs)
	for i > 0 {
		role := msgs[i-1].Role
		if role != provider.RoleUser && role != provider.RoleTool {
			break
		}
		i--
	}
	return msgs[i:]
}
