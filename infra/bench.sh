#!/usr/bin/env bash
# `make bench`: the pytest-benchmark suites in benchmarks/, results saved as JSON in benchmarks/results/.
# BENCH=quick runs shorter versions of the same suites.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p benchmarks/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
exec .venv/bin/pytest benchmarks -p no:cacheprovider -o testpaths=benchmarks \
  --benchmark-only --benchmark-json="benchmarks/results/pytest-benchmark-$stamp.json" "$@"
