"""Read models of the management side: history with labels, and report metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from datasketches import hll_sketch, hll_union
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.codepush import repository as repo
from tradewind.codepush.schemas import CodePushReleaseOut, LabelMetrics, MetricsOut
from tradewind.codepush.store import DISABLED_STATUSES, label_of
from tradewind.signals.model import Metric
from tradewind.targeting.conditions import parse_version

ACTIVE_WINDOW = timedelta(days=30)
_METRICS = {
    Metric.DOWNLOAD_COMPLETED.value: "downloaded",
    Metric.INSTALL_SUCCEEDED.value: "installed",
    Metric.INSTALL_FAILED.value: "failed",
}


async def history(session: AsyncSession, deployment_id: int) -> list[CodePushReleaseOut]:
    rows = await repo.history(session, [deployment_id])
    diffs = await repo.diffs(session, [r.cp.release_id for r in rows])
    return [
        CodePushReleaseOut(
            label=label_of(r.cp.label_number),
            release_id=r.release.id,
            status=r.release.status,
            package_hash=r.cp.package_hash,
            target_binary=r.release.binary_version_range or "*",
            mandatory=r.release.mandatory,
            disabled=r.cp.is_disabled or r.release.status in DISABLED_STATUSES,
            rollout=100.0
            if r.release.status in ("concluded", "superseded")
            else r.release.rollout_bp / 100,
            description=r.cp.description,
            size=r.zip_size,
            diffs=len(diffs.get(r.cp.release_id, {})),
            created_at=r.cp.created_at,
        )
        for r in rows
    ]


async def metrics(session: AsyncSession, app_id: int, deployment_id: int) -> MetricsOut:
    """Per label: downloads, installs, failures (all time) and active devices (30 days); per
    binary version: active devices."""
    rows = await repo.history(session, [deployment_id])
    labels = {r.release.id: label_of(r.cp.label_number) for r in rows}
    counts = await repo.counts_by_release(session, app_id, list(labels), list(_METRICS))
    found: dict[str, dict[str, int]] = {label: {} for label in labels.values()}
    for (release_id, metric), n in counts.items():
        found[labels[release_id]][_METRICS[metric]] = n
    since = datetime.now(UTC) - ACTIVE_WINDOW
    sketches = await repo.sketches_since(session, app_id, since)
    wanted = [(v, raw) for v, raw in sketches if v in found or parse_version(v) is not None]
    for version, active in _distinct(wanted).items():
        found.setdefault(version, {})["active"] = active
    return MetricsOut(
        metrics={name: LabelMetrics(active=v.pop("active", 0), **v) for name, v in found.items()}
    )


def _distinct(sketches: list[tuple[str, bytes]]) -> dict[str, int]:
    unions: dict[str, hll_union] = {}
    for version, raw in sketches:
        union = unions.setdefault(version, hll_union(12))
        union.update(hll_sketch.deserialize(raw))
    return {version: round(union.get_estimate()) for version, union in unions.items()}
