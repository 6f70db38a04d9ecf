#!/usr/bin/env bash
# The workbench page: its bundle size (raw and gzipped, as served) and its time to interactive in
# headless Chromium (Debian's chromium, driven by playwright-core) against the server jar on loopback.
# Usage: load-tests/workbench-bench.sh [rounds]      (CHROMIUM names another browser binary)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
(cd src/test/js && npm ci --no-audit --no-fund --loglevel=error)
. load-tests/jar-server.sh

echo "bundle (as served; gzip when the browser asks for it):"
for asset in $(curl -sf "$base/" | grep -o '/assets/[^"]*'); do
  raw=$(curl -sf "$base$asset" | wc -c)
  gz=$(curl -sf -H 'accept-encoding: gzip' "$base$asset" | wc -c)
  printf '  %-32s %8d bytes  %8d gzipped\n' "$asset" "$raw" "$gz"
done
page=$(curl -sf -H 'accept-encoding: gzip' "$base/" | wc -c)
printf '  %-32s %8s        %8d gzipped\n' "/" "" "$page"

token=$(token bench)
curl -sf -XPOST "$base/api/projects" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"id":"tti"}' > /dev/null
# A project with a few files, main.scad of 4 KiB among them.
repo=$work/repo
mkdir -p "$repo/parts"
for i in $(seq 1 20); do echo "module part$i(r) { cylinder(r = r, h = $i); }" > "$repo/parts/p$i.scad"; done
python3 -c "print('\n'.join('translate([%d, 0, 0]) cube(%d); // a line of the model' % (i, i) for i in range(110)))" > "$repo/main.scad"
git -C "$repo" init -q -b main && git -C "$repo" add . \
  && git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -qm model
tar -czf "$work/repo.tar.gz" -C "$repo" .
curl -sf -XPOST "$base/api/projects/tti/import" -H "authorization: Bearer $token" --data-binary @"$work/repo.tar.gz" > /dev/null
echo "time to interactive (ms from navigation start):"
(cd src/test/js && BASE=$base TOKEN=$token USER=bench PROJECT=tti ROUNDS=${1:-15} node workbench-tti.mjs)
