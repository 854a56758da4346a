"""The baseline a release is compared with: same target first, else the resolver's fallback."""

from __future__ import annotations

from typing import Any

from fixtures.releases import ReleaseKit

from tradewind.analytics.service import baseline_release
from tradewind.releases.service import get_release


def target(**values: str) -> list[dict[str, Any]]:
    return [{"dimension": k, "op": "eq", "values": [v]} for k, v in values.items()]


async def concluded(kit: ReleaseKit, **body: Any) -> int:
    release = await kit.created(**body)
    if release["status"] == "created":
        assert (await kit.act(release["id"], "ramp", {"percentage": 10})).status_code == 200
        assert (await kit.act(release["id"], "conclude")).status_code == 200
    return int(release["id"])


async def baseline_of(kit: ReleaseKit, release_id: int) -> int | None:
    async with kit.app.ctx.db.unit_of_work() as session:
        release = await get_release(session, kit.app_id, release_id)
        baseline = await baseline_release(session, release)
        return None if baseline is None else baseline.id


async def test_first_release_of_a_channel_has_no_baseline(kit: ReleaseKit) -> None:
    first = await concluded(kit, package_version=await kit.package())
    assert await baseline_of(kit, first) is None


async def test_ramping_release_is_compared_with_its_targets_concluded_release(
    kit: ReleaseKit,
) -> None:
    await kit.dimension("os")
    version = await kit.package()
    everyone = await concluded(kit, package_version=version)
    ios = await concluded(kit, package_version=version, target=target(os="ios"))
    ramping = await kit.created(package_version=version, target=target(os="ios"), percentage=5)
    assert (await kit.act(ramping["id"], "ramp")).status_code == 200
    assert await baseline_of(kit, ramping["id"]) == ios
    # Once concluded it superseded `ios`, which stays its baseline.
    assert (await kit.act(ramping["id"], "conclude")).status_code == 200
    assert await baseline_of(kit, ramping["id"]) == ios
    assert await baseline_of(kit, ios) == everyone


async def test_without_same_target_the_most_specific_broader_release_is_the_baseline(
    kit: ReleaseKit,
) -> None:
    await kit.dimension("os", position=0)
    await kit.dimension("country", position=1)
    version = await kit.package()
    everyone = await concluded(kit, package_version=version)
    country = await concluded(kit, package_version=version, target=target(country="fr"))
    await concluded(kit, package_version=version, target=target(os="android"))
    ramping = await kit.created(
        package_version=version, target=target(os="ios", country="fr"), percentage=5
    )
    assert await baseline_of(kit, ramping["id"]) == country
    other = await kit.created(package_version=version, target=target(os="ios"), percentage=5)
    assert await baseline_of(kit, other["id"]) == everyone


async def test_a_retired_target_falls_back_to_the_broader_release(kit: ReleaseKit) -> None:
    await kit.dimension("os")
    version = await kit.package()
    everyone = await concluded(kit, package_version=version)
    ios = await concluded(kit, package_version=version, target=target(os="ios"))
    assert (await kit.act(ios, "retire")).status_code == 200
    ramping = await kit.created(package_version=version, target=target(os="ios"), percentage=5)
    assert await baseline_of(kit, ramping["id"]) == everyone
