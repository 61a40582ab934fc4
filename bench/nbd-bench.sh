#!/usr/bin/env bash
# nbd-bench.sh - every row of issue 9 item 11 in one run: `thinpool serve` against the peer NBD
# servers of ../shared/bench/peer-nbd.sh, measured with ../shared/bench/fio-nbd.sh (fio's nbd
# engine), 1 GiB exports, iodepth 8, ratios thinpool / peer from the same run.
#
# Usage: bench/nbd-bench.sh [-t SECONDS] [-o OUT_DIR] [--reps N] [--chain-reps N]
#                           [--chain-size SIZE] [--depth N] [--jvm jar|release] [--no-build]
#   -t            seconds per fio job (default 10)
#   -o            results directory (default /tmp/nbd-bench; emptied first)
#   --reps        repetitions of the io, snap and fresh rows, ours and the peers interleaved
#                 (io rows: each job on both sides back to back; snap, fresh: ours, peers,
#                 ours, peers, ...); every rep is reported, the median of the per-rep ratios
#                 is the figure (default 3)
#   --chain-reps  fio runs of each chain read on one server; the last (warm) one is the figure
#                 (default 2)
#   --chain-size  virtual size of the chains (default 512G; smaller for a quick try)
#   --depth       snapshots on top of the base of the deep chain (default 64)
#   --jvm         jar: `java -Xmx256m -jar target/thinpool.jar serve` with the JDK's server
#                 defaults (default); release: the release launcher (bin/thinpool, the CLI's
#                 start-up flags), -Xmx256m through JAVA_TOOL_OPTIONS
#   --no-build    use the jars as they are (else `mvn -o -q -DskipTests package` first)
#   --only LIST   run only these groups of rows (comma list of io,fresh,snap,chain; default all;
#                 the report then shows the missing rows as n/a)
# Environment: SHARED_BENCH (default ../shared/bench next to the checkout), NBD_BENCH_IMG (qcow2
# chains, kept for reuse, default /tmp/nbd-bench-imgs: the 512G 64-deep one takes ~3.5 min to
# build on a quiet machine, 35 min on a loaded one), NBD_BENCH_PORT (first of two loopback
# ports, default 10971).
#
# One thinpool server (-Xmx256m, GC log) serves the whole run: a 1 TiB pool with 71 devices
# built in-process by org.thinpool.bench.NbdBenchPool (1 GiB devices, the two 512 GiB chains); it
# stays up, idle, while the peers run, so each thinpool row and its peers run minutes apart at
# most. Peers start and stop through peer-nbd.sh, which only ever signals its own pids; ours is
# stopped by its pid (SIGTERM: drain, commit, exit 0, checked).
#
# I/O rows on written blocks (io): each job (4 KiB random reads and writes, 1 MiB sequential
# reads and writes; 1, then 4 connections) runs on ours and on raw nbdkit back to back, seconds
# apart, the side that goes first alternating from rep to rep, each after `settle` (below); a raw
# peer is started and prefilled for each rep and kept up through it; before rep 1 our server runs
# each job for 2 s, untimed (its JIT warm, as a long-running server's is). A pair measured
# minutes apart compared two states of this host more than two servers.
#
# Write rows (snap, fresh): every fio job of ours and of each peer starts from the same host
# state. The 2-vCPU host accumulates dirty pages (pool build, prefill, each row's writes, a peer's
# base image), and their writeback otherwise lands on whichever job comes next (raw nbdkit's 4 KiB
# overwrites fell from 28k to 6.9k IOPS between two full runs that way). So, per rep:
#   * a fresh target: ours a new snapshot of the written origin (or a new thin device), made
#     through the running server's control socket (`thin snapshot` / `thin create`) after the
#     previous rep's one is deleted (`thin delete`: its blocks freed and punched), so the origin's
#     blocks are shared with one snapshot only and new blocks land in holes, as in rep 1 (with
#     every old snapshot kept, each rep would also raise the origin's ref counts past what the
#     space map's bitmap holds); each peer is started afresh by peer-nbd.sh for every job;
#   * copy-on-write rows: the whole snapshot (ours) or overlay (qemu) is read once through its
#     server (`nbdcopy URI null:`), so the origin / base data is in the page cache on both sides
#     (the peer's base was just written; ours was written at the pool build);
#   * then `settle`: `sync` (the whole host), and a wait until Dirty + Writeback in /proc/meminfo
#     is below 32 MiB (at most 60 s), so no job pays for an earlier one's writeback.
# Writes OUT/json/*.json (fio-nbd.sh), OUT/results.json, OUT/table.md, OUT/gc.log, OUT/run.log.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
B="${SHARED_BENCH:-$here/../shared/bench}"
[ -x "$B/fio-nbd.sh" ] || B=/work/shared/bench
T=10 OUT=/tmp/nbd-bench WREPS=3 REPS=2 CHAIN=512G DEPTH=64 JVM=jar BUILD=1 ONLY=io,fresh,snap,chain
while [ $# -gt 0 ]; do
  case $1 in
    -t) T=$2; shift 2 ;;
    -o) OUT=$2; shift 2 ;;
    --reps) WREPS=$2; shift 2 ;;
    --chain-reps) REPS=$2; shift 2 ;;
    --chain-size) CHAIN=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --jvm) JVM=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "nbd-bench.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
done
[[ $WREPS =~ ^[1-9][0-9]?$ && $REPS =~ ^[1-9][0-9]?$ ]] \
  || { echo "nbd-bench.sh: --reps and --chain-reps take 1..99" >&2; exit 2; }
for t in fio nbdinfo nbdcopy qemu-nbd qemu-img nbdkit; do
  command -v $t >/dev/null || { echo "nbd-bench.sh: $t is not installed" >&2; exit 1; }
done
IMG="${NBD_BENCH_IMG:-/tmp/nbd-bench-imgs}"
P0="${NBD_BENCH_PORT:-10971}" P1=$((${NBD_BENCH_PORT:-10971} + 1))
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PEER_NBD_DIR="$OUT/peer"
case $OUT in /|/tmp|/tmp/|"$HOME"|.|'') echo "nbd-bench.sh: -o $OUT would be emptied" >&2; exit 2 ;; esac
rm -rf "$OUT"; mkdir -p "$OUT/json" "$IMG"
exec > >(tee "$OUT/run.log") 2>&1
t_start=$SECONDS
log() { echo "nbd-bench [$((SECONDS - t_start)) s] $*"; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }

# run_fio LABEL URI [fio-nbd.sh options]: one fio-nbd.sh run, JSON in OUT/json/LABEL.json.
run_fio() {
  local label=$1 uri=$2; shift 2
  echo "nbd-bench [$(date +%T)] fio $label"
  "$B/fio-nbd.sh" -d 8 -t "$T" -l "$label" -o "$OUT/json/$label.json" "$@" "$uri"
}
# peer KIND [N] SIZE [peer options] -- SNIPPET: peer-nbd.sh starts the peer, runs the bash SNIPPET
# with $NBD_URI set and run_fio defined, and always stops the peer.
peer() {
  local args=()
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  "$B/peer-nbd.sh" run "${args[@]}" -- bash -c "$(declare -f run_fio settle warm); $1"
}
# settle: the host's dirty pages written back before a timed write job (see the header).
settle() {
  local t0=$SECONDS d
  sync
  while d=$(awk '/^(Dirty|Writeback):/ { s += $2 } END { print int(s / 1024) }' /proc/meminfo)
    [ "$d" -ge 32 ] && [ $((SECONDS - t0)) -lt 60 ]; do
    sleep 0.5
  done
  echo "nbd-bench [$(date +%T)] settled in $((SECONDS - t0)) s (dirty + writeback $d MiB)"
}
# warm URI: every byte of the export read once through its server (data into the page cache).
warm() {
  local t0=$SECONDS
  nbdcopy "$1" null:
  echo "nbd-bench [$(date +%T)] read $1 through its server in $((SECONDS - t0)) s"
}
export B T OUT

log "thinpool checkout $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet \
  HEAD -- src || echo +changes); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $BUILD = 1 ]; then
  log "building (mvn -o -q -DskipTests package)"
  (cd "$here" && mvn -B -o -q -DskipTests package >"$OUT/build.log" 2>&1) \
    || { cat "$OUT/build.log"; exit 1; }
fi

# The qcow2 chain first: the longest build, kept in IMG for the next run.
chain_dir="$IMG/$CHAIN-d$DEPTH-s128-w4K"
chain_opts=(--stride 128 --write-size 4K --image-dir "$chain_dir")
if want chain; then
  log "qcow2 chain: base + $DEPTH overlays, $CHAIN ($chain_dir; reused when there)"
  "$B/peer-nbd.sh" run qcow2-chain "$DEPTH" "$CHAIN" "$P1" "${chain_opts[@]}" -- true
fi

log "thinpool pool: NbdBenchPool (1 TiB, chains of $CHAIN at depth $DEPTH and 1)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$here/target/classes:$here/target/test-classes" org.thinpool.bench.NbdBenchPool \
  "$OUT/pool" "$(numfmt --from=iec "$CHAIN")" "$DEPTH" > "$OUT/pool-ids.txt"
. "$OUT/pool-ids.txt"
log "pool built in $BUILD_SECONDS s: $DEVICES devices; syncing it"
# The build leaves GiBs of dirty pages; their writeback must not land on the first rows.
sync -f "$OUT/pool/data"
# Like `lvchange --zero y` on an LVM thin pool: the chains were written with zeroing off (as the
# peer's chain is filled by fallocate); the 1 GiB rows run with the default, zeroing on.
sed -i 's/^zeroing=false$/zeroing=true/' "$OUT/pool/pool.conf"
grep -qx 'zeroing=true' "$OUT/pool/pool.conf"

jvm_opts=(-Xmx256m "-Xlog:gc:file=$OUT/gc.log:uptime")
if [ "$JVM" = release ]; then
  rel=("$here"/target/thinpool-*-linux-x64/bin/thinpool)
  JAVA_TOOL_OPTIONS="${jvm_opts[*]}" "${rel[0]}" --pool "$OUT/pool" serve \
    --listen "127.0.0.1:$P0" > "$OUT/serve.log" 2>&1 &
else
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${jvm_opts[@]}" \
    -jar "$here/target/thinpool.jar" --pool "$OUT/pool" serve --listen "127.0.0.1:$P0" \
    > "$OUT/serve.log" 2>&1 &
fi
spid=$!
trap 'kill -TERM $spid 2>/dev/null || true; "$B/peer-nbd.sh" stop "$P1" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 300); do grep -q ready "$OUT/serve.log" && break; sleep 0.2; done
grep -q ready "$OUT/serve.log" || { cat "$OUT/serve.log"; exit 1; }
U="nbd://127.0.0.1:$P0"
log "thinpool serving on $U, pid $spid, $JVM JVM"
heap_sample() { jcmd "$spid" GC.heap_info >> "$OUT/heap-info.txt" 2>&1 || true; }

if want io; then
# Paired per job (see the header): a rep's raw peer is kept up through it; labels
# SIDE-written[-4conn]-repN-JOB, one JSON per job; the ratio is the median of the per-rep ratios.
io_jobs=(randread-4k seqread-1m randwrite-4k seqwrite-1m)
for r in $(seq "$WREPS"); do
  sides=(tp raw); [ $((r % 2)) = 0 ] && sides=(raw tp)
  log "rows: 4 KiB random / 1 MiB sequential I/O on written blocks, 1 and 4 connections, rep $r/$WREPS (${sides[0]} first)"
  eval "$("$B/peer-nbd.sh" start raw 1G "$P1")"
  declare -A io_uri=([tp]="$U/$WRITTEN" [raw]="$NBD_URI")
  for side in tp raw; do
    "$B/fio-nbd.sh" -d 8 -t 1 --prefill --only seqwrite-1m \
      -o "$OUT/json/prefill-$side-rep$r.json" "${io_uri[$side]}" > /dev/null
  done
  if [ "$r" = 1 ]; then # the server's JIT warmed up on these paths, as a long-running one is
    "$B/fio-nbd.sh" -d 8 -t 2 --only "$(IFS=,; echo "${io_jobs[*]}")" \
      -o "$OUT/json/warmup-tp.json" "${io_uri[tp]}" > /dev/null
  fi
  for c in "" -4conn; do
    nj=1; [ -n "$c" ] && nj=4
    for job in "${io_jobs[@]}"; do
      for side in "${sides[@]}"; do
        settle
        run_fio "$side-written$c-rep$r-$job" "${io_uri[$side]}" -j "$nj" --only "$job"
      done
    done
    [ "$r" = 1 ] && heap_sample
  done
  "$B/peer-nbd.sh" stop "$P1"
done
fi
# thin ARGS...: a pool command through the running server's control socket.
thin() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$here/target/thinpool.jar" \
    --pool "$OUT/pool" thin "$@" > /dev/null
}
for r in $(seq "$WREPS"); do
  if want snap; then
    log "rows: first 4 KiB random writes into a snapshot of a written device, rep $r/$WREPS"
    snap=$SNAPSHOT
    if [ "$r" -gt 1 ]; then
      thin delete "$snap_prev" # so the origin is shared with one snapshot only, as in rep 1
      snap=$((SNAPSHOT_REPS + r)); thin snapshot "$snap" "$ORIGIN"
    fi
    snap_prev=$snap
    warm "$U/$snap"; settle
    run_fio "tp-snap-rep$r" "$U/$snap" --only randwrite-4k
    [ "$r" = 1 ] && heap_sample
    peer qcow2-snap 1G "$P1" -- "warm \"\$NBD_URI\" && settle && \
      run_fio qcow2-snap-rep$r \"\$NBD_URI\" --only randwrite-4k"
    peer qcow2-snap 1G "$P1" --create-opts extended_l2=on,cluster_size=128k -- \
      "warm \"\$NBD_URI\" && settle && \
       run_fio qcow2-snap-l2ext-rep$r \"\$NBD_URI\" --only randwrite-4k"
  fi
  if want fresh; then
    log "rows: 4 KiB random writes to a fresh device, rep $r/$WREPS"
    fresh=$FRESH
    if [ "$r" -gt 1 ]; then
      thin delete "$fresh_prev" # its blocks punched: the next device fills the same holes
      fresh=$((FRESH_REPS + r)); thin create "$fresh" 1G
    fi
    fresh_prev=$fresh
    settle
    run_fio "tp-fresh-rep$r" "$U/$fresh" --only randwrite-4k
    peer qcow2 1G "$P1" -- \
      "settle && run_fio qcow2-fresh-rep$r \"\$NBD_URI\" --only randwrite-4k"
    peer raw 1G "$P1" -- "settle && run_fio raw-fresh-rep$r \"\$NBD_URI\" --only randwrite-4k"
  fi
done
if want chain; then
log "rows: 4 KiB random reads over the $CHAIN device at the top of the chains"
for r in $(seq "$REPS"); do
  run_fio "tp-chain-d1-rep$r" "$U/$SHALLOW_TOP" --only randread-4k
  run_fio "tp-chain-d$DEPTH-rep$r" "$U/$DEEP_TOP" --only randread-4k
done
heap_sample
# qemu-nbd reads its L2 tables with pread from the layer files: read every file once so they
# are in the page cache, as in ../shared/bench/README.md's chain figures (a chain built minutes
# earlier may have been evicted by then: on a busy machine the first run of this script measured
# 6-84 IOPS, i.e. L2 table reads from the disk). Our pool's metadata was just written, so cached.
t0=$SECONDS
cat "$chain_dir"/*.qcow2 > /dev/null
log "qcow2 chain read into the page cache in $((SECONDS - t0)) s"
for o in default l2-cache-size=64M; do
  qo=(); [ $o = default ] || qo=(--qcow2-opts "$o")
  peer qcow2-chain "$DEPTH" "$CHAIN" "$P1" "${chain_opts[@]}" "${qo[@]}" -- \
    "for r in \$(seq $REPS); do run_fio qcow2-chain-d$DEPTH-${o//=/-}-rep\$r \"\$NBD_URI\" \
       --only randread-4k || exit 1; done"
done
fi

log "stopping thinpool (SIGTERM: drain, commit, exit 0)"
kill -TERM $spid
src=0; wait $spid || src=$?
trap - EXIT
[ $src = 0 ] || { log "thinpool serve exited $src"; tail "$OUT/serve.log"; exit 1; }

"$here/bench/nbd-bench-report.sh" "$OUT" "$T" "$REPS" "$DEPTH" "$CHAIN" "$JVM" "$WREPS"
log "done in $((SECONDS - t_start)) s; table: $OUT/table.md, results: $OUT/results.json"
