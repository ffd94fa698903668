#!/usr/bin/env bash
# `make bench`: the benchmark suites in benchmarks/ (pytest-benchmark and the end-to-end replays),
# against a real Kafka broker and PostgreSQL that this script starts and always stops again.
# Results are saved as JSON in benchmarks/results/; BENCH=quick runs shorter versions (under 5 min).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
state=var/bench-services-$$
export BENCH="${BENCH:-full}"
mkdir -p benchmarks/results

# py-spy samples the gateway during the peak benchmark (a profile is part of its result)
[ -x "$bin/py-spy" ] || "$bin/pip" install -q py-spy || echo "py-spy not installed: the peak runs without a profile" >&2

echo "== services: Apache Kafka and PostgreSQL"
cleanup() { $bin/python infra/services.py stop --state "$state" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
$bin/python infra/services.py start --state "$state"
# shellcheck disable=SC1090
source "$state/services.env"
export CEBSIM_TEST_KAFKA CEBSIM_TEST_DATABASE_URL

echo "== benchmarks (BENCH=$BENCH)"
$bin/pytest benchmarks -p no:cacheprovider -o testpaths=benchmarks -s \
  --benchmark-json="benchmarks/results/pytest-benchmark.json" "$@"  # the last run's; git keeps the rest
$bin/python -m benchmarks.readme_table
