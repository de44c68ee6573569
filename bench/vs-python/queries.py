"""The ten charts of the benchmark deck, shared by the deck generator and the Python pipeline."""
CHARTS = [
    ("bar", "SELECT variant, median(wall_s) AS seconds FROM runs WHERE workload = 'single' GROUP BY variant ORDER BY seconds", "variant", "seconds", None),
    ("bar", "SELECT variant, avg(wall_s) AS mean_s FROM runs GROUP BY variant ORDER BY mean_s", "variant", "mean_s", None),
    ("hbar", "SELECT variant, avg(mem_mb) AS mb FROM runs GROUP BY variant ORDER BY mb", "variant", "mb", None),
    ("line", "SELECT t_s, avg(cpu_pct) AS cpu FROM runs GROUP BY t_s ORDER BY t_s", "t_s", "cpu", None),
    ("line", "SELECT t_s, variant, avg(wall_s) AS w FROM runs WHERE variant IN ('debian', 'official') GROUP BY t_s, variant ORDER BY t_s", "t_s", "w", "variant"),
    ("bar", "SELECT workload, variant, avg(wall_s) AS w FROM runs GROUP BY workload, variant ORDER BY workload, variant", "workload", "w", "variant"),
    ("scatter", "SELECT mem_mb, wall_s FROM runs LIMIT 2000", "mem_mb", "wall_s", None),
    ("area", "SELECT rep, sum(wall_s) AS total FROM runs GROUP BY rep ORDER BY rep", "rep", "total", None),
    ("bar", "SELECT variant, max(cpu_pct) AS peak FROM runs GROUP BY variant ORDER BY peak", "variant", "peak", None),
    ("hbar", "SELECT variant, count(*) AS n FROM runs GROUP BY variant ORDER BY n", "variant", "n", None),
]
