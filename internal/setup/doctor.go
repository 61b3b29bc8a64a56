package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/confine"
	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/execgate"
	"github.com/gatesh/gatesh/internal/facts"
	"github.com/gatesh/gatesh/internal/policy"
	"github.com/gatesh/gatesh/internal/wire"
)

// ProbeRefused is the command line the doctor sends through the shell to prove
// that the gate is in the path: the default policy denies it at once (a command's
// shell may not run gatectl), and if a shell ran it anyway it would only print
// gatectl's usage. A held command would prove the same, but a hold may wait for a
// person and leaves a request in the queue.
const ProbeRefused = "gatectl"

// ProbeAllowed is the command line that must run.
const ProbeAllowed = "true"

// DoctorConfig is what gatectl doctor checks, and with what.
type DoctorConfig struct {
	// Agent, when set, says how the shell is found; else Shell, else bash on PATH.
	Agent *Agent
	// Shell is --shell.
	Shell string
	// Getenv and Environ are the environment the agent would be started with.
	Getenv  func(string) string
	Environ []string
	// Gatectl is the running gatectl: the doctor's gatesh is the one beside it,
	// and it starts the daemon.
	Gatectl string
	// Out receives one line per check.
	Out io.Writer
	// Timeout bounds each command sent through the shell (30 s when zero).
	Timeout time.Duration
	// PasswdFile is the passwd database (/etc/passwd when "").
	PasswdFile string
}

// check is one finding.
type check struct {
	ok   bool
	what string
	fix  string
}

// Doctor runs the checks, printing one line for each, and a way to fix what
// failed. It reports whether every check passed.
func Doctor(ctx context.Context, c DoctorConfig) bool {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	agent := "NAME"
	if c.Agent != nil {
		agent = c.Agent.Name
	}
	setupFix := fmt.Sprintf("Set the agent up: run gatectl install --agent %s and follow the lines it prints, start the agent again from a new terminal, and run gatectl doctor --agent %[1]s again (see docs/setup.md).", agent)
	if c.Agent != nil && c.Agent.Name == "claude-code" {
		setupFix = "Set Claude Code up: run gatectl install --agent claude-code --apply (or follow the lines gatectl install --agent claude-code prints), start claude again, and run gatectl doctor --agent claude-code again (see docs/setup.md)."
	}
	var checks []check
	report := func(ch check) {
		checks = append(checks, ch)
		mark := "ok  "
		if !ch.ok {
			mark = "FAIL"
		}
		fmt.Fprintf(c.Out, "%s  %s\n", mark, ch.what)
	}
	// note prints a finding that is not a check: a layer on or off, what the
	// kernel leaves out, a warning.
	note := func(mark, what string) { fmt.Fprintf(c.Out, "%s  %s\n", mark, what) }

	// 1. Which shell the agent would run.
	shell, from, err := c.findShell()
	if err != nil {
		shell = ""
		report(check{what: "the agent's shell: " + err.Error(), fix: setupFix})
	} else {
		report(check{ok: true, what: fmt.Sprintf("the agent's shell is %s (%s)", shell, from)})
		if ch, applies := c.agentAccepts(shell); applies {
			if !ch.ok {
				ch.fix = setupFix
			}
			report(ch)
		}
		report(c.isGatesh(shell, setupFix))
	}

	// 2. The daemon.
	report(c.ping(ctx))

	// 3. Commands through the shell.
	if shell != "" {
		dir, err := os.MkdirTemp("", "gatesh-doctor-")
		if err != nil {
			report(check{what: "cannot create a scratch directory to run the checks in: " + err.Error()})
		} else {
			report(c.probeAllowed(ctx, shell, dir))
			report(c.probeRefused(ctx, shell, dir, setupFix))
			if c.Agent == nil || c.Agent.Terminal {
				report(c.probeSession(ctx, shell, dir, setupFix))
			}
			os.RemoveAll(dir)
		}
	}

	// 4. The layers beyond the line judge, on this kernel.
	c.layers(ctx, report, note)

	failed := 0
	var fixes []string
	for _, ch := range checks {
		if ch.ok {
			continue
		}
		failed++
		if ch.fix != "" && !contains(fixes, ch.fix) {
			fixes = append(fixes, ch.fix)
		}
	}
	if failed == 0 {
		fmt.Fprintf(c.Out, "all %d checks passed: the agent's commands go through the gate\n", len(checks))
		return true
	}
	fmt.Fprintf(c.Out, "%d of %d checks failed.\n", failed, len(checks))
	for _, f := range fixes {
		para(c.Out, "To fix: ", f)
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// findShell says which shell the agent would run, and where that came from.
func (c DoctorConfig) findShell() (path, from string, err error) {
	if c.Shell != "" {
		if !strings.Contains(c.Shell, "/") {
			p, err := lookPath(c.Shell, c.Getenv("PATH"))
			if err != nil {
				return "", "", fmt.Errorf("--shell %s: %w", c.Shell, err)
			}
			return p, "--shell, found on PATH", nil
		}
		return c.Shell, "--shell", executable(c.Shell)
	}
	name := "generic"
	if c.Agent != nil {
		name = c.Agent.Name
	}
	switch name {
	case "claude-code":
		settings, serr := ClaudeSettingsPath(c.Getenv)
		var senv map[string]string
		if serr == nil {
			senv, serr = readSettingsEnv(settings)
		}
		if serr != nil {
			return "", "", fmt.Errorf("cannot read Claude Code's settings: %w", serr)
		}
		for _, v := range ClaudeShellVars {
			if s := senv[v]; s != "" {
				return s, v + " in " + settings, executable(s)
			}
			if s := c.Getenv(v); s != "" {
				return s, "$" + v, executable(s)
			}
		}
		p, err := lookPath("bash", c.Getenv("PATH"))
		if err != nil {
			return "", "", errors.New("neither CLAUDE_CODE_SHELL nor SHELL is set, and there is no bash on PATH")
		}
		return p, "CLAUDE_CODE_SHELL and SHELL are not set: bash on PATH", nil
	case "codex":
		p, err := passwdShell(c.PasswdFile)
		if err != nil {
			return "", "", err
		}
		return p, "the login shell in the passwd database", executable(p)
	case "aider":
		s := c.Getenv("SHELL")
		if s == "" {
			return "", "", errors.New("SHELL is not set")
		}
		return s, "$SHELL", executable(s)
	default:
		p, err := lookPath("bash", c.Getenv("PATH"))
		if err != nil {
			return "", "", errors.New("there is no bash on PATH")
		}
		return p, "the first bash on PATH", nil
	}
}

// agentAccepts checks the agent's own condition on the shell's name.
func (c DoctorConfig) agentAccepts(shell string) (check, bool) {
	if c.Agent == nil || c.Shell != "" {
		return check{}, false
	}
	switch c.Agent.Name {
	case "claude-code":
		if strings.Contains(shell, "bash") || strings.Contains(shell, "zsh") {
			return check{ok: true, what: `Claude Code accepts it: its path contains "bash" or "zsh"`}, true
		}
		return check{what: `Claude Code ignores it: its path contains neither "bash" nor "zsh", so Claude Code runs bash from PATH instead`}, true
	case "codex":
		stem := strings.TrimSuffix(filepath.Base(shell), filepath.Ext(shell))
		if stem == "bash" || stem == "zsh" || stem == "sh" {
			return check{ok: true, what: "Codex accepts it: its name is " + stem}, true
		}
		return check{what: "Codex ignores it: its name is not bash, zsh or sh, so Codex runs bash from PATH instead"}, true
	}
	return check{}, false
}

// isGatesh checks that the shell is gatesh.
func (c DoctorConfig) isGatesh(shell, fix string) check {
	real, err := filepath.EvalSymlinks(shell)
	if err != nil {
		return check{what: fmt.Sprintf("%s cannot be resolved: %v", shell, err), fix: fix}
	}
	var ours string
	if c.Gatectl != "" {
		ours, _ = Beside(c.Gatectl, "gatesh")
	}
	if ours != "" && sameFile(real, ours) {
		if real != ours { // a bind mount or a hard link
			return check{ok: true, what: fmt.Sprintf("it is gatesh: %s is the same file as %s", shell, ours)}
		}
		return check{ok: true, what: fmt.Sprintf("it is the gatesh shim: %s -> %s", shell, real)}
	}
	if filepath.Base(real) == "gatesh" {
		what := fmt.Sprintf("it is gatesh: %s -> %s", shell, real)
		if ours != "" {
			what += " (not the one beside this gatectl, " + ours + ")"
		}
		return check{ok: true, what: what}
	}
	what := fmt.Sprintf("it is not gatesh: %s resolves to %s", shell, real)
	if real == shell {
		what = fmt.Sprintf("it is not gatesh: %s is not a link to gatesh", shell)
	}
	return check{what: what, fix: fix}
}

// ping asks the daemon for its state, starting it if needed.
func (c DoctorConfig) ping(ctx context.Context) check {
	d, err := dirs.From(c.Getenv)
	if err != nil {
		return check{what: "gatesh's directories: " + err.Error(), fix: "Set HOME (or GATESH_HOME) in the agent's environment."}
	}
	fix := fmt.Sprintf("gatesh cannot get decisions from its daemon: read %s, and run gatectl serve in a terminal to see why it does not start.", filepath.Join(d.State, "daemon.log"))
	cl := client.Client{Runtime: d.Runtime, Gatectl: c.Gatectl, Env: c.Environ}
	resp, err := cl.Ask(ctx, wire.Request{V: wire.Version, Op: wire.OpPing})
	switch {
	case err != nil:
		return check{what: "the daemon did not answer: " + err.Error(), fix: fix}
	case resp.Error != "":
		return check{what: "the daemon refused the question: " + resp.Error, fix: fix}
	case resp.PID == 0:
		return check{what: "no daemon answered (gatesh falls back on a slow one-shot decision for every command)", fix: fix}
	case resp.PolicyError != "":
		return check{what: fmt.Sprintf("the daemon (pid %d) answered, but its policy does not load: %s", resp.PID, oneLine(resp.PolicyError, 200)),
			fix: "Fix the policy: gatectl test shows the error."}
	}
	return check{ok: true, what: fmt.Sprintf("the daemon answered (pid %d, socket %s)", resp.PID, wire.Socket(d.Runtime))}
}

// probeAllowed checks that reversible work runs through the shell.
func (c DoctorConfig) probeAllowed(ctx context.Context, shell, dir string) check {
	code, _, stderr, err := c.runShell(ctx, shell, dir, ProbeAllowed)
	cmd := fmt.Sprintf("%s -c %s", shell, Quote(ProbeAllowed))
	if err != nil {
		return check{what: fmt.Sprintf("reversible work does not run: %s: %v", cmd, err)}
	}
	if code != 0 {
		what := fmt.Sprintf("reversible work does not run: %s exited %d", cmd, code)
		if l := firstLine(stderr); l != "" {
			what += ": " + l
		}
		return check{what: what, fix: "The gate refuses even `true`: read its message above (a policy error, or a daemon it cannot reach)."}
	}
	return check{ok: true, what: fmt.Sprintf("reversible work runs: %s exited 0", cmd)}
}

// probeRefused checks that a command the policy refuses is refused: exit 126
// and a gatesh: line.
func (c DoctorConfig) probeRefused(ctx context.Context, shell, dir, fix string) check {
	code, _, stderr, err := c.runShell(ctx, shell, dir, ProbeRefused)
	cmd := fmt.Sprintf("%s -c %s", shell, Quote(ProbeRefused))
	if err != nil {
		return check{what: fmt.Sprintf("the gate could not be tested: %s: %v", cmd, err), fix: fix}
	}
	var said string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "gatesh:") {
			said = l
			break
		}
	}
	switch {
	case code == 126 && said != "":
		return check{ok: true, what: fmt.Sprintf("the gate is in the path: %s was refused (exit 126: %s)", cmd, oneLine(said, 120))}
	case said != "":
		return check{what: fmt.Sprintf("the gate answered oddly: %s exited %d (%s), not 126", cmd, code, oneLine(said, 120)), fix: fix}
	default:
		return check{what: fmt.Sprintf("the gate is not in the path: %s ran the command (exit %d) instead of refusing it with exit 126 and a gatesh: line", cmd, code), fix: fix}
	}
}

// runShell runs shell -c text in dir with the agent's environment, stdin empty.
func (c DoctorConfig) runShell(ctx context.Context, shell, dir, text string) (code int, stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, "-c", text)
	cmd.Dir = dir
	cmd.Env = c.Environ
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return -1, out.String(), errb.String(), fmt.Errorf("no answer within %v", c.Timeout)
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String(), nil
	case err != nil:
		return -1, out.String(), errb.String(), err
	}
	return 0, out.String(), errb.String(), nil
}

// passwdShell is the current user's login shell from the passwd file, else from
// getent (for accounts that come from a directory service).
func passwdShell(file string) (string, error) {
	if file == "" {
		file = "/etc/passwd"
	}
	uid := strconv.Itoa(os.Getuid())
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if b, err := os.ReadFile(file); err == nil {
		if sh, ok := findPasswd(string(b), uid, name); ok {
			return sh, nil
		}
	}
	if out, err := exec.Command("getent", "passwd", uid).Output(); err == nil {
		if sh, ok := findPasswd(string(out), uid, ""); ok {
			return sh, nil
		}
	}
	return "", fmt.Errorf("uid %s has no entry in %s or getent passwd", uid, file)
}

// findPasswd finds the shell of uid in passwd lines, preferring the entry named
// name when several share the uid.
func findPasswd(content, uid, name string) (string, bool) {
	found, ok := "", false
	for _, line := range strings.Split(content, "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) != 7 || f[2] != uid {
			continue
		}
		if name == "" || f[0] == name {
			return f[6], true
		}
		if !ok {
			found, ok = f[6], true
		}
	}
	return found, ok
}

// readSettingsEnv reads the "env" of a Claude Code settings file (empty when the
// file does not exist).
func readSettingsEnv(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	top, err := parseObject(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	env := map[string]string{}
	for _, m := range top {
		if m.key != "env" {
			continue
		}
		ms, err := parseObject(m.raw)
		if err != nil {
			return nil, fmt.Errorf("%s: env: %w", path, err)
		}
		for _, e := range ms {
			var s string
			if json.Unmarshal(e.raw, &s) == nil {
				env[e.key] = s
			}
		}
	}
	return env, nil
}

// lookPath finds an executable file called name in the PATH list path.
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not on PATH", name)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return oneLine(s, 160)
}

// oneLine folds whitespace runs to one space and cuts s to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// layers reports the layers beyond the line judge (docs/layers.md) as this
// kernel and the settings leave them: the exec gate, confinement and what
// the running Landlock leaves out, and the gate's own files that a writable
// root would reach. A layer that is off is not a failed check unless the
// settings require it (require_exec_gate): the line judge still holds what
// the line says.
func (c DoctorConfig) layers(ctx context.Context, report func(check), note func(mark, what string)) {
	execGate, required, caches, secrets, roots, settingsErr := c.layerSettings(ctx)
	from := "per the settings"
	if settingsErr != nil {
		note("warn", "the settings could not be read ("+oneLine(settingsErr.Error(), 160)+"): the shipped defaults are shown, exec_gate true and require_exec_gate false")
		from = "per the shipped defaults"
	}
	requireFix := "The settings require the exec gate and confinement (require_exec_gate), so gatesh refuses every command here: run the agent on a kernel that offers both (seccomp user notification, Linux 5.5 or later; Landlock, Linux 5.13 or later with landlock among the enabled LSMs), or set require_exec_gate to false (see docs/layers.md)."
	layer := func(name string, offered error, on string) {
		switch {
		case offered == nil && execGate:
			note("on  ", name+": "+on+" ("+from+": exec_gate true)")
		case offered == nil:
			what := name + ": off " + from + " (exec_gate false), though this kernel offers it"
			if required {
				report(check{what: what + "; require_exec_gate is true, so gatesh refuses to run commands", fix: requireFix})
			} else {
				note("off ", what)
			}
		default:
			what := name + ": not offered by this kernel: " + offered.Error()
			if required {
				report(check{what: what + "; require_exec_gate is true, so gatesh refuses to run commands", fix: requireFix})
			} else {
				note("off ", what+"; gatesh runs commands under the line judge alone (require_exec_gate false)")
			}
		}
	}

	layer("the exec gate", execgate.Supported(), "every program a gated line starts is judged at its execve (seccomp user notification)")
	if n, err := yamaScope(); err == nil && n >= 1 {
		note("warn", fmt.Sprintf("Yama's ptrace_scope is %d: the daemon, which is no ancestor of a gated process, may be refused reading what that process asks to run, and the exec gate then refuses the exec rather than let it run unread (see docs/layers.md)", n))
	}

	abi := confine.ABI()
	var noLandlock error
	if abi == 0 {
		noLandlock = errors.New("no Landlock (the kernel is older than 5.13, or landlock is not among its enabled security modules)")
	}
	layer("confinement", noLandlock, fmt.Sprintf("Landlock ABI %d: writes only under the workspace, the temp directories and the caches; secrets unreadable", abi))
	rules, ws, err := c.gateRules(caches, secrets, roots)
	if err != nil {
		note("warn", "confinement's rules could not be worked out: "+err.Error())
		return
	}
	rep := confine.Report{ABI: abi}
	if abi > 0 {
		rs, err := confine.Build(rules)
		if err == nil {
			rep = rs.Report()
			rs.Close()
		} else {
			note("warn", "confinement's ruleset could not be built here: "+oneLine(err.Error(), 160))
			rep.Overlaps = confine.Overlaps(rules)
		}
	} else {
		rep.Overlaps = confine.Overlaps(rules)
	}
	if abi > 0 {
		for _, o := range rep.Left {
			if strings.HasPrefix(o.What, "/") {
				continue // an absent cache or device, which Apply leaves out
			}
			note("note", fmt.Sprintf("Landlock ABI %d leaves out %s", abi, o))
		}
	}
	// One line per writable root and kind: a workspace that is the home
	// directory reaches every secret.
	type group struct{ root, kind string }
	var order []group
	paths := map[group][]string{}
	for _, o := range rep.Overlaps {
		g := group{o.Root, o.Kind}
		if _, ok := paths[g]; !ok {
			order = append(order, g)
		}
		paths[g] = append(paths[g], o.Path)
	}
	for _, g := range order {
		role := "a cache"
		switch {
		case g.root == ws && ws != "":
			role = "the workspace"
		case contains(confine.TempDirs(c.Getenv("TMPDIR")), g.root):
			role = "a temp directory"
		}
		list := paths[g]
		shown := strings.Join(list, ", ")
		if len(list) > 4 {
			shown = fmt.Sprintf("%s and %d more", strings.Join(list[:3], ", "), len(list)-3)
		}
		if g.kind == "secret" {
			note("warn", fmt.Sprintf("secrets are readable and writable by gated commands: %s holds %s; Landlock cannot take a path back out of a writable root (%s %s; confinement hides them only outside it)", g.root, shown, role, g.root))
		} else {
			note("warn", fmt.Sprintf("the gate's own files are writable by gated commands: %s holds %s; Landlock cannot take a path back out of a writable root (%s %s): move them out (GATESH_HOME, XDG_*), or run the agent elsewhere", g.root, shown, role, g.root))
		}
	}
}

// yamaScope reads Yama's ptrace_scope (0 to 3); an error when the kernel has
// no Yama.
func yamaScope() (int, error) {
	b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// layerSettings reads the settings the layers depend on by compiling the
// policy the daemon compiles (the defaults and the user's policy directory),
// falling back on the shipped defaults with the error when it does not load.
func (c DoctorConfig) layerSettings(ctx context.Context) (execGate, required bool, caches, secrets, roots []string, err error) {
	execGate, required = true, false
	caches, secrets = nil, confine.DefaultSecrets()
	if home := c.Getenv("HOME"); home != "" {
		for _, p := range confine.DefaultCaches(home) {
			rel, _ := filepath.Rel(home, p)
			caches = append(caches, rel)
		}
	}
	d, err := dirs.From(c.Getenv)
	if err != nil {
		return
	}
	eng, err := policy.Load(ctx, policy.Options{UserDir: d.Policies(), CacheSize: -1})
	if err != nil {
		return
	}
	s := eng.Settings()
	if v, ok := s["exec_gate"].(bool); ok {
		execGate = v
	}
	if v, ok := s["require_exec_gate"].(bool); ok {
		required = v
	}
	if _, ok := s["writable_caches"]; ok {
		caches = eng.SettingStrings("writable_caches")
	}
	if _, ok := s["confine_secrets"]; ok {
		secrets = eng.SettingStrings("confine_secrets")
	}
	roots = eng.SettingStrings("workspace_roots")
	return
}

// gateRules are the confinement rules the gate would put on a command the
// agent ran in this directory, as the daemon works them out: its workspace
// (git top level, else a configured root, else the directory unless that is
// the home directory or the root), the temp directories and the caches
// writable; the secrets hidden; gatesh's own directories protected. The
// workspace is "" when none is writable.
func (c DoctorConfig) gateRules(caches, secrets, roots []string) (confine.Rules, string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return confine.Rules{}, "", err
	}
	home := c.Getenv("HOME")
	ws, _ := facts.Discover(cwd, facts.DiscoverOptions{Home: home, ExtraRoots: roots})
	root := ws.Root
	if root == "" && cwd != filepath.Clean(home) && cwd != "/" {
		root = cwd
	}
	var writable []string
	if root != "" {
		writable = append(writable, root)
	}
	r := confine.Rules{
		Writable:     append(writable, confine.TempDirs(c.Getenv("TMPDIR"))...),
		Devices:      confine.DefaultDevices(),
		Home:         home,
		Secret:       secrets,
		Protected:    dirs.Candidates(c.Getenv),
		ScopeSignals: true, ScopeAbstractUnix: true,
	}
	for _, p := range caches {
		switch {
		case filepath.IsAbs(p):
			r.Writable = append(r.Writable, filepath.Clean(p))
		case home != "" && p != "":
			r.Writable = append(r.Writable, filepath.Join(home, p))
		}
	}
	return r, root, nil
}
