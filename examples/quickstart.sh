#!/usr/bin/env bash
# The main job on a pool of its own: a loop-mode pool in a folder this script creates with
# mktemp -d (and removes at exit, unless KEEP=1), a thin device with a file imported, an O(1)
# snapshot, a copy-on-write, then the device list, the pool status and a full metadata check
# (ours, and the real thin_check if it is installed).
#
# It never touches $THINPOOL_POOL or ./thinpool-data: the only folder it removes is the one it
# made, so a pool you keep there is safe.
set -euo pipefail
cd "$(dirname "$0")/.."
tp="$PWD/thinpool"
work="$(mktemp -d "${TMPDIR:-/tmp}/thinpool-quickstart.XXXXXX")"
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "quickstart: pool kept in $work/pool"
  else
    rm -rf -- "$work"
  fi
}
trap cleanup EXIT
export THINPOOL_POOL="$work/pool"
"$tp" create --data-size 1G
"$tp" thin create 1 256M
"$tp" import 1 README.md
"$tp" thin snapshot 2 1
printf 'written through the snapshot only\n' > "$work/note"
"$tp" import 2 "$work/note" --offset 1048576
"$tp" thin ls
"$tp" status
"$tp" check
if command -v thin_check >/dev/null 2>&1; then
  thin_check "$THINPOOL_POOL/metadata"
fi
