// Package input builds the policy input document for one command line: the command
// model from shellparse, enriched with workspace, path and git facts.
package input

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/facts"
	"github.com/gatesh/gatesh/internal/shellparse"
)

// Document is the policy input (docs/policy-input.md is its reference).
type Document struct {
	Text       string                 `json:"text"`
	Cwd        string                 `json:"cwd"`
	Agent      facts.Agent            `json:"agent"`
	Workspace  facts.Workspace        `json:"workspace"`
	Gate       Gate                   `json:"gate"`
	Commands   []Command              `json:"commands"`
	Opaque     []shellparse.Opaque    `json:"opaque"`
	ParseError *shellparse.ParseError `json:"parse_error"`
	Functions  []string               `json:"functions"`
	// Features summarizes the line for the combiner's package guards (see
	// features).
	Features []string `json:"features"`
	// Harness names the agent harness wrapper the line was taken out of.
	Harness HarnessInfo `json:"harness"`
	// Session is true for a line typed in a gated interactive session (where
	// changing the session's own hook is tampering).
	Session bool `json:"session"`
	// Nested is set when the call runs under an agent's line the gate let run
	// (a shell started by something that line started); null for the agent's
	// own line.
	Nested *Nested `json:"nested"`
	// Script describes the script file bash was asked to run; null for -c
	// text, stdin and session lines.
	Script *facts.Script `json:"script"`
	// Mode says where the judged text came from: "command" (bash -c),
	// "script", "stdin", "session" (a line typed in a gated session) or
	// "exec" (a program a gated process tree is about to start, judged at its
	// execve; Text is then its argv, quoted).
	Mode string `json:"mode"`
	// Exec describes that program in mode "exec"; null otherwise.
	Exec *Exec `json:"exec"`
	// Layers says which enforcement layers cover what the command starts.
	Layers Layers `json:"layers"`
}

// Exec is a program a gated process tree is about to start.
type Exec struct {
	// Path is the program as the process named it; Resolved is the file the
	// kernel would run (symbolic links followed), "" when it does not exist.
	Path     string `json:"path"`
	Resolved string `json:"resolved"`
	// Argv is the argument vector, argv[0] included.
	Argv []string `json:"argv"`
	// Identity names the known program Resolved is a copy of (the same
	// content under another name or place, e.g. "git" for a copied
	// /usr/bin/git); "" when it is none, or is that program itself.
	Identity string `json:"identity"`
	// Chain lists the programs the process descends from within the tree,
	// nearest first (make, sh, …), up to the agent's line.
	Chain []string `json:"chain"`
	// Line is the agent's command line the tree runs.
	Line string `json:"line"`
	// Opaque is set when the program cannot be named: an exec of a memfd or
	// of a descriptor (fexecve), or argv too large to read.
	Opaque bool `json:"opaque"`
}

// Layers says which layers beyond the line judge are active for the
// command: the exec gate (every program it starts is judged at execve) and
// confinement (writes only under the workspace, the temp directories and the
// caches; the home directory's secrets unreadable).
type Layers struct {
	Exec    bool `json:"exec"`
	Confine bool `json:"confine"`
}

// Nested is the agent's line a nested call runs under: the nearest shell
// the gate let run among the caller's ancestors, or the line that started
// it when that shell was itself nested.
type Nested struct {
	// Line is the agent's command line, as it was judged.
	Line string `json:"line"`
	// Cwd is the directory that line ran in.
	Cwd string `json:"cwd"`
	// RequestID is the request a person approved for the line; 0 when the
	// policy allowed it.
	RequestID int64 `json:"request_id"`
	// SetsEnv: the line sets or exports environment variables for the
	// programs it runs (X=1 cmd, export X), which could point a tool at code
	// the agent wrote (pyenv sources $PYENV_HOOK_PATH/exec/*.bash); true
	// when that is not known.
	SetsEnv bool `json:"sets_env"`
	// Since is when the line was let run, Root its workspace root and Tmp
	// its temporary directories (where it could write without asking). They
	// feed the script facts and are not part of the input.
	Since time.Time `json:"-"`
	Root  string    `json:"-"`
	Tmp   []string  `json:"-"`
}

// HarnessInfo says which agent harness wrapper, if any, the judged text was taken
// out of (internal/harness): Name and Form are empty when none was recognised.
type HarnessInfo struct {
	Name string `json:"name"`
	Form string `json:"form"`
	// Snapshot is, for Form "snapshot-capture", the one file the harness's
	// capture script writes.
	Snapshot string `json:"snapshot"`
	// Sourced lists the harness's own snapshot files the wrapper sources
	// (trusted by location, not judged).
	Sourced []string `json:"sourced"`
	// Wrapper is the text as the harness sent it, when it differs from the
	// judged text; "" otherwise.
	Wrapper string `json:"wrapper"`
}

// Gate says where gatesh itself lives: writing there is tampering.
type Gate struct {
	Paths []string `json:"paths"`
}

// Command is a parsed command with its facts.
type Command struct {
	shellparse.Command
	// Redirects shadows the embedded field to add the path fact of file targets.
	Redirects []Redirect `json:"redirects"`
	// Paths holds a path fact for every non-option argument.
	Paths []facts.Path `json:"paths"`
	// Git is the decoded git command line, for git commands.
	Git *facts.Git `json:"git,omitempty"`
}

// Redirect is a redirection with the path fact of its file target.
type Redirect struct {
	shellparse.Redirect
	File *facts.Path `json:"file"`
}

// Request is what is known about a command line before it is parsed.
type Request struct {
	Text string
	Cwd  string
	// Env is the environment the command line would run with.
	Env map[string]string
	// Workspace is the workspace of Cwd (see facts.Discover).
	Workspace facts.Workspace
	// GatePaths lists gatesh's own directories and binaries.
	GatePaths []string
	// Secrets marks the paths that hold credentials (settings.secret_globs).
	Secrets *facts.Secrets
	// Harness is the harness wrapper Text was taken out of, if any.
	Harness HarnessInfo
	// Session is set for a line typed in a gated interactive session, whose
	// Aliases and Functions (definitions' text) are those known before it.
	Session   bool
	Aliases   map[string]string
	Functions string
	// Nested is the agent's line the call runs under, nil for the agent's
	// own line.
	Nested *Nested
	// Script is the script file's path as bash was given it, "" unless bash
	// runs a script file; ScriptArgs are the words after it, nil when they
	// are not known.
	Script     string
	ScriptArgs []string
	// Mode, Exec and Layers are copied to the document (see Document).
	Mode   string
	Exec   *Exec
	Layers Layers
}

// Build parses req.Text and computes the facts of every command.
func Build(req Request) *Document {
	ws := req.Workspace
	penv := map[string]string{"HOME": ws.Home, "PWD": req.Cwd}
	for _, k := range []string{"USER", "LOGNAME", "SHELL", "TMPDIR", "PATH"} {
		if v, ok := req.Env[k]; ok {
			penv[k] = v
		}
	}
	line := shellparse.Parse(req.Text, shellparse.Options{Cwd: req.Cwd, Home: ws.Home, Env: penv, Aliases: req.Aliases, Functions: req.Functions})
	doc := &Document{
		Text:       req.Text,
		Cwd:        req.Cwd,
		Agent:      facts.DetectAgent(req.Env),
		Workspace:  ws,
		Gate:       Gate{Paths: gatePaths(req)},
		Commands:   make([]Command, len(line.Commands)),
		Opaque:     line.Opaque,
		ParseError: line.ParseError,
		Functions:  line.Functions,
		Session:    req.Session,
		Nested:     req.Nested,
		Mode:       req.Mode,
		Exec:       req.Exec,
		Layers:     req.Layers,
	}
	if req.Script != "" {
		var since time.Time
		roots, tmp := []string{ws.Root}, ws.Tmp
		if req.Nested != nil {
			since = req.Nested.Since
			roots = append(roots, req.Nested.Root)
			tmp = append(append([]string(nil), tmp...), req.Nested.Tmp...)
		}
		sf := facts.ScriptFile(req.Script, req.Cwd, roots, tmp, since)
		sf.Args = req.ScriptArgs
		doc.Script = &sf
	}
	for i := range line.Commands {
		doc.Commands[i] = command(line.Commands[i], ws, facts.Claims{Gate: doc.Gate.Paths, Secrets: req.Secrets})
	}
	doc.Features = features(doc)
	doc.Harness = req.Harness
	if doc.Harness.Wrapper == req.Text {
		doc.Harness.Wrapper = ""
	}
	if doc.Harness.Sourced == nil {
		doc.Harness.Sourced = []string{}
	}
	return doc
}

// gatePaths lists req.GatePaths and every directory a gatesh started in the
// caller's environment could keep its files in (dirs.Candidates: the XDG ones
// even when GATESH_HOME is set), without repeats.
func gatePaths(req Request) []string {
	out := make([]string, 0, len(req.GatePaths)+6)
	add := func(p string) {
		if p == "" {
			return
		}
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	for _, p := range req.GatePaths {
		add(p)
	}
	for _, p := range dirs.Candidates(func(k string) string {
		if k == "HOME" {
			return req.Workspace.Home
		}
		return req.Env[k]
	}) {
		add(p)
	}
	return out
}

// inert reports whether abs is a device that stores nothing (2>/dev/null,
// </dev/null, >/dev/stderr): redirects there do not make a line a "redirect" line.
func inert(abs string) bool {
	switch abs {
	case "/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero":
		return true
	}
	return strings.HasPrefix(abs, "/dev/fd/")
}

// features lists what the line has, from a fixed vocabulary, so that the combiner
// can skip rule packages that declare they only look at lines with one of them:
// redirect (to or from a file, not counting /dev/null and the like), env (an environment assignment, or an assignment
// or export), code (given to an interpreter), opaque, parse_error, lookalike,
// secret (a secret path or a home directory holding secrets), session (typed in
// a gated interactive session).
func features(doc *Document) []string {
	var redirect, env, code, lookalike, secret bool
	for _, c := range doc.Commands {
		env = env || len(c.Env) > 0 || len(c.Assigns) > 0
		code = code || c.Code != nil
		lookalike = lookalike || c.Lookalike
		for _, r := range c.Redirects {
			if r.File != nil && !inert(r.File.Abs) {
				redirect = true
				secret = secret || r.File.Secret
			}
		}
		for _, p := range c.Paths {
			secret = secret || p.Secret || p.SecretDir
		}
	}
	out := make([]string, 0, 4)
	for _, f := range []struct {
		on   bool
		name string
	}{
		{redirect, "redirect"}, {env, "env"}, {code, "code"}, {len(doc.Opaque) > 0, "opaque"},
		{doc.ParseError != nil, "parse_error"}, {lookalike, "lookalike"}, {secret, "secret"},
		{doc.Session, "session"},
	} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return out
}

func command(c shellparse.Command, ws facts.Workspace, claims facts.Claims) Command {
	out := Command{Command: c}
	dyn := indexSet(c.Dynamic)
	globs := indexSet(c.Globs)
	cwd := c.Cwd
	if c.CwdDynamic {
		cwd = ""
	}
	afterDashes := false
	for i := 1; i < len(c.Argv); i++ {
		w := c.Argv[i]
		if !afterDashes {
			if w == "--" {
				afterDashes = true
				continue
			}
			if strings.HasPrefix(w, "-") && w != "-" {
				continue
			}
		}
		p := facts.Resolve(ws, claims, cwd, w, dyn[i] || (cwd == "" && !filepath.IsAbs(w) && !strings.HasPrefix(w, "~")), globs[i])
		out.Paths = append(out.Paths, p.AtArg(i))
	}
	out.Redirects = make([]Redirect, len(c.Redirects))
	for i, r := range c.Redirects {
		out.Redirects[i] = Redirect{Redirect: r}
		if r.Path != "" || r.Dynamic {
			p := facts.Resolve(ws, claims, cwd, redirectWord(r), r.Dynamic, false)
			out.Redirects[i].File = &p
		}
	}
	if c.Name == "git" {
		out.Git = facts.DecodeGit(c.Argv, c.Env, cwd, ws)
	}
	return out
}

// redirectWord is the word a redirect's path fact is computed from: the resolved
// absolute path when the parser has one.
func redirectWord(r shellparse.Redirect) string {
	if r.Path != "" {
		return r.Path
	}
	return r.Target
}

func indexSet(xs []int) map[int]bool {
	if len(xs) == 0 {
		return nil
	}
	m := make(map[int]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
