// Package daemon is gatectl serve: the per-user process that holds the compiled
// policy, answers gatesh on a unix socket, reloads the policy when its files
// change, and writes the decision log.
//
// One daemon runs per user: it holds an exclusive lock on a file next to its
// socket. The socket lives in a directory only the user can enter, and each
// connection's peer credentials are checked. A policy that does not compile at
// start-up still lets the daemon start, so that every question gets a clear
// "policy error" deny instead of a connection error; a broken edit later keeps the
// last good policy, and says so in the log and in every ping.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatesh/gatesh/internal/audit"
	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/execgate"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/judge"
	"github.com/gatesh/gatesh/internal/store"
	"github.com/gatesh/gatesh/internal/wire"
)

// Config configures a daemon.
type Config struct {
	Dirs dirs.Dirs
	// Judge configures the judge and its policy (its Dirs field is filled
	// from Dirs).
	Judge judge.Config
	// Idle is how long the daemon waits without a request before it exits
	// (DefaultIdle when zero; negative: never).
	Idle time.Duration
	// AgentUID, when not negative, is a second uid allowed to ask (an agent run as
	// its own user). The socket directory is then enterable by others (0711) and
	// the socket writable by all; the peer check keeps strangers out.
	AgentUID int
	// ReloadEvery is how often the policy directory is checked for changes
	// (DefaultReloadEvery when zero).
	ReloadEvery time.Duration
	// Log receives the daemon's log lines (os.Stderr when nil).
	Log io.Writer
	// Version labels decision-log entries.
	Version string
}

// Defaults.
const (
	DefaultIdle        = 30 * time.Minute
	DefaultReloadEvery = time.Second
	readTimeout        = 15 * time.Second
)

// ErrRunning means another daemon holds the lock.
var ErrRunning = errors.New("a gatesh daemon is already running for this user")

// Server is a listening daemon.
type Server struct {
	cfg    Config
	log    *log.Logger
	ln     *net.UnixListener // the agent's socket (package wire)
	con    *net.UnixListener // the person's console socket (package console)
	lock   *os.File
	sock   string
	audit  *audit.Log
	holds  *holds
	policy atomic.Pointer[policyState]
	last   atomic.Int64 // unix nanoseconds of the last request
	wg     sync.WaitGroup

	// The exec gate: gateErr says why the kernel cannot have it (nil when it
	// can), gates holds the lines offered it, and stopping is closed when
	// the daemon stops, which ends every tree's supervision.
	gateErr  error
	gates    gateOffers
	trees    atomic.Int64 // gated trees being supervised
	rulesets rulesetCache
	stopping chan struct{}
	stopOnce sync.Once
}

// policyState is the policy in force and the fate of the last reload.
type policyState struct {
	j   *judge.Judge // nil when no policy ever compiled
	err error        // the last compile error, nil when the last compile worked
	sig string       // the policy directory's signature when last compiled
}

// Listen prepares the runtime directory, takes the lock, binds the socket and
// compiles the policy. It returns ErrRunning when another daemon serves.
func Listen(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.ReloadEvery == 0 {
		cfg.ReloadEvery = DefaultReloadEvery
	}
	if cfg.Idle == 0 {
		cfg.Idle = DefaultIdle
	}
	cfg.Judge.Dirs = cfg.Dirs
	if cfg.Judge.Warm == "" {
		// The decision cache outlives the daemon (policy.Options.Warm): the
		// next one answers the lines it knows before its policy compiles.
		cfg.Judge.Warm = filepath.Join(cfg.Dirs.State, "policy.warm")
	}
	s := &Server{cfg: cfg, log: log.New(cfg.Log, "gatectl serve: ", log.LstdFlags|log.Lmsgprefix), stopping: make(chan struct{})}
	s.gateErr = execgate.Supported()
	if s.gateErr == nil {
		s.gateErr = yamaBlocks(os.Geteuid())
	}
	if err := s.prepareDir(); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(wire.Lock(cfg.Dirs.Runtime), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the daemon lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	s.lock = lock
	s.sock = wire.Socket(cfg.Dirs.Runtime)
	if err := clearStaleSocket(s.sock); err != nil {
		s.unlock()
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.sock, Net: "unix"})
	if err != nil {
		s.unlock()
		return nil, fmt.Errorf("listening on %s: %w", s.sock, err)
	}
	ln.SetUnlinkOnClose(true)
	s.ln = ln
	mode := os.FileMode(0o600)
	if cfg.AgentUID >= 0 && cfg.AgentUID != os.Getuid() {
		mode = 0o666
	}
	if err := os.Chmod(s.sock, mode); err != nil {
		s.Close()
		return nil, err
	}
	// The person's console: only the daemon's user, whatever uid the agent
	// runs as. It is bound before it is made private, inside a directory
	// that is at most enterable by others (prepareDir), so nobody else can
	// connect in between.
	csock := console.Socket(cfg.Dirs.Runtime)
	if err := clearStaleSocket(csock); err != nil {
		s.Close()
		return nil, err
	}
	if s.con, err = net.ListenUnix("unix", &net.UnixAddr{Name: csock, Net: "unix"}); err != nil {
		s.Close()
		return nil, fmt.Errorf("listening on %s: %w", csock, err)
	}
	s.con.SetUnlinkOnClose(true)
	if err := os.Chmod(csock, 0o600); err != nil {
		s.Close()
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dirs.State, 0o700); err != nil {
		s.Close()
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	if s.audit, err = audit.Open(filepath.Join(cfg.Dirs.State, "decisions.jsonl")); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening the decision log: %w", err)
	}
	// A store that cannot be opened does not stop the daemon: allows and
	// denies go on, and a held command is refused at once with the reason.
	// Its busy timeout stays well below gatesh's 5 s wait for an answer, so a
	// locked store is reported as such.
	s.holds = newHolds(filepath.Join(cfg.Dirs.State, "requests.db"), func(path string) (*store.Store, error) {
		return store.OpenWith(path, store.Options{BusyTimeout: 2 * time.Second})
	})
	if s.holds.db() == nil {
		s.log.Printf("REQUEST STORE: %v\n\theld commands cannot wait for approval until this is fixed", s.holds.dbErr())
	}
	s.reload(ctx, true)
	s.last.Store(time.Now().UnixNano())
	return s, nil
}

// prepareDir creates the runtime directory closed to others, or checks that an
// existing one is the user's.
func (s *Server) prepareDir() error {
	dir := s.cfg.Dirs.Runtime
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to uid %d, not to you (uid %d); remove it or set GATESH_HOME", dir, st.Uid, os.Getuid())
	}
	want := os.FileMode(0o700)
	if s.cfg.AgentUID >= 0 && s.cfg.AgentUID != os.Getuid() {
		want = 0o711
	}
	if fi.Mode().Perm() != want {
		return os.Chmod(dir, want)
	}
	return nil
}

// clearStaleSocket removes a socket left by a daemon that died (the lock proves
// no daemon serves it now), and refuses anything else found at the socket path.
func clearStaleSocket(sock string) error {
	fi, err := os.Lstat(sock)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if fi.Mode()&os.ModeSocket == 0 || !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s exists and is not a gatesh socket of yours; gatesh will not remove it: look at it, then remove it yourself", sock)
	}
	return os.Remove(sock)
}

// Close stops listening, closes the log and releases the lock.
func (s *Server) Close() error {
	if s.ln != nil {
		s.ln.Close()
	}
	if s.con != nil {
		s.con.Close()
	}
	s.stop()
	s.wg.Wait()
	if s.audit != nil {
		s.audit.Close()
	}
	if s.holds != nil {
		s.holds.close()
	}
	if st := s.policy.Load(); st != nil && st.j != nil {
		st.j.Engine().Close() // writes the decisions still queued for the warm file
	}
	s.unlock()
	return nil
}

func (s *Server) unlock() {
	if s.lock != nil {
		syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
		s.lock.Close()
		s.lock = nil
	}
}

// Serve answers connections until ctx ends or the daemon has been idle for
// Config.Idle. It returns nil on those ends.
func (s *Server) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.watch(ctx, cancel)
	go func() {
		<-ctx.Done()
		s.ln.Close()
		s.con.Close()
		s.stop()
	}()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.serveConsole(ctx)
	}()
	for {
		conn, err := s.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				s.wg.Wait()
				return nil
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return err
		}
		s.last.Store(time.Now().UnixNano())
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(ctx, conn)
		}()
	}
}

// stop ends the supervision of every gated tree (their waiting and later
// execs then fail: nothing runs unjudged).
func (s *Server) stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// serveConsole answers the console socket until it is closed.
func (s *Server) serveConsole(ctx context.Context) {
	for {
		conn, err := s.con.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			s.log.Printf("console socket: %v", err)
			return
		}
		s.last.Store(time.Now().UnixNano())
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handleConsole(conn)
		}()
	}
}

// watch reloads the policy when its files change and ends the daemon when idle.
func (s *Server) watch(ctx context.Context, stop context.CancelFunc) {
	t := time.NewTicker(s.cfg.ReloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.reload(ctx, false)
		// A gated tree still running keeps the daemon: its later execs would
		// fail without it.
		if s.cfg.Idle > 0 && time.Since(time.Unix(0, s.last.Load())) > s.cfg.Idle && !s.holds.anyWaiting() && s.trees.Load() == 0 {
			s.log.Printf("idle for %v: exiting", s.cfg.Idle)
			stop()
			return
		}
	}
}

// Reload recompiles the policy now (SIGHUP).
func (s *Server) Reload(ctx context.Context) { s.reload(ctx, true) }

// reload compiles the policy when its directory changed (or when forced). A
// failed compile keeps the last good policy.
func (s *Server) reload(ctx context.Context, force bool) {
	udir := s.policyDir()
	sig := signature(udir)
	cur := s.policy.Load()
	if !force && cur != nil && cur.sig == sig {
		return
	}
	start := time.Now()
	j, err := judge.New(ctx, s.cfg.Judge)
	next := &policyState{j: j, sig: sig}
	if err != nil {
		next.err = err
		if cur != nil {
			next.j = cur.j
		}
		if next.j != nil {
			s.log.Printf("POLICY ERROR: %v\n\tthe last good policy stays in force until this is fixed", err)
		} else {
			s.log.Printf("POLICY ERROR: %v\n\tno policy compiles: every command is denied until this is fixed", err)
		}
	} else if cur != nil {
		s.log.Printf("policy reloaded from %s in %v", udir, time.Since(start).Round(time.Millisecond))
	} else {
		s.log.Printf("policy compiled in %v (user directory %s)", time.Since(start).Round(time.Millisecond), udir)
	}
	s.policy.Store(next)
	if cur != nil && cur.j != nil && cur.j != next.j {
		// Lines being judged may still hold the old policy: its warm file
		// is closed once they are long done.
		old := cur.j.Engine()
		time.AfterFunc(time.Minute, old.Close)
	}
}

func (s *Server) policyDir() string {
	if s.cfg.Judge.PolicyDir != "" {
		return s.cfg.Judge.PolicyDir
	}
	return s.cfg.Dirs.Policies()
}

// signature summarizes the policy directory's files (names, sizes, times), so
// that a change of any of them is seen.
func signature(dir string) string {
	var parts []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			parts = append(parts, path+"!"+err.Error())
			return nil
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		parts = append(parts, fmt.Sprintf("%s|%d|%d", path, fi.Size(), fi.ModTime().UnixNano()))
		return nil
	})
	sort.Strings(parts)
	return strings.Join(parts, "\n")
}

// handle answers one connection: one request, one response.
func (s *Server) handle(ctx context.Context, conn *net.UnixConn) {
	defer conn.Close()
	cred, err := peer(conn)
	if err != nil {
		s.log.Printf("refused a connection: %v", err)
		return
	}
	if int(cred.Uid) != os.Getuid() && (s.cfg.AgentUID < 0 || int(cred.Uid) != s.cfg.AgentUID) {
		s.log.Printf("refused a connection from uid %d (pid %d)", cred.Uid, cred.Pid)
		wire.WriteLine(conn, wire.Response{V: wire.Version, Error: fmt.Sprintf("uid %d may not use this gatesh daemon", cred.Uid)})
		return
	}
	_ = conn.SetDeadline(time.Now().Add(readTimeout))
	line, fds, err := readRequest(conn)
	if err != nil {
		msg := "reading the request: " + err.Error()
		if errors.Is(err, wire.ErrTooLarge) {
			msg = fmt.Sprintf("the request is larger than the protocol limit of %d bytes; nothing was judged", wire.MaxRequest)
		}
		s.log.Printf("pid %d: %s", cred.Pid, msg)
		wire.WriteLine(conn, wire.Response{V: wire.Version, Error: msg})
		return
	}
	var req wire.Request
	if err := json.Unmarshal(line, &req); err != nil {
		closeAll(fds)
		wire.WriteLine(conn, wire.Response{V: wire.Version, Error: "malformed request: " + err.Error()})
		return
	}
	// The kernel's word for who asks, not the request's.
	req.PID = int(cred.Pid)
	me, _ := identify(req.PID)
	if req.Op == wire.OpGate {
		s.takeGate(conn, fds, me)
		return
	}
	closeAll(fds) // only a gate request carries a descriptor
	switch req.Op {
	case wire.OpWait:
		s.resume(ctx, conn, req, me)
		return
	case wire.OpSession:
		s.write(conn, s.startSession(req))
		return
	}
	if req.Mode == wire.ModeSession {
		// A new line: the one before it has ended, and with it what its
		// approval covered.
		s.holds.sessionLine.remove(me)
	}
	// The answer goes out before the decision is logged: the agent's command
	// should not wait for the log write.
	since := time.Now()
	under := s.holds.under(me, req.Mode)
	var layers input.Layers
	if me.pid != 0 {
		layers = s.layersOn() // what offerGate puts on the line if it runs
	}
	resp, entry, doc := s.judge(ctx, req, int(cred.Uid), under, layers)
	if resp.Action == wire.ActionMore {
		s.write(conn, resp) // not a command yet: nothing to log
		return
	}
	s.holds.remember(me, under, resp.Command, req.Cwd, doc, since)
	if resp.Action == wire.ActionHold {
		s.hold(ctx, conn, req, resp, entry, doc, me, int(cred.Uid))
		return
	}
	if resp.Action == wire.ActionAllow && under == nil && req.Mode != wire.ModeSession {
		if why := s.requireLayers(); why != "" {
			resp.Action, resp.Class = wire.ActionDeny, "opaque"
			resp.Reasons = []wire.Reason{{ID: "layers.missing", Class: "opaque", Msg: why + ", and the require_exec_gate setting says nothing runs without it; tell the user (gatectl doctor shows the layers)"}}
			if entry != nil {
				entry.Result = map[string]any{"action": resp.Action, "class": resp.Class, "reasons": resp.Reasons}
			}
		}
	}
	if resp.Action == wire.ActionAllow {
		s.holds.ran.add(me, 0)
		if under == nil {
			s.offerGate(&resp, req, doc, me, 0)
		}
	}
	if err := s.write(conn, resp); err != nil && entry != nil {
		entry.Custom["undelivered"] = err.Error()
	}
	s.record(entry)
	if resp.Gate {
		s.followGate(conn, me)
	}
}

// write sends one answer line.
func (s *Server) write(conn *net.UnixConn, resp wire.Response) error {
	err := wire.WriteLine(conn, resp)
	if err != nil {
		s.log.Printf("an answer could not be sent: %v", err)
	}
	return err
}

// hold answers a held command: settled by an earlier answer of the person's,
// or queued as a request that the caller waits on, on this connection.
func (s *Server) hold(ctx context.Context, conn *net.UnixConn, req wire.Request, resp wire.Response, entry *audit.Entry, doc *input.Document, me proc, uid int) {
	if event, id := s.settle(&resp, doc, me); event != "" {
		entry.Custom["event"], entry.Custom["request_id"] = event, id
		entry.Result = map[string]any{"action": resp.Action, "class": resp.Class, "reasons": resp.Reasons, "note": resp.Note}
		if req.Mode == wire.ModeSession {
			id = 0 // the session outlives the line: no approved tree
		}
		s.holds.ran.add(me, id)
		if resp.Action == wire.ActionAllow {
			s.offerGate(&resp, req, doc, me, id)
		}
		s.write(conn, resp)
		s.record(entry)
		if resp.Gate {
			s.followGate(conn, me)
		}
		return
	}
	id, err := s.queue(resp, req, doc, uid)
	if err != nil {
		resp.Note = "the request could not be queued for the user (" + err.Error() + ")"
		s.log.Printf("REQUEST STORE: %v", err)
		s.write(conn, resp)
		s.record(entry)
		return
	}
	agent := ""
	if doc != nil {
		agent = doc.Agent.Name
	}
	resp.RequestID, resp.Wait = id, s.holdWait(judge.Environ(req.Env), agent)
	entry.Custom["request_id"] = id
	if err := s.write(conn, resp); err != nil {
		s.record(entry)
		return
	}
	s.record(entry)
	if resp.Wait == 0 {
		return
	}
	if final := s.await(ctx, conn, id, resp.Wait, me, req.Mode == wire.ModeSession); final.V != 0 {
		if final.Action == wire.ActionAllow {
			final.Command = resp.Command
			s.offerGate(&final, req, doc, me, id)
		}
		s.write(conn, final)
	}
}

// resume waits again on a request for a gatesh whose daemon restarted while it
// waited.
func (s *Server) resume(ctx context.Context, conn *net.UnixConn, req wire.Request, me proc) {
	db := s.holds.db()
	if db == nil {
		s.write(conn, wire.Response{V: wire.Version, Error: fmt.Sprintf("the request store is not usable: %v", s.holds.dbErr())})
		return
	}
	r, err := db.Request(req.ID)
	if err != nil {
		s.write(conn, wire.Response{V: wire.Version, Error: fmt.Sprintf("request %d: %v", req.ID, err)})
		return
	}
	// Only the gatesh that asked may wait on: another process that waited on
	// the request would take its approval, and with it the approved process
	// tree, for itself.
	if r.PID != me.pid {
		s.write(conn, wire.Response{V: wire.Version, Error: fmt.Sprintf("request %d was asked by pid %d, not by this process", req.ID, r.PID)})
		return
	}
	wait := req.Wait
	if wait <= 0 {
		wait = 1
	}
	db.SetStatus(req.ID, []string{store.Gone}, store.Pending)
	if final := s.await(ctx, conn, req.ID, wait, me, req.Mode == wire.ModeSession); final.V != 0 {
		s.write(conn, final)
	}
}

// Answer judges a request with the policy in force and logs the decision.
func (s *Server) Answer(ctx context.Context, req wire.Request, uid int) wire.Response {
	resp, entry, _ := s.judge(ctx, req, uid, nil, input.Layers{}) // no gate is offered here
	s.record(entry)
	return resp
}

// judge answers a request with the policy in force, for a call that runs under
// the agent's line under (nil for the agent's own line), which runs under
// layers if it is let run; the entry (nil for a ping) is the decision to log.
func (s *Server) judge(ctx context.Context, req wire.Request, uid int, under *input.Nested, layers input.Layers) (wire.Response, *audit.Entry, *input.Document) {
	st := s.policy.Load()
	if req.Op == wire.OpPing {
		resp := wire.Response{V: wire.Version, PID: os.Getpid()}
		if st != nil && st.err != nil {
			resp.PolicyError = st.err.Error()
		}
		return resp, nil, nil
	}
	var j *judge.Judge
	var perr error
	if st != nil {
		j, perr = st.j, st.err
	}
	resp, entry, doc := answer(ctx, j, perr, req, under, layers)
	entry.DecisionID = audit.NewID()
	entry.Custom["uid"] = uid
	entry.Labels = map[string]string{"version": s.cfg.Version}
	resp.DecisionID = entry.DecisionID
	return resp, &entry, doc
}

// record appends a decision to the log.
func (s *Server) record(entry *audit.Entry) {
	if entry == nil {
		return
	}
	if _, err := s.audit.Append(*entry); err != nil {
		s.log.Printf("DECISION LOG: %v", err)
	}
}

func peer(conn *net.UnixConn) (*syscall.Ucred, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, cerr
}
