"""Medians over the runs of load-tests/hot-path.sh and the ratios within each run: to the echo
ceilings, and (with --against) this tree's jar ("after") to the old one ("before"), run by run."""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])


def load(side):
    rows = {}
    runs = [json.loads(p.read_text()) for p in sorted((out / side).glob("run-*/latest.json"))]
    for run in runs:
        for r in run["results"]:
            if r["scenario"] in ("ceiling", "warm"):
                rows.setdefault(r["name"], []).append(r)
    return runs, rows


def med(rows, name, field):
    return statistics.median(r[field] for r in rows[name])


def ratio(num_rows, num, den_rows, den, field):
    """The ratio within each run (same machine state), then the median of those."""
    return statistics.median(a[field] / b[field] for a, b in zip(num_rows[num], den_rows[den]))


after_runs, after = load("after")
before_runs, before = load("before")
print(f"# hot path: {out.name}, {len(after_runs)} runs, store {after_runs[0]['store']}, "
      f"{after_runs[0]['durationS']} s per cell\n")
if before:
    print("| cell | before p50 µs | after p50 µs | before p99 µs | after p99 µs | before /s | after /s | after / before /s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in after:
        if name in before:
            print(f"| {name} | {med(before, name, 'p50_us'):.0f} | {med(after, name, 'p50_us'):.0f} | "
                  f"{med(before, name, 'p99_us'):.0f} | {med(after, name, 'p99_us'):.0f} | "
                  f"{med(before, name, 'throughput_per_s'):.0f} | {med(after, name, 'throughput_per_s'):.0f} | "
                  f"{ratio(after, name, before, name, 'throughput_per_s'):.2f}x |")
else:
    print("| cell | p50 µs | p99 µs | per s | errors |")
    print("|---|---:|---:|---:|---:|")
    for name in after:
        print(f"| {name} | {med(after, name, 'p50_us'):.0f} | {med(after, name, 'p99_us'):.0f} | "
              f"{med(after, name, 'throughput_per_s'):.0f} | {sum(r['errors'] for r in after[name])} |")
print()
for side, rows in (("before", before), ("after", after)):
    if not rows:
        continue
    for echo, what in (("ws-echo-4k", "in the harness's JVM"), ("ws-echo-process-4k", "in a JVM of its own")):
        if f"{echo} c=1" not in rows:
            continue
        print(f"- {side}, against the echo {what}: read c=1 p50 / echo c=1 p50 "
              f"**{ratio(rows, 'read-4k c=1 w=1', rows, echo + ' c=1', 'p50_us'):.2f}x** (target <= 1.5); "
              f"read c=64 / echo c=64 throughput "
              f"**{ratio(rows, 'read-4k c=64 w=1', rows, echo + ' c=64', 'throughput_per_s'):.0%}** (target >= 80%)")
for cell in ("write-4k c=16 w=1", "write-4k-changing c=16 w=1"):
    if cell in after:
        line = (f"- {cell}: after **{med(after, cell, 'throughput_per_s'):.0f}/s**, "
                f"p99 {med(after, cell, 'p99_us') / 1000:.1f} ms")
        if cell in before:
            line += (f"; before {med(before, cell, 'throughput_per_s'):.0f}/s, p99 {med(before, cell, 'p99_us') / 1000:.1f} ms;"
                     f" **{ratio(after, cell, before, cell, 'throughput_per_s'):.2f}x** (target 5x, p99 <= 20 ms)")
        print(line)
