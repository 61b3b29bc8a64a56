package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/confine"
	"github.com/gatesh/gatesh/internal/execgate"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/verdict"
	"github.com/gatesh/gatesh/internal/wire"
)

// The exec gate, the daemon's side (DESIGN.md, "Layers of enforcement"). When
// the daemon lets a line run, it asks gatesh to put the layers on itself
// (Response.Gate, Response.Confine); gatesh installs the seccomp filter, hands
// its listener over (OpGate, the fd riding on the request line) and execs
// bash. From then on every execve and execveat in that process tree waits
// here for an answer: continue, refuse (EPERM, with one gatesh: line on the
// process's stderr), or hold until a person decides.

// gateLine is a line the daemon let run and offered the gate to: what its
// tree's execs are judged under.
type gateLine struct {
	line      string
	cwd       string
	env       map[string]string
	requestID int64 // the person's approval, 0 when the policy allowed it
	layers    input.Layers
	offered   time.Time
	// covered holds the commands of the line itself (name and arguments, as
	// judged): their execs are answered at once, without a second policy
	// evaluation, and a person's approval or grant of the line covers them.
	covered map[string]bool
	// confine is the tree's confinement, nil for none.
	confine *confine.Rules

	// refused remembers the programs just refused in the tree: execvp tries
	// each $PATH entry in turn (/usr/bin/git, then /bin/git, the same file),
	// and a retry within a moment is refused again without a second message
	// or request.
	mu      sync.Mutex
	refused map[string]time.Time
	// readOnly remembers the execs the policy allowed as read-only in the
	// tree (ls, cat, git status, …), with the policy that said so: the same
	// program with the same arguments in the same directory is answered
	// again without a second evaluation for a while.
	readOnly map[string]readOnlyEntry
}

type readOnlyEntry struct {
	at     time.Time
	policy *policyState
}

const readOnlyFor = 30 * time.Second

// readOnlyAgain reports whether key was allowed as read-only under st a
// moment ago.
func (g *gateLine) readOnlyAgain(key string, st *policyState) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	e, ok := g.readOnly[key]
	return ok && e.policy == st && time.Since(e.at) < readOnlyFor
}

func (g *gateLine) rememberReadOnly(key string, st *policyState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.readOnly == nil || len(g.readOnly) > 1024 {
		g.readOnly = map[string]readOnlyEntry{}
	}
	g.readOnly[key] = readOnlyEntry{time.Now(), st}
}

const refusedFor = 2 * time.Second

// refusedAgain reports whether the same program was refused in the tree a
// moment ago.
func (g *gateLine) refusedAgain(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.refused[key]
	return ok && time.Since(t) < refusedFor
}

// refuse remembers that key was refused now.
func (g *gateLine) refuse(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused == nil || len(g.refused) > 256 {
		g.refused = map[string]time.Time{}
	}
	g.refused[key] = time.Now()
}

// gateOffers holds the lines offered the gate, by the gatesh process that
// asked, until it hands its listener over.
type gateOffers struct {
	mu sync.Mutex
	m  map[proc]*gateLine
}

const gateOfferTTL = 30 * time.Second

func (g *gateOffers) put(p proc, l *gateLine) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[proc]*gateLine{}
	}
	for q, o := range g.m {
		if time.Since(o.offered) > gateOfferTTL {
			delete(g.m, q)
		}
	}
	g.m[p] = l
}

func (g *gateOffers) take(p proc) *gateLine {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.m[p]
	delete(g.m, p)
	if l == nil || time.Since(l.offered) > gateOfferTTL {
		return nil
	}
	return l
}

// yamaBlocks says why the exec gate cannot work under Yama's ptrace_scope for
// a daemon running as euid, nil when it can. The daemon reads each waiting
// program's argv from its memory, which Yama allows from scope 1 on only to
// the process's ancestors (the daemon is none) or to a holder of
// CAP_SYS_PTRACE (root here), and from scope 3 to no one: every exec would be
// refused, so the gate stays off and says why.
func yamaBlocks(euid int) error {
	b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope")
	if err != nil {
		return nil // no Yama
	}
	scope, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("Yama's ptrace_scope reads %q", strings.TrimSpace(string(b)))
	}
	return yamaScope(scope, euid)
}

func yamaScope(scope, euid int) error {
	switch {
	case scope >= 3:
		return fmt.Errorf("Yama's ptrace_scope is %d: no process may read another's memory, so the daemon could not read the programs a gated command starts", scope)
	case scope >= 1 && euid != 0:
		return fmt.Errorf("Yama's ptrace_scope is %d: the daemon, not being an ancestor of the agent's commands, could not read the programs they start (sysctl kernel.yama.ptrace_scope=0, or run the daemon with CAP_SYS_PTRACE)", scope)
	}
	return nil
}

// layersOn says which layers the daemon puts on the lines it lets run: both
// where the kernel offers them and the exec_gate setting (default true) is on.
func (s *Server) layersOn() input.Layers {
	if s.gateErr != nil {
		return input.Layers{}
	}
	if v, ok := s.settingBool("exec_gate"); ok && !v {
		return input.Layers{}
	}
	return input.Layers{Exec: true, Confine: confine.ABI() > 0}
}

// requireLayers reports whether the require_exec_gate setting turns a missing
// layer into a refusal, and if so, why the layers are missing ("" when they
// are there or not required).
func (s *Server) requireLayers() string {
	if v, ok := s.settingBool("require_exec_gate"); !ok || !v {
		return ""
	}
	if s.gateErr != nil {
		return "the exec gate is not available on this kernel (" + s.gateErr.Error() + ")"
	}
	if confine.ABI() == 0 {
		return "confinement is not available on this kernel (no Landlock)"
	}
	if v, ok := s.settingBool("exec_gate"); ok && !v {
		return "the exec_gate setting is off"
	}
	return ""
}

// settingBool reads a boolean setting of the policy in force.
func (s *Server) settingBool(key string) (bool, bool) {
	st := s.policy.Load()
	if st == nil || st.j == nil {
		return false, false
	}
	v, ok := st.j.Engine().Settings()[key].(bool)
	return v, ok
}

// privileged names the programs that need privilege to do their work: under
// no_new_privs (which the exec gate sets for the whole tree) a setuid program
// gains none, so they cannot work in a gated tree.
var privileged = map[string]bool{"sudo": true, "su": true, "doas": true, "pkexec": true, "run0": true, "sg": true, "newgrp": true}

// offerGate asks the gatesh that will run an allowed line to put the layers on
// its process (resp.Gate) and remembers the line for the tree. A line a
// person approved whose command needs privilege runs without the layers, and
// the answer says so.
func (s *Server) offerGate(resp *wire.Response, req wire.Request, doc *input.Document, me proc, requestID int64) {
	if me.pid == 0 || doc == nil || req.Mode == wire.ModeSession {
		return
	}
	on := s.layersOn()
	if !on.Exec {
		return
	}
	if requestID != 0 {
		for _, c := range doc.Commands {
			if privileged[c.Name] {
				note := fmt.Sprintf("it needs privilege (%s), which a gated process cannot gain, so it runs without the exec gate and confinement", c.Name)
				if resp.Note != "" {
					note = resp.Note + "; " + note
				}
				resp.Note = note
				return
			}
		}
	}
	resp.Gate = true
	g := &gateLine{line: resp.Command, cwd: req.Cwd, env: judge.Environ(req.Env), requestID: requestID, layers: on, offered: time.Now(), covered: map[string]bool{}}
	if on.Confine && requestID == 0 {
		// A line a person approved runs unconfined: they approved what it
		// does, which may be a write outside the workspace. What it starts
		// is still judged at exec.
		g.confine = confineFor(doc, s.policy.Load())
	}
	for _, c := range doc.Commands {
		if c.Name != "" && len(c.Dynamic) == 0 && len(c.Argv) > 0 {
			g.covered[execKey(c.Name, c.Argv[1:])] = true
		}
	}
	s.gates.put(me, g)
}

// execKey identifies a command by its name and arguments.
func execKey(name string, args []string) string {
	return name + "\x00" + strings.Join(args, "\x00")
}

// confineFor is the confinement of a line's tree: writes under its workspace
// (the cwd when it is in none, unless that is the home directory or the root),
// the temp directories and the tool caches; the home directory's secrets
// unreadable.
func confineFor(doc *input.Document, st *policyState) *confine.Rules {
	ws := doc.Workspace
	home := ws.Home
	c := &confine.Rules{Home: home, Devices: confine.DefaultDevices(), Secret: confine.DefaultSecrets(), ScopeSignals: true, ScopeAbstractUnix: true}
	root := ws.Root
	if root == "" && doc.Cwd != home && doc.Cwd != "/" {
		root = doc.Cwd
	}
	if root != "" {
		c.Writable = append(c.Writable, root)
	}
	tmpdir := ""
	if len(ws.Tmp) > 0 {
		tmpdir = ws.Tmp[0]
	}
	c.Writable = append(c.Writable, confine.TempDirs(tmpdir)...)
	caches := confine.DefaultCaches(home)
	if st != nil && st.j != nil {
		eng := st.j.Engine()
		if _, ok := eng.Settings()["writable_caches"].([]any); ok {
			caches = caches[:0]
			for _, p := range eng.SettingStrings("writable_caches") {
				if !filepath.IsAbs(p) {
					p = filepath.Join(home, p)
				}
				caches = append(caches, p)
			}
		}
		if _, ok := eng.Settings()["confine_secrets"].([]any); ok {
			c.Secret = eng.SettingStrings("confine_secrets")
		}
	}
	c.Writable = append(c.Writable, caches...)
	return c
}

// sendWithFD writes b on conn, with fd attached when it is not negative.
func sendWithFD(conn *net.UnixConn, b []byte, fd int) error {
	if fd < 0 {
		_, err := conn.Write(b)
		return err
	}
	_, _, err := conn.WriteMsgUnix(b, unix.UnixRights(fd), nil)
	return err
}

// rulesetCache keeps the Landlock rulesets built for recent trees: building
// one costs about half a millisecond (a rule for each entry of each split
// directory), enforcing a built one a tenth of that. A ruleset holds the files
// it names at build time, so it is rebuilt after rulesetTTL (a file created in
// the home directory since is then readable again).
type rulesetCache struct {
	mu sync.Mutex
	m  map[string]*cachedRuleset
}

type cachedRuleset struct {
	rs    *confine.Ruleset
	built time.Time
}

const rulesetTTL = 5 * time.Second

func (c *rulesetCache) get(r confine.Rules) (*confine.Ruleset, error) {
	key := strings.Join(r.Writable, "\x00") + "\x01" + strings.Join(r.Secret, "\x00") + "\x01" + r.Home + "\x01" + strings.Join(r.Devices, "\x00")
	// The ruleset holds the directories it names, not their paths: a
	// workspace removed and made anew at the same path (rm -rf, git clone)
	// is another directory, so the key carries each root's identity too.
	var b strings.Builder
	var st syscall.Stat_t
	for _, p := range append([]string{r.Home}, r.Writable...) {
		if syscall.Stat(p, &st) == nil {
			fmt.Fprintf(&b, "\x02%d:%d", st.Dev, st.Ino)
		} else {
			b.WriteString("\x02-")
		}
	}
	key += b.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && time.Since(e.built) < rulesetTTL {
		return e.rs, nil
	}
	rs, err := confine.Build(r)
	if err != nil {
		return nil, err
	}
	if c.m == nil || len(c.m) > 64 {
		for _, e := range c.m {
			old := e.rs
			time.AfterFunc(time.Minute, func() { old.Close() })
		}
		c.m = map[string]*cachedRuleset{}
	}
	if e, ok := c.m[key]; ok {
		old := e.rs
		// A gatesh may still be reading the old descriptor's answer; the
		// kernel has given it its own copy by then.
		time.AfterFunc(time.Minute, func() { old.Close() })
	}
	c.m[key] = &cachedRuleset{rs: rs, built: time.Now()}
	return rs, nil
}

// readRequest reads one request line from conn, with any descriptors that
// came with it (received close-on-exec).
func readRequest(conn *net.UnixConn) ([]byte, []int, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*4))
	var n, oobn int
	var rerr error
	if err := raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	}); err != nil {
		return nil, nil, err
	}
	var fds []int
	if oobn > 0 {
		if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for i := range msgs {
				if rights, err := unix.ParseUnixRights(&msgs[i]); err == nil {
					fds = append(fds, rights...)
				}
			}
		}
	}
	if rerr != nil {
		closeAll(fds)
		return nil, nil, rerr
	}
	if n == 0 {
		closeAll(fds)
		return nil, nil, io.EOF
	}
	line, err := wire.ReadLine(bufio.NewReader(io.MultiReader(bytes.NewReader(buf[:n]), conn)), wire.MaxRequest)
	if err != nil {
		closeAll(fds)
		return nil, nil, err
	}
	return line, fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// followGate takes the listener on the connection of the allow that offered
// the gate, where gatesh sends it next; a gatesh that sends nothing (it will
// not run the line after all) closes the connection.
func (s *Server) followGate(conn *net.UnixConn, me proc) {
	_ = conn.SetDeadline(time.Now().Add(readTimeout))
	line, fds, err := readRequest(conn)
	if err != nil {
		return
	}
	var req wire.Request
	if json.Unmarshal(line, &req) != nil || req.Op != wire.OpGate {
		closeAll(fds)
		s.write(conn, wire.Response{V: wire.Version, Error: "only a gate request may follow an allow on its connection"})
		return
	}
	s.takeGate(conn, fds, me)
}

// takeGate answers OpGate: the listener of a gatesh the daemon let run, whose
// tree it now supervises.
func (s *Server) takeGate(conn *net.UnixConn, fds []int, me proc) {
	fail := func(msg string) {
		closeAll(fds)
		s.write(conn, wire.Response{V: wire.Version, Error: msg})
	}
	if len(fds) != 1 {
		fail(fmt.Sprintf("a gate request carries one listener, not %d", len(fds)))
		return
	}
	g := s.gates.take(me)
	if g == nil {
		fail("no line of this process was let run with the gate in the last 30 s")
		return
	}
	l, err := execgate.NewListener(fds[0])
	if err != nil {
		fail("the gate request's descriptor: " + err.Error())
		return
	}
	rfd := -1
	if g.confine != nil {
		rs, err := s.rulesets.get(*g.confine)
		if err != nil {
			l.Close()
			s.write(conn, wire.Response{V: wire.Version, Error: "the confinement could not be built: " + err.Error()})
			return
		}
		rfd = rs.FD()
	}
	ack, _ := json.Marshal(wire.Response{V: wire.Version})
	if err := sendWithFD(conn, append(ack, '\n'), rfd); err != nil {
		s.log.Printf("exec gate: answering pid %d: %v", me.pid, err)
		l.Close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.supervise(l, me, g)
	}()
}

// supervise answers every exec of one gated tree until the tree is gone or the
// daemon stops. The first exec of the tree's root is gatesh becoming bash, the
// line the daemon let run.
func (s *Server) supervise(l *execgate.Listener, root proc, g *gateLine) {
	s.trees.Add(1)
	defer s.trees.Add(-1)
	defer l.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-s.stopping:
			l.Close()
		case <-stop:
		}
	}()
	rootSeen := false
	for {
		n, err := l.Recv()
		if err != nil {
			if errors.Is(err, execgate.ErrGone) {
				continue
			}
			return // the tree is gone, or the daemon is stopping (its execs fail: ENOSYS)
		}
		s.last.Store(time.Now().UnixNano())
		if !rootSeen && (n.PID == root.pid || tgid(n.PID) == root.pid) {
			// gatesh becoming bash (from the thread it locked, whose id the
			// notification carries): the line the daemon let run.
			rootSeen = true
			l.Continue(n.ID)
			continue
		}
		// What needs no policy is answered here, at once; what does is
		// judged on a goroutine of its own, so that a hold waits alone.
		x, done := s.quickExec(l, n, g)
		if done {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.answerExec(l, n, root, g, x)
		}()
	}
}

// execRead is a waiting exec as read, with what the quick answers worked out.
type execRead struct {
	ex       execgate.Exec
	identity string
	key      string // program and arguments
	roKey    string // key, with the directory and the identity
	policy   *policyState
	start    time.Time
}

// quickExec reads a waiting exec and answers it when no policy is needed:
// a program that does not exist, one refused a moment ago, a command of the
// line itself, or a read-only exec allowed a moment ago. It reports whether
// it answered.
func (s *Server) quickExec(l *execgate.Listener, n execgate.Notif, g *gateLine) (execRead, bool) {
	x := execRead{start: time.Now()}
	ex, err := l.Read(n)
	if err != nil {
		if !errors.Is(err, execgate.ErrGone) {
			s.log.Printf("exec gate: pid %d: %v; refused", n.PID, err)
			l.Refuse(n.ID, unix.EPERM)
		}
		return x, true
	}
	x.ex = ex
	if ex.Missing {
		// execvp trying a $PATH entry that does not hold the program: the
		// kernel fails it with ENOENT whatever the answer.
		l.Continue(n.ID)
		return x, true
	}
	x.key = ex.Resolved + "\x00" + strings.Join(ex.Argv[min(1, len(ex.Argv)):], "\x00")
	if g.refusedAgain(x.key) {
		l.Refuse(n.ID, unix.EPERM)
		return x, true
	}
	x.identity = knownAs(ex.Resolved)
	name := x.identity
	if name == "" {
		name = strings.ToLower(filepath.Base(ex.Resolved))
	}
	if !ex.Empty && !ex.Truncated && len(ex.Argv) > 0 && g.covered[execKey(name, ex.Argv[1:])] {
		l.Continue(n.ID) // a command of the line itself, judged with it
		return x, true
	}
	x.policy = s.policy.Load()
	x.roKey = ex.Cwd + "\x01" + x.identity + "\x01" + x.key
	if !ex.Empty && !ex.Truncated && g.readOnlyAgain(x.roKey, x.policy) {
		l.Continue(n.ID)
		return x, true
	}
	return x, false
}

// answerExec judges one waiting exec, which quickExec read, and answers it.
func (s *Server) answerExec(l *execgate.Listener, n execgate.Notif, root proc, g *gateLine, x execRead) {
	start, ex, identity, key, roKey, st := x.start, x.ex, x.identity, x.key, x.roKey, x.policy
	e := &input.Exec{Path: ex.Path, Resolved: ex.Resolved, Argv: ex.Argv, Identity: identity, Chain: chain(ex.PID, root.pid), Line: g.line, Opaque: ex.Empty || ex.Truncated}
	q := judge.Question{Mode: wire.ModeExec, Cwd: ex.Cwd, Env: g.env, Exec: e, Layers: g.layers}
	var j *judge.Judge
	var perr error
	if st != nil {
		j, perr = st.j, st.err
	}
	v, err := judgeWith(context.Background(), j, perr, q)
	if err != nil {
		v.Action, v.Reasons = verdict.Deny, []verdict.Reason{{ID: "exec.malformed", Class: "opaque", Msg: err.Error()}}
	}
	entry := audit.Entry{DecisionID: audit.NewID(),
		Input:  map[string]any{"text": v.Command, "cwd": ex.Cwd, "exec": map[string]any{"path": e.Path, "resolved": e.Resolved, "identity": e.Identity, "chain": e.Chain, "line": e.Line, "opaque": e.Opaque}},
		Custom: map[string]any{"pid": ex.PID, "mode": wire.ModeExec, "root_pid": root.pid},
		Labels: map[string]string{"version": s.cfg.Version}}
	if v.Err != nil {
		entry.Custom["error"] = v.Err.Error()
	}
	resp := wire.Response{V: wire.Version, Action: v.Action, Class: v.Class, Command: v.Command, Reasons: agentReasons(v.Reasons), Line: g.line}
	// The notification names the calling thread; approvals and ancestry are
	// about processes (gatesh execs bash from a thread it locked, whose own
	// process is the approved one).
	pid := ex.PID
	if t := tgid(pid); t != 0 {
		pid = t
	}
	me, _ := identify(pid)
	if resp.Action == wire.ActionHold {
		if event, id := s.settle(&resp, v.Doc, me); event != "" {
			entry.Custom["event"], entry.Custom["request_id"] = event, id
		}
	}
	entry.Result = map[string]any{"action": resp.Action, "class": resp.Class, "reasons": resp.Reasons, "note": resp.Note}
	entry.Metrics = map[string]any{"timer_gatesh_exec_ns": time.Since(start).Nanoseconds()}
	switch resp.Action {
	case wire.ActionAllow:
		l.Continue(n.ID)
		if resp.Class == "read-only" && !e.Opaque && v.Err == nil {
			g.rememberReadOnly(roKey, st)
		}
		s.record(&entry)
	case wire.ActionHold:
		s.record(&entry)
		if !s.holdExec(l, n, ex, resp, v.Doc, me, g) {
			g.refuse(key)
		}
	default:
		s.record(&entry)
		g.refuse(key)
		execgate.Tell(ex.PID, "gatesh: refused at exec: "+programName(ex)+": "+explainReasons(resp.Reasons))
		l.Refuse(n.ID, unix.EPERM)
	}
}

// holdExec keeps a held exec waiting while a person decides; an approval
// continues it (if it still waits), anything else refuses it. It reports
// whether the exec went on.
func (s *Server) holdExec(l *execgate.Listener, n execgate.Notif, ex execgate.Exec, resp wire.Response, doc *input.Document, me proc, g *gateLine) bool {
	req := wire.Request{V: wire.Version, Op: wire.OpDecide, Mode: wire.ModeExec, Text: resp.Command, Cwd: ex.Cwd, PID: ex.PID}
	id, err := s.queue(resp, req, doc, os.Getuid())
	if err != nil {
		execgate.Tell(ex.PID, "gatesh: held at exec, and the request could not be queued ("+err.Error()+"): "+programName(ex)+" was not run")
		l.Refuse(n.ID, unix.EPERM)
		return false
	}
	agent := ""
	if doc != nil {
		agent = doc.Agent.Name
	}
	wait := s.holdWait(g.env, agent)
	execgate.Tell(ex.PID, fmt.Sprintf("gatesh: held at exec as request %d: %s: %s; waiting up to %d s for the user to approve it (gatectl approve %d)", id, programName(ex), explainReasons(resp.Reasons), wait, id))
	gone := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if !l.Valid(n.ID) {
					close(gone)
					return
				}
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.stopping: // a stopping daemon refuses what still waits
			cancel()
		case <-stop:
		}
	}()
	final := s.waitAnswer(ctx, id, wait, me, false, gone, nil)
	close(stop)
	cancel()
	if final.Action == wire.ActionAllow && l.Continue(n.ID) == nil {
		return true
	}
	why := "it was not approved in time"
	switch final.Outcome {
	case wire.OutcomeDenied:
		why = "the user denied it"
		if final.Note != "" {
			why += " (" + final.Note + ")"
		}
	case "":
		return false // the process went away
	}
	execgate.Tell(ex.PID, fmt.Sprintf("gatesh: request %d: %s was not run: %s", id, programName(ex), why))
	l.Refuse(n.ID, unix.EPERM)
	return false
}

// programName is how a refusal names the program: its argv, cut short.
func programName(ex execgate.Exec) string {
	s := strings.Join(ex.Argv, " ")
	if s == "" {
		s = ex.Path
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// explainReasons is the rules and their messages, in one line.
func explainReasons(rs []wire.Reason) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.ID+": "+r.Msg)
	}
	if len(parts) == 0 {
		return "no rule said why"
	}
	return strings.Join(parts, "; ")
}

// chain names the programs pid descends from within the tree whose root is
// root, nearest first (its own program is not in it).
func chain(pid, root int) []string {
	if t := tgid(pid); t != 0 {
		pid = t
	}
	out := []string{}
	for depth := 0; pid > 1 && pid != root && depth < 32; depth++ {
		ppid, _, err := procStat(pid)
		if err != nil || ppid <= 1 {
			break
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/comm")
		if err != nil {
			break
		}
		out = append(out, strings.TrimSpace(string(b)))
		pid = ppid
	}
	return out
}

// The programs whose copies are known for what they are: the ones that do
// something irreversible themselves (a copied shell or interpreter needs no
// name: what it starts is judged at its own exec).
var knownPrograms = []string{"git", "rm", "curl", "wget", "ssh", "scp", "sftp", "rsync", "dd", "shred", "truncate",
	"npm", "pnpm", "yarn", "cargo", "twine", "gem", "docker", "podman", "kubectl", "helm", "terraform", "gh", "glab",
	"aws", "gcloud", "az", "psql", "mysql", "sqlite3", "mongosh", "redis-cli", "nc", "ncat", "socat", "gatectl", "gatesh",
	"mv", "cp", "tar", "find", "chmod", "chown", "kill", "pkill", "killall", "mkfs", "sudo", "su"}

// identities maps a file (device, inode, size, mtime) to the known program
// it is a copy of.
var identities struct {
	once  sync.Once
	sizes map[int64][]string // size → paths of known programs
	mu    sync.Mutex
	seen  map[fileKey]string
}

type fileKey struct {
	dev, ino uint64
	size     int64
	mtime    int64
}

// knownAs names the known program resolved is a copy of (the same content
// under another name or place), "" when it is none or is that program itself.
func knownAs(resolved string) string {
	if resolved == "" {
		return ""
	}
	identities.once.Do(func() {
		identities.sizes, identities.seen = map[int64][]string{}, map[fileKey]string{}
		for _, name := range knownPrograms {
			for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"} {
				p, err := filepath.EvalSymlinks(filepath.Join(dir, name))
				if err != nil {
					continue
				}
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					identities.sizes[fi.Size()] = append(identities.sizes[fi.Size()], name+"\x00"+p)
				}
			}
		}
	})
	var st syscall.Stat_t
	if syscall.Stat(resolved, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return ""
	}
	cands := identities.sizes[st.Size]
	if len(cands) == 0 {
		return ""
	}
	key := fileKey{uint64(st.Dev), st.Ino, st.Size, st.Mtim.Nano()}
	identities.mu.Lock()
	name, ok := identities.seen[key]
	identities.mu.Unlock()
	if ok {
		return name
	}
	name = ""
	for _, c := range cands {
		n, p, _ := strings.Cut(c, "\x00")
		if p == resolved {
			name = "" // the program itself
			break
		}
		if sameContent(p, resolved) {
			name = n
			break
		}
	}
	identities.mu.Lock()
	identities.seen[key] = name
	identities.mu.Unlock()
	return name
}

// sameContent reports whether two files hold the same bytes.
func sameContent(a, b string) bool {
	fa, err := os.Open(a)
	if err != nil {
		return false
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer fb.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return ea != nil && eb != nil
		}
	}
}
