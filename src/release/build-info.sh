#!/usr/bin/env bash
# Writes build.properties (version and the git commit built from) for `thinpool --version`.
# Run by pom.xml in generate-resources. Usage: build-info.sh OUT_DIR VERSION
# No git or no repository (a source tarball): commit "unknown", never a failed build.
set -euo pipefail
out="$1/org/thinpool/cli"
cd "$(dirname "$0")/../.."
commit="$(git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || true)"
mkdir -p "$out"
printf 'version=%s\ncommit=%s\n' "$2" "${commit:-unknown}" > "$out/build.properties.tmp"
# Keep the file (and so the jar) unchanged when nothing changed.
if cmp -s "$out/build.properties.tmp" "$out/build.properties"; then
  rm "$out/build.properties.tmp"
else
  mv "$out/build.properties.tmp" "$out/build.properties"
fi
