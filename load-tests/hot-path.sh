#!/usr/bin/env bash
# The hot path, before and after: the physical ceilings (a raw WebSocket echo, an event-bus
# request/reply) and warm 4 KiB reads and writes on one workspace at 1, 16 and 64 clients, RUNS
# times (3), each run its own server; prints the medians of the runs and the ratios within each run.
# Usage: load-tests/hot-path.sh LABEL [RUNS] [--store pg] [--jfr]
#   writes load-tests/results/hot/LABEL/run-N/latest.json and load-tests/results/hot/LABEL/summary.md;
#   --jfr records the server of the last run (load-tests/results/hot/LABEL/server.jfr).
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:?usage: load-tests/hot-path.sh LABEL [RUNS] [--store pg] [--jfr]}
runs=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
extra=(); jfr=false
while [ $# -gt 0 ]; do
  case "$1" in
    --jfr) jfr=true ;;
    *) extra+=("$1") ;;
  esac
  shift
done
ulimit -n 65536 2>/dev/null || true
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
out=load-tests/results/hot/$label
rm -rf "$out" && mkdir -p "$out"
for i in $(seq 1 "$runs"); do
  jvm=""
  if $jfr && [ "$i" = "$runs" ]; then
    jvm="-XX:StartFlightRecording=filename=$PWD/$out/server.jfr,settings=$PWD/load-tests/hot.jfc"
  fi
  java -Xmx2g -Dload.serverJvmArgs="$jvm" -cp "target/test-classes:target/classes:$(cat target/load-classpath.txt)" \
    io.branchwork.load.LoadRunner --hot --out "$out/run-$i" "${extra[@]}" > "$out/run-$i.log" 2>&1
  echo "run $i of $runs done"
done
python3 load-tests/hot-summary.py "$out" | tee "$out/summary.md"
