#!/usr/bin/env python3
"""`deck run` against `hyperfine 'docker run --rm ...'` on the same image and workload.

usage: run_accuracy.py DECK_BIN IMAGE RUNS

Both time the same fixed CPU-bound container workload RUNS times (one warm-up each):
  - deck run: wall_s is the engine's StartedAt -> FinishedAt of the workload's process;
  - hyperfine: the whole `docker run --rm` (create, start, workload, stop, remove), so the
    container's start-up and teardown are measured with `hyperfine 'docker run --rm IMAGE true'`
    (the same container doing nothing) and subtracted from its median.
Prints the medians, their difference in percent, and the CPU the machine spent per run in each
series (all processes, from /proc/stat) to bound what deck's sampling adds.
"""
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SPIN = "i=0; while [ $i -lt 2500000 ]; do i=$((i+1)); done"


def busy_seconds():
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = open("/proc/stat").readline().split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def hyperfine(runs, command, export):
    subprocess.run(
        ["hyperfine", "--runs", str(runs), "--warmup", "1", "--style", "basic", "--export-json", export, command],
        check=True, stdout=subprocess.DEVNULL)
    return json.load(open(export))["results"][0]


def main():
    deck, image, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    work = Path(tempfile.mkdtemp())
    (work / "deck.toml").write_text(
        f'[bench]\nrepeat = {runs}\nwarmup = 1\nsample_interval = "250ms"\ntimeout = "5m"\n'
        f'[bench.variants.busybox]\nimage = "{image}"\n'
        f'[bench.workloads.spin]\ncommand = ["sh", "-c", "{SPIN}"]\n')

    before = busy_seconds()
    subprocess.run([deck, "run"], cwd=work, check=True, stderr=subprocess.DEVNULL)
    deck_busy = busy_seconds() - before
    rows = [r for r in csv.DictReader(open(work / "data/runs.csv")) if r["warmup"] == "false"]
    assert all(r["status"] == "ok" for r in rows), rows
    deck_wall = [float(r["wall_s"]) for r in rows]
    deck_cpu = [float(r["cpu_user_s"]) + float(r["cpu_sys_s"]) for r in rows]

    run_cmd = f"docker run --rm --network none {image} sh -c '{SPIN}'"
    before = busy_seconds()
    hf = hyperfine(runs, run_cmd, str(work / "hf.json"))
    hf_busy = busy_seconds() - before
    empty = hyperfine(runs, f"docker run --rm --network none {image} true", str(work / "empty.json"))

    d_med = statistics.median(deck_wall)
    h_med = hf["median"]
    overhead = empty["median"]
    h_net = h_med - overhead
    print(f"workload: busybox sh, {SPIN!r}, {runs} runs + 1 warm-up each, image {image}")
    print(f"  deck run    median {d_med:8.3f} s  (mean {statistics.mean(deck_wall):.3f} ± {statistics.stdev(deck_wall):.3f} s; engine StartedAt -> FinishedAt)")
    print(f"  hyperfine   median {h_med:8.3f} s  (mean {hf['mean']:.3f} ± {hf['stddev']:.3f} s; whole `docker run --rm`)")
    print(f"  start-up    median {overhead:8.3f} s  (`docker run --rm {image} true`)")
    print(f"  hyperfine - start-up = {h_net:.3f} s")
    print(f"  => deck's median is {100 * (d_med - h_net) / h_net:+.2f}% from hyperfine's once start-up is subtracted "
          f"({100 * (d_med - h_med) / h_med:+.2f}% before)")
    n = runs + 1
    print(f"CPU spent by the whole machine per run: deck run series {deck_busy / n:.3f} s, "
          f"hyperfine series {hf_busy / n:.3f} s (workload alone: {statistics.mean(deck_cpu):.3f} s per deck sample)")
    print(f"  => deck's series used {100 * (deck_busy - hf_busy) / hf_busy:+.2f}% CPU compared with plain `docker run` "
          f"(sampling, the stats stream and deck itself, against the docker CLI)")


if __name__ == "__main__":
    main()
