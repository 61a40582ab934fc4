#!/usr/bin/env bash
# Compiles picocli from its published sources jar (same version as the dependency) for Java 25
# into the build's classes, where they take precedence over the dependency's (the shaded jar
# leaves the dependency's classes out). Why: picocli's own jar is Java 5 bytecode (class file
# 49), which the JVM verifies with the old type-inferring verifier and which an AOT cache
# cannot hold as linked classes; so every command paid ~100 ms to load and verify picocli.
# Usage: recompile-picocli.sh JDK_HOME SOURCES_JAR CLASSES_DIR WORK_DIR
set -euo pipefail
jdk="$1"; sources="$2"; classes="$3"; work="$4"
stamp="$work/stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sources" ] || [ "$sources" -nt "$stamp" ]; then
  rm -rf "$work"
  mkdir -p "$work/src" "$work/classes"
  (cd "$work/src" && "$jdk/bin/jar" xf "$sources")
  "$jdk/bin/javac" --release 25 -nowarn -Xlint:none -XDsuppressNotes -encoding UTF-8 \
    -d "$work/classes" "$work"/src/picocli/*.java
  printf '%s' "$sources" > "$stamp"
fi
mkdir -p "$classes"
cp -rpu "$work/classes/picocli" "$classes/"
