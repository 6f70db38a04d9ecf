#!/usr/bin/env bash
# The hot path: the physical ceilings (a raw WebSocket echo in the harness's JVM and in a JVM of
# its own, an event-bus request/reply) and warm 4 KiB reads and writes on one workspace at 1, 16
# and 64 clients, RUNS times (3), each run with a server of its own; prints the medians of the runs
# and the ratios within each run.
#   load-tests/hot-path.sh LABEL [RUNS] [--against OLD.jar] [--store pg] [--jfr]
# writes load-tests/results/hot/LABEL/{after,before}/run-N/latest.json and summary.md. With
# --against, each run measures OLD.jar ("before") and then this tree's jar ("after"), one after
# the other, so that both see the same machine. --jfr records both servers in the last run with
# load-tests/hot.jfc (1 ms sampling): load-tests/results/hot/LABEL/{after,before}/server.jfr, whose
# top frames load-tests/jfr-top.py prints. LOAD_ONLY=REGEX measures only the cells it matches.
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:?usage: load-tests/hot-path.sh LABEL [RUNS] [--against OLD.jar] [--store pg] [--jfr]}
runs=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
extra=(); jfr=false; against=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jfr) jfr=true ;;
    --against) against=$2; shift ;;
    *) extra+=("$1") ;;
  esac
  shift
done
ulimit -n 65536 2>/dev/null || true
mvn -B -q -DskipTests package test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
out=load-tests/results/hot/$label
rm -rf "$out" && mkdir -p "$out"
cp=target/test-classes:target/classes:$(cat target/load-classpath.txt)
measure() { # side jar run jvm-args
  java -Xmx2g -Dload.only="${LOAD_ONLY:-}" -Dload.serverJvmArgs="$4" -cp "$cp" io.branchwork.load.LoadRunner --hot --jar "$2" \
    --out "$out/$1/run-$3" "${extra[@]}" > "$out/$1/run-$3.log" 2>&1
}
record() { # side run: the last run's flight recording of that side's server, with --jfr
  if $jfr && [ "$2" = "$runs" ]; then
    echo "-XX:StartFlightRecording=filename=$PWD/$out/$1/server.jfr,settings=$PWD/load-tests/hot.jfc"
  fi
}
mkdir -p "$out/after" "$out/before"
for i in $(seq 1 "$runs"); do
  if [ -n "$against" ]; then
    measure before "$against" "$i" "$(record before "$i")"
  fi
  measure after target/branchwork.jar "$i" "$(record after "$i")"
  echo "run $i of $runs done"
done
python3 load-tests/hot-summary.py "$out" | tee "$out/summary.md"
