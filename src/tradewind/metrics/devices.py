"""Device-check counts held in plain lists and moved into the Prometheus counter in bulk.

Each protocol's handler gets a dict of application key -> counts by answer status (STATUSES)
and, per request, increments one list element: one dict lookup, no lock, no memory-mapped
write (the Airborne handler does it inline, CodePush and Expo through `count_answer`). The
metrics sync loop and every scrape move what was added since the last publish into
DEVICE_CHECKS. Application keys come from the snapshot (known applications only; every other
name counts as UNKNOWN_APPLICATION), so clients cannot grow the label set.
"""

from __future__ import annotations

from tradewind.metrics.registry import DEVICE_CHECKS

UNKNOWN_APPLICATION = "(unknown)"
# The answers counted, in list order: the index a handler increments.
STATUSES = ("200", "304", "404", "405", "503", "400", "406", "414")
OK, NOT_MODIFIED, NOT_FOUND, NOT_ALLOWED, LOADING, BAD_REQUEST, NOT_ACCEPTABLE, TOO_LONG = range(
    len(STATUSES)
)
INDEX_OF_STATUS = {int(status): index for index, status in enumerate(STATUSES)}
Counts = dict[str, list[int]]


def new_counts() -> list[int]:
    return [0] * len(STATUSES)


def count_answer(counts: Counts | None, application: str, status: int) -> None:
    """One answer with `status` for `application` (a known org/app, else UNKNOWN_APPLICATION);
    `counts` None: metrics are off. A status not in STATUSES is not counted."""
    if counts is None:
        return
    row = counts.get(application)
    if row is None:
        row = counts[application] = new_counts()
    index = INDEX_OF_STATUS.get(status)
    if index is not None:
        row[index] += 1


class DeviceTally:
    __slots__ = ("_by_protocol", "_published")

    def __init__(self) -> None:
        self._by_protocol: dict[str, Counts] = {}
        self._published: dict[tuple[str, str], list[int]] = {}

    def counts_for(self, protocol: str) -> Counts:
        """The dict a protocol's handler counts into (the same one for the process's life)."""
        return self._by_protocol.setdefault(protocol, {})

    def total(self) -> int:
        return sum(sum(c) for counts in self._by_protocol.values() for c in counts.values())

    def publish(self) -> None:
        """Move what was counted since the last publish into the Prometheus counter."""
        for protocol, counts in self._by_protocol.items():
            for application, current in list(counts.items()):
                done = self._published.setdefault((protocol, application), new_counts())
                for index, n in enumerate(current):
                    if n != done[index]:
                        DEVICE_CHECKS.labels(protocol, application, STATUSES[index]).inc(
                            n - done[index]
                        )
                        done[index] = n
