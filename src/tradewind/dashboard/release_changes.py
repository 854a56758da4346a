"""The file and config diff a release confirmation shows: what devices' content changes.

- ramp, resume, conclude: the release against the one it replaces for its audience;
- pause, discard, retire: the other way round (its devices go back to that release);
- rollback: the restored content against the current baseline of its target.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.dashboard.render import pretty_json
from tradewind.models import Release
from tradewind.packages import repository as packages_repo
from tradewind.releases import changes, service
from tradewind.releases.changes import NOTHING, Changes
from tradewind.releases.content import canonical

EVERYONE = canonical(()).key


async def confirm_changes(
    session: AsyncSession, app_id: int, release_id: int, verb: str
) -> Changes:
    release = await service.get_release(session, app_id, release_id)
    if verb == "rollback":
        current = await changes.current_baseline(
            session, app_id, release.channel, release.target_key
        )
        before = NOTHING if current is None else await changes.side_of(session, current)
        return changes.compare(before, await changes.side_of(session, release))
    previous = await changes.replaced_by(session, release)
    other = NOTHING if previous is None else await changes.side_of(session, previous)
    own = await changes.side_of(session, release)
    if verb in ("pause", "discard", "retire"):
        return changes.compare(own, other)
    return changes.compare(other, own)


async def previous_release_id(session: AsyncSession, app_id: int, release_id: int) -> int | None:
    """For a concluded release: the release of the same target it replaced (the one-step
    "roll back to the previous release" restores it)."""
    release = await service.get_release(session, app_id, release_id)
    if release.status != "concluded":
        return None
    previous = await changes.replaced_by(session, release)
    if previous is None or previous.target_key != release.target_key:
        return None
    return previous.id


async def baseline_values(
    session: AsyncSession, app_id: int, values: dict[str, str], from_id: int | None = None
) -> int | None:
    """Fill the new-release form from a baseline: release `from_id` (its target and channel
    too), else the current baseline for everyone of the form's channel. Returns its id."""
    if from_id is not None:
        source = await service.get_release(session, app_id, from_id)
        values["channel"] = source.channel
        for condition in source.target:
            name = condition["dimension"]
            values[f"op.{name}"] = condition["op"]
            values[f"value.{name}"] = ", ".join(condition["values"])
        baseline = await changes.current_baseline(
            session, app_id, source.channel, source.target_key
        )
    else:
        channel = values.get("channel") or "production"
        baseline = await changes.current_baseline(session, app_id, channel, EVERYONE)
    if baseline is None:
        return None
    values["boot_timeout"] = str(baseline.boot_timeout)
    values["release_config_timeout"] = str(baseline.release_config_timeout)
    values["properties"] = pretty_json(baseline.config_properties)
    values.setdefault("package_version", str(await _package_version(session, baseline)))
    return baseline.id


async def _package_version(session: AsyncSession, release: Release) -> int:
    packages = await packages_repo.by_ids(session, [release.package_id])
    return packages[release.package_id].version
