#!/usr/bin/env bash
# make run: a gated interactive shell on the embedded default policies. It is
# ./bin/gatesh on your terminal: one real bash (your own ~/.bashrc, history, line
# editing, completion), in which every line is judged before any of it runs.
# Allowed lines run at once; held ones wait for you to approve them from another
# terminal; denied ones do not run ($? is 126). State (daemon socket, decision
# log, requests, recordings) lives in a temporary GATESH_HOME unless you set one.
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
# Record this session too (the default records the sessions agents drive).
export GATESH_RECORD=${GATESH_RECORD:-1}
cat <<BANNER
gatesh on the embedded default policies (state in $GATESH_HOME)
This is a real bash, gated line by line. Try:
  ls -la        git status        git push origin main        rm -rf ~
  bash -c 'git reset --hard'      cat ~/.ssh/id_rsa           echo hi | sh
A held line waits up to 90 s (Ctrl-C withdraws it). Approve or deny it from
another terminal:
  GATESH_HOME=$GATESH_HOME $root/bin/gatectl queue
Decision log: GATESH_HOME=$GATESH_HOME $root/bin/gatectl log
Recordings:   GATESH_HOME=$GATESH_HOME $root/bin/gatectl sessions
Type exit (or Ctrl-D) to leave.
BANNER
if [ ! -t 0 ]; then
  # Not a terminal (CI, a pipe): there is no session to start; show one
  # allowed, one held and one denied line through gatesh -c instead.
  export GATESH_HOLD_WAIT=0
  for line in 'echo gatesh runs this' 'git push origin main' "bash -c 'rm -rf ~'"; do
    echo "\$ $line"
    "$gatesh" -c "$line"
    echo "(exit $?)"
  done
  exit 0
fi
"$gatesh"
status=$?
echo "gatesh session ended (exit $status)"
exit $status
