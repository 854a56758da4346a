"""Experiment variants (pure): share validation, sticky bucket allocation, assignment.

A device in an experiment's audience gets a variant by ``bucket(f"{release_id}/variants",
identifier)`` (the rollout hash with its own key, so the variant does not depend on whether the
device was among the first of the rollout). Each variant holds a set of buckets (ranges of
0..9999) as large as its share. When shares change, a variant whose share did not shrink keeps
every bucket it held, one that shrank gives up its highest buckets, and growing variants take
free buckets lowest first: devices only move out of a variant whose share went down.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from tradewind.errors import BadRequest
from tradewind.targeting.bucket import BUCKETS, bucket

Ranges = list[list[int]]  # [[low, high), ...] sorted, disjoint
MIN_VARIANTS = 2
MAX_VARIANTS = 10


def variant_key(release_id: int) -> str:
    return f"{release_id}/variants"


def check_shares(shares: Mapping[str, int]) -> None:
    """At least two variants, each with a share above 0, adding up to exactly 100%."""
    if not MIN_VARIANTS <= len(shares) <= MAX_VARIANTS:
        raise _invalid(
            "wrong_variant_count", f"an experiment has {MIN_VARIANTS} to {MAX_VARIANTS} variants"
        )
    if any(share <= 0 for share in shares.values()):
        raise _invalid("empty_share", "every variant needs a share above 0")
    total = sum(shares.values())
    if total != BUCKETS:
        raise _invalid(
            "shares_not_100", f"variant shares add up to {total / 100:g}%, not 100%", total
        )


def allocate(
    shares: Mapping[str, int], previous: Mapping[str, Ranges] | None = None
) -> dict[str, Ranges]:
    """Bucket ranges per variant for these shares (basis points, adding up to 10000)."""
    held: dict[str, list[int]] = {}
    for name, share in shares.items():
        kept = _expand((previous or {}).get(name, []))
        held[name] = kept[:share]  # a shrinking variant gives up its highest buckets
    taken = {b for buckets in held.values() for b in buckets}
    free = (b for b in range(BUCKETS) if b not in taken)
    for name, share in shares.items():
        missing = share - len(held[name])
        held[name] = sorted(held[name] + [next(free) for _ in range(missing)])
    return {name: _compress(buckets) for name, buckets in held.items()}


def _expand(ranges: Ranges) -> list[int]:
    return [b for low, high in ranges for b in range(low, high)]


def _compress(buckets: Sequence[int]) -> Ranges:
    ranges: Ranges = []
    for b in buckets:
        if ranges and ranges[-1][1] == b:
            ranges[-1][1] = b + 1
        else:
            ranges.append([b, b + 1])
    return ranges


class VariantPicker:
    """Maps a device's variant bucket to the variant release that holds it (hot path)."""

    __slots__ = ("_ids", "_key", "_lows")

    def __init__(self, release_id: int, ranges: Mapping[int, Ranges]) -> None:
        spans = sorted(
            (low, high, variant_id) for variant_id, r in ranges.items() for low, high in r
        )
        self._key = variant_key(release_id)
        self._lows = [low for low, _, _ in spans]
        self._ids = [variant_id for _, _, variant_id in spans]

    def pick(self, identifier: str) -> tuple[int, int]:
        """(variant release id, the device's variant bucket)."""
        device_bucket = bucket(self._key, identifier)
        index = bisect.bisect_right(self._lows, device_bucket) - 1
        return self._ids[index], device_bucket


def _invalid(problem: str, message: str, total: int | None = None) -> BadRequest:
    details: dict[str, object] = {"problem": problem}
    if total is not None:
        details["total_percentage"] = total / 100
    return BadRequest(message, code="invalid_variants", details=details)
