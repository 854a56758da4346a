"""Uploads in flight in this process, so that background work competing with them for the
event loop and the database (the compressor) can wait until they are done."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class UploadActivity:
    def __init__(self) -> None:
        self._in_flight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextlib.contextmanager
    def uploading(self) -> Iterator[None]:
        """Counts the block as an upload in flight."""
        self._in_flight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._quiet.set()

    async def quiet(self, longest: float) -> None:
        """Return once no upload is in flight, or after `longest` seconds in any case."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._quiet.wait(), longest)
