#!/usr/bin/env bash
# The in-process FUSE device file (serve --fuse) against nbdfuse's file of the same device, same
# server, same run (issue 10 item 3): fio on the file itself, direct I/O, 256 MiB region of thin
# device 1 (prefilled by one sequential write so reads hit provisioned blocks), SECONDS per job
# (default 5), rows alternating between the two files. Needs root (FUSE mount). JSON and logs in
# ${OUT:-/tmp/fuse-vs-nbdfuse}. Stops only what it started: the server and nbdfuse by their pids.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
T="${1:-5}"
OUT="${OUT:-/tmp/fuse-vs-nbdfuse}"
rm -rf "$OUT"; mkdir -p "$OUT/files" "$OUT/nbdfuse"
J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
(cd "$here" && mvn -B -q -o -DskipTests package >&2)
"$J" --enable-native-access=ALL-UNNAMED -Xmx256m -jar "$here/target/thinpool.jar" \
    --pool "$OUT/pool" serve --listen none --socket "$OUT/nbd.sock" --fuse "$OUT/files" \
    > "$OUT/serve.log" 2>&1 &
spid=$!
npid=
cleanup() {
  if [ -n "$npid" ]; then fusermount3 -u "$OUT/nbdfuse" || true; wait "$npid" || true; fi
  kill -TERM "$spid" 2>/dev/null || true; wait "$spid" || true
}
trap cleanup EXIT
for _ in $(seq 150); do grep -q ready "$OUT/serve.log" && break; sleep 0.2; done
nbdfuse "$OUT/nbdfuse" "nbd+unix:///1?socket=$OUT/nbd.sock" > "$OUT/nbdfuse.log" 2>&1 &
npid=$!
for _ in $(seq 100); do [ -e "$OUT/nbdfuse/nbd" ] && break; sleep 0.1; done
dd if=/dev/urandom of="$OUT/files/1" bs=1M count=256 oflag=direct conv=notrunc status=none
run() { # label file rw bs depth
  fio --name="$1" --filename="$2" --rw="$3" --bs="$4" --iodepth="$5" --ioengine=libaio \
      --direct=1 --size=256M --time_based --runtime="$T" --output-format=json \
      > "$OUT/$1.json"
}
for job in "write 1M 8" "read 1M 8" "randwrite 4k 8" "randread 4k 8" "randread 4k 1"; do
  set -- $job
  for f in fuse nbdfuse; do
    file="$OUT/files/1"; [ "$f" = nbdfuse ] && file="$OUT/nbdfuse/nbd"
    run "$f-$1-$2-qd$3" "$file" "$1" "$2" "$3"
  done
done
python3 - "$OUT" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
rows = {}
for p in sorted(out.glob("*.json")):
    j = json.loads(p.read_text())["jobs"][0]
    side = j["read"] if j["read"]["io_bytes"] else j["write"]
    target, job = p.stem.split("-", 1)
    rows.setdefault(job, {})[target] = (side["bw"] / 1024, side["iops"])
print("| job | FUSE file (serve --fuse) | nbdfuse file | ratio |")
print("|---|---|---|---|")
for job, r in rows.items():
    (fb, fi), (nb, ni) = r["fuse"], r["nbdfuse"]
    unit = lambda b, i: f"{b:,.0f} MiB/s" if "1M" in job else f"{i:,.0f} IOPS"
    print(f"| {job} | {unit(fb, fi)} | {unit(nb, ni)} | **{fb / nb:.2f}** |")
PY
