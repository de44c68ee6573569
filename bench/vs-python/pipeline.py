#!/usr/bin/env python3
"""The same ten charts the Python way: polars (SQL) + matplotlib, one SVG each.
usage: pipeline.py data/runs.csv OUT_DIR"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from queries import CHARTS  # noqa: E402

csv, out = sys.argv[1], Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
ctx = pl.SQLContext(runs=pl.read_csv(csv))
for i, (kind, sql, x, y, series) in enumerate(CHARTS):
    df = ctx.execute(sql, eager=True)
    fig, ax = plt.subplots(figsize=(10, 4.6))
    groups = df.partition_by(series, as_dict=True) if series else {("",): df}
    for j, (name, part) in enumerate(groups.items()):
        label = name[0] if series else None
        xs, ys = part[x].to_list(), part[y].to_list()
        if kind == "bar":
            pos = [k + j * 0.8 / len(groups) for k in range(len(xs))]
            ax.bar(pos, ys, width=0.8 / len(groups), label=label)
            ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        elif kind == "hbar":
            ax.barh([str(v) for v in xs], ys, label=label)
        elif kind == "scatter":
            ax.scatter(xs, ys, s=8, label=label)
        elif kind == "area":
            ax.fill_between(xs, ys, alpha=0.4, label=label)
            ax.plot(xs, ys)
        else:
            ax.plot(xs, ys, label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if series:
        ax.legend()
    fig.savefig(out / f"chart{i + 1}.svg")
    plt.close(fig)
