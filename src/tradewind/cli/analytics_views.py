"""Human renderings of release health and application adoption (--json prints the server's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from tradewind.analytics.timeline import describe_duration
from tradewind.cli.output import fields, table
from tradewind.cli.views import percent, release_line

MAX_TREND_VERSIONS = 5


def rate(value: float) -> str:
    return f"{value * 100:.2f}%"


def failure_line(figures: dict[str, Any]) -> str:
    if not figures["trials"]:
        return "no installs or failures reported yet"
    return (
        f"{rate(figures['failure_rate'])} ({figures['failures']} of {figures['trials']}; "
        f"95% interval {rate(figures['failure_rate_low'])}–{rate(figures['failure_rate_high'])})"
    )


def status_view(
    release: dict[str, Any], health: dict[str, Any], guard: dict[str, Any] | None
) -> RenderableType:
    figures = health["figures"]
    share = health["audience_anonymous_share"]
    pairs: list[tuple[str, Any]] = [
        ("checks", health["checks"]),
        (
            "audience without identifier",
            None if share is None else f"{rate(share)} of checks",
        ),
        ("devices served", health["devices"]),
        (f"devices on package {health['package_version']}", health["devices_running"]),
        ("downloads", f"{figures['downloads']} ({figures['download_failures']} failed)"),
        ("installs", f"{figures['installs']} ({figures['install_failures']} failed)"),
        ("rollbacks", figures["rollbacks"]),
        ("failure rate", failure_line(figures)),
        *_baseline_pairs(health),
        ("50% of active devices", describe_duration(health["time_to_50_seconds"]) or "not yet"),
        ("90% of active devices", describe_duration(health["time_to_90_seconds"]) or "not yet"),
        *_guard_pairs(guard),
    ]
    parts: list[RenderableType] = [Text(release_line(release)), fields(pairs)]
    if health["status"] == "in_progress" and (share is None or share > 0):
        parts.append(
            Text(
                "note: devices that send no identifier keep the baseline until the release is "
                "concluded (see docs/analytics.md)"
            )
        )
    return Group(*parts)


def _baseline_pairs(health: dict[str, Any]) -> list[tuple[str, Any]]:
    baseline = health["baseline"]
    if baseline is None:
        return [("baseline", "none (no earlier release for this audience)")]
    pairs: list[tuple[str, Any]] = [
        (
            "baseline",
            f"release {baseline['release_id']} (package {baseline['package_version']}, "
            f"{baseline['status']})",
        ),
        ("baseline failure rate", failure_line(baseline["figures"])),
    ]
    difference = health["failure_rate_difference"]
    if difference is not None:
        pairs.append(("difference", f"{difference * 100:+.2f} points"))
    return pairs


def _guard_pairs(guard: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if guard is None:
        return []
    settings = guard.get("guard")
    if settings is None:
        return [("guard", "none")]
    limits = (
        f"{guard.get('source')}: at most {rate(settings['max_failure_rate'])} failures "
        f"after {settings['min_sample']} trials"
    )
    if settings.get("max_excess") is not None:
        limits += f", at most {rate(settings['max_excess'])} above the baseline"
    pairs: list[tuple[str, Any]] = [("guard", limits)]
    trip = guard.get("last_trip")
    if trip:
        pairs.append(("guard tripped", f"{trip['tripped_at']} ({trip['reason']})"))
    if guard.get("next_ramp_step") is not None:
        pairs.append(("next ramp step", percent(guard["next_ramp_step"])))
    return pairs


def adoption_view(adoption: dict[str, Any]) -> list[RenderableType]:
    versions = adoption["versions"]
    total = adoption["total_checks"]
    rows = [
        (
            v["package_version"] or "unknown",
            v["total_checks"],
            rate(v["total_checks"] / total) if total else None,
            v["total_devices"],
        )
        for v in versions
    ]
    share = adoption["anonymous_share"]
    summary = (
        f"{adoption['span']} buckets from {adoption['since']} to {adoption['until']}: "
        f"{total} checks, {adoption['total_active_devices']} devices"
        + ("" if share is None else f", {rate(share)} of checks without identifier")
    )
    undefined = ", ".join(f"{k['key']} ({k['checks']})" for k in adoption["undefined_keys"])
    warnings = [
        Text(f"keys devices send that are no dimension here (ignored by targeting): {undefined}")
    ]
    return [
        Text(summary),
        *(warnings if undefined else []),
        table(["package", "checks", "share", "devices"], rows, title="Package versions"),
        _trend(adoption["buckets"], adoption["active_devices"], versions),
    ]


def _trend(
    buckets: Sequence[str], active: Sequence[int], versions: Sequence[dict[str, Any]]
) -> RenderableType:
    """Devices per bucket: all of them, then the newest versions (buckets with checks only)."""
    shown = versions[:MAX_TREND_VERSIONS]
    columns = ["bucket", "devices", *(f"on {v['package_version'] or 'unknown'}" for v in shown)]
    rows = [
        (bucket, active[i], *(v["devices"][i] for v in shown))
        for i, bucket in enumerate(buckets)
        if active[i] or any(v["checks"][i] for v in versions)
    ]
    return table(columns, rows, title="Devices per bucket")
