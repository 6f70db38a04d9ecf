#!/usr/bin/env bash
# Builds Branchwork and runs the load harness against the jar, over loopback.
# LOAD_ONLY=REGEX measures only the cells whose names it matches.
# Usage: load-tests/run.sh [--smoke] [--duration-s N] [--sizes 1,10,50] [--workspaces N] [--connections N] [--hold-s N]
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || true   # 10,000 client sockets here and as many in the server
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
exec java -Xmx2g -Dload.only="${LOAD_ONLY:-}" -cp "target/test-classes:target/classes:$(cat target/load-classpath.txt)" \
  io.branchwork.load.LoadRunner "$@"
