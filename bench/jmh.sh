#!/usr/bin/env bash
# Runs the JMH benchmarks (src/jmh/java) in one JVM fork each; extra args go to JMH.
# Example: bench/jmh.sh MetadataBench -rf json -rff target/jmh.json
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
  -Dmdep.includeScope=test >&2
exec "$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
  org.openjdk.jmh.Main "$@"
