#!/usr/bin/env bash
# Containers on thin snapshots, the whole round trip on a fresh Debian machine (run as root):
# installs containerd, runc, umoci and busybox-static if missing; starts `thinpool serve
# --containerd` on a pool of its own and a private containerd whose config names it as the proxy
# snapshotter "thinpool"; builds a two-layer busybox image offline with umoci, imports it with
# `ctr image import`, runs containers on it with `ctr run --snapshotter thinpool`, shows that a
# container's writes land in its own snapshot only, and prints `thinpool info`.
#
# Everything lives in one folder made with mktemp -d (removed at exit unless KEEP=1); the two
# daemons are stopped by their own pids. Set THINPOOL to another thinpool command to use it
# instead of this checkout's launcher.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "containerd.sh: run as root (containers mount file systems)" >&2; exit 2; }
need=()
for t in containerd:containerd ctr:containerd runc:runc umoci:umoci mkfs.ext4:e2fsprogs \
    nbdfuse:libnbd-bin fusermount3:fuse3; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
[ -x /bin/busybox ] && ! grep -q ld-linux /bin/busybox || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
read -r -a tp <<<"${THINPOOL:-$PWD/thinpool}"
work="$(mktemp -d "${TMPDIR:-/tmp}/thinpool-containerd.XXXXXX")"
pids=()
cleanup() {
  set +e
  if [ -S "$work/containerd.sock" ]; then
    for c in $(ctr --address "$work/containerd.sock" -n example container ls -q 2>/dev/null); do
      ctr --address "$work/containerd.sock" -n example task rm -f "$c" >/dev/null 2>&1
      ctr --address "$work/containerd.sock" -n example container rm "$c" >/dev/null 2>&1
    done
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do   # containerd first, then thinpool
    kill -TERM "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
  done
  if [ "${KEEP:-0}" = 1 ]; then echo "containerd.sh: kept $work"; else rm -rf -- "$work"; fi
}
trap cleanup EXIT

# 1. thinpool serves containerd's Snapshots API on a Unix socket (no NBD port).
"${tp[@]}" --pool "$work/pool" serve --listen none --containerd "$work/thinpool.sock" \
  --base-size 1G >"$work/thinpool.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [ -S "$work/thinpool.sock" ] && break; sleep 0.1; done
[ -S "$work/thinpool.sock" ] || { cat "$work/thinpool.log"; exit 1; }

# 2. A private containerd with thinpool as a proxy snapshotter.
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
ctr=(ctr --address "$work/containerd.sock" -n example)
for _ in $(seq 600); do "${ctr[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done

# 3. An image built offline: busybox in one layer, a 10 MiB file in a second.
img="$work/image"
umoci init --layout "$img/layout"
umoci new --image "$img/layout:latest"
umoci unpack --image "$img/layout:latest" "$img/bundle" >/dev/null
mkdir -p "$img/bundle/rootfs/bin" "$img/bundle/rootfs/tmp"
cp /bin/busybox "$img/bundle/rootfs/bin/"
for a in $(/bin/busybox --list); do
  [ "$a" = busybox ] || ln -s busybox "$img/bundle/rootfs/bin/$a"
done
umoci repack --image "$img/layout:latest" "$img/bundle"
mkdir -p "$img/bundle/rootfs/data"
head -c 10485760 /dev/urandom >"$img/bundle/rootfs/data/big"
umoci repack --image "$img/layout:latest" "$img/bundle"
umoci config --image "$img/layout:latest" --config.cmd sh --config.env PATH=/bin
tar -C "$img/layout" -cf "$img/image.tar" .
"${ctr[@]}" image import --base-name localhost/busybox --snapshotter thinpool "$img/image.tar"

# 4. Containers on thin snapshots of the image's layers.
"${ctr[@]}" run --rm --snapshotter thinpool localhost/busybox:latest hello \
  sh -c 'echo "hello from a thin snapshot"; grep " / " /proc/mounts'
"${ctr[@]}" run -d --snapshotter thinpool localhost/busybox:latest writer \
  sh -c 'head -c 1048576 /dev/urandom > /tmp/new; sync; sleep 600' >/dev/null
sleep 2
"${ctr[@]}" snapshots --snapshotter thinpool usage
"${ctr[@]}" task kill -s KILL writer; sleep 1
"${ctr[@]}" task rm writer >/dev/null; "${ctr[@]}" container rm writer

# 5. The pool, docker-info style, with each snapshot's exclusive and shared space.
"${tp[@]}" --pool "$work/pool" info
echo "containerd.sh: done"
