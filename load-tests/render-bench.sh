#!/usr/bin/env bash
# Builds Branchwork and runs the render benchmark against the jar, over loopback: cold renders
# against the plain openscad CLI, cached renders, and reads beside 4 long renders. Needs openscad
# and bubblewrap (apt-get install openscad bubblewrap).
# Usage: load-tests/render-bench.sh [--cold 8] [--cached 300] [--reads 2000] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/load-classpath.txt)" \
  io.branchwork.load.RenderBench "$@"
