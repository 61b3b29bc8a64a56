// Package client is gatesh's side of the daemon protocol: it finds the daemon's
// socket, checks that the daemon is the user's own, starts the daemon when it is
// not running, and falls back to a one-shot decision (gatectl decide) when the
// daemon cannot be reached. Every failure is an error; the caller fails closed.
//
// It is imported by gatesh and must not link the policy engine.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gatesh/gatesh/internal/wire"
)

// Client asks the daemon.
type Client struct {
	// Runtime is the directory of the daemon's socket and lock.
	Runtime string
	// Gatectl is the gatectl binary that serves as daemon and fallback
	// (FindGatectl's answer when empty: looked up only when needed).
	Gatectl string
	// Env is the environment the daemon is started with.
	Env []string
	// Timeout bounds one question to a running daemon.
	Timeout time.Duration
	// StartTimeout bounds starting the daemon.
	StartTimeout time.Duration
	// OnHeld, when set, is called when the daemon holds the command as a
	// request and keeps the caller waiting for a person's answer.
	OnHeld func(wire.Response)
	// DaemonUID is the uid the daemon must run as and own its socket: the
	// caller's own when nil. An agent run as its own OS user sets the
	// person's uid (GATESH_DAEMON_UID), whose daemon then judges it.
	DaemonUID *int

	// kept is the connection of an allow that asked for the gate (Gate): the
	// daemon waits on it for the listener, which saves a connection.
	kept *sockConn
}

// DaemonUIDFrom reads GATESH_DAEMON_UID: set when the agent runs as its own OS
// user and the person's daemon judges it (nil when unset).
func DaemonUIDFrom(getenv func(string) string) (*int, error) {
	v := getenv("GATESH_DAEMON_UID")
	if v == "" {
		return nil, nil
	}
	uid, err := strconv.Atoi(v)
	if err != nil || uid < 0 {
		return nil, fmt.Errorf("GATESH_DAEMON_UID=%q is not a uid", v)
	}
	return &uid, nil
}

// daemonUID is the uid whose daemon this client trusts.
func (c *Client) daemonUID() uint32 {
	if c.DaemonUID != nil {
		return uint32(*c.DaemonUID)
	}
	return uint32(os.Getuid())
}

// Defaults for the zero Client fields.
const (
	// DefaultTimeout is below Codex's 10 s command limit, so that a hung daemon
	// still gives the agent gatesh's message rather than a kill.
	DefaultTimeout      = 5 * time.Second
	DefaultStartTimeout = 5 * time.Second
)

// Ask sends req to the daemon, starting it if it is not running, and falls back to
// a one-shot gatectl decide when the daemon cannot be reached. The error of a
// failed fallback says why the daemon could not be used too.
func (c *Client) Ask(ctx context.Context, req wire.Request) (wire.Response, error) {
	resp, err := c.ask(ctx, req)
	if err == nil {
		return resp, nil
	}
	if !errors.Is(err, errUnreachable) {
		return resp, err
	}
	if c.daemonUID() != uint32(os.Getuid()) {
		// Another user's daemon judges this user's commands: this user can
		// neither start it nor stand in for it.
		return resp, fmt.Errorf("the gatesh daemon of uid %d is not reachable (%v); ask the user to start it (gatectl serve --agent-uid %d)", c.daemonUID(), err, os.Getuid())
	}
	resp, startErr := c.startAndAsk(ctx, req)
	if startErr == nil {
		return resp, nil
	}
	resp, ferr := c.oneShot(ctx, req)
	if ferr != nil {
		why := err.Error() + "; " + startErr.Error()
		return resp, fmt.Errorf("no gatesh daemon could answer (%s) and the one-shot decision failed (%v)", why, ferr)
	}
	return resp, nil
}

// errUnreachable marks failures that starting a daemon may cure.
var errUnreachable = errors.New("daemon not reachable")

type unreachable struct{ err error }

func (u unreachable) Error() string        { return u.err.Error() }
func (u unreachable) Is(target error) bool { return target == errUnreachable }
func (u unreachable) Unwrap() error        { return u.err }

// ask asks a running daemon.
func (c *Client) ask(ctx context.Context, req wire.Request) (wire.Response, error) {
	sock := wire.Socket(c.Runtime)
	if err := checkOwned(c.Runtime, sock, c.daemonUID()); err != nil {
		return wire.Response{}, err
	}
	conn, err := dial(sock, c.timeout())
	if err != nil {
		return wire.Response{}, err
	}
	keep := false
	defer func() {
		if !keep {
			conn.Close()
		}
	}()
	if err := checkPeer(conn.fd, c.daemonUID()); err != nil {
		return wire.Response{}, err
	}
	// A daemon that refuses the request (too large, wrong uid) answers before
	// reading it all, so the answer is read even when sending failed.
	werr := wire.WriteLine(conn, req)
	r := bufio.NewReader(conn)
	resp, err := readResponse(r, werr)
	if err == nil && req.Op == wire.OpDecide && resp.Action == wire.ActionAllow && resp.Gate && r.Buffered() == 0 {
		if c.kept != nil {
			c.kept.Close()
		}
		c.kept, keep = conn, true
		return resp, nil
	}
	if err != nil || req.Op != wire.OpDecide || resp.Action != wire.ActionHold || resp.RequestID == 0 || resp.Wait <= 0 {
		return resp, err
	}
	// Held as a request: the daemon keeps this connection open and sends a
	// second line when a person answers or the wait runs out.
	if c.OnHeld != nil {
		c.OnHeld(resp)
	}
	return c.await(ctx, conn, r, resp, req.Mode)
}

// await reads the outcome of a held request. If the daemon goes away meanwhile
// (it restarted), it asks the daemon that answers next to go on waiting. When
// ctx ends first, it withdraws the request.
func (c *Client) await(ctx context.Context, conn *sockConn, r *bufio.Reader, held wire.Response, mode string) (wire.Response, error) {
	deadline := time.Now().Add(time.Duration(held.Wait) * time.Second)
	expired := wire.Response{V: wire.Version, Action: wire.ActionHold, Outcome: wire.OutcomeExpired, RequestID: held.RequestID, Command: held.Command, Reasons: held.Reasons}
	var mu sync.Mutex // guards conn against the withdrawal
	withdraw := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		conn.Write([]byte("withdraw\n")) // the daemon answers "withdrawn"
	})
	defer withdraw()
	for {
		conn.setReadTimeout(time.Until(deadline) + 5*time.Second)
		resp, err := readResponse(r, nil)
		if err == nil {
			if resp.Command == "" {
				resp.Command, resp.Reasons = held.Command, held.Reasons
			}
			return resp, nil
		}
		if !errors.Is(err, errUnreachable) || time.Now().After(deadline) {
			return expired, nil
		}
		// The daemon went away: reconnect (starting one) and wait on.
		var next *sockConn
		for next == nil && time.Now().Before(deadline) {
			if next, err = c.reconnect(ctx); err != nil {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if next == nil {
			return expired, nil
		}
		mu.Lock()
		conn.Close()
		conn = next
		mu.Unlock()
		if ctx.Err() != nil {
			return wire.Response{V: wire.Version, Action: wire.ActionDeny, Outcome: wire.OutcomeWithdrawn, RequestID: held.RequestID, Command: held.Command, Reasons: held.Reasons}, nil
		}
		remaining := int(time.Until(deadline)/time.Second) + 1
		if err := wire.WriteLine(conn, wire.Request{V: wire.Version, Op: wire.OpWait, ID: held.RequestID, Wait: remaining, Mode: mode}); err != nil {
			continue
		}
		r = bufio.NewReader(conn)
	}
}

// reconnect connects to the daemon, starting one if none listens.
func (c *Client) reconnect(ctx context.Context) (*sockConn, error) {
	sock := wire.Socket(c.Runtime)
	if err := checkOwned(c.Runtime, sock, c.daemonUID()); err != nil && !errors.Is(err, errUnreachable) {
		return nil, err
	}
	conn, err := dial(sock, c.timeout())
	if err != nil {
		if serr := c.start(ctx); serr != nil {
			return nil, serr
		}
		if conn, err = dial(sock, c.timeout()); err != nil {
			return nil, err
		}
	}
	if err := checkPeer(conn.fd, c.daemonUID()); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (c *Client) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c *Client) startTimeout() time.Duration {
	if c.StartTimeout == 0 {
		return DefaultStartTimeout
	}
	return c.StartTimeout
}

// readResponse reads one answer line. A connection closed before the answer
// is "unreachable": the daemon went away and another may be started.
func readResponse(r *bufio.Reader, werr error) (wire.Response, error) {
	line, err := wire.ReadLine(r, wire.MaxResponse)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(werr, syscall.EPIPE) {
			// The daemon went away before answering (it was killed, or is
			// exiting): as if it were not there, a new one may be started.
			return wire.Response{}, unreachable{fmt.Errorf("the daemon closed the connection without answering: %w", err)}
		}
		if werr != nil {
			return wire.Response{}, fmt.Errorf("sending to the daemon: %w", werr)
		}
		return wire.Response{}, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	resp, err := wire.DecodeResponse(line)
	if err != nil {
		return wire.Response{}, fmt.Errorf("the daemon's answer is malformed: %w", err)
	}
	return resp, nil
}

// checkOwned refuses a runtime directory or socket that someone else could have
// put there: the directory must be the daemon user's (uid) and closed to others'
// writes, the socket the daemon user's. A missing socket is "unreachable" (the
// daemon may be started).
func checkOwned(dir, sock string, uid uint32) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return unreachable{err}
	}
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory; remove it so that gatesh can create its socket directory there", dir)
	}
	if st.Uid != uid {
		return fmt.Errorf("%s belongs to uid %d, not to uid %d; gatesh will not use a daemon someone else controls", dir, st.Uid, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s can be written by others (mode %04o); run chmod 700 %s", dir, fi.Mode().Perm(), dir)
	}
	fi, err = os.Lstat(sock)
	if errors.Is(err, os.ErrNotExist) {
		return unreachable{err}
	}
	if err != nil {
		return err
	}
	st, ok = fi.Sys().(*syscall.Stat_t)
	if !ok || fi.Mode()&os.ModeSocket == 0 {
		return unreachable{fmt.Errorf("%s is not a socket", sock)}
	}
	if st.Uid != uid {
		return unreachable{fmt.Errorf("%s belongs to uid %d, not to uid %d", sock, st.Uid, uid)}
	}
	return nil
}

// sockConn is a connected unix socket driven by plain system calls: gatesh
// starts once per command, and the net package's initialisation alone costs
// more than the whole question to the daemon.
type sockConn struct{ fd int }

// dial connects to the socket with send and receive timeouts. A socket nobody
// listens on is "unreachable".
func dial(sock string, timeout time.Duration) (*sockConn, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv)
	for {
		err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: sock})
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, unreachable{fmt.Errorf("connecting to %s: %w", sock, err)}
	}
	return &sockConn{fd: fd}, nil
}

func (c *sockConn) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(c.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, fmt.Errorf("no answer within the time limit: %w", os.ErrDeadlineExceeded)
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (c *sockConn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := syscall.Write(c.fd, p[done:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return done, fmt.Errorf("the daemon did not take the request within the time limit: %w", os.ErrDeadlineExceeded)
		case err != nil:
			return done, err
		}
		done += n
	}
	return done, nil
}

func (c *sockConn) Close() error { return syscall.Close(c.fd) }

func (c *sockConn) setReadTimeout(d time.Duration) {
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	syscall.SetsockoptTimeval(c.fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
}

// checkPeer makes sure the process that answers runs as the user.
func checkPeer(fd int, uid uint32) error {
	cred, err := syscall.GetsockoptUcred(fd, syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	if err != nil {
		return fmt.Errorf("reading the daemon's credentials: %w", err)
	}
	if cred.Uid != uid {
		return fmt.Errorf("the process behind the gatesh socket runs as uid %d, not as uid %d; gatesh will not trust it", cred.Uid, uid)
	}
	return nil
}

// start starts the daemon and waits until it listens. The daemon gets its own
// session (no terminal, out of the caller's process group, so a harness that
// kills the command's group does not kill it) and none of the caller's
// descriptors: a daemon holding the harness's output pipe would keep the harness
// waiting for end-of-file forever.
func (c *Client) start(ctx context.Context) error {
	if inGatedTree() {
		return errors.New("this process runs inside a gated command (no_new_privs is set on it): a daemon started here would run under the gate it is meant to answer, so none is started; the user's daemon must be running")
	}
	if c.Gatectl == "" {
		c.Gatectl = FindGatectl()
	}
	if c.Gatectl == "" {
		return errors.New("gatectl was not found next to gatesh or on PATH")
	}
	if err := os.MkdirAll(c.Runtime, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", c.Runtime, err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	cmd := exec.Command(c.Gatectl, "serve", "--ready-fd", "3")
	cmd.Env = c.Env
	cmd.Dir = "/"
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	restore := closeInheritedOnExec()
	err = cmd.Start()
	restore()
	pw.Close()
	if err != nil {
		return fmt.Errorf("starting %s serve: %w", c.Gatectl, err)
	}
	go cmd.Wait() // reap it if it exits while this process still runs
	timeout := c.startTimeout()
	_ = pr.SetReadDeadline(time.Now().Add(timeout))
	var out bytes.Buffer
	_, rerr := out.ReadFrom(pr)
	msg := strings.TrimSpace(out.String())
	switch {
	case msg == "ready" || msg == "running":
		return nil
	case msg != "":
		return errors.New(strings.TrimPrefix(msg, "error: "))
	case rerr != nil:
		return fmt.Errorf("the daemon did not say it was ready within %v: %w", timeout, rerr)
	default:
		return errors.New("the daemon exited without saying why; see its log")
	}
}

// oneShot decides in a gatectl decide process, for when no daemon can serve.
func (c *Client) oneShot(ctx context.Context, req wire.Request) (wire.Response, error) {
	if c.Gatectl == "" {
		c.Gatectl = FindGatectl()
	}
	if c.Gatectl == "" {
		return wire.Response{}, errors.New("gatectl was not found next to gatesh or on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	body, err := json.Marshal(req)
	if err != nil {
		return wire.Response{}, err
	}
	cmd := exec.CommandContext(ctx, c.Gatectl, "decide")
	cmd.Env = c.Env
	cmd.Stdin = bytes.NewReader(append(body, '\n'))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	restore := closeInheritedOnExec()
	err = cmd.Start()
	restore()
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		if s := strings.TrimSpace(stderr.String()); s != "" {
			return wire.Response{}, fmt.Errorf("%w: %s", err, s)
		}
		return wire.Response{}, err
	}
	var resp wire.Response
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &resp); err != nil {
		return wire.Response{}, fmt.Errorf("gatectl decide printed no answer: %w", err)
	}
	return resp, nil
}

// closeInheritedOnExec marks every inherited descriptor above 2 close-on-exec, so
// that a process started now does not get them, and returns the function that
// clears the mark again (bash must get them all).
func closeInheritedOnExec() (restore func()) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return func() {}
	}
	var marked []int
	for _, e := range ents {
		var fd int
		if _, err := fmt.Sscan(e.Name(), &fd); err != nil || fd <= 2 {
			continue
		}
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		if errno != 0 || flags&syscall.FD_CLOEXEC != 0 {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, flags|syscall.FD_CLOEXEC); errno == 0 {
			marked = append(marked, fd)
		}
	}
	return func() {
		for _, fd := range marked {
			flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
			if errno == 0 {
				syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, flags&^syscall.FD_CLOEXEC)
			}
		}
	}
}

// FindGatectl finds the gatectl that belongs to the running gatesh: the one next to
// the executable (after following the shim's symlink), else gatectl on PATH.
func FindGatectl() string {
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		p := filepath.Join(filepath.Dir(exe), "gatectl")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("gatectl"); err == nil {
		return p
	}
	return ""
}

// Ping asks a running daemon for its state, without starting one.
func (c *Client) Ping(ctx context.Context) (wire.Response, error) {
	return c.ask(ctx, wire.Request{V: wire.Version, Op: wire.OpPing})
}

// Do sends req to the daemon, starting it if it is not running, without the
// one-shot fallback (a session's start: only a daemon can say how to record
// it).
func (c *Client) Do(ctx context.Context, req wire.Request) (wire.Response, error) {
	resp, err := c.ask(ctx, req)
	if err == nil || !errors.Is(err, errUnreachable) || c.daemonUID() != uint32(os.Getuid()) {
		return resp, err
	}
	return c.startAndAsk(ctx, req)
}

// Release closes the connection an allow kept for the gate, when the caller
// will not hand the listener over after all (the daemon then stops waiting).
func (c *Client) Release() {
	if c.kept != nil {
		c.kept.Close()
		c.kept = nil
	}
}

// Gate hands the daemon the exec gate's listener fd (execgate.Install) of this
// process, which the daemon let run: from then on the daemon answers every
// exec in its tree. It returns the daemon's answer and the descriptor of the
// confinement's Landlock ruleset that came with it (-1 when none). It never
// starts a daemon: a daemon started from here would run under the filter it
// is meant to answer.
func (c *Client) Gate(ctx context.Context, listener int) (wire.Response, int, error) {
	conn := c.kept
	c.kept = nil
	if conn == nil {
		// The allow came another way (after a hold): a connection of its own.
		sock := wire.Socket(c.Runtime)
		if err := checkOwned(c.Runtime, sock, c.daemonUID()); err != nil {
			return wire.Response{}, -1, err
		}
		var err error
		if conn, err = dial(sock, c.timeout()); err != nil {
			return wire.Response{}, -1, err
		}
		if err := checkPeer(conn.fd, c.daemonUID()); err != nil {
			conn.Close()
			return wire.Response{}, -1, err
		}
	}
	defer conn.Close()
	var err error
	line := append(wire.AppendRequest(nil, &wire.Request{V: wire.Version, Op: wire.OpGate}), '\n')
	for {
		err = syscall.Sendmsg(conn.fd, line, syscall.UnixRights(listener), nil, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return wire.Response{}, -1, fmt.Errorf("sending to the daemon: %w", err)
	}
	// The answer, with the ruleset's descriptor riding on its first bytes.
	rfd := -1
	var got []byte
	chunk := make([]byte, 1024)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	for !bytes.Contains(got, []byte{'\n'}) && len(got) < wire.MaxResponse {
		n, oobn, _, _, rerr := syscall.Recvmsg(conn.fd, chunk, oob, syscall.MSG_CMSG_CLOEXEC)
		if rerr == syscall.EINTR {
			continue
		}
		if oobn > 0 {
			if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
				for i := range msgs {
					fds, _ := syscall.ParseUnixRights(&msgs[i])
					for _, fd := range fds {
						if rfd < 0 {
							rfd = fd
						} else {
							syscall.Close(fd)
						}
					}
				}
			}
		}
		if rerr != nil || n == 0 {
			break
		}
		got = append(got, chunk[:n]...)
	}
	resp, err := readResponse(bufio.NewReader(bytes.NewReader(got)), nil)
	if err != nil && rfd >= 0 {
		syscall.Close(rfd)
		rfd = -1
	}
	return resp, rfd, err
}

// Console sends one line of the person's protocol (package console) on the
// daemon's console socket sock and returns the answer line (at most max
// bytes), starting the daemon when it is not running. There is no fallback:
// only the daemon keeps the requests. The console is the caller's own
// daemon's: a client that trusts another user's daemon cannot use it.
func (c *Client) Console(ctx context.Context, sock string, line []byte, max int) ([]byte, error) {
	if c.daemonUID() != uint32(os.Getuid()) {
		return nil, fmt.Errorf("only the daemon's user may list, approve, deny or revoke, on the daemon's own console; GATESH_DAEMON_UID=%d names another user's daemon", c.daemonUID())
	}
	out, err := c.roundTrip(sock, line, max)
	if err == nil || !errors.Is(err, errUnreachable) {
		return out, err
	}
	err = c.afterStart(ctx, func() (err error) {
		out, err = c.roundTrip(sock, line, max)
		return err
	})
	return out, err
}

// roundTrip sends line on the socket sock of a running daemon and reads one
// line back.
func (c *Client) roundTrip(sock string, line []byte, max int) ([]byte, error) {
	if err := checkOwned(c.Runtime, sock, c.daemonUID()); err != nil {
		return nil, err
	}
	conn, err := dial(sock, c.timeout())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := checkPeer(conn.fd, c.daemonUID()); err != nil {
		return nil, err
	}
	// A daemon that refuses the request answers before reading it all, so
	// the answer is read even when sending failed.
	_, werr := conn.Write(append(line[:len(line):len(line)], '\n'))
	out, err := wire.ReadLine(bufio.NewReader(conn), max)
	if err != nil {
		if werr != nil {
			return nil, fmt.Errorf("sending the request: %w", werr)
		}
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return out, nil
}

// inGatedTree reports whether this process carries no_new_privs, as every
// process in a gated tree does (an unreadable status counts as gated).
func inGatedTree() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return true
	}
	i := bytes.Index(b, []byte("\nNoNewPrivs:"))
	if i < 0 {
		return false // a kernel without the field has no gate either
	}
	v := bytes.TrimLeft(b[i+len("\nNoNewPrivs:"):], " \t")
	return len(v) > 0 && v[0] == '1'
}

// startAndAsk starts the daemon and asks it.
func (c *Client) startAndAsk(ctx context.Context, req wire.Request) (wire.Response, error) {
	var resp wire.Response
	err := c.afterStart(ctx, func() (err error) {
		resp, err = c.ask(ctx, req)
		return err
	})
	return resp, err
}

// afterStart starts the daemon, then tries try. The daemon is ready when start
// returns, or another one holds the lock and may still be binding its socket:
// it tries until the daemon answers or the start time is over.
func (c *Client) afterStart(ctx context.Context, try func() error) error {
	if err := c.start(ctx); err != nil {
		return fmt.Errorf("the gatesh daemon is not running and could not be started: %w", err)
	}
	deadline := time.Now().Add(c.startTimeout())
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := try()
		if err == nil || !errors.Is(err, errUnreachable) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}
