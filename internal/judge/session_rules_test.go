package judge

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/policy"
)

// sessionIDs decides line as typed in a gated interactive session (or not) and
// returns the ids of the session package's reasons, sorted and deduplicated.
func sessionIDs(t *testing.T, te *testEnv, line string, session bool) (policy.Decision, []string) {
	t.Helper()
	_, d, err := checkSession(context.Background(), te.judge, line, te.ws, te.env, session)
	if err != nil {
		t.Fatalf("%q: decision failed: %v", line, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range d.Reasons {
		if strings.HasPrefix(r.ID, "session.") && !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return d, out
}

// TestSessionRules runs lines through the real parser and the whole policy with
// input.session set: the session package refuses what would disable or bypass the
// session's hook, and only in a session.
func TestSessionRules(t *testing.T) {
	te := newTestEnv(t)
	cases := []struct {
		line string
		want string // the session.* ids, comma-separated; "" for none
	}{
		// bind
		{`bind -x '"\C-m": foo'`, "session.bind"},
		{`bind '"\C-m": accept-line'`, "session.bind"},
		{`bind -r '\C-m'`, "session.bind"},
		{`bind -u accept-line`, "session.bind"},
		{`bind -f ~/.inputrc`, "session.bind"},
		{`bind -m vi-insert '"\C-j": accept-line'`, "session.bind"},
		{`bind 'set editing-mode vi'`, "session.bind"},
		{`'bi'nd -x '"\C-m": foo'`, "session.bind"},
		{`builtin bind -x '"\C-m": foo'`, "session.bind"},
		{`command bind -r '\C-m'`, "session.bind"},
		{`b=bind; $b -x '"\C-m": foo'`, "session.bind"},
		{`bind -p`, ""},
		{`bind -P`, ""},
		{`bind -v`, ""},
		{`bind -l`, ""},
		{`bind -psv`, ""},
		{`bind -q accept-line`, ""},
		{`bind -m vi-insert -p`, ""},
		{`bind -X`, ""},
		// trap DEBUG
		{`trap - DEBUG`, "session.trap"},
		{`trap '' DEBUG`, "session.trap"},
		{`trap 'echo x' debug`, "session.trap"},
		{`trap -- - DEBUG`, "session.trap"},
		{`trap DEBUG`, "session.trap"},
		{`trap 0 DEBUG`, "session.trap"},
		{`trap 'echo bye' EXIT DEBUG`, "session.trap"},
		{`command trap - DEBUG`, "session.trap"},
		{`eval 'trap - DEBUG'`, "session.trap"},
		{`f() { trap - DEBUG; }; f`, "session.trap"},
		{`trap - "$sig"`, "session.dynamic"},
		{`trap 'echo bye' EXIT`, ""},
		{`trap -p`, ""},
		{`trap -p DEBUG`, ""},
		{`trap -l`, ""},
		{`trap 'rm -f /tmp/x' INT TERM`, ""},
		// shell options
		{`shopt -u extdebug`, "session.option"},
		{`shopt -u histverify`, "session.option"},
		{`shopt -u interactive_comments`, "session.option"},
		{`shopt -u -o functrace`, "session.option"},
		{`shopt -uo functrace`, "session.option"},
		{`shopt -uo emacs`, "session.option"},
		{`shopt -u "$opt"`, "session.dynamic"},
		{`set +T`, "session.option"},
		{`set +eT`, "session.option"},
		{`set +o functrace`, "session.option"},
		{`set -e +o functrace`, "session.option"},
		{`set +o emacs`, "session.option"},
		{`set +o vi`, "session.option"},
		{`set +o "$m"`, "session.dynamic"},
		{`shopt -s extdebug histverify`, ""},
		{`shopt -u nullglob`, ""},
		{`shopt -s -o posix`, ""},
		{`shopt -p`, ""},
		{`set -o posix`, ""},
		{`set -T`, ""},
		{`set -- +T`, ""},
		{`set +o`, ""},
		{`set -o`, ""},
		{`set +x`, ""},
		// enable
		{`enable -n kill`, "session.enable"},
		{`enable -f ./x.so read`, "session.enable"},
		{`enable -d read`, "session.enable"},
		{`enable -a`, ""},
		{`enable`, ""},
		{`enable -p`, ""},
		// PROMPT_COMMAND
		{`unset PROMPT_COMMAND`, "session.prompt_command"},
		{`unset -v PROMPT_COMMAND`, "session.prompt_command"},
		{`unset 'PROMPT_COMMAND[1]'`, "session.prompt_command"},
		{`x=PROMPT_COMMAND; unset "$x"`, "session.prompt_command"},
		{`unset $(compgen -v)`, "session.dynamic"},
		{`PROMPT_COMMAND[1]=`, "session.prompt_command"},
		{`PROMPT_COMMAND[1]=true`, "session.prompt_command"},
		{`PROMPT_COMMAND=(true)`, "session.prompt_command"},
		{`PROMPT_COMMAND=()`, "session.prompt_command"},
		{`PROMPT_COMMAND+=(x)`, "session.prompt_command"},
		{`eval $'PROMPT_COMMAND\x5b1]=x'`, "session.prompt_command"},
		{`let 'PROMPT_COMMAND[1]=0'`, "session.prompt_command"},
		{`(( PROMPT_COMMAND[1]++ ))`, "session.prompt_command"},
		{`declare -a PROMPT_COMMAND`, "session.prompt_command"},
		{`declare -i PROMPT_COMMAND`, "session.prompt_command"},
		{`declare -r PROMPT_COMMAND`, "session.prompt_command"},
		{`readonly PROMPT_COMMAND`, "session.prompt_command"},
		{`local PROMPT_COMMAND`, "session.prompt_command"},
		{`typeset -g PROMPT_COMMAND=x`, "session.prompt_command"},
		{`export -n PROMPT_COMMAND`, "session.prompt_command"},
		{`declare -n r=PROMPT_COMMAND`, "session.prompt_command"},
		{`declare PROMPT_COMMAND=(a b)`, "session.prompt_command"},
		{`declare "PROMPT_COMMAND[1]=x"`, "session.prompt_command"},
		{`read -a PROMPT_COMMAND`, "session.prompt_command"},
		{`mapfile -t PROMPT_COMMAND < /dev/null`, "session.prompt_command"},
		{`printf -v 'PROMPT_COMMAND[1]' %s x`, "session.prompt_command"},
		{`PROMPT_COMMAND='export PS1="###PS1JSON###"'`, ""},
		{`export PROMPT_COMMAND='history -a'`, ""},
		{`PROMPT_COMMAND="$X"`, ""},
		{`PROMPT_COMMAND+='; history -a'`, ""},
		{`declare -p PROMPT_COMMAND`, ""},
		{`echo "${PROMPT_COMMAND[@]}"`, ""},
		{`bash -c 'unset PROMPT_COMMAND'`, ""},
		// variables the hook reads
		{`readonly READLINE_LINE`, "session.hook_var"},
		{`declare -r READLINE_POINT`, "session.hook_var"},
		{`declare -n READLINE_LINE=x`, "session.hook_var"},
		{`unset BASH_ALIASES`, "session.hook_var"},
		{`unset FUNCNAME`, "session.hook_var"},
		{`PWD=/tmp`, "session.hook_var"},
		{`read -r PWD`, "session.hook_var"},
		{`export PS1="$PWD> "`, ""},
		{`declare -p PWD`, ""},
		{`echo $READLINE_LINE`, ""},
		// the hook's names
		{`__gatesh_ok=1`, "session.hook"},
		{`unset -f __gatesh_accept`, "session.hook"},
		{`__gatesh_prompt() { :; }`, "session.hook"},
		{`alias __gatesh_refused=ls`, "session.hook"},
		{`echo $__gatesh_token`, "session.hook"},
		{"cat <<EOF\n$__gatesh_token\nEOF", "session.hook"},
		{`unset -f __ga''tesh_accept`, "session.hook"},
		{`a=__ga; unset -f "${a}tesh_accept"`, "session.hook"},
		{`bash -c 'echo __gatesh'`, "session.hook"},
		// functions named after what the hook calls
		{`builtin() { :; }`, "session.function"},
		{`read() { :; }`, "session.function"},
		{`function trap { :; }`, "session.function"},
		{`command_not_found_handle() { echo nope; }`, "session.function"},
		{`f() { echo hi; }`, ""},
		// descriptors 62 and 63
		{`exec 63>&-`, "session.fd"},
		{`cat 63<&-`, "session.fd"},
		{`exec 63>file`, "session.fd"},
		{`echo hi >&63`, "session.fd"},
		{`echo hi 2>&62`, "session.fd"},
		{`echo hi 1>&63-`, "session.fd"},
		{`exec {fd}>&63`, "session.fd"},
		{`echo hi > /dev/fd/63`, "session.fd"},
		{`bash -c 'echo x >&63'`, "session.fd"},
		{`exec {fd}>&-`, "session.dynamic"},
		{`echo hi >&"$FD"`, "session.dynamic"},
		{`exec 3>&-`, ""},
		{`echo hi 2>&1`, ""},
		{`ls 2>/dev/null`, ""},
		// fc
		{`fc`, "session.fc"},
		{`fc -s ls`, "session.fc"},
		{`fc -e vi 10`, "session.fc"},
		{`fc 10 12`, "session.fc"},
		{`fc -l`, ""},
		{`fc -ln -10`, ""},
		{`fc -l -10`, ""},
		// interactive shells that do not pass the shim
		{`/bin/bash`, "session.shell"},
		{`/bin/bash -i`, "session.shell"},
		{`/bin/bash --login`, "session.shell"},
		{`/bin/bash -s`, "session.shell"},
		{`/bin/bash -o vi`, "session.shell"},
		{`exec /bin/sh`, "session.shell"},
		{`exec -a foo /bin/bash`, "session.shell"},
		{`./bash`, "session.shell"},
		{`/usr/bin/env /bin/bash`, "session.shell"},
		{`env -i bash`, "session.shell"},
		{`env -u PATH bash`, "session.shell"},
		{`PATH=/bin bash`, "session.shell"},
		{`command -p bash`, "session.shell"},
		{`busybox sh`, "session.shell"},
		{`sudo /bin/bash`, "session.shell"},
		{`bash -c '/bin/bash'`, "session.shell"},
		{`/bin/bash < /dev/tty`, "session.shell"},
		{`/bin/bash "$f"`, "session.dynamic"},
		{`/usr/bin/env bash`, ""},
		{`bash`, ""},
		{`sh`, ""},
		{`exec bash`, ""},
		{`env bash -i`, ""},
		{`/bin/bash -c 'echo hi'`, ""},
		{`/bin/bash -lc make`, ""},
		{`/bin/bash script.sh`, ""},
		{`/bin/sh -e script.sh arg`, ""},
		{`/bin/bash -o pipefail script.sh`, ""},
		{`/bin/bash --version`, ""},
		{`/bin/bash < script.sh`, ""},
		{`/bin/bash <<< 'echo hi'`, ""},
		{`ssh host /bin/bash`, ""},
		// prompts that run code
		{`PS0='$(touch /tmp/x)'`, ""}, // the parser judges the substitution as code
		{"export PS4='+`date` '", ""},
		{`PROMPT_COMMAND='trap - DEBUG'`, "session.trap"},
		{`PROMPT_COMMAND='/bin/bash'`, "session.shell"},
		{`PS4='$(unset PROMPT_COMMAND)'`, "session.prompt_command"},
		{`PS0="$X"`, "session.dynamic"},
		{`export PS1='X'`, ""},
		{`PS0='\t'`, ""},
		{`export PS4='+ '`, ""},
		{`PS1='$(git branch) $ '`, ""},
		// code run in the session's own shell that the gate does not read
		{`source ./x.sh`, "session.source"},
		{`. ~/.bashrc`, "session.source"},
		{`mapfile -C 'trap - DEBUG' -c 1 arr < /dev/null`, "session.source"},
		{`source .venv/bin/activate`, ""},
		{`. /ws/venv/bin/activate`, ""},
		{`bash ./x.sh`, ""},
		{`mapfile -t lines < /dev/null`, ""},
		// everyday lines
		{`set -o vi`, ""},
		{`set -o emacs`, ""},
		{`set -e`, ""},
		{`set +H`, ""},
		{`stty -echo`, ""},
		{`history`, ""},
		{`cd /tmp`, ""},
		{`x=1`, ""},
		{`bash -c 'echo hi'`, ""},
		{`bash script.sh`, ""},
		{`echo EXITCODESTART$?EXITCODEEND`, ""},
	}
	for _, c := range cases {
		_, got := sessionIDs(t, te, c.line, true)
		if strings.Join(got, ",") != c.want {
			t.Errorf("session %q: session reasons %v, want %q", c.line, got, c.want)
		}
		if _, off := sessionIDs(t, te, c.line, false); len(off) > 0 {
			t.Errorf("-c mode %q: session reasons %v, want none", c.line, off)
		}
	}
}

// TestSessionEverydayAllowed: the lines agents and their harnesses type in a
// session are allowed by the whole policy.
func TestSessionEverydayAllowed(t *testing.T) {
	te := newTestEnv(t)
	for _, line := range []string{
		`set -o vi`, `set -o emacs`, `set -e`, `set +H`, `stty -echo`, `export PS1='X'`,
		`PS1=SHELLPS1PREFIX`, `bind -p`, `trap 'echo bye' EXIT`, `history`, `fc -l`, `cd /tmp`,
		`x=1`, `f() { echo hi; }`, `bash -c 'echo hi'`, `bash script.sh`,
		`echo EXITCODESTART$?EXITCODEEND`, `set -o posix`, `shopt -s histappend`,
		`trap -p`, `ls -la`, `git status`, `PROMPT_COMMAND='export PS1="###PS1JSON###"'`,
		`PROMPT_COMMAND=''`, `declare -p PROMPT_COMMAND`,
	} {
		d, _ := sessionIDs(t, te, line, true)
		if d.Action != policy.Allow {
			t.Errorf("session %q: got %s %s, want allow\n%s", line, d.Action, d.Class, reasons(d))
		}
	}
}
