#!/usr/bin/env bash
# Resume time of the JavaScript client after a dropped connection, against the server jar on loopback.
# Usage: load-tests/resume-bench.sh [rounds] [missed-events-per-round]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
(cd clients/js && npm ci --no-audit --no-fund --loglevel=error)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BRANCHWORK_HTTP_PORT=$port BRANCHWORK_DATA_DIR=$work/data BRANCHWORK_LOG_LEVEL=WARN java -jar target/branchwork.jar \
  > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do sleep 0.2; done
token() {
  curl -sf -XPOST "http://127.0.0.1:$port/api/users" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"password-$1\"}" > /dev/null
  curl -sf -XPOST "http://127.0.0.1:$port/api/sessions" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"password-$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
a=$(token reader); b=$(token writer)
curl -sf -XPOST "http://127.0.0.1:$port/api/projects" -H "authorization: Bearer $a" -H 'content-type: application/json' \
  -d '{"id":"resume"}' > /dev/null
curl -sf -XPOST "http://127.0.0.1:$port/api/projects/resume/members" -H "authorization: Bearer $a" \
  -H 'content-type: application/json' -d '{"username":"writer","role":"writer"}' > /dev/null
URL="ws://127.0.0.1:$port/ws" TOKEN_A=$a TOKEN_B=$b PROJECT=resume ROUNDS=${1:-20} MISSED=${2:-5} \
  node --experimental-websocket --no-warnings clients/js/bench/resume.mjs
