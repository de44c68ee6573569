#!/usr/bin/env python3
"""Write the deck project for the benchmark: usage: gen_deck.py PROJECT_DIR (data/runs.csv inside)"""
import sys
from pathlib import Path

from queries import CHARTS

root = Path(sys.argv[1])
(root / "slides").mkdir(parents=True, exist_ok=True)
(root / "deck.toml").write_text('theme = "data"\n\n[datasets]\nruns = "data/runs.csv"\n')
slides = ["# Benchmark deck\n\nTen charts over a large CSV"]
for i, (kind, sql, x, y, series) in enumerate(CHARTS):
    spec = f"type: {kind}\nsql: {sql}\nx: {x}\ny: {y}\n" + (f"series: {series}\n" if series else "")
    slides.append(f"## Chart {i + 1}\n\n```chart\n{spec}```")
(root / "slides" / "bench.md").write_text("\n\n---\n\n".join(slides) + "\n")
