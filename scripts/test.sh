#!/usr/bin/env bash
# Installs Tradewind with its test dependencies into .venv and runs the test suite:
# against SQLite, and again against PostgreSQL when TRADEWIND_TEST_DATABASE_URL is set.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/releases -x).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

echo "== test suite on SQLite"
env -u TRADEWIND_TEST_DATABASE_URL .venv/bin/python -m pytest "$@"
if [ -n "${TRADEWIND_TEST_DATABASE_URL:-}" ]; then
  echo "== test suite on PostgreSQL"
  # tests/targeting and tests/storage never touch the database: once is enough.
  .venv/bin/python -m pytest --ignore=tests/targeting --ignore=tests/storage "$@"
fi
