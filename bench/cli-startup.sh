#!/usr/bin/env bash
# Whole-process start-up cost of short CLI commands against the peer, in one hyperfine run:
# `thin_ls` on a small pool's metadata vs `thinpool thin ls` and `thinpool status` on the same
# pool, for each launcher given (default: ./thinpool, the checkout launcher).
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

pool="$(mktemp -d)"
trap 'rm -rf "$pool"' EXIT
tp="${launchers[0]}"
# A small pool: two devices sharing blocks, one MiB written (the shape of examples/quickstart.sh).
"$tp" --pool "$pool" create --data-size 1G >/dev/null
"$tp" --pool "$pool" thin create 1 256M >/dev/null
head -c 1048576 /dev/urandom > "$pool/.img"
"$tp" --pool "$pool" import 1 "$pool/.img" >/dev/null
"$tp" --pool "$pool" thin snapshot 2 1 >/dev/null
"$tp" --pool "$pool" import 2 "$pool/.img" --offset 4194304 >/dev/null
rm -f "$pool/.img"

thin_ls="$(command -v thin_ls || echo /usr/sbin/thin_ls)"
cmds=(-n thin_ls "$thin_ls $pool/metadata")
for l in "${launchers[@]}"; do
  cmds+=(-n "$l thin ls" "$l --pool $pool thin ls")
  cmds+=(-n "$l status" "$l --pool $pool status")
done
hyperfine -N --warmup 3 --min-runs 20 "${cmds[@]}" "$@"
