#!/usr/bin/env bash
# Fuzzes the management API with Schemathesis (every phase, fixed seed) against a real
# `tradewind serve`; fails on any 5xx or any traceback in the server log.
# FUZZ_MAX_EXAMPLES (per operation, default 220: over 10,000 cases) and FUZZ_SEED tune it;
# extra arguments go to `schemathesis run`. Results: docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/fuzz.py "$@"
