"""An example workload: CPU-bound work that prints its result as JSON on its last line, which
`deck run` records in data/metrics.csv."""
import json
import time

start = time.perf_counter()
total = sum(i * i for i in range(5_000_000))
print(json.dumps({"seconds": round(time.perf_counter() - start, 4), "total": total}))
