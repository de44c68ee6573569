#!/usr/bin/env python3
"""Time whole processes side by side and read each one's peak memory.

usage: measure.py RUNS WARMUP LABEL -- NAME1 CMD1... -- NAME2 CMD2... [-- NAME3 CMD3...]
Runs are interleaved (NAME1, NAME2, NAME1, ...) so machine drift hits both alike. Wall time is
measured around fork+exec+wait; peak memory is the child's ru_maxrss from wait4 (the largest
resident set of the process and of the children it waited for). Prints one line per tool and the
ratios; exits non-zero if any run fails.
"""
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main():
    runs, warmup, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    groups, cur = [], None
    for arg in sys.argv[4:]:
        if arg == "--":
            cur = []
            groups.append(cur)
        else:
            cur.append(arg)
    tools = [(g[0], g[1:]) for g in groups]
    for _ in range(warmup):
        for _, cmd in tools:
            run_once(cmd)
    results = {name: ([], []) for name, _ in tools}
    for _ in range(runs):
        for name, cmd in tools:
            wall, rss = run_once(cmd)
            results[name][0].append(wall)
            results[name][1].append(rss)
    print(f"\n{label} ({runs} runs each, {warmup} warm-up, interleaved)")
    w = max(6, *(len(name) for name, _ in tools))
    print(f"  {'tool':<{w}} {'median':>10} {'mean ± sd':>20} {'min':>9} {'peak RSS':>10}")
    summary = {}
    for name, (walls, rss) in results.items():
        med, mean = statistics.median(walls), statistics.mean(walls)
        sd = statistics.stdev(walls) if len(walls) > 1 else 0.0
        peak = max(rss)
        summary[name] = (med, peak)
        print(f"  {name:<{w}} {med * 1000:>8.1f}ms {mean * 1000:>9.1f} ± {sd * 1000:>5.1f}ms {min(walls) * 1000:>7.1f}ms {peak / 2**20:>7.1f}MiB")
    (a, (ta, ma)), (b, (tb, mb)) = list(summary.items())[:2]
    print(f"  => {a} is {tb / ta:.1f}x faster than {b} (median wall time); "
          f"{a} peak memory is {ma / mb:.3f} of {b}'s ({mb / ma:.1f}x less)")
    # A third tool or more (a baseline build of deck, say) is compared with the first.
    for c, (tc, mc) in list(summary.items())[2:]:
        print(f"  => {a} takes {ta / tc:.3f} of {c}'s median wall time and {ma / mc:.3f} of its peak memory")


if __name__ == "__main__":
    main()
