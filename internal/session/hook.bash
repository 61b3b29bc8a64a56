# gatesh session hook. gatesh gives bash this file as its rc file (fd 62). It
# loads the person's own startup files first, then makes Enter hand every
# complete line to gatesh (fd 63) before bash runs any of it. The caller's
# startup choice comes first, in __gatesh_startup (login, norc, noprofile, rcfile).
builtin exec 62<&-
__gatesh_startup() {
	builtin local f
	if [[ ${__gatesh_login-} == 1 ]]; then
		[[ ${__gatesh_noprofile-} == 1 ]] && builtin return 0
		[[ -r /etc/profile ]] && builtin source /etc/profile
		for f in ~/.bash_profile ~/.bash_login ~/.profile; do
			if [[ -r $f ]]; then
				builtin source "$f"
				builtin return 0
			fi
		done
	elif [[ ${__gatesh_norc-} != 1 ]]; then
		f=${__gatesh_rcfile:-~/.bashrc}
		[[ -r $f ]] && builtin source "$f"
	fi
	builtin return 0
}
__gatesh_startup
builtin unset -f __gatesh_startup

# Enter, in every keymap: judge, then run what was allowed. \C-x\C-g is the
# judge, \C-x\C-h puts the refusal in place, \C-x\C-a accepts the line.
__gatesh_bind() {
	builtin local m k
	for m in emacs emacs-standard emacs-ctlx emacs-meta vi-insert vi-command; do
		builtin bind -m "$m" -x '"\C-x\C-g": __gatesh_accept' 2>/dev/null
		builtin bind -m "$m" -x '"\C-x\C-h": __gatesh_after' 2>/dev/null
		builtin bind -m "$m" '"\C-x\C-a": accept-line' 2>/dev/null
		for k in '\C-m' '\C-j' '\e\C-m' '\e\C-j' '\C-o'; do
			builtin bind -m "$m" "\"$k\": \"\\C-x\\C-g\\C-x\\C-h\\C-x\\C-a\"" 2>/dev/null
		done
		# Ways to run a line that do not pass Enter: edit-and-execute and
		# re-reading the init file are unbound.
		builtin bind -m "$m" -r '\C-x\C-e' 2>/dev/null
		builtin bind -m "$m" -r '\C-x\C-r' 2>/dev/null
	done
	builtin bind -m vi-command -r 'v' 2>/dev/null
	builtin bind -m emacs-meta -r '#' 2>/dev/null
	builtin return 0
}

# __gatesh_accept sends the line to gatesh and acts on its answer.
__gatesh_accept() {
	builtin local s v t k kind=cont
	[[ ${__gatesh_fresh-} == 1 ]] && kind=new
	__gatesh_fresh=0
	__gatesh_refuse=0
	__gatesh_ok=0
	((__gatesh_seq++))
	{
		builtin printf '%s\0' G1 "$__gatesh_seq" "$kind" "$PWD" "${READLINE_LINE-}" "${#BASH_ALIASES[@]}"
		for k in "${!BASH_ALIASES[@]}"; do
			builtin printf '%s\0' "$k" "${BASH_ALIASES[$k]}"
		done
	} >&63 2>/dev/null
	if IFS= builtin read -r -d '' -u 63 s && IFS= builtin read -r -d '' -u 63 v && IFS= builtin read -r -d '' -u 63 t &&
		[[ $s == "$__gatesh_seq" && $t == "${READLINE_LINE-}" ]]; then
		case $v in
		allow)
			__gatesh_ok=1
			# With histverify, a line with a history expansion (!!, ^a^b)
			# comes back to be edited instead of running: the next Enter
			# is a line of its own.
			if [[ $kind == new && $- == *H* && ($READLINE_LINE == *!* || $READLINE_LINE == ^*) ]]; then
				__gatesh_fresh=1
			fi
			builtin return 0
			;;
		more) builtin return 0 ;;
		esac
	fi
	# Denied, or no valid answer: nothing of the line runs.
	builtin history -s -- "${READLINE_LINE-}"
	__gatesh_refuse=1
	if [[ $kind == cont ]]; then
		# A command begun on earlier lines: drop all of it, as Ctrl-C at the
		# continuation prompt does.
		builtin kill -INT $$
	fi
	builtin return 0
}

# __gatesh_after replaces a refused line with the call that sets $? to 126.
# The H marker has gatesh hide readline's redraw of that stand-in (and its
# newline): the person sees gatesh's message, then the next prompt.
__gatesh_after() {
	if [[ ${__gatesh_refuse-} == 1 ]]; then
		builtin printf '\e]6973;%s;H\a' "${__gatesh_token-}"
		__gatesh_refuse=0
		__gatesh_ok=1
		READLINE_LINE=__gatesh_refused
		READLINE_POINT=${#READLINE_LINE}
	fi
	builtin return 0
}

__gatesh_refused() {
	builtin return 126
}

# __gatesh_prompt runs before each prompt: the end-of-command marker for gatesh
# (removed from the output), and the bindings put back when the editing mode changed.
__gatesh_prompt() {
	builtin local st=$?
	builtin printf '\e]6973;%s;D;%s;%s\a' "${__gatesh_token-}" "$st" "${PWD//[$'\a\e\n']/?}"
	__gatesh_fresh=1
	__gatesh_ok=0
	[[ :${HISTIGNORE-}: == *:__gatesh_refused:* ]] || HISTIGNORE=${HISTIGNORE:+$HISTIGNORE:}__gatesh_refused
	# The bindings stay (a line that binds keys is refused); binding again
	# costs about a millisecond, so it is done when the options change (set -o
	# vi or emacs).
	if [[ $SHELLOPTS != "${__gatesh_opts-}" ]]; then
		__gatesh_bind
		__gatesh_opts=$SHELLOPTS
	fi
	builtin return $st
}

# A line that reaches bash without passing the hook (a binding gatesh did not
# cover) is not run: with extdebug, a DEBUG trap that fails skips the command.
# Readline runs the person's own code between lines too, which is not a line:
# completion functions (COMP_LINE is set; a line may not set it) and key
# bindings of bind -x (READLINE_LINE is set; likewise); a line that registers
# either is judged for the code it registers.
__gatesh_debug() {
	[[ ${__gatesh_ok-} == 1 || ${FUNCNAME[1]-} == __gatesh* || $BASH_COMMAND == __gatesh_* ||
		-n ${COMP_LINE+x} || -n ${READLINE_LINE+x} ]] && builtin return 0
	builtin printf 'gatesh: not judged, so not run: %s\n' "$BASH_COMMAND" >/dev/tty
	builtin return 1
}

__gatesh_fresh=1
__gatesh_ok=1
__gatesh_seq=0
__gatesh_refuse=0
builtin shopt -s histverify extdebug
__gatesh_bind
__gatesh_opts=$SHELLOPTS
PROMPT_COMMAND[__GATESH_SLOT__]=__gatesh_prompt
builtin trap '__gatesh_debug' DEBUG
