#!/usr/bin/env bash
# make run: until the gated interactive shell lands (issue 3), this starts a
# decision prompt on the embedded default policies: type a command line, see what
# gatesh would do with it. Nothing you type is run.
set -u
cd "$(dirname "$0")/.."
gatectl=./bin/gatectl
if [ -z "${GATESH_HOME:-}" ]; then
  GATESH_HOME=$(mktemp -d /tmp/gatesh-run.XXXXXX)
  trap 'rm -rf "$GATESH_HOME"' EXIT
fi
export GATESH_HOME
cat <<BANNER
gatesh decision prompt (embedded default policies; state in $GATESH_HOME)
The gated shell itself is not built yet: each line you type is judged, not run.
Try: git push origin main | rm -rf ~ | cat .env | bash -c 'git reset --hard' | ls -la
Ctrl-D to leave.
BANNER
if [ ! -t 0 ]; then
  for line in 'ls -la' 'git push origin main' "bash -c 'rm -rf ~'"; do
    "$gatectl" check -- "$line" || exit 1
  done
  exit 0
fi
while IFS= read -r -e -p 'gatesh (dry)$ ' line; do
  [ -z "$line" ] && continue
  history -s -- "$line"
  "$gatectl" check -- "$line"
done
echo
