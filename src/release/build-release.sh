#!/usr/bin/env bash
# Builds the release: TARGET/thinpool-VERSION-linux-x64/ and its .tar.gz. Run by pom.xml in
# package, after the shaded jar. Usage: build-release.sh JDK_HOME TARGET_DIR VERSION
#  1. jdeps lists the JDK modules the jar uses (FFM is in java.base);
#  2. jlink makes a runtime of only those, with its default CDS archive;
#  3. the AOT cache is trained with THAT runtime's java and the release's own jar, because an
#     AOT cache is only valid for the exact JVM build, flags and class path it was made with;
#     a second, smaller one for the short commands scripts call in loops (see bin/thinpool);
#     a third for `serve`, trained with the daemon's own flags on a served workload;
#  4. launcher, install script, completion and man pages are copied in and the tree is tarred.
set -euo pipefail
jdk="$1"; target="$2"; version="$3"
src="$(cd "$(dirname "$0")" && pwd)"
name="thinpool-$version-linux-x64"
out="$target/$name"
log="$target/release-build.log"
: > "$log"
rm -rf "$target"/thinpool-*-linux-x64 "$target"/thinpool-*-linux-x64.tar.gz
mkdir -p "$out/bin" "$out/lib" "$out/share"

modules="$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
  "$target/thinpool.jar")"
echo "modules: $modules" >> "$log"
"$jdk/bin/jlink" --add-modules "$modules" --output "$out/runtime" --strip-debug \
  --no-man-pages --no-header-files --generate-cds-archive >> "$log" 2>&1

cp "$target/thinpool.jar" "$out/lib/thinpool.jar"
cp "$src/jvm.args" "$src/serve.args" "$out/lib/"
# One training process runs every command (AotTraining); -XX:AOTCacheOutput records and then
# writes the cache in a second JVM, which inherits these options through JDK_JAVA_OPTIONS.
if ! "$out/runtime/bin/java" "@$out/lib/jvm.args" -XX:AOTCacheOutput="$out/lib/thinpool.aot" \
    -cp "$out/lib/thinpool.jar" org.thinpool.cli.AotTraining >> "$log" 2>&1; then
  cat "$log" >&2
  echo "build-release: AOT training failed" >&2
  exit 1
fi
[ -s "$out/lib/thinpool.aot" ] || { cat "$log" >&2; echo "no AOT cache written" >&2; exit 1; }

install -m 755 "$src/thinpool" "$out/bin/thinpool"
# The short commands' own, smaller cache (lib/short.aot: --version, thin ls, status): trained on
# a pool made here by the release with its full cache, and through the control socket of a copy
# that a `serve` of the release owns, so that it holds only these commands' classes.
short="$(mktemp -d)"
server=
stop_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null && wait "$server" || true; server=; fi
}
trap 'stop_server; rm -rf "$short"' EXIT
tp="$out/bin/thinpool"
head -c 1048576 /dev/urandom > "$short/image"
{ "$tp" --pool "$short/pool" create --data-size 64M \
    && "$tp" --pool "$short/pool" thin create 1 16M \
    && "$tp" --pool "$short/pool" import 1 "$short/image" \
    && "$tp" --pool "$short/pool" thin snapshot 2 1 \
    && cp -a "$short/pool" "$short/served"; } >> "$log" 2>&1 \
  || { cat "$log" >&2; echo "build-release: no pool to train on" >&2; exit 1; }
"$tp" --pool "$short/served" serve --listen none --socket "$short/nbd.sock" >> "$log" 2>&1 &
server=$!
for _ in $(seq 300); do [ -S "$short/served/control.sock" ] && break; sleep 0.2; done
[ -S "$short/served/control.sock" ] \
  || { cat "$log" >&2; echo "build-release: the training server did not start" >&2; exit 1; }
if ! "$out/runtime/bin/java" "@$out/lib/jvm.args" -XX:AOTCacheOutput="$out/lib/short.aot" \
    -cp "$out/lib/thinpool.jar" org.thinpool.cli.AotTraining --short "$short/pool" \
    "$short/served" >> "$log" 2>&1; then
  cat "$log" >&2
  echo "build-release: AOT training of the short commands failed" >&2
  exit 1
fi
stop_server
[ -s "$out/lib/short.aot" ] || { cat "$log" >&2; echo "no short AOT cache written" >&2; exit 1; }
# The daemon's own cache (lib/serve.aot): `serve` runs with lib/serve.args' flags (G1, every JIT
# tier: a cache is only valid for the flags it was made with) and -XX:AOTMode=record while
# cli.ServeTraining, in a JVM of its own, drives it as production does: control socket, NBD and,
# with --containerd, every Snapshots call with the layers mounted through the FUSE device files.
# SIGTERM stops it (the recording is written at exit); AOTMode=create makes the cache. The
# snapshotter part needs root, /dev/fuse, loop mounts and mkfs.ext4: without them, or if it fails,
# the server is trained on the control socket and NBD only, with a line in this log saying so.
train_serve() { # with_snapshotter(0|1) dir
  local st="$2" ok=1 extra=() client_extra=()
  mkdir -p "$st/mnt"
  if [ "$1" = 1 ]; then
    extra=(--containerd "$st/snap.sock"); client_extra=("$st/snap.sock" "$st/mnt")
  fi
  "$out/runtime/bin/java" "@$out/lib/serve.args" -XX:AOTMode=record \
    -XX:AOTConfiguration="$st/serve.aotconf" -cp "$out/lib/thinpool.jar" org.thinpool.cli.Main \
    --pool "$st/pool" serve --listen none --socket "$st/nbd.sock" "${extra[@]}" >> "$log" 2>&1 &
  server=$!
  for _ in $(seq 600); do
    [ -S "$st/pool/control.sock" ] && { [ "$1" = 0 ] || [ -S "$st/snap.sock" ]; } && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  "$out/runtime/bin/java" "@$out/lib/jvm.args" -cp "$out/lib/thinpool.jar" \
    org.thinpool.cli.ServeTraining "$st/pool" "$st/nbd.sock" "${client_extra[@]}" >> "$log" 2>&1 \
    || ok=0
  stop_server
  if mountpoint -q "$st/mnt"; then umount -l "$st/mnt" || true; fi
  [ "$ok" = 1 ] && [ -s "$st/serve.aotconf" ]
}
serve_training="$(mktemp -d)"
trap 'stop_server; rm -rf "$short" "$serve_training"' EXIT
if [ "$(id -u)" = 0 ] && [ -c /dev/fuse ] && [ -w /dev/fuse ] && command -v mkfs.ext4 >/dev/null \
    && train_serve 1 "$serve_training/snapshotter"; then
  echo "serve.aot: trained with the snapshotter (gRPC, FUSE, loop mounts), NBD and control" >> "$log"
  serve_conf="$serve_training/snapshotter/serve.aotconf"
else
  echo "serve.aot: trained WITHOUT the snapshotter (it needs root, /dev/fuse, loop mounts and" \
    "mkfs.ext4, or its training failed above): NBD and the control socket only" >> "$log"
  train_serve 0 "$serve_training/plain" \
    || { cat "$log" >&2; echo "build-release: the serve training failed" >&2; exit 1; }
  serve_conf="$serve_training/plain/serve.aotconf"
fi
"$out/runtime/bin/java" "@$out/lib/serve.args" -XX:AOTMode=create -XX:AOTConfiguration="$serve_conf" \
  -XX:AOTCache="$out/lib/serve.aot" -cp "$out/lib/thinpool.jar" >> "$log" 2>&1 \
  || { cat "$log" >&2; echo "build-release: no serve AOT cache written" >&2; exit 1; }
install -m 755 "$src/thinpool-install" "$out/bin/thinpool-install"
cp -r "$target/generated-docs/man" "$out/share/man"
mkdir -p "$out/share/bash-completion/completions"
cp "$target/generated-docs/completion/thinpool.bash" \
  "$out/share/bash-completion/completions/thinpool"
printf '%s\n' "$version" > "$out/VERSION"
tar -C "$target" -czf "$out.tar.gz" "$name"
