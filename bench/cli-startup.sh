#!/usr/bin/env bash
# Whole-process start-up cost of short CLI commands against the peer, in one hyperfine run:
# `thin_ls` on a small pool's metadata vs `thinpool thin ls` and `thinpool status` on the same
# pool, for each launcher given (default: ./thinpool, the checkout launcher); and the same two
# commands answered by a `thinpool serve` of the first launcher through the pool's control socket
# (a copy of the pool, so both are measured on the same metadata).
# Example (release vs checkout launcher, results as markdown):
#   bench/cli-startup.sh target/thinpool-*-linux-x64/bin/thinpool ./thinpool -- \
#     --export-markdown /tmp/startup.md
# Arguments after `--` go to hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
launchers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do launchers+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#launchers[@]} -gt 0 ] || launchers=(./thinpool)
for l in "${launchers[@]}"; do [ -x "$l" ] || { echo "not executable: $l" >&2; exit 1; }; done

tmp="$(mktemp -d)"
pool="$tmp/pool"
served="$tmp/served"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null && wait "$server" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
tp="${launchers[0]}"
# A small pool: two devices sharing blocks, one MiB written (the shape of examples/quickstart.sh).
"$tp" --pool "$pool" create --data-size 1G >/dev/null
"$tp" --pool "$pool" thin create 1 256M >/dev/null
head -c 1048576 /dev/urandom > "$pool/.img"
"$tp" --pool "$pool" import 1 "$pool/.img" >/dev/null
"$tp" --pool "$pool" thin snapshot 2 1 >/dev/null
"$tp" --pool "$pool" import 2 "$pool/.img" --offset 4194304 >/dev/null
rm -f "$pool/.img"
cp -a "$pool" "$served"
"$tp" --pool "$served" serve --listen none --socket "$tmp/nbd.sock" >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$served/control.sock" ] && break; sleep 0.2; done
[ -S "$served/control.sock" ] || { cat "$tmp/serve.log" >&2; echo "server did not start" >&2; exit 1; }

thin_ls="$(command -v thin_ls || echo /usr/sbin/thin_ls)"
cmds=(-n thin_ls "$thin_ls $pool/metadata")
for l in "${launchers[@]}"; do
  cmds+=(-n "$l thin ls" "$l --pool $pool thin ls")
  cmds+=(-n "$l status" "$l --pool $pool status")
done
cmds+=(-n "$tp thin ls (served)" "$tp --pool $served thin ls")
cmds+=(-n "$tp status (served)" "$tp --pool $served status")
hyperfine -N --warmup 3 --min-runs 20 "${cmds[@]}" "$@"
