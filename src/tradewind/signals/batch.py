"""A batch of held signals and how its minute keys roll up into minute, hour and day buckets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from datasketches import hll_sketch, hll_union, tgt_hll_type

HLL_LG_K = 12
HLL_TYPE = tgt_hll_type.HLL_4

# (app_id, minute since the epoch, metric, release_id, package_version)
CountKey = tuple[int, int, str, int, str]
# (app_id, minute since the epoch, release_id, package_version)
SketchKey = tuple[int, int, int, str]
# (app_id, span, bucket start, metric, release_id, package_version)
CountRow = tuple[int, str, datetime, str, int, str]
# (app_id, span, bucket start, release_id, package_version)
SketchRow = tuple[int, str, datetime, int, str]

SPAN_MINUTES = (("minute", 1), ("hour", 60), ("day", 1440))


def new_sketch() -> hll_sketch:
    return hll_sketch(HLL_LG_K, HLL_TYPE)


def union_of(*sketches: hll_sketch) -> hll_sketch:
    union = hll_union(HLL_LG_K)
    for sketch in sketches:
        union.update(sketch)
    return union.get_result(HLL_TYPE)


def merge_sketches(*serialised: bytes) -> bytes:
    union = hll_union(HLL_LG_K)
    for data in serialised:
        union.update(hll_sketch.deserialize(data))
    return bytes(union.get_result(HLL_TYPE).serialize_compact())


@dataclass
class Batch:
    """What one flush took from memory; its `id` is written to the ledger with it."""

    counts: dict[CountKey, int]
    sketches: dict[SketchKey, hll_sketch]
    id: str = field(default_factory=lambda: secrets.token_hex(16))


def buckets(minute: int) -> list[tuple[str, datetime]]:
    """The minute, hour and day bucket (span, UTC start) a minute belongs to."""
    return [
        (span, datetime.fromtimestamp(minute // size * size * 60, UTC))
        for span, size in SPAN_MINUTES
    ]


def count_rows(batches: list[Batch]) -> dict[CountRow, int]:
    rows: dict[CountRow, int] = {}
    for batch in batches:
        for (app_id, minute, metric, release_id, version), n in batch.counts.items():
            for span, start in buckets(minute):
                row = (app_id, span, start, metric, release_id, version)
                rows[row] = rows.get(row, 0) + n
    return rows


def sketch_rows(batches: list[Batch]) -> dict[SketchRow, bytes]:
    unions: dict[SketchRow, hll_union] = {}
    for batch in batches:
        for (app_id, minute, release_id, version), sketch in batch.sketches.items():
            for span, start in buckets(minute):
                row = (app_id, span, start, release_id, version)
                union = unions.get(row)
                if union is None:
                    union = unions[row] = hll_union(HLL_LG_K)
                union.update(sketch)
    return {
        row: bytes(union.get_result(HLL_TYPE).serialize_compact()) for row, union in unions.items()
    }
