#!/usr/bin/env bash
# make run: a gated shell on the embedded default policies. Each line you type goes
# through ./bin/gatesh -c exactly as an agent's command would: allowed lines run in
# real bash, held and denied ones print gatesh's refusal and do not run. State
# (daemon socket, decision log) lives in a temporary GATESH_HOME unless you set one.
#
# Until the interactive PTY session lands, each line is its own bash (as with an
# agent's -c calls): `cd DIR` typed alone is kept, other shell state is not.
set -u
cd "$(dirname "$0")/.."
root=$PWD
gatesh=$root/bin/gatesh
gatectl=$root/bin/gatectl
if [ -z "${GATESH_HOME:-}" ]; then
  GATESH_HOME=$(mktemp -d /tmp/gatesh-run.XXXXXX)
  cleanup() {
    pid=$(sed -n 's/.*gatectl serve: pid \([0-9]*\) listening.*/\1/p' "$GATESH_HOME/state/daemon.log" 2>/dev/null | tail -1)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$GATESH_HOME"
  }
  trap cleanup EXIT
fi
export GATESH_HOME
cat <<BANNER
gatesh on the embedded default policies (state in $GATESH_HOME)
Each line runs through gatesh -c as an agent's would. Try:
  ls -la        git status        git push origin main        rm -rf ~
  bash -c 'git reset --hard'      cat ~/.ssh/id_rsa           echo hi | sh
A held line waits up to 90 s for you. Approve or deny it from another terminal:
  GATESH_HOME=$GATESH_HOME $root/bin/gatectl queue
Decision log: GATESH_HOME=$GATESH_HOME $root/bin/gatectl log. Ctrl-D to leave.
BANNER
if [ ! -t 0 ]; then
  # Not a terminal (CI, a pipe): show one allowed, one held, one denied line.
  export GATESH_HOLD_WAIT=0
  for line in 'echo gatesh runs this' 'git push origin main' "bash -c 'rm -rf ~'"; do
    echo "\$ $line"
    "$gatesh" -c "$line"
    echo "(exit $?)"
  done
  exit 0
fi
while IFS= read -r -e -p "gatesh:${PWD/#$HOME/\~}\$ " line; do
  [ -z "${line// /}" ] && continue
  history -s -- "$line"
  if [[ $line =~ ^[[:space:]]*cd([[:space:]]+([^[:space:];&|<>]+))?[[:space:]]*$ ]]; then
    # A bare cd changes this loop's directory, after the gate has seen it.
    "$gatesh" -c "$line" && cd "${BASH_REMATCH[2]:-$HOME}"
    continue
  fi
  "$gatesh" -c "$line"
done
echo
