package setup

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Agent is a harness whose setup gatectl install knows.
type Agent struct {
	// Name is the --agent value.
	Name string
	// Title is how people call it.
	Title string
	// aliases are other accepted --agent values.
	aliases []string
	// hint is the one overview line, given the shim directory and its bash.
	hint func(dir, bash string) string
	// Terminal is set for agents that type into a shell on a terminal (a gated
	// session), which gatectl doctor then checks too.
	Terminal bool
}

// Agents are the harnesses gatectl install and gatectl doctor know, in the order
// they are listed.
var Agents = []Agent{
	{Name: "claude-code", Title: "Claude Code", aliases: []string{"claude", "claudecode"},
		hint: func(dir, bash string) string {
			return "CLAUDE_CODE_SHELL and SHELL = " + bash + " (--apply writes them to Claude Code's settings.json)"
		}},
	{Name: "codex", Title: "Codex CLI", aliases: []string{"codex-cli"},
		hint: func(dir, bash string) string {
			return "login shell = " + bash + " (chsh; /etc/shells needs root), " + dir + " first on PATH"
		}},
	{Name: "gemini", Title: "Gemini CLI", aliases: []string{"gemini-cli"},
		hint: func(dir, bash string) string { return dir + " first on PATH when gemini starts" }},
	{Name: "aider", Title: "Aider",
		hint: func(dir, bash string) string { return "SHELL=" + bash + " when aider starts" }},
	{Name: "generic", Title: "Any other agent (generic)", Terminal: true,
		hint: func(dir, bash string) string {
			return dir + " first on PATH and SHELL=" + bash + " (SWE-agent, OpenHands, Cline in VS Code)"
		}},
}

// AgentNames lists the --agent values, for usage messages.
func AgentNames() string {
	names := make([]string, len(Agents))
	for i, a := range Agents {
		names[i] = a.Name
	}
	return strings.Join(names, "|")
}

// LookupAgent finds an agent by its --agent value.
func LookupAgent(name string) (Agent, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, a := range Agents {
		if a.Name == name {
			return a, true
		}
		for _, al := range a.aliases {
			if al == name {
				return a, true
			}
		}
	}
	return Agent{}, false
}

// Line is one setup line.
type Line struct {
	Text string
	// Manual lines need root or change the whole account (the login shell):
	// gatectl never runs them, and prints them as comments under --print.
	Manual bool
}

// Section is a way to set the agent up: what to do, and the lines.
type Section struct {
	Intro string
	Lines []Line
}

// Guide is everything one agent needs, for a given shim directory.
type Guide struct {
	Agent Agent
	// Why says how the agent picks its shell, and so what the lines do.
	Why string
	// Sections are the ways to set it up; the first is the recommended one, and
	// the one --print prints.
	Sections []Section
	// Notes are cautions.
	Notes []string
}

// Uncovered says what no shim can cover; every guide ends with it.
var Uncovered = []string{
	"Agents that run /bin/bash by its full path (Goose, the Cline SDK; Codex when the model names /bin/bash itself) bypass PATH, SHELL and the login shell: only a container or a mount namespace in which /bin/bash is gatesh can gate them.",
	"A program the gate allowed (a script, a make or npm target) runs its own commands unjudged; see the README's threat model.",
}

// GuideFor returns the setup of agent a for the shim directory dir.
// claudeSettings is Claude Code's settings.json, named in its guide.
func GuideFor(a Agent, dir, claudeSettings string) Guide {
	bash := filepath.Join(dir, "bash")
	b, d := Quote(bash), Quote(dir)
	path := "PATH=" + d + `:"$PATH"`
	alias := func(cmd string, assigns ...string) Line {
		return Line{Text: "alias " + cmd + "=" + Quote(strings.Join(assigns, " ")+" "+cmd)}
	}
	g := Guide{Agent: a}
	switch a.Name {
	case "claude-code":
		g.Why = `Claude Code runs CLAUDE_CODE_SHELL, else $SHELL, and only when the path contains "bash" or "zsh": the shim ` + bash + ` does. With the shim directory first on PATH, a bare "bash" inside the agent's commands is the shim too.`
		g.Sections = []Section{
			{Intro: "Start claude through the shim: add this line to ~/.bashrc (or ~/.zshrc) and open a new terminal:",
				Lines: []Line{alias("claude", "CLAUDE_CODE_SHELL="+b, "SHELL="+b, path)}},
			{Intro: "Or let gatectl write CLAUDE_CODE_SHELL and SHELL into the \"env\" of " + claudeSettings + ", which covers claude however it is started (every other key is kept, and a backup is written first; PATH is not written, because settings.json cannot add to it):",
				Lines: []Line{{Text: "gatectl install --agent claude-code --apply"}}},
			{Intro: "Or export them in the shell that starts claude (every program started from that shell then runs gatesh too):",
				Lines: []Line{{Text: "export CLAUDE_CODE_SHELL=" + b}, {Text: "export SHELL=" + b}, {Text: "export " + path}}},
		}
	case "codex":
		g.Why = "Codex runs the login shell from the passwd database when its file name is bash, zsh or sh (else the first bash on PATH): make the shim, named bash, the login shell, and put the shim directory first on PATH."
		g.Sections = []Section{
			{Intro: "Allow the shim as a login shell (root), make it yours, and start codex with the shim directory first on PATH (the alias goes in ~/.bashrc):",
				Lines: []Line{
					{Text: "grep -qxF " + b + " /etc/shells || echo " + b + " | sudo tee -a /etc/shells >/dev/null", Manual: true},
					{Text: "chsh -s " + b, Manual: true},
					alias("codex", path),
				}},
		}
		g.Notes = []string{
			"gatectl install never runs the first two lines: /etc/shells needs root, and the login shell is the whole account's: every login (terminal, ssh, su) and every program that starts the login shell then runs gatesh. Keep a session open until `gatectl doctor --agent codex` passes; `chsh -s /bin/bash` undoes it. A separate account for the agent leaves your own logins alone.",
			"Codex may still run /bin/bash by its full path when the model names it (`/bin/bash -lc '…'`): the shim cannot cover that.",
		}
	case "gemini":
		g.Why = "Gemini CLI runs the first bash on PATH: put the shim directory first on PATH when gemini starts."
		g.Sections = []Section{
			{Intro: "Add this line to ~/.bashrc (or ~/.zshrc) and open a new terminal:",
				Lines: []Line{alias("gemini", path)}},
			{Intro: "Or export it in the shell that starts gemini (every program started from that shell then runs gatesh as bash too):",
				Lines: []Line{{Text: "export " + path}}},
		}
	case "aider":
		g.Why = "Aider runs `$SHELL -i -c CMD`: set SHELL to the shim when aider starts."
		g.Sections = []Section{
			{Intro: "Add this line to ~/.bashrc (or ~/.zshrc) and open a new terminal:",
				Lines: []Line{alias("aider", "SHELL="+b)}},
			{Intro: "Or export it in the shell that starts aider (every program started from that shell that runs $SHELL then runs gatesh too):",
				Lines: []Line{{Text: "export SHELL=" + b}}},
		}
	default:
		g.Why = "Most agents run bash from PATH (SWE-agent, OpenHands) or $SHELL; put the shim directory first on PATH and SHELL on the shim. For Cline in VS Code, set the terminal profile's path to " + bash + "."
		g.Sections = []Section{
			{Intro: "In the shell or wrapper script that starts the agent:",
				Lines: []Line{{Text: "export " + path}, {Text: "export SHELL=" + b}}},
		}
		g.Notes = []string{"Set these for the agent only: a profile that exports them makes your own shells and scripts run through gatesh too."}
	}
	return g
}

// Write prints the guide for a person.
func (g Guide) Write(w io.Writer) {
	fmt.Fprintf(w, "%s\n", g.Agent.Title)
	para(w, "  ", g.Why)
	for _, s := range g.Sections {
		fmt.Fprintln(w)
		para(w, "  ", s.Intro)
		fmt.Fprintln(w)
		for _, l := range s.Lines {
			fmt.Fprintf(w, "    %s\n", l.Text)
		}
	}
	for _, n := range g.Notes {
		fmt.Fprintln(w)
		para(w, "  ", n)
	}
	fmt.Fprintln(w)
	WriteUncovered(w)
	fmt.Fprintf(w, "\nCheck it (after starting a new terminal): gatectl doctor --agent %s\n", g.Agent.Name)
}

// WriteShell prints the recommended lines as shell code (for an rc file or
// eval): manual lines are comments.
func (g Guide) WriteShell(w io.Writer) {
	fmt.Fprintf(w, "# gatesh for %s (gatectl install --agent %s --print)\n", g.Agent.Title, g.Agent.Name)
	manual := false
	for _, l := range g.Sections[0].Lines {
		if l.Manual {
			if !manual {
				fmt.Fprintln(w, "# not run by gatectl (needs root, or changes the account's login shell):")
				manual = true
			}
			fmt.Fprintf(w, "#   %s\n", l.Text)
			continue
		}
		fmt.Fprintln(w, l.Text)
	}
}

// WriteUncovered prints what the shim cannot cover.
func WriteUncovered(w io.Writer) {
	fmt.Fprintln(w, "What no shim can cover:")
	for _, u := range Uncovered {
		para(w, "  - ", u)
	}
}

// WriteOverview prints one line per agent, for gatectl install without --agent.
func WriteOverview(w io.Writer, dir string) {
	bash := filepath.Join(dir, "bash")
	fmt.Fprintln(w, "Set an agent up with gatectl install --agent NAME, which prints the exact lines:")
	for _, a := range Agents {
		fmt.Fprintf(w, "  %-12s %s\n", a.Name, a.hint(dir, bash))
	}
	fmt.Fprintln(w)
	WriteUncovered(w)
}

// para writes text wrapped at 88 columns, each line starting with prefix (later
// lines with as many spaces).
func para(w io.Writer, prefix, text string) {
	const width = 88
	indent := strings.Repeat(" ", len(prefix))
	line := prefix
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > width {
			fmt.Fprintln(w, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	fmt.Fprintln(w, line)
}

// Quote quotes s for a POSIX shell when it needs it.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// NotApplied says why --apply writes nothing for agent a (every agent but
// Claude Code).
func NotApplied(a Agent) string {
	switch a.Name {
	case "codex":
		return "--apply: nothing was applied for Codex CLI: its setting is the account's login shell, which needs root (/etc/shells) and changes every login of the account, so gatectl leaves it to you: run the lines below yourself."
	case "gemini":
		return "--apply: nothing was applied for Gemini CLI: it takes bash from the PATH of the shell that starts it, and there is no file of its own that gatectl could write safely; add the line below to your shell's rc file."
	case "aider":
		return "--apply: nothing was applied for Aider: it takes SHELL from the shell that starts it, and there is no file of its own that gatectl could write safely; add the line below to your shell's rc file."
	default:
		return "--apply: nothing was applied: gatectl knows no file of an unnamed agent that it could write safely; set the variables below where the agent starts."
	}
}
