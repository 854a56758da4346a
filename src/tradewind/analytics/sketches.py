"""Distinct devices from the stored HLL sketches (Apache DataSketches)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from datasketches import hll_sketch, hll_union

LG_K = 12  # the precision the recorder writes with


class Unions:
    """Distinct-device estimates over groups of sketches: add each sketch to the groups it
    belongs to, then read each group's estimate (0 for a group that got none)."""

    def __init__(self) -> None:
        self._unions: dict[Hashable, hll_union] = {}

    def add(self, data: bytes, groups: Iterable[Hashable]) -> None:
        sketch = hll_sketch.deserialize(data)
        for group in groups:
            union = self._unions.get(group)
            if union is None:
                union = self._unions[group] = hll_union(LG_K)
            union.update(sketch)

    def estimate(self, group: Hashable) -> int:
        union = self._unions.get(group)
        return 0 if union is None else round(union.get_result().get_estimate())


def distinct_devices(sketches: Iterable[bytes]) -> int:
    """The estimated number of distinct devices over the union of these sketches."""
    unions = Unions()
    for data in sketches:
        unions.add(data, ("all",))
    return unions.estimate("all")
