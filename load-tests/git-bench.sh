#!/usr/bin/env bash
# Builds Branchwork and runs the git-over-HTTP benchmark against the jar, over loopback.
# Usage: load-tests/git-bench.sh [--store pg|embedded] [--mb 24] [--clones 7] [--pushes 10] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/load-classpath.txt)" \
  io.branchwork.load.GitBench "$@"
