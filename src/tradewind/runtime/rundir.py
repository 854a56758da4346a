"""A per-server directory (under the temporary directory: a tmpfs in a container) that
`tradewind serve` creates before its workers start and removes when it stops.

- `metrics/`: prometheus-client's multiprocess files, one set per worker;
- `draining`: exists from the first SIGTERM on; every worker's readiness turns false.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradewind.context import AppContext

RUN_DIR_ENV = "TRADEWIND_RUN_DIR"
METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
DRAINING = "draining"


def create() -> Path:
    """Make the directory and export its location (before any worker or metric exists)."""
    run_dir = Path(tempfile.mkdtemp(prefix="tradewind-run-"))
    (run_dir / "metrics").mkdir()
    os.environ[RUN_DIR_ENV] = str(run_dir)
    os.environ[METRICS_ENV] = str(run_dir / "metrics")
    return run_dir


def remove(run_dir: Path) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)
    for name in (RUN_DIR_ENV, METRICS_ENV):
        os.environ.pop(name, None)


def draining_flag(run_dir: Path) -> Path:
    return run_dir / DRAINING


def is_draining() -> bool:
    run_dir = os.environ.get(RUN_DIR_ENV)
    return run_dir is not None and draining_flag(Path(run_dir)).exists()


async def shutdown_check(_: AppContext) -> str:
    """Readiness: false from the first SIGTERM on, while in-flight requests drain."""
    return "draining: shutting down" if is_draining() else "ok"
