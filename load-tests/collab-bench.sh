#!/usr/bin/env bash
# Live documents under load, against the server jar on loopback (embedded store): editors that
# are real @codemirror/collab states typing through the client library's LiveDocument, with
# their cursors. By default the issue's two runs, 50 documents x 4 editors at 5 keystrokes/s each
# (a workspace per document) and 50 editors in one document at 2/s, plus half the first load and
# the first load in one shared workspace. Prints one JSON line a run.
# Usage: load-tests/collab-bench.sh [LAYOUT DOCS EDITORS RATE SECONDS]   (LAYOUT: spread | shared)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
(cd clients/js && npm ci --no-audit --no-fund --loglevel=error)
(cd load-tests/collab && npm ci --no-audit --no-fund --loglevel=error)
run() {
  # A fresh server for each run. The bench has EDITORS users (one per editor of a document), so in
  # the spread layout each is on 50 workspaces at once: limits.maxWorkspacesPerUser is raised; in
  # the shared one each is on 50 documents of one workspace: collab.pushesPerSecond is raised.
  export BRANCHWORK_LIMITS_MAX_WORKSPACES_PER_USER=128
  if [ "$1" = shared ]; then export BRANCHWORK_COLLAB_PUSHES_PER_SECOND=1000; else unset BRANCHWORK_COLLAB_PUSHES_PER_SECOND; fi
  (
    . load-tests/jar-server.sh
    BASE=$base LAYOUT=$1 DOCS=$2 EDITORS=$3 RATE=$4 SECONDS=$5 WARMUP=5 \
      node --experimental-websocket --no-warnings load-tests/collab/collab-bench.mjs
  )
}
if [ $# -ge 5 ]; then
  run "$@"
else
  run spread 50 4 5 20
  run spread 25 4 5 20
  run spread 1 50 2 20
  run shared 50 4 5 20
fi
