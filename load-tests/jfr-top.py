"""Top frames of a JFR recording's execution samples: by the frame on top of the stack (self) and
by the first frame of the project's own code on the stack (where its code spends, callees included),
with the thread kind. Usage: python3 load-tests/jfr-top.py FILE.jfr [N]"""
import collections
import json
import subprocess
import sys

path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
raw = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample", "--stack-depth", "64", path],
                     check=True, capture_output=True, text=True).stdout
events = json.loads(raw)["recording"]["events"]


def name(frame):
    m = frame["method"]
    return f'{m["type"]["name"].replace("/", ".")}.{m["name"]}'


def own_frame(frames):
    """The first frame of Branchwork's code, past the generated lambda classes (whose names carry
    no meaning) to the method that holds the lambda's body."""
    for f in frames:
        n = name(f)
        if n.startswith("io.branchwork.") and "$$Lambda" not in n:
            return n
    return None


def kind(thread):
    t = (thread or {}).get("javaName") or ""
    for prefix in ("vert.x-eventloop", "vert.x-worker", "vert.x-internal-blocking", "branchwork-store", "branchwork-heavy",
                   "branchwork-git", "hz."):
        if t.startswith(prefix):
            return prefix
    return t.split("-")[0] or "?"


self_top = collections.Counter()
own = collections.Counter()
threads = collections.Counter()
for e in events:
    frames = e["values"]["stackTrace"]["frames"]
    if not frames:
        continue
    threads[kind(e["values"].get("sampledThread"))] += 1
    self_top[name(frames[0])] += 1
    first_own = own_frame(frames)
    if first_own:
        own[first_own] += 1
total = len(events)
print(f"{total} samples\n\nby thread: " + ", ".join(f"{k} {v / total:.0%}" for k, v in threads.most_common()))
print("\n| self (top of stack) | share |\n|---|---:|")
for k, v in self_top.most_common(n):
    print(f"| `{k}` | {v / total:.1%} |")
print("\n| first Branchwork frame (callees included) | share |\n|---|---:|")
for k, v in own.most_common(n):
    print(f"| `{k}` | {v / total:.1%} |")
