"""Medians over the runs of load-tests/hot-path.sh, and the ratios to the echo within each run."""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
runs = [json.loads(p.read_text()) for p in sorted(out.glob("run-*/latest.json"))]
rows = {}
for run in runs:
    for r in run["results"]:
        if r["scenario"] in ("ceiling", "warm"):
            rows.setdefault(r["name"], []).append(r)


def med(name, field):
    return statistics.median(r[field] for r in rows[name])


def ratio(num, den, field):
    """The ratio within each run (same machine state), then the median of those."""
    pairs = [(a[field], b[field]) for a, b in zip(rows[num], rows[den])]
    return statistics.median(a / b for a, b in pairs)


print(f"# hot path: {out.name}, {len(runs)} runs, store {runs[0]['store']}, {runs[0]['durationS']} s per cell\n")
print("| cell | p50 µs | p99 µs | per s | errors |")
print("|---|---:|---:|---:|---:|")
for name in rows:
    print(f"| {name} | {med(name, 'p50_us'):.0f} | {med(name, 'p99_us'):.0f} | "
          f"{med(name, 'throughput_per_s'):.0f} | {sum(r['errors'] for r in rows[name])} |")
print()
for echo, what in (("ws-echo-4k", "in the harness's JVM"), ("ws-echo-process-4k", "in a JVM of its own")):
    if f"{echo} c=1" not in rows:
        continue
    print(f"- against the echo {what}: read c=1 p50 / echo c=1 p50 "
          f"**{ratio('read-4k c=1 w=1', echo + ' c=1', 'p50_us'):.2f}x** (target <= 1.5); read c=64 / echo c=64 "
          f"throughput **{ratio('read-4k c=64 w=1', echo + ' c=64', 'throughput_per_s'):.0%}** (target >= 80%)")
print(f"- write c=16: **{med('write-4k c=16 w=1', 'throughput_per_s'):.0f}/s**, p99 {med('write-4k c=16 w=1', 'p99_us') / 1000:.1f} ms"
      " (target: 5x before, p99 <= 20 ms)")
