#!/usr/bin/env python3
"""Write a large benchmark CSV (deterministic): usage: gen_data.py OUT.csv ROWS"""
import random
import sys

out, rows = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
variants = [("debian", 11.0), ("official", 15.0), ("pyenvbasic", 12.5), ("pyenvopt", 10.2), ("pyenvoptmarch", 9.8), ("uv", 9.6)]
with open(out, "w") as f:
    f.write("variant,workload,rep,t_s,wall_s,cpu_pct,mem_mb\n")
    lines = []
    for i in range(rows):
        v, base = variants[i % len(variants)]
        wl = "pool" if (i // len(variants)) % 2 else "single"
        k = 0.55 if wl == "pool" else 1.0
        lines.append(f"{v},{wl},{i // 12 % 50},{(i % 600) * 0.25:.2f},{base * k * (0.9 + 0.2 * rng.random()):.4f},{100 + 100 * rng.random():.1f},{90 + 20 * rng.random():.1f}\n")
        if len(lines) == 100_000:
            f.writelines(lines)
            lines.clear()
    f.writelines(lines)
