#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it: static checks, then every test folder against a
# real Kafka broker and a real PostgreSQL that this script starts and always stops again.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
state=var/services-$$

echo "== ruff (lint, format)"
$bin/ruff check .
$bin/ruff format --check .
echo "== mypy --strict"
$bin/mypy
echo "== import contracts"
$bin/lint-imports

echo "== services: Apache Kafka and PostgreSQL"
cleanup() { $bin/python infra/services.py stop --state "$state" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
$bin/python infra/services.py start --state "$state"
# shellcheck disable=SC1090
source "$state/services.env"

echo "== pytest (unit, conformance, integration)"
set +e
$bin/pytest tests -p no:cacheprovider --cov --cov-report=term:skip-covered "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
