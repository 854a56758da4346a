"""Turn roll-up rows into per-bucket figures (pure; no database)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from tradewind.analytics.repository import CountRow, SketchRow
from tradewind.analytics.schemas import HealthPointOut, VersionAdoptionOut
from tradewind.analytics.sketches import Unions
from tradewind.analytics.timeline import AdoptionPoint
from tradewind.signals.model import Metric

FAILURE_METRICS = frozenset({Metric.DOWNLOAD_FAILED, Metric.INSTALL_FAILED, Metric.ROLLBACK})


def version_order(version: str) -> tuple[int, int, str]:
    """Newest numeric version first, then other labels, the unknown ('') last."""
    if version.isdigit():
        return (0, -int(version), version)
    return (1 if version else 2, 0, version)


def versions_adoption(
    buckets: Sequence[datetime], counts: Sequence[CountRow], sketches: Sequence[SketchRow]
) -> tuple[list[VersionAdoptionOut], Unions]:
    """Checks and distinct devices per package version and bucket. The returned unions also
    hold ("bucket", start) and ("all",) groups: every device that checked."""
    index = {bucket: i for i, bucket in enumerate(buckets)}
    checks: dict[str, list[int]] = {}
    for row in counts:
        if row.metric == Metric.CHECK and row.bucket in index:
            per_bucket = checks.setdefault(row.package_version, [0] * len(buckets))
            per_bucket[index[row.bucket]] += row.count
    unions = Unions()
    for sketch in sketches:
        version, bucket = sketch.package_version, sketch.bucket
        checks.setdefault(version, [0] * len(buckets))  # seen only in sketches: still a row
        groups = [(version, bucket), ("version", version), ("bucket", bucket), ("all",)]
        unions.add(sketch.sketch, groups)
    versions = [
        VersionAdoptionOut(
            package_version=version,
            checks=per_bucket,
            devices=[unions.estimate((version, bucket)) for bucket in buckets],
            total_checks=sum(per_bucket),
            total_devices=unions.estimate(("version", version)),
        )
        for version, per_bucket in sorted(checks.items(), key=lambda kv: version_order(kv[0]))
    ]
    return versions, unions


def health_series(
    buckets: Sequence[datetime],
    counts: Sequence[CountRow],
    sketches: Sequence[SketchRow],
    version: str,
) -> list[HealthPointOut]:
    """A release's checks and outcomes (counts of that release) and the adoption of its
    version among all devices that checked (sketches of the whole application), per bucket."""
    index = {bucket: i for i, bucket in enumerate(buckets)}
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    for row in counts:
        if row.bucket in index:
            key = "failures" if row.metric in FAILURE_METRICS else row.metric
            totals[key][index[row.bucket]] += row.count
    unions = Unions()
    for sketch in sketches:
        groups: list[tuple[str, datetime]] = [("active", sketch.bucket)]
        if sketch.package_version == version:
            groups.append(("running", sketch.bucket))
        unions.add(sketch.sketch, groups)
    points = []
    for i, bucket in enumerate(buckets):
        adoption = AdoptionPoint(
            bucket, unions.estimate(("running", bucket)), unions.estimate(("active", bucket))
        )
        points.append(
            HealthPointOut(
                bucket=bucket,
                checks=totals[Metric.CHECK][i],
                running=adoption.running,
                active=adoption.active,
                adoption=adoption.share,
                downloads=totals[Metric.DOWNLOAD_COMPLETED][i],
                installs=totals[Metric.INSTALL_SUCCEEDED][i],
                failures=totals["failures"][i],
            )
        )
    return points
