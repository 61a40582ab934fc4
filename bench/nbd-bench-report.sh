#!/usr/bin/env bash
# nbd-bench-report.sh OUT T REPS DEPTH CHAIN JVM [WREPS] - the table of bench/nbd-bench.sh from the JSON
# files of one run (OUT/json, written by ../shared/bench/fio-nbd.sh) and the server's GC log:
# OUT/table.md (markdown, for docs/BENCHMARKS.md) and OUT/results.json (every figure and ratio).
# nbd-bench.sh runs it at the end; run it again by hand to redo the table of a finished run.
set -euo pipefail
OUT=$1 T=$2 REPS=$3 DEPTH=$4 CHAIN=$5 JVM=$6 WREPS=${7:-1}
J="$OUT/json"

# get LABEL JOB FIELD: one number of one job (fio-nbd.sh writes one job per line), from
# LABEL-JOB.json (one job per run) or else LABEL.json (several); 0 if missing.
get() {
  local v f="$J/$1-$2.json"
  [ -f "$f" ] || f="$J/$1.json"
  v=$(sed -n "s/.*\"name\":\"$2\"[^}]*\"$3\":\([0-9.]*\).*/\1/p" "$f" 2>/dev/null)
  echo "${v:-0}"
}

rows=() json=()
# row WHAT OURS_LABEL PEER_NAME PEER_LABEL JOB FIELD GOAL: thinpool vs a peer, ratio ours/peer.
row() {
  local what=$1 ours=$2 pname=$3 peer=$4 job=$5 field=$6 goal=$7 a b unit
  a=$(get "$ours" "$job" "$field") b=$(get "$peer" "$job" "$field")
  unit=IOPS; [ "$field" = mib_s ] && unit=MiB/s
  add "$what" "$a" "$unit" "$pname" "$b" "$goal" "$ours/$job" "$peer/$job"
}
# chain WHAT OURS_PREFIX PEER_NAME PEER_PREFIX GOAL: 4 KiB random reads, REPS runs on one server
# each (labels PREFIX-repN); the cells list every run, the ratio is of the last (warm) runs.
chain() {
  local what=$1 ours=$2 pname=$3 peer=$4 goal=$5 r a= b=
  for r in $(seq "$REPS"); do
    a="$a${a:+ / }$(fmt "$(get "$ours-rep$r" randread-4k iops)")"
    b="$b${b:+ / }$(fmt "$(get "$peer-rep$r" randread-4k iops)")"
  done
  add "$what" "$(get "$ours-rep$REPS" randread-4k iops)" IOPS "$pname" \
    "$(get "$peer-rep$REPS" randread-4k iops)" "$goal" "$ours-rep$REPS/randread-4k" \
    "$peer-rep$REPS/randread-4k" "$a" "$b"
}
# reprow WHAT OURS PEER_NAME PEER GOAL: a 4 KiB random write row run WREPS times, ours and the
# peer interleaved (labels PREFIX-repN); the cells list every rep, the ratio is the median of the
# per-rep ratios (each rep's thinpool / peer), the values in the JSON the medians of each side.
# JOB FIELD (default randwrite-4k iops) pick another job of the same runs.
reprow() {
  local what=$1 ours=$2 pname=$3 peer=$4 goal=$5 job=${6:-randwrite-4k} field=${7:-iops} r x y
  local a= b= xs= ys= rs= unit=IOPS
  [ "$field" = mib_s ] && unit=MiB/s
  for r in $(seq "$WREPS"); do
    x=$(get "$ours-rep$r" "$job" "$field") y=$(get "$peer-rep$r" "$job" "$field")
    a="$a${a:+ / }$(fmt "$x")" b="$b${b:+ / }$(fmt "$y")" xs="$xs $x" ys="$ys $y"
    rs="$rs $(ratio "$x" "$y")"
  done
  add "$what" "$(median $xs)" "$unit" "$pname" "$(median $ys)" "$goal" "$ours-rep*/$job" \
    "$peer-rep*/$job" "$a" "$b" "$(median $rs)" "${rs# }"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
# median N...: the middle value (the mean of the two middle ones for an even count); n/a if any is.
median() {
  printf '%s\n' "$@" | sort -g | awk '/n\/a/ { na = 1 } { v[NR] = $1 }
    END { if (na || NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]
          else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# add WHAT A UNIT PEER_NAME B GOAL SRC_A SRC_B [A_CELL B_CELL [RATIO REP_RATIOS]]: one table row
# and one JSON entry; RATIO (a median of REP_RATIOS) replaces A / B when given.
add() {
  local ratio met rcell
  ratio=${11:-$(ratio "$2" "$5")}
  rcell="**$ratio**"
  [ -n "${12:-}" ] && rcell="**$ratio** (median of ${12// /, })"
  met="—"
  if [ -n "$6" ]; then
    met=$(awk -v r="$ratio" -v g="$6" 'BEGIN { print (r != "n/a" && r + 0 >= g) ? "met" : "**not met**" }')
  fi
  rows+=("| $1 | ${9:-$(fmt "$2")} $3 | $4 ${10:-$(fmt "$5")} $3 | $rcell | ${6:+≥ $6 — }$met |")
  json+=("{\"row\":\"$1\",\"thinpool\":$2,\"peer\":\"$4\",\"peer_value\":$5,\"unit\":\"$3\",\
\"ratio\":\"$ratio\",\"rep_ratios\":\"${12:-}\",\"goal\":\"${6:-none}\",\"met\":\"${met//\*/}\",\
\"from\":[\"$7\",\"$8\"]}")
}
# fmt N: 12,345 for whole numbers of 1,000 and more; others (MiB/s) as they are.
fmt() {
  awk -v v="$1" 'BEGIN { if (v < 1000 || v != int(v)) { printf "%s", v; exit }
    s = sprintf("%d", v); while (length(s) > 3) { o = "," substr(s, length(s) - 2) o
    s = substr(s, 1, length(s) - 3) } printf "%s%s", s, o }'
}

w=""; [ "$WREPS" -gt 1 ] && w=" ($WREPS reps, interleaved)"
reprow "first 4 KiB random writes into a snapshot of a written device$w" tp-snap \
  "qcow2-snap (64 KiB clusters)" qcow2-snap 1.5
reprow "first 4 KiB random writes into a snapshot of a written device$w" tp-snap \
  "qcow2-snap extended_l2, 128 KiB" qcow2-snap-l2ext 1.0
reprow "4 KiB random writes, fresh device$w" tp-fresh "qcow2 fresh" qcow2-fresh 1.5
reprow "4 KiB random writes, fresh device$w" tp-fresh "raw (nbdkit file)" raw-fresh 0.8
for c in "" -4conn; do
  n=1; [ -n "$c" ] && n=4
  reprow "4 KiB random reads, written blocks, $n conn$w" "tp-written$c" "raw" "raw-written$c" \
    0.9 randread-4k iops
  reprow "1 MiB sequential reads, written, $n conn$w" "tp-written$c" "raw" "raw-written$c" \
    0.9 seqread-1m mib_s
  reprow "1 MiB sequential writes, written, $n conn$w" "tp-written$c" "raw" "raw-written$c" \
    0.9 seqwrite-1m mib_s
  reprow "4 KiB random writes, written blocks, $n conn$w" "tp-written$c" "raw" "raw-written$c" \
    "" randwrite-4k iops
done
w="4 KiB random reads, $CHAIN device, top of a $DEPTH-deep chain"
[ "$REPS" -gt 1 ] && w="$w (runs $(seq -s ' / ' "$REPS") on one server; ratio: run $REPS)"
chain "$w" "tp-chain-d$DEPTH" "thinpool, depth 1" tp-chain-d1 0.9
chain "$w" "tp-chain-d$DEPTH" "qemu-nbd, default cache" "qcow2-chain-d$DEPTH-default" 10
chain "$w" "tp-chain-d$DEPTH" "qemu-nbd, l2-cache-size=64M" \
  "qcow2-chain-d$DEPTH-l2-cache-size-64M" 2

# Heap: the GC log's "BEFORE->AFTER(CAPACITY)" of every collection: the largest BEFORE is the
# most heap the server ever had in use, the largest AFTER its largest live set.
read -r hmax hlive hcap ngc <<< "$(awk '
  function mib(s) { u = substr(s, length(s)); v = substr(s, 1, length(s) - 1) + 0
                    return u == "G" ? v * 1024 : u == "K" ? v / 1024 : v }
  match($0, /[0-9]+[KMG]->[0-9]+[KMG]\([0-9]+[KMG]\)/) {
    split(substr($0, RSTART, RLENGTH), p, /->|\(|\)/)
    if (mib(p[1]) > a) a = mib(p[1]); if (mib(p[2]) > l) l = mib(p[2])
    if (mib(p[3]) > c) c = mib(p[3]); n++ }
  END { printf "%.0f %.0f %.0f %d\n", a, l, c, n }' "$OUT/gc.log")"
# jcmd GC.heap_info samples (between groups of rows): heap in use at that moment, the largest.
jmax=$(awk '/^[0-9]+:$/ { if (u > m) m = u; u = 0 }
  /^ *(garbage-first heap|DefNew|Tenured|PSYoungGen|ParOldGen) / {
    match($0, /used [0-9]+K/); u += substr($0, RSTART + 5, RLENGTH - 6) / 1024 }
  END { if (u > m) m = u; printf "%.0f\n", m }' "$OUT/heap-info.txt" 2>/dev/null || echo 0)
if [ "$ngc" -gt 0 ]; then
  heap="max used $hmax MiB (GC log; live after GC ≤ $hlive MiB; $ngc GCs; jcmd samples ≤ $jmax MiB)"
else
  hmax=$jmax
  heap="max used $jmax MiB (jcmd samples; no GC log with this launcher)"
fi
devices=$(sed -n 's/^DEVICES=//p' "$OUT/pool-ids.txt")

{
  echo "| job (1 GiB exports unless said, iodepth 8, ${T} s per job) | thinpool | peer (same run)"\
    "| ratio thinpool / peer | goal |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo "| server heap, 1 TiB pool, $devices devices, -Xmx256m, during every job above |"\
    "$heap | — | — |"\
    "≤ 256 MiB — $([ "$hmax" -le 256 ] && echo met || echo '**not met**') |"
} > "$OUT/table.md"
{
  printf '{\n  "tool": "bench/nbd-bench.sh",\n  "date": "%s",\n' "$(date -u +%FT%TZ)"
  printf '  "seconds_per_job": %s,\n  "chain_reps": %s,\n  "chain_depth": %s,\n' "$T" "$REPS" "$DEPTH"
  printf '  "chain_size": "%s",\n  "jvm": "%s",\n  "nproc": %s,\n' "$CHAIN" "$JVM" "$(nproc)"
  printf '  "write_reps": %s,\n' "$WREPS"
  printf '  "heap_mib": {"max_used": %s, "max_live": %s, "capacity": %s, "gcs": %s, "jcmd_max": %s},\n' \
    "$hmax" "$hlive" "$hcap" "$ngc" "$jmax"
  printf '  "devices": %s,\n  "rows": [\n' "$devices"
  for i in "${!json[@]}"; do
    sep=,; [ "$i" -eq $((${#json[@]} - 1)) ] && sep=
    printf '    %s%s\n' "${json[$i]}" "$sep"
  done
  printf '  ]\n}\n'
} > "$OUT/results.json"
cat "$OUT/table.md"
