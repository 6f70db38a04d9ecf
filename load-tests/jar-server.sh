# Sourced by the page and client benchmarks: starts the server jar (embedded store, a fresh data
# folder, a free loopback port) for the calling script and stops it on exit.
# Sets: work (a temporary folder), port, base (http://127.0.0.1:port); defines token USER (registers
# USER and prints a session token).
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
BRANCHWORK_HTTP_PORT=$port BRANCHWORK_DATA_DIR=$work/data BRANCHWORK_LOG_LEVEL=WARN java -jar target/branchwork.jar \
  > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "$base/health" > /dev/null; do sleep 0.2; done
token() {
  curl -sf -XPOST "$base/api/users" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"password-$1\"}" > /dev/null
  curl -sf -XPOST "$base/api/sessions" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"password-$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
