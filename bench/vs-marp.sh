#!/usr/bin/env bash
# deck build vs marp-cli, side by side in one run: whole-process wall time and peak memory.
#
#   bench/vs-marp.sh [RUNS]
#
# Installs marp-cli from the npm registry into a temporary folder (nothing global), builds deck in
# release mode, and measures both on: the 13-slide reference deck of the talk (../shared/reference/
# marp-deck.md, or $DECK_REF) and a generated 500-slide deck with code, tables and images.
# Targets: deck at least 20x faster on the small deck, 10x on the large one, under 1/3 of the memory.
# DECK_BASELINE=/path/to/an/older/deck adds that binary as a third tool in the same interleaved runs.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== installing marp-cli into $work/marp"
mkdir -p "$work/marp"
(cd "$work/marp" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error @marp-team/marp-cli >/dev/null)
marp="$work/marp/node_modules/.bin/marp"
echo "   $("$marp" --version | head -1)"

echo "== building deck (release)"
cargo build --release --quiet
deck="${CARGO_TARGET_DIR:-$(pwd)/target}/release/deck"
echo "   $("$deck" --version)"

if [ -n "${DECK_BASELINE:-}" ]; then
  echo "   baseline: $("$DECK_BASELINE" --version)"
fi
ref="${DECK_REF:-../shared/reference/marp-deck.md}"
mkdir -p "$work/small" "$work/big" "$work/out"
python3 bench/gen_deck.py "$work/big" 500

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
if [ -f "$ref" ]; then
  cp "$ref" "$work/small/ref.md"
  python3 bench/measure.py "$runs" 1 "reference deck (13 slides, $ref)" \
    -- deck "$deck" build "$work/small/ref.md" -o "$work/out/deck-small" \
    -- marp "$marp" --no-stdin "$work/small/ref.md" -o "$work/out/marp-small/ref.html" \
    ${DECK_BASELINE:+-- deck-baseline "$DECK_BASELINE" build "$work/small/ref.md" -o "$work/out/base-small"}
else
  echo "reference deck not found at $ref (set DECK_REF): skipping the small deck"
fi
big_runs=$(( runs / 2 > 3 ? runs / 2 : 3 ))
python3 bench/measure.py "$big_runs" 1 "generated deck (500 slides: code, tables, images)" \
  -- deck "$deck" build "$work/big/big.md" -o "$work/out/deck-big" \
  -- marp "$marp" --no-stdin --allow-local-files "$work/big/big.md" -o "$work/out/marp-big/big.html" \
  ${DECK_BASELINE:+-- deck-baseline "$DECK_BASELINE" build "$work/big/big.md" -o "$work/out/base-big"}
echo
echo "note: deck inlines the deck's local images into its HTML; marp leaves them as relative links."
