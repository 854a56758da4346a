"""Schemathesis against a real server with the CI budget (scripts/fuzz.sh, few examples per
operation, fixed seed): any 5xx answer, server traceback or disagreement between an answer
and the OpenAPI document (the conformance checks in scripts/fuzz.py) fails the test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CI_MAX_EXAMPLES = "2"

pytestmark = [
    pytest.mark.skipif(
        shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None,
        reason="schemathesis is not installed (pip install -e '.[test]')",
    ),
    pytest.mark.once,  # the fuzzed server always runs on SQLite in its own data directory
]
# Schemathesis itself occasionally crashes while generating cases (seen: CPython's
# "AST constructor recursion depth mismatch"); such a run found nothing and is run again once.
TOOL_CRASH = "Runtime Error"
SERVER_ERROR = "Server error"  # any failed check is reported as a failure, not a crash


@pytest.mark.timeout(600)
def test_fuzzing_finds_no_server_error() -> None:
    env = dict(os.environ, FUZZ_MAX_EXAMPLES=CI_MAX_EXAMPLES)
    env.pop("TRADEWIND_DATABASE_URL", None)
    result = _fuzz(env)
    output = result.stdout + result.stderr
    if result.returncode != 0 and TOOL_CRASH in output and SERVER_ERROR not in output:
        result = _fuzz(env)
        output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]


def _fuzz(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fuzz.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
