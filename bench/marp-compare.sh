#!/usr/bin/env bash
# How close deck draws Marp decks to marp-cli: every deck of tests/corpus/marp/ built by both,
# and every project of tests/corpus/marp-projects/ built by both with its own marp-cli command
# line, compared in Chromium slide by slide (structure: slide count, classes, directive
# attributes, text; looks: SSIM of 320x180 greyscale thumbnails of 1280x720 renderings). Prints
# both tables, the medians and the worst slides.
#
#   bench/marp-compare.sh [NAME-FILTER] [SHOTS-DIR]
#
# Uses marp-cli from MARP_CLI, ~/.cache/deck-ci/marp (where .ci/run installs 4.5.1), or the
# PATH; installs 4.5.1 there when none is found. With SHOTS-DIR, both tools' screenshots of every
# slide are kept there (NAME-NN-marp.png, NAME-NN-deck.png) to look at side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="$HOME/.cache/deck-ci/marp"
if [ -z "${MARP_CLI:-}" ] && [ ! -x "$cache/node_modules/.bin/marp" ] && ! command -v marp >/dev/null; then
  echo "== installing marp-cli 4.5.1 into $cache"
  mkdir -p "$cache"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error @marp-team/marp-cli@4.5.1 >/dev/null)
fi
report="$(mktemp)"
projects="$(mktemp)"
trap 'rm -f "$report" "$projects"' EXIT
export DECK_MARP_REPORT="$report" DECK_MARP_PROJECTS_REPORT="$projects" DECK_REQUIRE_MARP=1 DECK_REQUIRE_BROWSER=1
[ -n "${1:-}" ] && export DECK_MARP_ONLY="$1"
[ -n "${2:-}" ] && export DECK_MARP_SHOTS="$2"
cargo nextest run --test marp --no-fail-fast >/dev/null 2>&1 || true
echo "== single decks (tests/corpus/marp/)"
cat "$report"
echo
echo "== projects (tests/corpus/marp-projects/, each with its marp-cli command line)"
cat "$projects"
