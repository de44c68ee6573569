#!/usr/bin/env python3
"""Write a large Marp deck (code, tables, images, backgrounds, math) for benchmarks.

usage: gen_deck.py OUT_DIR SLIDES
Writes OUT_DIR/big.md and the PNG images it uses. Deterministic: same arguments, same files.
"""
import struct
import sys
import zlib
from pathlib import Path


def png(width, height, rgb):
    """A solid-colour PNG, written by hand so the benchmark needs no imaging library."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


CODE = {
    "python": "def mean(xs):\n    total = 0.0\n    for x in xs:\n        total += x\n    return total / len(xs)\n",
    "rust": "fn mean(xs: &[f64]) -> f64 {\n    xs.iter().sum::<f64>() / xs.len() as f64\n}\n",
    "javascript": "const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;\nconsole.log(mean([1, 2, 3]));\n",
    "bash": "for i in $(seq 1 5); do\n  python3 bench.py --rows 200000 >> runs.txt\ndone\n",
    "dockerfile": "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y python3\nCOPY bench.py /bench/\n",
}


def slide(i):
    lang = list(CODE)[i % len(CODE)]
    parts = []
    if i % 10 == 0:
        parts.append("<!-- _class: lead -->")
    parts.append(f"## Slide {i}: measuring variant {i % 7}")
    if i % 9 == 0:
        parts.append(f"![bg right:35%](img/bg{i % 3}.png)")
    parts.append("* first point with **bold** and `code`\n* second point, mean $\\bar{x}$ of runs\n* third point :rocket:")
    parts.append(f"```{lang}\n{CODE[lang]}```")
    parts.append("| variant | median (s) | stddev |\n|---|--:|--:|\n"
                 + "\n".join(f"| v{r} | {10 + (i * 7 + r) % 13}.{r}{i % 10} | 0.{(i + r) % 9}{r} |" for r in range(4)))
    if i % 4 == 0:
        parts.append(f"![w:200](img/fig{i % 5}.png)")
    parts.append(f"<!-- Notes for slide {i}: explain the numbers. -->")
    return "\n\n".join(parts)


def main():
    out = Path(sys.argv[1])
    n = int(sys.argv[2])
    (out / "img").mkdir(parents=True, exist_ok=True)
    for k in range(5):
        (out / "img" / f"fig{k}.png").write_bytes(png(64, 48, (40 * k, 120, 200 - 30 * k)))
    for k in range(3):
        (out / "img" / f"bg{k}.png").write_bytes(png(320, 180, (69, 90 + 20 * k, 100)))
    front = "---\nmarp: true\ntheme: gaia\npaginate: true\nfooter: Generated benchmark deck\n---\n\n"
    (out / "big.md").write_text(front + "\n\n---\n\n".join(slide(i) for i in range(1, n + 1)) + "\n")


if __name__ == "__main__":
    main()
