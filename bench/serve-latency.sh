#!/usr/bin/env bash
# deck serve vs marp-cli's server mode, side by side in one run: time from a file save to the new
# text in a headless Chromium page (median of EDITS edits each), 50 connected pages, and wrk.
#
#   bench/serve-latency.sh [EDITS]
#
# Needs Debian's chromium (CHROMIUM=/path to override); installs marp-cli from the npm registry into
# a temporary folder; runs wrk (Debian's `wrk`) for 10 s on a served page if it is installed.
# Targets: deck's median <= 40 ms and p90 <= 60 ms, faster than marp -s; every page gets the update;
# no wrk errors.
set -euo pipefail
cd "$(dirname "$0")/.."
edits="${1:-20}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== installing marp-cli into $work/marp"
mkdir -p "$work/marp"
(cd "$work/marp" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error @marp-team/marp-cli >/dev/null)
marp="$work/marp/node_modules/.bin/marp"
echo "   $("$marp" --version | head -1)"

echo "== building deck (release)"
cargo build --release --quiet
deck="${CARGO_TARGET_DIR:-$(pwd)/target}/release/deck"

python3 bench/serve_latency.py "$deck" "$marp" "$edits"

if command -v wrk >/dev/null; then
  python3 bench/gen_deck.py "$work/wrk" 100 >/dev/null
  "$deck" serve --port 18731 "$work/wrk/big.md" >/dev/null 2>&1 &
  sleep 2
  page=big.html
  echo "== wrk: 10 s, 4 connections, on /$page"
  wrk -t2 -c4 -d10s "http://127.0.0.1:18731/$page"
else
  echo "== wrk not installed (apt-get install wrk): skipped"
fi
