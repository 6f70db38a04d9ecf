#!/usr/bin/env bash
# Builds Branchwork and runs the webhook benchmark against the jar, over loopback: the time from a
# commit's answer to its delivery, and 100 deliveries a second with a receiver that fails half the
# first attempts (none may be lost).
# Usage: load-tests/hooks-bench.sh [--commits 200] [--projects 5] [--hooks 4] [--rate 5] [--seconds 30]
#        [--store embedded|pg] [--out DIR] [--keep yes (keeps the server's data folder and log)]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/load-classpath.txt)" \
  io.branchwork.load.HookBench "$@"
