#!/usr/bin/env bash
# thinpool serve against peer NBD servers, every row in one run (issue 9 item 11): fio's nbd
# engine through ../shared/bench/fio-nbd.sh, 1 GiB exports, iodepth 8, SECONDS per job (default
# 5). Ports 10951-10954 on 127.0.0.1; JSON and logs in ${OUT:-/tmp/nbd-peers}. Stops only the
# servers it started (ours by its pid, the peers through peer-nbd.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
B="${SHARED_BENCH:-$here/../shared/bench}"
T="${1:-5}"
OUT="${OUT:-/tmp/nbd-peers}"
rm -rf "$OUT"; mkdir -p "$OUT"
J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
(cd "$here" && mvn -B -q -o -DskipTests package >&2)
"$J" --enable-native-access=ALL-UNNAMED -Xmx256m -jar "$here/target/thinpool.jar" \
    --pool "$OUT/pool" serve --listen 127.0.0.1:10951 > "$OUT/serve.log" 2>&1 &
spid=$!
trap 'kill -TERM $spid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q ready "$OUT/serve.log" && break; sleep 0.2; done
U=nbd://127.0.0.1:10951/1
"$B/fio-nbd.sh" -d 8 -t "$T" -l thinpool-fresh -o "$OUT/thinpool-fresh.json" --only randwrite-4k "$U"
"$B/fio-nbd.sh" -d 8 -t "$T" -l thinpool-prefill -o "$OUT/thinpool-prefill.json" --prefill "$U"
kill -TERM $spid; wait $spid; trap - EXIT
"$B/peer-nbd.sh" run raw 1G 10952 -- "$B/fio-nbd.sh" -d 8 -t "$T" -l raw-prefill \
    -o "$OUT/raw-prefill.json" --prefill '{URI}'
"$B/peer-nbd.sh" run qcow2 1G 10953 -- "$B/fio-nbd.sh" -d 8 -t "$T" -l qcow2-fresh \
    -o "$OUT/qcow2-fresh.json" --only randwrite-4k '{URI}'
"$B/peer-nbd.sh" run raw 1G 10954 -- "$B/fio-nbd.sh" -d 8 -t "$T" -l raw-fresh \
    -o "$OUT/raw-fresh.json" --only randwrite-4k '{URI}'
