"""A batch like the talk's service, in pure Python (standard library only).

For each of N sensors: make a deterministic synthetic time series (seeded), write it as text
records, parse them back, convert units (Fahrenheit to Celsius, epoch seconds to minute windows),
aggregate per window (count, mean, min, max, median, 95th percentile) and serialise the result to
JSON. `--mode single` does the sensors one after another in this process; `--mode pool` hands them
to a process pool sized from os.cpu_count(), as services commonly do.

The last line of stdout is one JSON object: per-phase timings, throughput and what was run, so
`deck run` records them in metrics.csv.

    python3 timeseries.py --sensors 48 --points 40000 --mode single
"""

import argparse
import json
import math
import multiprocessing
import os
import random
import sys
import time

WINDOW_S = 60
START = 1_750_000_000  # a fixed epoch second: the output does not depend on the clock


def generate(sensor: int, points: int) -> str:
    """Text records `sensor,epoch_seconds,fahrenheit`, one reading every 5 s, seeded per sensor."""
    rng = random.Random(sensor)
    base = 50.0 + 20.0 * rng.random()
    lines = []
    t = START
    value = base
    for i in range(points):
        # A daily cycle, a random walk and now and then a spike.
        value += rng.gauss(0.0, 0.3)
        daily = 12.0 * math.sin(2 * math.pi * (t % 86_400) / 86_400)
        spike = 25.0 if rng.random() < 0.001 else 0.0
        lines.append(f"sensor-{sensor},{t},{value + daily + spike:.3f}")
        t += 5
    return "\n".join(lines)


def parse(text: str) -> list:
    out = []
    for line in text.split("\n"):
        name, ts, val = line.split(",")
        out.append((name, int(ts), float(val)))
    return out


def convert(records: list) -> list:
    return [(ts - ts % WINDOW_S, (f - 32.0) * 5.0 / 9.0) for _, ts, f in records]


def percentile(sorted_values: list, q: float) -> float:
    # Linear interpolation between closest ranks (numpy's default).
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def aggregate(readings: list) -> list:
    windows = {}
    for window, celsius in readings:
        windows.setdefault(window, []).append(celsius)
    out = []
    for window in sorted(windows):
        values = sorted(windows[window])
        out.append(
            {
                "window": window,
                "n": len(values),
                "mean": sum(values) / len(values),
                "min": values[0],
                "max": values[-1],
                "p50": percentile(values, 0.5),
                "p95": percentile(values, 0.95),
            }
        )
    return out


def process(args: tuple) -> dict:
    """One sensor, start to end; returns its phase timings and the size of its JSON."""
    sensor, points = args
    timings = {}
    t0 = time.perf_counter()
    text = generate(sensor, points)
    t1 = time.perf_counter()
    records = parse(text)
    t2 = time.perf_counter()
    readings = convert(records)
    t3 = time.perf_counter()
    windows = aggregate(readings)
    t4 = time.perf_counter()
    payload = json.dumps({"sensor": f"sensor-{sensor}", "windows": windows}, separators=(",", ":"))
    t5 = time.perf_counter()
    timings["generate_s"] = t1 - t0
    timings["parse_s"] = t2 - t1
    timings["convert_s"] = t3 - t2
    timings["aggregate_s"] = t4 - t3
    timings["serialize_s"] = t5 - t4
    # A checksum of the result, so every variant is seen to compute the same thing.
    checksum = sum(w["n"] for w in windows) + round(sum(w["mean"] for w in windows), 3)
    return {"timings": timings, "bytes": len(payload), "checksum": checksum}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sensors", type=int, default=48)
    ap.add_argument("--points", type=int, default=40_000, help="readings per sensor")
    ap.add_argument("--mode", choices=["single", "pool"], default="single")
    ap.add_argument("--workers", type=int, default=0, help="pool size (default: os.cpu_count())")
    args = ap.parse_args()

    jobs = [(s, args.points) for s in range(args.sensors)]
    workers = args.workers or os.cpu_count() or 1
    started = time.perf_counter()
    if args.mode == "single":
        results = [process(j) for j in jobs]
        workers = 1
    else:
        with multiprocessing.Pool(workers) as pool:
            results = pool.map(process, jobs, chunksize=1)
    total = time.perf_counter() - started

    phases = {}
    for r in results:
        for k, v in r["timings"].items():
            phases[k] = phases.get(k, 0.0) + v
    records = args.sensors * args.points
    print(f"{records} records from {args.sensors} sensors in {total:.2f} s ({args.mode}, {workers} worker(s))", file=sys.stderr)
    print(
        json.dumps(
            {
                "total_s": round(total, 4),
                "records_per_s": round(records / total, 1),
                # Summed over sensors: CPU seconds spent in each phase, whatever the parallelism.
                "phase": {k: round(v, 4) for k, v in phases.items()},
                "workers": workers,
                "cpu_count": os.cpu_count(),
                "python": sys.version.split()[0],
                "output_bytes": sum(r["bytes"] for r in results),
                "checksum": round(sum(r["checksum"] for r in results), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
