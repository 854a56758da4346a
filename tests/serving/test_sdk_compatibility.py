"""Compatibility with the Airborne Android SDK: parse every answer the way it does, and
download every file through its URL to check the checksum, over many releases and contexts."""

from __future__ import annotations

import hashlib
import itertools
from urllib.parse import urlsplit

import pytest
from fixtures.serving import DEVICE_PATHS, DeviceKit, android, device_kit, files_of, ios, sdk_parse
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp
from tradewind.targeting.bucket import bucket


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> DeviceKit:
    return await device_kit(app, client, users)


async def _populate(kit: DeviceKit) -> list[str]:
    """Releases of every shape: targets, rollouts, resources, empty and odd properties."""
    await kit.dimension("os", position=0)
    await kit.dimension("app-version", "semver", position=1)
    await kit.dimension("merchant", position=2)
    await kit.file("res/config.json", b'{"a": 1}')
    await kit.file("res/empty.txt", b"")
    await kit.file("res/unicode.txt", "ünïcødé ✓".encode())
    v1 = await kit.package(important=("vendor.js",), lazy=("img/a.png",))
    await kit.live(v1)
    v2 = await kit.package(
        index="index.ios.bundle",
        important=("vendor.js", "app.js"),
        lazy=tuple(f"img/{n}.png" for n in range(12)),
        properties={"from": "package"},
    )
    await kit.live(
        v2,
        target=[{"dimension": "os", "op": "eq", "values": ["ios"]}],
        config={"boot_timeout": 0, "release_config_timeout": 3_600_000, "properties": {}},
        resources=["res/config.json", "res/empty.txt"],
    )
    v3 = await kit.package(lazy=("fonts/a b.ttf", "dir/sub/deep.bin"))
    await kit.live(
        v3,
        target=[
            {"dimension": "os", "op": "eq", "values": ["android"]},
            {"dimension": "app-version", "op": "semver", "values": [">=2.0.0 <3.0.0"]},
        ],
        config={"properties": {"flags": {"x": [1, 2, {"y": None}]}, "s": "ü"}},
        package_properties={},
        resources=["res/unicode.txt"],
    )
    v4 = await kit.package(important=tuple(f"chunk-{n}.js" for n in range(5)))
    merchants = await kit.live(
        v4,
        target=[{"dimension": "merchant", "op": "in", "values": ["m1", "m2"]}],
        percentage=40,
    )
    v5 = await kit.package()
    baseline = await kit.live(v5, percentage=10)  # a new baseline rolling out to 10%
    # Devices inside each rollout, and one outside both.
    ids = [f"device-{n}" for n in range(1000)]
    return [
        next(d for d in ids if bucket(str(merchants), d) < 4000),
        next(d for d in ids if bucket(str(baseline), d) < 1000),
        next(
            d for d in ids if bucket(str(merchants), d) >= 4000 and bucket(str(baseline), d) >= 1000
        ),
    ]


CONTEXTS = [
    {},
    {"os": "ios"},
    {"os": "android"},
    {"os": "android", "app-version": "2.3.1"},
    {"os": "android", "app-version": "3.0.0"},
    {"os": "android", "app-version": "not-a-version"},
    {"merchant": "m1", "os": "ios"},
    {"merchant": "m2", "app-version": "2.0.0", "os": "android"},
    {"merchant": "m3", "unknown": "dimension"},
]


async def test_every_answer_parses_like_the_android_sdk(kit: DeviceKit) -> None:
    devices = await _populate(kit)
    checked: dict[str, bytes] = {}  # url -> expected checksum, downloaded once each
    served_versions: set[str] = set()
    for context, toss, path in itertools.product(CONTEXTS, [None, *devices], DEVICE_PATHS):
        for spelling in (android(context), ios(context)):
            r = await kit.check(path, dimensions=spelling, toss=toss)
            assert r.status_code == 200, (context, toss, r.text)
            assert r.headers["content-type"] == "application/json"
            doc = sdk_parse(r.json())
            served_versions.add(doc["config"]["version"])
            for entry in files_of(doc):
                checked[entry["url"]] = entry["checksum"].encode()
                assert int(r.headers["content-length"]) == len(r.content)
    assert len(served_versions) == 5  # the mix covers every live release
    for url, checksum in checked.items():
        await _download_and_verify(kit, url, checksum.decode())


async def _download_and_verify(kit: DeviceKit, url: str, checksum: str) -> None:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver"
    r = await kit.client.get(url)
    assert r.status_code == 200, (url, r.text)
    assert hashlib.sha256(r.content).hexdigest() == checksum, url


async def test_files_in_the_document_match_their_records(kit: DeviceKit) -> None:
    await _populate(kit)
    doc = sdk_parse((await kit.check(dimensions="os=ios")).json())
    sizes = {f["file_path"]: f["size"] for f in files_of(doc)}
    assert sizes["res/config.json"] == len(b'{"a": 1}')
    assert sizes["res/empty.txt"] == 0
    for entry in files_of(doc):
        r = await kit.client.get(entry["url"])
        assert len(r.content) == entry["size"], entry["file_path"]
