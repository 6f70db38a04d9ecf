#!/usr/bin/env bash
# Builds Branchwork and runs the merge, revert and compare benchmark against the jar, over loopback.
# Usage: load-tests/merge-bench.sh [--files 1000,10000] [--branches 6] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/load-classpath.txt)" \
  io.branchwork.load.MergeBench "$@"
