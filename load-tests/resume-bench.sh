#!/usr/bin/env bash
# Resume time of the JavaScript client after a dropped connection, against the server jar on loopback.
# Usage: load-tests/resume-bench.sh [rounds] [missed-events-per-round]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
(cd clients/js && npm ci --no-audit --no-fund --loglevel=error)
. load-tests/jar-server.sh
a=$(token reader); b=$(token writer)
curl -sf -XPOST "http://127.0.0.1:$port/api/projects" -H "authorization: Bearer $a" -H 'content-type: application/json' \
  -d '{"id":"resume"}' > /dev/null
curl -sf -XPOST "http://127.0.0.1:$port/api/projects/resume/members" -H "authorization: Bearer $a" \
  -H 'content-type: application/json' -d '{"username":"writer","role":"writer"}' > /dev/null
URL="ws://127.0.0.1:$port/ws" TOKEN_A=$a TOKEN_B=$b PROJECT=resume ROUNDS=${1:-20} MISSED=${2:-5} \
  node --experimental-websocket --no-warnings clients/js/bench/resume.mjs
