// Package shellparse turns one shell command line into the list of every simple
// command that would run if bash executed it, with argv resolved as bash would
// resolve it, and marks what cannot be known statically.
//
// It is pure: no file system, no environment, no processes. What it needs to know
// about the world (the working directory, the home directory, variables the caller
// already knows) comes in Options; what it cannot know becomes a dynamic marker or an
// Opaque entry, never a guess.
package shellparse

// Options is what the parser may assume about the world.
type Options struct {
	// Cwd is the absolute working directory the line starts in.
	Cwd string
	// Home is the user's home directory, used to expand "~".
	Home string
	// Env holds variables whose values are known before the line runs (for example
	// HOME). Variables not listed here and not assigned literally within the line
	// are dynamic.
	Env map[string]string
	// MaxDepth bounds recursion into nested code (bash -c, eval, interpreters,
	// functions). Zero means DefaultMaxDepth.
	MaxDepth int
	// MaxCommands bounds the number of commands returned; beyond it the line is
	// marked opaque with reason "too-many-commands". Zero means DefaultMaxCommands.
	MaxCommands int
	// MaxBytes bounds the size of the line; a longer line is not parsed and gets a
	// ParseError. Zero means DefaultMaxBytes.
	MaxBytes int
	// Aliases holds aliases defined before the line (NAME → VALUE, as
	// `alias NAME=VALUE` would set them), for a shell that expands aliases
	// (an interactive session passes those defined on its earlier lines).
	// A command whose first word is an unquoted literal alias name (not 'p'
	// nor \p) is parsed as VALUE followed by its other words, reached
	// through Step{Kind: "alias"}; a value ending with a blank expands the
	// next word too, and an alias is not re-expanded within its own value.
	// Aliases defined by the alias builtin within the line apply to the
	// commands after it in source order; since bash applies them only from
	// the next line read, and only where aliases are expanded at all (not in
	// bash -c without shopt -s expand_aliases, nor in programs started by
	// sudo, env, xargs, …), such an expansion (and any expansion inside a
	// new shell or after unalias/redefinition) also keeps the command as
	// written. An alias whose value is not known yields Opaque
	// "dynamic-code" where it is used; an alias builtin whose name is given
	// by an expansion yields it where it is defined.
	Aliases map[string]string
	// Functions holds shell functions defined before the line, as the text of
	// their definitions (what `declare -f` prints): an interactive session
	// passes those its earlier lines defined, so that calling one on a later
	// line is judged by its body. Only the definitions in it are used; any
	// other command in it is ignored.
	Functions string
}

// Defaults for Options.
const (
	DefaultMaxDepth    = 8
	DefaultMaxCommands = 512
	DefaultMaxBytes    = 256 << 10
)

// Line is the command model of one command line.
type Line struct {
	// Commands lists every simple command that would execute, in source order,
	// including those inside substitutions, function bodies at their call sites,
	// trap bodies, and code handed to shells and interpreters when its text is known.
	Commands []Command `json:"commands"`
	// Opaque lists code that would run but whose text cannot be known statically.
	Opaque []Opaque `json:"opaque"`
	// ParseError is set when the line (or nested literal code) does not parse.
	// Commands may still hold what could be extracted before the error. Lines
	// holding NUL bytes or nested more than 1000 brackets deep are rejected
	// without parsing; invalid UTF-8 bytes are replaced by U+FFFD first.
	ParseError *ParseError `json:"parse_error"`
	// Functions names the functions the line defines.
	Functions []string `json:"functions"`
}

// Command is one simple command that would execute.
type Command struct {
	// Name is the lower-cased basename of the resolved command word ("git" for
	// "/usr/bin/git", "/BIN/GIT",
	// "\git", "g''it", "$g" when g=git was assigned literally). Empty when the
	// command word is dynamic (then Dynamic starts with 0), and for a statement
	// made only of assignments and/or redirections ("x=1", "> file",
	// "d=/tmp/x > log"): such a statement is emitted with Name "", Word "" and an
	// empty Argv so that its Assigns and Redirects are seen.
	Name string `json:"name"`
	// Word is the resolved command word as bash would look it up ("git",
	// "/usr/bin/git", "./run.sh").
	Word string `json:"word"`
	// Path is the absolute, cleaned path of the command word when it contains a
	// slash ("/usr/bin/../bin/rm" becomes "/usr/bin/rm", "./x" becomes cwd+"/x");
	// empty when the word is looked up on PATH.
	Path string `json:"path"`
	// Argv is the resolved argument vector, argv[0] being Word. A dynamic word keeps
	// its source text as written, quotes included (for example "\"$TARGET\""), and
	// its index is listed in Dynamic. Brace expansions ("/{etc,usr}") and unquoted
	// expansions of known values ("$cmd" with cmd="rm -rf") are split into
	// several words as bash would. Commands reached through xargs/parallel get a
	// trailing dynamic word "{xargs}" for the items read from stdin (with -I R,
	// the words holding R are dynamic instead); find -exec words holding "{}"
	// are dynamic, except as below.
	//
	// find -exec/-execdir/-ok/-okdir CMD … {}: when the start paths are literal
	// ("." when none), no symlinks are followed (-L, -follow), and the tests
	// before the action are known to be false for each start path itself
	// (-mindepth N≥1; -name/-iname/-path/-ipath/-wholename whose pattern does
	// not match the start; -type without d for a start known to be a
	// directory such as "."), "{}" names some descendant of the start: the
	// word "{}" becomes START/**/{} with START resolved ("/ws/src/**/{}"),
	// "{}.bak" START/**/{}.bak, and its index is listed in Globs, not Dynamic.
	// With several start paths the command is emitted once per start path
	// (at most 4). Tests that may hold for the start itself (-type d, -mtime,
	// -size, -empty, -regex, negated tests, tests in another -o branch) keep
	// "{}" dynamic: find . -type d -exec rm -rf {} + would include ".".
	// "{}" stays dynamic as the command word, inside words that are not
	// plain path text ('sh -c "cat {}"', so code stays opaque), and in
	// -execdir words not starting with "{}". -execdir/-okdir commands have
	// CwdDynamic set (they run in each matched file's directory).
	//
	// find … -print0 | xargs -0 (or --null) CMD: when the xargs stage reads a
	// plain pipe (not |&) whose only writer is such a find (literal start
	// paths, tests false for the start paths, -print0 its only output, no
	// stderr merged), the appended "{xargs}" word, or the -I replacement
	// words, become START/**/{} like find -exec's "{}". Without -0 the items
	// are split on blanks and newlines, which file names may hold
	// ("x /home/u\n.pyc"), so they stay dynamic.
	Argv []string `json:"argv"`
	// Dynamic lists the indexes in Argv whose value is not known statically.
	// Index 0 means the command word itself is dynamic (then Name is empty).
	Dynamic []int `json:"dynamic"`
	// Globs lists the indexes in Argv that contain unquoted glob characters
	// (*, ?, [) and so name a set of files, not one.
	Globs []int `json:"globs"`
	// Env holds assignments that prefix the command (FOO=1 cmd) or were exported
	// earlier in the line, with their values; dynamic values keep source text.
	Env map[string]string `json:"env"`
	// EnvDynamic lists the names in Env whose values are not known.
	EnvDynamic []string `json:"env_dynamic"`
	// Assigns lists variables this command's line assigns or exports
	// (x=1, export X=1, declare -x X=1, readonly, local, typeset) when the
	// simple command is a bare assignment or one of those builtins.
	Assigns []Assign `json:"assigns"`
	// Redirects lists the command's redirections with their resolved targets.
	Redirects []Redirect `json:"redirects"`
	// Cwd is the absolute directory the command runs in, following cd/pushd/popd
	// within the line.
	Cwd string `json:"cwd"`
	// CwdDynamic is true when an earlier cd went to a place not known statically.
	CwdDynamic bool `json:"cwd_dynamic"`
	// Via is the chain of wrappers, shells, interpreters and constructs this
	// command was reached through, outermost first. Empty for a top-level command.
	Via []Step `json:"via"`
	// Background is true when the command is started with & (or coproc).
	Background bool `json:"background"`
	// PipeFrom lists the indexes (into Line.Commands) of the commands whose output
	// feeds this command's stdin through a pipe, directly or through earlier
	// stages of the same pipeline.
	PipeFrom []int `json:"pipe_from"`
	// Lookalike is true when a word of this command contained unicode look-alike
	// dashes, spaces or quotes, or other invisible/control characters, outside
	// quotes (quoted prose does not count). Leading look-alike dashes are
	// normalized to "-" in Argv, look-alike spaces split words, zero-width and
	// bidi characters, invalid UTF-8 and carriage returns are removed.
	Lookalike bool `json:"lookalike"`
	// Code describes code handed to an interpreter (python -c, node -e, perl -e,
	// ruby -e, awk programs, sed scripts, php -r, code read on stdin from a
	// here-string, heredoc or pipe, …). Nil otherwise, and nil for a script file
	// (python x.py, node x.js: ordinary commands) and python -m. For
	// python -m MODULE args the module is also emitted as the next command,
	// Name lower(MODULE) ("twine", "pip", "http.server"), Argv [MODULE, args…],
	// reached through Step{Kind: "wrapper", Name: "python3", Detail: "-m"}.
	Code *Code `json:"code"`
}

// Assign is one variable assignment.
type Assign struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Dynamic bool   `json:"dynamic"`
	Export  bool   `json:"export"`
}

// Redirect is one redirection.
type Redirect struct {
	// Op is the operator as written: ">", ">>", "<", ">|", "&>", "&>>", "<>",
	// "<<", "<<-", "<<<", ">&", "<&".
	Op string `json:"op"`
	// Fd is the file descriptor redirected (1 for ">", 0 for "<", 2 for "2>").
	Fd int `json:"fd"`
	// Target is the resolved target word ("out.txt", "/dev/null", "1" for 2>&1).
	Target string `json:"target"`
	// Path is Target resolved to an absolute, cleaned path against Cwd, for
	// redirects to files. Empty for fd duplications and heredocs.
	Path string `json:"path"`
	// Dynamic is true when the target is not known statically.
	Dynamic bool `json:"dynamic"`
	// Write is true when the redirect opens the target for writing.
	Write bool `json:"write"`
}

// Step is one link of the chain through which a command is reached.
type Step struct {
	// Kind says what kind of link this is:
	//   "wrapper"   sudo, env, command, builtin, exec, nohup, nice, timeout, time,
	//               stdbuf, watch, ionice, chrt, taskset, setsid, doas, su -c, …
	//   "shell"     bash|sh|zsh|dash|ksh -c CODE (Detail "-c"), or a shell fed
	//               code on stdin (Detail "stdin": heredoc, here-string, pipe of
	//               literal text from echo/printf/cat)
	//   "eval"      eval
	//   "alias"     an alias's value (Name the alias, Detail its value)
	//   "source"    source/. of a file (the file's content is not known: Opaque)
	//   "xargs"     xargs and parallel (arguments come from stdin: dynamic)
	//   "find"      find -exec/-execdir/-ok/-okdir
	//   "function"  a call of a function defined in the line
	//   "trap"      a trap body
	//   "subst"     command substitution; Name is "$()", "``", "<()" or ">()"
	//   "interp"    code spawned from an interpreter one-liner (os.system("…"))
	//   "git"       git -c alias.x='!…', core.pager, core.editor, core.sshCommand…
	//   "remote"    ssh host CMD, docker|kubectl|podman exec … CMD
	//   "option"    a command's option that runs code (tar --to-command,
	//               --checkpoint-action=exec, rsync -e/--rsh, vim -c ':!…',
	//               zip -TT, less/man pager options, …)
	Kind string `json:"kind"`
	// Name is the base name of the program or construct ("sudo", "bash", "eval",
	// "python3", the function's name).
	Name string `json:"name"`
	// Detail carries what is worth knowing about the link ("-c", "-u root",
	// "alias.x", "--to-command", the ssh host). For wrappers it is the option
	// words between the wrapper and the inner command ("10s" for timeout 10s).
	Detail string `json:"detail,omitempty"`
}

// Code is code handed to an interpreter.
type Code struct {
	// Lang is the interpreter family: "python", "node", "perl", "ruby", "php",
	// "awk", "sed", "lua", "tcl", "osascript", "pwsh": programs that run code,
	// not data languages such as jq.
	Lang string `json:"lang"`
	// From says where the code comes from: "arg" (-c/-e), "stdin" (heredoc,
	// here-string, pipe), "expr" (awk/sed program), "file" (only for an awk
	// program file whose command line writes files, below: otherwise a
	// script path yields no Code at all).
	From string `json:"from"`
	// Text is the code when known (truncated to 4096 bytes).
	Text string `json:"text"`
	// Known is false when the code's text is not known statically.
	// Numeric-only expansions in code built by the line ($? $$ $# ${#x},
	// and $((…)) of literal numbers, which is computed) cannot inject code:
	// a "0" stands for each and the code is parsed (sh -c "echo $$" runs
	// echo 0). $! stays unknown (it is empty when no background job was
	// started, and the word it stood in vanishes), as does arithmetic on
	// variables (bash evaluates a variable's value as an expression, which
	// can run $(…) in an array subscript). The same holds for shell code
	// (bash -c, eval, ssh, heredocs) and Commands' Argv is unchanged.
	Known bool `json:"known"`
	// Effects lists what the code visibly does, from a scan of its text:
	// "spawn" (runs a process: os.system, subprocess, child_process, system(),
	// backticks, exec, popen), "delete" (os.remove, unlink, rmtree, rm_rf,
	// fs.rm*, unlinkSync), "write" (opens files for writing outside obvious
	// stdout), "network" (sockets, urllib, requests, http, fetch, LWP, Net::),
	// "env" (reads os.environ / process.env), "eval" (eval/exec of built strings;
	// python exec(open('x.py').read()) and exec(compile(open('x.py').read(),
	// 'x.py', 'exec')) with a literal file name, nothing appended, run a
	// script file like python x.py and are not "eval").
	// For sed, "spawn" is a real e command or the e flag of s/// as GNU sed
	// parses the script (a\ i\ c\ text, s/// parts, labels and file names
	// are not commands; a script GNU sed would reject runs nothing past the
	// error). For awk, "write" also comes from gawk's command line: -i
	// inplace rewrites the operand files, -d, -p and -o write a file
	// (awkvars.out, awkprof.out by default); those files are in Paths, and
	// an awk program file (-f) with them gets a Code with From "file".
	Effects []string `json:"effects"`
	// Paths lists string literals in the code that look like absolute or
	// home-relative paths ("/etc/passwd", "~/.ssh/id_rsa"), resolved, and
	// the files named above (a computed name kept as written).
	Paths []string `json:"paths"`
}

// Opaque is code that would run but whose text cannot be known statically.
type Opaque struct {
	// Reason is one of:
	//   "dynamic-command"  the command word is not known ($CMD args, "$(…)" args)
	//   "dynamic-code"     a shell, eval, interpreter or code-running option is
	//                      given code not known (sh -c "$X", eval "$(…)",
	//                      bash -c "$(curl …)", python -c "$X", bash <(curl …),
	//                      source <(…), source /dev/stdin, and a heredoc or
	//                      here-string of unknown text read by a shell or
	//                      interpreter: sh <<< "$(curl …)", python3 - <<< "$X")
	//   "pipe-to-shell"    a shell or interpreter reads code from a pipe whose
	//                      content is not literal (curl … | sh, base64 -d | bash)
	//   "source"           source/. of a file whose content is not judged;
	//                      gawk -l LIB (native code) and -i LIB (awk code;
	//                      -i inplace is an in-place edit, not this)
	//   "script"           a shell or interpreter runs a script file
	//                      (bash x.sh, python x.py are NOT opaque: ordinary work;
	//                      this reason is only for code fed from /dev/fd/N,
	//                      /proc/self/fd and the like, or bash -s < /dev/stdin,
	//                      and gawk -D's debugger commands, read from a stream)
	//   "encoded"          text fed to a shell or interpreter (a pipe from
	//                      echo/printf, a here-string, -c code, eval) needed
	//                      escape decoding of characters given by code (\xHH,
	//                      \NNN octal, \uHHHH: echo -e, printf, $'…'): people
	//                      do not write hex to a shell; it is obfuscation.
	//                      The decoded text is still parsed and its commands
	//                      listed. \n, \t and the like do not count.
	//   "depth"            recursion deeper than MaxDepth
	//   "too-many-commands" the line passes one of the bounds that keep judging
	//                      it fast (Options.MaxCommands commands, statements
	//                      walked, alias text); Text says which bound in words
	//                      ("more than 512 commands"), not source text. The
	//                      commands past the bound are not listed.
	//   "dynamic-function" a function name defined dynamically
	//   "recursive-function" a function that calls itself (fork bombs)
	Reason string `json:"reason"`
	// Text is the source text of the construct.
	Text string `json:"text"`
	// Via is the chain that led here.
	Via []Step `json:"via"`
}

// ParseError is a syntax error in the line or in literal nested code.
type ParseError struct {
	Msg  string `json:"msg"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	// Nested is true when the error is in literal code handed to a nested shell
	// (bash -c '…' whose text does not parse).
	Nested bool `json:"nested"`
	// Limit says why the text was not parsed: "" for a syntax error, or the
	// bound it passes that keeps judging safe: LimitSize (more than
	// Options.MaxBytes) or LimitNesting. Msg then says the bound.
	Limit string `json:"limit"`
}

// Limits a ParseError may name.
const (
	LimitSize    = "size"
	LimitNesting = "nesting"
)

func (e *ParseError) Error() string { return e.Msg }
