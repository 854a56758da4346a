"""granian's server with a graceful stop: on SIGTERM (or Ctrl-C) the drain flag turns every
worker's readiness false, and after `shutdown_drain_seconds` granian stops accepting, lets
in-flight requests finish and runs each worker's shutdown. A second signal stops at once.

The parent process runs no thread of its own while granian forks the workers from it: a fork
while another thread holds a lock (an import's module lock, a logging handler's) leaves that
lock held forever in the child, whose application build then hangs on it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from granian import Granian

log = logging.getLogger("tradewind.runtime")


class DrainingGranian(Granian):  # type: ignore[misc,valid-type]
    def __init__(
        self,
        *args: Any,
        drain_flag: Path,
        drain_seconds: float,
        on_listening: Callable[[], None] = lambda: None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._drain_flag = drain_flag
        self._drain_seconds = drain_seconds
        self._on_listening = on_listening

    def startup(self, *args: Any, **kwargs: Any) -> None:
        """Binds the socket and forks the workers; then `on_listening`, in this thread: the
        socket already accepts connections, and the workers exist to answer them."""
        super().startup(*args, **kwargs)
        self._on_listening()

    def signal_handler_interrupt(self, *args: Any, **kwargs: Any) -> None:
        first = not self._drain_flag.exists()
        self._drain_flag.touch()
        if first and self._drain_seconds > 0:
            log.info("shutting down: not ready, draining in %.1f s", self._drain_seconds)
            timer = threading.Timer(self._drain_seconds, self._stop)
            timer.daemon = True
            timer.start()
            return
        self._stop()

    def _stop(self) -> None:
        super().signal_handler_interrupt()
