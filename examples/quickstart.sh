#!/usr/bin/env bash
# The main job on the embedded default: a loop-mode pool in ./thinpool-data (recreated each
# run), a thin device with a file imported, an O(1) snapshot, a copy-on-write, then the
# device list, the pool status and a full metadata check (ours, and the real thin_check if
# it is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
export THINPOOL_POOL="${THINPOOL_POOL:-$PWD/thinpool-data}"
tp=./thinpool
rm -rf "$THINPOOL_POOL"
$tp create --data-size 1G
$tp thin create 1 256M
$tp import 1 README.md
$tp thin snapshot 2 1
printf 'written through the snapshot only\n' > "$THINPOOL_POOL/.note"
$tp import 2 "$THINPOOL_POOL/.note" --offset 1048576
rm -f "$THINPOOL_POOL/.note"
$tp thin ls
$tp status
$tp check
if command -v thin_check >/dev/null 2>&1; then
  thin_check "$THINPOOL_POOL/metadata"
fi
