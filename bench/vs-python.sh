#!/usr/bin/env bash
# deck build vs the same pipeline in Python (polars + matplotlib from PyPI), side by side in one run:
# ten charts over a generated CSV of ROWS rows (default 5,000,000).
#
#   bench/vs-python.sh [ROWS] [RUNS]
#
# Measures whole-process wall time and peak memory (bench/measure.py) of:
#   - deck cold: `deck build` with its figure cache removed first (every figure computed);
#   - python:    polars read_csv + SQLContext + matplotlib SVG, the same ten queries;
#   - deck warm: `deck build` again with the cache (unchanged data and specs).
# Targets: cold deck at least 3x faster than Python with lower peak memory; warm rebuild < 100 ms.
# DECK_BASELINE=/path/to/an/older/deck adds that binary as a third tool in the same interleaved runs
# (its own copy of the project, so the two builds' figure caches never meet): before/after figures.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-5000000}"
runs="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== Python venv with polars and matplotlib in $work/venv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check polars matplotlib
"$work/venv/bin/python" -c 'import polars, matplotlib; print("   polars", polars.__version__, "matplotlib", matplotlib.__version__)'

echo "== building deck (release)"
cargo build --release --quiet
deck="${CARGO_TARGET_DIR:-$(pwd)/target}/release/deck"

echo "== generating $rows rows"
mkdir -p "$work/project/data"
python3 bench/vs-python/gen_data.py "$work/project/data/runs.csv" "$rows"
(cd bench/vs-python && python3 gen_deck.py "$work/project")
ls -la "$work/project/data/runs.csv" | awk '{printf "   %s: %.0f MB\n", $NF, $5/1e6}'
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"

# Both must work before they are timed.
"$deck" build "$work/project" >/dev/null 2>&1 || { "$deck" build "$work/project"; exit 1; }
base_cold=() base_warm=()
if [ -n "${DECK_BASELINE:-}" ]; then
  echo "== baseline: $("$DECK_BASELINE" --version)"
  cp -r "$work/project" "$work/base"
  "$DECK_BASELINE" build "$work/base" >/dev/null
  base_cold=(-- deck-baseline sh -c "rm -rf '$work/base/.deck-cache' && exec '$DECK_BASELINE' build '$work/base'")
  base_warm=(-- deck-baseline "$DECK_BASELINE" build "$work/base")
fi
(cd bench/vs-python && "$work/venv/bin/python" pipeline.py "$work/project/data/runs.csv" "$work/py-out")

python3 bench/measure.py "$runs" 1 "cold build: ten charts over $rows rows" \
  -- deck sh -c "rm -rf '$work/project/.deck-cache' && exec '$deck' build '$work/project'" \
  -- python sh -c "cd bench/vs-python && exec '$work/venv/bin/python' pipeline.py '$work/project/data/runs.csv' '$work/py-out'" \
  "${base_cold[@]}"
"$deck" build "$work/project" >/dev/null 2>&1
[ -z "${DECK_BASELINE:-}" ] || "$DECK_BASELINE" build "$work/base" >/dev/null 2>&1
python3 bench/measure.py "$runs" 1 "warm rebuild (figure cache) vs the same Python run" \
  -- deck "$deck" build "$work/project" \
  -- python sh -c "cd bench/vs-python && exec '$work/venv/bin/python' pipeline.py '$work/project/data/runs.csv' '$work/py-out'" \
  "${base_warm[@]}"
