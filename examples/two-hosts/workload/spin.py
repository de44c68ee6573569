"""A fixed amount of pure-Python work in N processes at once; the last line reports it."""

import json
import sys
import time
from multiprocessing import Pool

LOOPS = 12_000_000


def spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


if __name__ == "__main__":
    processes = int(sys.argv[1])
    start = time.perf_counter()
    with Pool(processes) as pool:
        pool.map(spin, [LOOPS] * processes)
    print(json.dumps({"processes": processes, "work_s": round(time.perf_counter() - start, 3)}))
