package session

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gatesh/gatesh/internal/termtext"
	"github.com/gatesh/gatesh/internal/wire"
)

// maxFunctions bounds the function definitions a session remembers and sends
// with each line.
const maxFunctions = 256 << 10

// A request from the hook is NUL-terminated fields: "G1", the sequence number,
// "new" or "cont" (a line at the continuation prompt), $PWD, the line, the
// number of aliases, then each alias's name and value. The answer is the
// sequence number, the verdict (allow, more, deny) and the line again: the hook
// acts only on an answer that names its own line.
type hookRequest struct {
	seq, kind, cwd, line string
	aliases              map[string]string
}

func readHook(r *bufio.Reader) (hookRequest, error) {
	field := func() (string, error) {
		s, err := r.ReadString(0)
		return strings.TrimSuffix(s, "\x00"), err
	}
	var h hookRequest
	tag, err := field()
	if err != nil {
		return h, err
	}
	if tag != "G1" {
		return h, fmt.Errorf("unknown hook message %q", tag)
	}
	for _, p := range []*string{&h.seq, &h.kind, &h.cwd, &h.line} {
		if *p, err = field(); err != nil {
			return h, err
		}
	}
	ns, err := field()
	if err != nil {
		return h, err
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 0 || n > 100000 {
		return h, fmt.Errorf("bad alias count %q", ns)
	}
	h.aliases = make(map[string]string, n)
	for range n {
		k, err := field()
		if err != nil {
			return h, err
		}
		v, err := field()
		if err != nil {
			return h, err
		}
		h.aliases[k] = v
	}
	return h, nil
}

// judgeLoop answers the hook until bash goes away.
func (s *sess) judgeLoop(conn *os.File) {
	r := bufio.NewReaderSize(conn, 64<<10)
	var text, functions string
	for {
		h, err := readHook(r)
		if err != nil {
			return
		}
		if h.kind == "new" || text == "" {
			text = h.line
		} else {
			text += "\n" + h.line
		}
		verdict, defines, label := s.judge(text, h, functions)
		if verdict == wire.ActionAllow && defines && len(functions)+len(text) < maxFunctions {
			functions += text + "\n"
		}
		s.inMu.Lock()
		s.judging = nil
		_, werr := conn.WriteString(h.seq + "\x00" + verdict + "\x00" + h.line + "\x00")
		if len(s.queued) > 0 {
			s.ptmx.Write(s.queued)
			s.queued = nil
		}
		s.inMu.Unlock()
		// The recording learns of the decision after bash does: a line
		// waits for nothing but its answer.
		s.marker(label)
		if werr != nil {
			return
		}
	}
}

// judge asks the daemon about text and tells the person what came of it. It
// returns the hook's verdict, whether an allowed text defines functions, and
// the recording's marker for the decision ("" for none).
func (s *sess) judge(text string, h hookRequest, functions string) (verdict string, defines bool, label string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.inMu.Lock()
	s.judging = cancel
	s.inMu.Unlock()

	req := wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeSession, Text: text, Cwd: h.cwd,
		Env: s.o.Env, PID: os.Getpid(), Session: s.o.ID, Aliases: h.aliases, Functions: functions, Interactive: true}
	held := false
	resp, err := s.o.Ask(ctx, req, func(r wire.Response) {
		held = true
		s.marker(fmt.Sprintf("hold request=%d: %s", r.RequestID, oneLine(r.Command)))
		s.say("gatesh: held as request %d: %s\ngatesh: waiting up to %d s for the user to approve it (gatectl queue, or gatectl approve %d); Ctrl-C withdraws it",
			r.RequestID, explain(r), r.Wait, r.RequestID)
	})
	switch {
	case err != nil:
		s.say("gatesh: not run: %v (the gate could not decide, so it fails closed)", err)
		return wire.ActionDeny, false, "error: " + err.Error()
	case resp.Error != "":
		s.say("gatesh: not run: the daemon did not judge the line: %s", resp.Error)
		return wire.ActionDeny, false, "error: " + resp.Error
	case resp.Action == wire.ActionMore:
		return wire.ActionMore, false, ""
	case resp.Action == wire.ActionAllow:
		if held {
			s.say("gatesh: request %d approved; running it", resp.RequestID)
		}
		return wire.ActionAllow, resp.Defines, "allow: " + oneLine(text)
	case resp.Outcome == wire.OutcomeWithdrawn:
		s.say("gatesh: request %d withdrawn; not run", resp.RequestID)
		label = fmt.Sprintf("withdrawn request=%d", resp.RequestID)
	case resp.Outcome == wire.OutcomeDenied:
		reason := resp.Note
		if reason == "" {
			reason = "no reason given"
		}
		s.say("gatesh: the user denied request %d, so it was not run (their reason: %s)", resp.RequestID, termtext.Cut(termtext.OneLine(reason), 300))
		label = fmt.Sprintf("denied request=%d", resp.RequestID)
	case resp.Outcome == wire.OutcomeExpired || (resp.Action == wire.ActionHold && resp.RequestID != 0):
		note := ""
		if resp.Note != "" {
			note = " (" + termtext.Cut(termtext.OneLine(resp.Note), 200) + ")"
		}
		if !held {
			// No wait at all (GATESH_HOLD_WAIT=0): the hold is news.
			s.say("gatesh: held as request %d, not run: %s\ngatesh: once the user approves it (gatectl approve %d), run the same line again (Up recalls it)%s", resp.RequestID, explain(resp), resp.RequestID, note)
			label = fmt.Sprintf("hold request=%d: %s", resp.RequestID, oneLine(resp.Command))
			break
		}
		s.say("gatesh: request %d was not approved in time, so it was not run%s. Once it is approved, run the same line again (Up recalls it).", resp.RequestID, note)
		label = fmt.Sprintf("expired request=%d", resp.RequestID)
	case resp.Action == wire.ActionHold:
		s.say("gatesh: held, not run: %s", explain(resp))
		label = "hold: " + oneLine(text)
	default:
		s.say("gatesh: denied, not run: %s", explain(resp))
		label = "deny: " + oneLine(text)
	}
	return wire.ActionDeny, false, label
}

// explain is the command and each rule's message.
func explain(r wire.Response) string {
	var b strings.Builder
	b.WriteString("`" + oneLine(r.Command) + "`")
	for i, x := range r.Reasons {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more rules)", len(r.Reasons)-3)
			break
		}
		fmt.Fprintf(&b, "\n  [%s] %s", x.ID, termtext.Cut(termtext.OneLine(x.Msg), 400))
	}
	return b.String()
}

func oneLine(s string) string { return termtext.Cut(termtext.OneLine(s), 160) }
