package shellparse

import "strings"

// Runners that start a command or shell code given on their command line, in
// forms the older catalogue cases did not cover (a red-team pass ran a push
// through each of them unseen): sg, direnv exec, devbox run, nix-shell --run,
// nix develop/shell --command, gdb -ex 'shell …', bwrap; parallel ::: CMD… is
// in parallel. expect and tclsh are
// interpreters (code.go, language tcl).

// runner follows what the runner name starts; false when name is not one.
func (p *parser) runner(name string, f []field, st *state, c ctx) bool {
	switch name {
	case "sg":
		// sg GROUP [-c] COMMAND: COMMAND is one string /bin/sh runs.
		rest := f[min(2, len(f)):]
		if len(rest) > 0 && rest[0].s == "-c" && !rest[0].dyn {
			rest = rest[1:]
		}
		if len(rest) > 0 {
			code, ok := joinFields(rest)
			p.codeStr(code, ok, Step{Kind: "wrapper", Name: name, Detail: "-c"}, st.fresh(), c)
		}
	case "direnv":
		// direnv exec DIR CMD ARGS… (after loading DIR's .envrc, which the
		// person allowed with direnv allow).
		if len(f) > 3 && f[1].s == "exec" && !f[1].dyn {
			p.wrap(name, "exec", f, 3, nil, st, c)
		}
	case "devbox":
		// devbox run [flags] CMD ARGS…
		if len(f) > 2 && f[1].s == "run" && !f[1].dyn {
			i, _ := skipOpts(f, 2, "ce", []string{"--config", "--env", "--env-file", "--environment"})
			p.wrap(name, "run", f, i, nil, st, c)
		}
	case "nix-shell":
		// nix-shell … --run CODE | --command CODE: shell code.
		for i := 1; i < len(f); i++ {
			n, v, known, ok := optionValue(f, &i, "--run", "--command")
			if ok {
				p.codeStr(v, known, Step{Kind: "wrapper", Name: name, Detail: n}, st.fresh(), c)
			}
		}
	case "nix":
		// nix develop|shell … --command|-c CMD ARGS…
		if len(f) > 1 && (f[1].s == "develop" || f[1].s == "shell") {
			for i := 2; i < len(f); i++ {
				if !f[i].dyn && (f[i].s == "--command" || f[i].s == "-c") {
					p.wrap(name, f[1].s, f, i+1, nil, st, c)
					break
				}
			}
		}
	case "gdb", "gdb-multiarch", "cgdb":
		// gdb -ex 'shell CMD' (or '!CMD', 'pipe … | CMD'): shell code.
		for i := 1; i < len(f); i++ {
			n, v, known, ok := optionValue(f, &i, "-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--iex", "-init-eval-command", "--init-eval-command")
			switch {
			case !ok:
			case !known:
				p.opaque("dynamic-code", v, c.with(Step{Kind: "interp", Name: name}))
			default:
				if code, isShell := gdbShell(v); isShell {
					p.codeStr(code, true, Step{Kind: "interp", Name: name, Detail: n}, st.fresh(), c)
				}
			}
		}
	case "bwrap":
		// bwrap [OPTIONS] CMD ARGS…: its options take 0 to 3 arguments;
		// one it does not know, or --args (more options from a
		// descriptor), leaves the command unknown.
		i := 1
		for i < len(f) && strings.HasPrefix(f[i].s, "--") && !f[i].dyn {
			n, known := bwrapArity[f[i].s]
			if !known || f[i].s == "--args" {
				p.opaque("dynamic-command", f[i].s, c.with(Step{Kind: "wrapper", Name: name}))
				return true
			}
			i += 1 + n
		}
		p.wrap(name, "", f, i, nil, st, c)
	default:
		return false
	}
	return true
}

// bwrapArity is how many arguments each bwrap option takes.
var bwrapArity = func() map[string]int {
	m := map[string]int{}
	for n, names := range [][]string{
		{"--unshare-all", "--share-net", "--unshare-user", "--unshare-user-try", "--unshare-ipc", "--unshare-pid",
			"--unshare-net", "--unshare-uts", "--unshare-cgroup", "--unshare-cgroup-try", "--clearenv", "--new-session",
			"--die-with-parent", "--as-pid-1", "--disable-userns", "--assert-userns-disabled", "--level-prefix"},
		{"--args", "--argv0", "--userns", "--userns2", "--pidns", "--uid", "--gid", "--hostname", "--chdir", "--unsetenv",
			"--lock-file", "--sync-fd", "--remount-ro", "--exec-label", "--file-label", "--proc", "--dev", "--tmpfs",
			"--mqueue", "--dir", "--seccomp", "--add-seccomp-fd", "--block-fd", "--userns-block-fd", "--info-fd",
			"--json-status-fd", "--cap-add", "--cap-drop", "--perms", "--size", "--overlay-src", "--tmp-overlay", "--ro-overlay"},
		{"--setenv", "--bind", "--bind-try", "--dev-bind", "--dev-bind-try", "--ro-bind", "--ro-bind-try", "--bind-fd",
			"--ro-bind-fd", "--file", "--bind-data", "--ro-bind-data", "--symlink", "--chmod"},
		{"--overlay"},
	} {
		for _, name := range names {
			m[name] = n
		}
	}
	return m
}()

// optionValue reads the option word at f[*i] when its name is one of names:
// the name, its value (NAME=VALUE, or the next word, which *i then moves
// to), and whether the value is known. ok is false for any other word, and
// for a last word that wants a value it lacks.
func optionValue(f []field, i *int, names ...string) (name, val string, known, ok bool) {
	n, v, eq := strings.Cut(f[*i].s, "=")
	if !containsStr(names, n) {
		return "", "", false, false
	}
	if eq {
		return n, v, !f[*i].dyn, true
	}
	if f[*i].dyn || *i+1 >= len(f) {
		return "", "", false, false
	}
	*i++
	return n, f[*i].s, !f[*i].dyn, true
}

// gdbShell is the shell command a gdb command line runs, if it runs one:
// shell CMD, !CMD, or pipe [COMMAND] | CMD (gdb's own abbreviations she and
// pi included).
func gdbShell(cmd string) (string, bool) {
	cmd = strings.TrimSpace(cmd)
	if rest, ok := strings.CutPrefix(cmd, "!"); ok {
		return rest, true
	}
	if rest, ok := strings.CutPrefix(cmd, "|"); ok {
		_, sh, found := strings.Cut(rest, "|")
		return sh, found
	}
	word, rest, _ := strings.Cut(cmd, " ")
	switch word {
	case "shell", "shel", "she", "sh":
		return rest, true
	case "pipe", "pip", "pi":
		_, sh, found := strings.Cut(rest, "|")
		return sh, found
	}
	return "", false
}
