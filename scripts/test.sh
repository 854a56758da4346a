#!/usr/bin/env bash
# Installs Tradewind with its test dependencies into .venv and runs the test suite in parallel
# (pytest-xdist): on SQLite, then on PostgreSQL when TRADEWIND_TEST_DATABASE_URL is set. The
# PostgreSQL run leaves out the tests marked `once` (no database, or browser tests), which give
# the same result on every database. See docs/testing.md.
#
#   scripts/test.sh [--only sqlite|postgresql] [pytest arguments, e.g. tests/releases -x]
#
# TRADEWIND_TEST_WORKERS sets the number of xdist workers (default 3; 0 runs in-process).
set -euo pipefail
cd "$(dirname "$0")/.."

only=""
if [ "${1:-}" = "--only" ]; then
  only=${2:?"--only needs sqlite or postgresql"}
  shift 2
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# Byte-code caches on, whatever the environment says: every server and CLI process a test starts
# imports Tradewind again, and pytest keeps its rewritten test modules between workers and runs.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m compileall -q src >/dev/null

workers=${TRADEWIND_TEST_WORKERS:-3}
common=(-n "$workers" --dist loadgroup --durations=30)

# pytest's exit code 5 means no test was selected: a failure for a whole run, but expected when
# the arguments pick only `once` tests and the PostgreSQL run therefore has nothing to do.
suite() {
  local name=$1 rc=0 start=$SECONDS
  shift
  echo "== test suite on $name"
  "$@" || rc=$?
  echo "== test suite on $name: $((SECONDS - start)) s, exit $rc"
  if [ "$rc" -eq 5 ] && [ "$name" = PostgreSQL ] && [ "$extra_args" -gt 0 ]; then
    echo "== (nothing selected on PostgreSQL: the chosen tests are all marked once)"
    return 0
  fi
  return "$rc"
}
extra_args=$#

if [ "$only" != postgresql ]; then
  suite SQLite env -u TRADEWIND_TEST_DATABASE_URL .venv/bin/python -m pytest "${common[@]}" "$@"
fi
if [ "$only" != sqlite ] && [ -n "${TRADEWIND_TEST_DATABASE_URL:-}" ]; then
  suite PostgreSQL .venv/bin/python -m pytest "${common[@]}" -m "not once" "$@"
elif [ "$only" = postgresql ]; then
  echo "TRADEWIND_TEST_DATABASE_URL is not set" >&2
  exit 2
fi
