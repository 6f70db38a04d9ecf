"""The top of an async-profiler profile in collapsed form (recorded with -t: the thread is the
first frame): the share of each kind of thread, of the first frame of Branchwork's own code on the
stack (callees included), of the system call a sample is in, and of the frames on top of the stack.
Usage: python3 load-tests/collapsed-top.py FILE.collapsed [N]"""
import collections
import re
import sys

# The kernel's entry frame of a system call (the outermost one on the stack names it).
SYSCALL = re.compile(r"^(__x64_sys_|__se_sys_|__do_sys_|ksys_|do_sys_)(\w+?)_\[k\]$")
path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
total = 0
threads, own, syscalls, leaves = (collections.Counter() for _ in range(4))
for line in open(path):
    stack, count = line.rsplit(" ", 1)
    count = int(count)
    total += count
    frames = stack.split(";")
    threads[re.sub(r"[-#]\d+$", "", re.sub(r"\s*tid=\d+$", "", frames[0].strip("[]")))] += count
    mine = next((f for f in frames if f.startswith("io/branchwork/") and "$$Lambda" not in f), None)
    own[mine or "(no Branchwork frame)"] += count
    call = next((m.group(2) for m in map(SYSCALL.match, frames) if m), "(no system call)")
    syscalls[call] += count
    leaves[frames[-1]] += count


def show(title, counter, rows):
    print(f"\n| {title} | share |\n|---|---:|")
    for name, c in counter.most_common(rows):
        print(f"| `{name[:110]}` | {100 * c / total:.1f}% |")


print(f"{total} samples")
show("thread", threads, 8)
show("first Branchwork frame (callees included)", own, n)
show("system call", syscalls, 8)
show("top of stack", leaves, n)
