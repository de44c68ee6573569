#!/usr/bin/env bash
# deck run vs `hyperfine 'docker run --rm ...'` (Debian's hyperfine) on the same image and workload,
# side by side in one run: median wall time with the container's start-up accounted for, and the
# CPU the machine spent per run in each series (what sampling adds).
#
#   bench/run-accuracy.sh [RUNS]
#
# Needs a running Docker engine and Debian's hyperfine and busybox-static. Builds a FROM-scratch
# busybox image (no registry needed). Targets: medians within 5% once start-up is subtracted;
# sampling adds under 1% CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building deck (release)"
cargo build --release --quiet
deck="${CARGO_TARGET_DIR:-$(pwd)/target}/release/deck"

echo "== image deck-bench/busybox (FROM scratch + Debian's static busybox)"
cp /bin/busybox "$work/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' >"$work/Dockerfile"
docker build -q -t deck-bench/busybox "$work" >/dev/null
echo "== machine: $(nproc) cores; engine $(docker version -f '{{.Server.Version}}'); $(hyperfine --version)"

python3 bench/run_accuracy.py "$deck" deck-bench/busybox "$runs"
