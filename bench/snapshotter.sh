#!/usr/bin/env bash
# Issue 10 item 10, everything in one run (as root), figures for docs/BENCHMARKS.md:
#  1. containerd's own snapshotter benchmark (snapshotter-suite/run.sh --bench: 16 layers, each
#     prepared, mounted, written with 1 MB files, committed) on `thinpool serve --containerd` as
#     the proxy snapshotter, then overlayfs and native, in the same run;
#  2. `ctr run --rm IMAGE true` wall time on thinpool vs overlayfs (hyperfine, same containerd,
#     the offline busybox image of examples/containerd.sh);
#  3. Prepare latency with 1 and with 1,000 existing snapshots, and the server's RSS with 1,000
#     snapshots (org.thinpool.bench.SnapshotterLoad, a gRPC client of the served socket);
#  4. the kernel's floor for any loop-mounted snapshotter: the same benchmark on one plain sparse
#     host file holding thinpool's ext4 (bench/snapshotter-floor_test.go.in: Prepare and Commit
#     do nothing, so what remains is loop attach, mount, writes, unmount, detach), with overlayfs
#     in the same run, twice;
#  5. Prepare and Commit per call (the goal is a median; containerd's benchmark prints sums): the
#     same benchmark built with a timestamp around each call, medians of the 16, thinpool and
#     overlayfs.
#  6. the loop attach each "loop" mount costs (bench/snapshotter-loop_test.go.in): containerd's own
#     mount.AttachLoopDevice (LOOP_SET_FD + LOOP_SET_STATUS64) against one LOOP_CONFIGURE ioctl,
#     on a plain sparse host file (ctr run pays containerd's twice per container).
# Usage: bench/snapshotter.sh [all|suite|run|load|floor|calls|loop]   (default all)
# THINPOOL=DIR/bin/thinpool runs every `serve` through that launcher (the release as users run it:
# its bundled runtime, lib/serve.args and its AOT cache); unset, serve runs from target/classes
# with plain java. The first line of the output says which.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "snapshotter.sh: needs root" >&2; exit 2; }
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
what=${1:-all}
mvn -q -o -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
  -Dmdep.includeScope=test >&2
cp="$PWD/target/test-classes:$PWD/target/classes:$(cat target/cp.txt)"
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp")
if [ -n "${THINPOOL:-}" ]; then
  [ -x "$THINPOOL" ] || { echo "snapshotter.sh: THINPOOL=$THINPOOL is not executable" >&2; exit 2; }
  serve=("$(cd "$(dirname "$THINPOOL")" && pwd -P)/$(basename "$THINPOOL")")
  served_by="release launcher $serve"
else
  serve=("${java[@]}" org.thinpool.cli.Main)
  served_by="target/classes (plain java, no AOT cache)"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/thinpool-snapbench.XXXXXX")"
pids=()
cleanup() {
  set +e
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
  done
  rm -rf -- "$work"
}
trap cleanup EXIT
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty)," \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); serve: $served_by"

await_socket() {
  for _ in $(seq 900); do [ -S "$1" ] && return 0; sleep 0.1; done
  echo "no socket $1" >&2; return 1
}

if [ "$what" = all ] || [ "$what" = suite ]; then
  echo "## 1. snapshotter-suite/run.sh --bench (proxy = thinpool serve --containerd)"
  /work/shared/tools/snapshotter-suite/run.sh --bench \
    "${serve[*]} --pool {root}/pool serve --listen none --containerd {socket}" 2>&1 |
    grep -E '^(Benchmark|ok|FAIL|---)' || true
fi

if [ "$what" = all ] || [ "$what" = run ]; then
  echo "## 2. ctr run --rm IMAGE true: thinpool vs overlayfs (hyperfine)"
  "${serve[@]}" --pool "$work/pool" serve --listen none --containerd "$work/thinpool.sock" \
    >"$work/serve.log" 2>&1 &
  pids+=($!)
  await_socket "$work/thinpool.sock"
  cat >"$work/config.toml" <<EOF
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/containerd.sock"
[ttrpc]
  address = "$work/containerd.sock.ttrpc"
[proxy_plugins.thinpool]
  type = "snapshot"
  address = "$work/thinpool.sock"
EOF
  containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
  pids+=($!)
  ctr="ctr --address $work/containerd.sock -n bench"
  for _ in $(seq 600); do $ctr version >/dev/null 2>&1 && break; sleep 0.1; done
  # the first call through a new proxy connection may fail while the server's JVM is cold
  for _ in $(seq 100); do
    $ctr snapshots --snapshotter thinpool prepare warm-up "" >/dev/null 2>&1 && break; sleep 0.3
  done
  $ctr snapshots --snapshotter thinpool rm warm-up
  img="$work/image"
  umoci init --layout "$img/layout" && umoci new --image "$img/layout:latest"
  umoci unpack --image "$img/layout:latest" "$img/bundle" >/dev/null
  mkdir -p "$img/bundle/rootfs/bin"
  cp /bin/busybox "$img/bundle/rootfs/bin/"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$img/bundle/rootfs/bin/$a"
  done
  umoci repack --image "$img/layout:latest" "$img/bundle"
  umoci config --image "$img/layout:latest" --config.cmd sh --config.env PATH=/bin
  tar -C "$img/layout" -cf "$img/image.tar" .
  $ctr image import --base-name localhost/busybox "$img/image.tar" >/dev/null
  $ctr image import --base-name localhost/busybox --snapshotter thinpool "$img/image.tar" \
    >/dev/null
  hyperfine -N --warmup 2 --runs "${RUNS:-20}" --export-markdown "$work/run.md" \
    -n overlayfs "$ctr run --rm --snapshotter overlayfs localhost/busybox:latest ov true" \
    -n thinpool "$ctr run --rm --snapshotter thinpool localhost/busybox:latest tp true"
  cat "$work/run.md"
  kill -TERM "${pids[1]}"; wait "${pids[1]}" || true
  kill -TERM "${pids[0]}"; wait "${pids[0]}" || true
  pids=()
fi

if [ "$what" = all ] || [ "$what" = load ]; then
  echo "## 3. Prepare with 1 and 1,000 existing snapshots; RSS with 1,000 snapshots"
  "${serve[@]}" --pool "$work/pool3" serve --listen none --containerd "$work/load.sock" \
    >"$work/serve3.log" 2>&1 &
  pids+=($!)
  await_socket "$work/load.sock"
  "${java[@]}" org.thinpool.bench.SnapshotterLoad "$work/load.sock" "${pids[-1]}" 1000
fi

if [ "$what" = all ] || [ "$what" = floor ]; then
  echo "## 4. kernel floor: containerd's benchmark on a plain ext4 file (loop), vs overlayfs"
  gocode=/usr/share/gocode
  suite=$gocode/src/github.com/containerd/containerd/snapshots/benchsuite
  [ -d "$suite" ] && command -v go >/dev/null ||
    { echo "floor: run the suite section first (it installs Go and containerd's source)" >&2; exit 1; }
  mkdir -p "$work/go/src/floorbench"
  cp "$suite"/*.go "$work/go/src/floorbench/"
  # Debian lays gotest.tools out without its /v3 suffix; GOPATH mode needs the path as laid out.
  sed -i 's#"gotest.tools/v3/#"gotest.tools/#' "$work/go/src/floorbench/"*.go
  cp bench/snapshotter-floor_test.go.in "$work/go/src/floorbench/floor_bench_test.go"
  (cd "$work/go/src/floorbench" && GOPATH="$work/go:$gocode" GO111MODULE=off GOFLAGS= \
    GOCACHE="${XDG_CACHE_HOME:-$HOME/.cache}/snapshotter-suite/gocache" \
    go test -c -o "$work/floor.test" .)
  # the base device as thinpool makes it (FsType.mkfs, BaseFormat: no lost+found)
  truncate -s 10G "$work/floor.img"
  mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$work/floor.img"
  debugfs -w -R "rmdir lost+found" "$work/floor.img" >/dev/null 2>&1
  for rep in 1 2; do
    (cd "$work" && FLOOR_IMAGE="$work/floor.img" "$work/floor.test" -test.run '^$' \
      -test.bench 'Floor|Overlay' -test.benchtime 1x -overlay.rootPath "$work/overlay$rep" |
      grep -E '^Benchmark')
  done
fi

if [ "$what" = all ] || [ "$what" = calls ]; then
  echo "## 5. Prepare / Commit per call in containerd's benchmark: median (min-max) of the 16, ms"
  gocode=/usr/share/gocode
  suite=$gocode/src/github.com/containerd/containerd/snapshots/benchsuite
  tools=/work/shared/tools/snapshotter-suite
  [ -d "$suite" ] && command -v go >/dev/null ||
    { echo "calls: run the suite section first (it installs Go and containerd's source)" >&2; exit 1; }
  src="$work/go/src/callbench"
  mkdir -p "$src"
  cp "$suite"/*.go "$src/"
  sed -i 's#"gotest.tools/v3/#"gotest.tools/#' "$src/"*.go
  # one line on stderr per call, right where the benchmark adds the call to its sum
  sed -i -E 's/^([[:space:]]*)(prepare|commit)Duration \+= time.Since\(timer\)$/&\n\1fmt.Fprintf(os.Stderr, "CALL \2 %d\\n", time.Since(timer).Microseconds())/' \
    "$src/benchmark_test.go"
  sed 's/^package PACKAGE/package benchsuite/' "$tools/start.go.in" >"$src/start.go"
  cp "$tools/bench_test.go.in" "$src/proxy_bench_test.go"
  (cd "$src" && GOPATH="$work/go:$gocode" GO111MODULE=off GOFLAGS= \
    GOCACHE="${XDG_CACHE_HOME:-$HOME/.cache}/snapshotter-suite/gocache" go test -c -o "$work/calls.test" .)
  for bench in Proxy Overlay; do
    (cd "$work" && SNAPSHOTTER_CMD="${serve[*]} --pool {root}/pool serve --listen none --containerd {socket}" \
      "$work/calls.test" -test.run '^$' -test.bench "$bench" -test.benchtime 1x \
      -overlay.rootPath "$work/overlay-calls" 2>"$work/calls-$bench.err" >/dev/null)
    for call in prepare commit; do
      grep "^CALL $call " "$work/calls-$bench.err" | awk '{print $3 / 1000}' | sort -n |
        awk -v b="$bench" -v c="$call" '{v[NR] = $1}
          END {printf "%-8s %-8s median %.2f (%.2f-%.2f) ms, %d calls\n", b, c,
            (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR}'
    done
  done
fi

if [ "$what" = all ] || [ "$what" = loop ]; then
  echo "## 6. loop attach: containerd's (LOOP_SET_FD + LOOP_SET_STATUS64) vs LOOP_CONFIGURE"
  gocode=/usr/share/gocode
  [ -d "$gocode/src/github.com/containerd/containerd/mount" ] && command -v go >/dev/null ||
    { echo "loop: run the suite section first (it installs Go and containerd's source)" >&2; exit 1; }
  mkdir -p "$work/go/src/loopbench"
  cp bench/snapshotter-loop_test.go.in "$work/go/src/loopbench/loop_bench_test.go"
  (cd "$work/go/src/loopbench" && GOPATH="$work/go:$gocode" GO111MODULE=off GOFLAGS= \
    GOCACHE="${XDG_CACHE_HOME:-$HOME/.cache}/snapshotter-suite/gocache" \
    go test -c -o "$work/loop.test" .)
  truncate -s 10G "$work/loop.img"
  for rep in 1 2; do
    LOOP_IMAGE="$work/loop.img" "$work/loop.test" -test.run '^$' -test.bench . \
      -test.benchtime "${LOOP_ATTACHES:-50}x" | grep -E '^Benchmark'
  done
fi
