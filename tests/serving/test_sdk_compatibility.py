"""Compatibility with the Airborne SDKs: parse every answer the way Android and iOS do, and
download every file through its URL to check the checksum, over many releases and contexts."""

from __future__ import annotations

import hashlib
import itertools
from urllib.parse import urlsplit

from fixtures.serving import (
    DEVICE_PATHS,
    DeviceKit,
    android,
    files_of,
    ios,
    ios_parse,
    sdk_parse,
)

from tradewind.serving.responses import error_answers
from tradewind.targeting.bucket import bucket


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
            seen_by_ios = ios_parse(r.content)
            assert seen_by_ios is not None
            assert seen_by_ios["config"] == doc["config"]
            assert seen_by_ios["package"]["version"] == doc["package"]["version"]
            assert len(files_of(seen_by_ios)) == len(files_of(doc))  # iOS dropped none
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


def test_ios_parser_rules() -> None:
    """The emulation itself: only a JSON object is a manifest, and it is one with defaults."""
    for body in (b"", b"null", b"[]", b'"x"', b"404", b"no_release: nothing\n", b"<html>"):
        assert ios_parse(body) is None, body
    empty = ios_parse(b'{"error": {"code": "no_release"}}')
    assert empty is not None  # what a JSON error envelope would do to an iPhone
    assert empty["config"] == {
        "version": "",
        "boot_timeout": 1000,
        "release_config_timeout": 1000,
        "properties": {},
    }
    numeric = ios_parse(b'{"package": {"version": 7}, "resources": [{"url": 1}]}')
    assert numeric is not None
    assert numeric["package"]["version"] == "" and numeric["resources"] == []


def test_no_fixed_error_answer_is_a_manifest_to_ios() -> None:
    """Every error the device path can give, present and future, reads as an error on iOS."""
    for code, answer in error_answers(b"public, max-age=0").items():
        headers = dict(answer.start["headers"])
        assert headers[b"x-tradewind-error"] == code.encode()
        assert ios_parse(answer.body_message["body"]) is None, code


async def test_error_answers_over_http_are_errors_to_both_sdks(kit: DeviceKit) -> None:
    await kit.dimension("os")
    await kit.live(await kit.package(), target=[{"dimension": "os", "op": "eq", "values": ["ios"]}])
    answers = [
        await kit.check("/release/acme/nope"),
        await kit.check(dimensions=android({"os": "android"})),
        await kit.check(dimensions=ios({"os": "android"})),
        await kit.client.post(DEVICE_PATHS[0]),
        await kit.check(dimensions="os=android", method="HEAD"),
    ]
    ok = await kit.check(dimensions="os=ios")
    answers.append(
        await kit.check(dimensions="os=ios", headers={"if-none-match": ok.headers["etag"]})
    )
    for r in answers:
        assert r.status_code != 200  # Android: any status but 200 is a fetch error
        assert ios_parse(r.content) is None, (r.status_code, r.content)


async def test_config_only_releases_over_defaults_parse_on_both_sdks(kit: DeviceKit) -> None:
    """Defaults + a config-only release per cohort (rolling out and concluded): every answer
    parses on Android and iOS, keeps the package, and its properties fit the schema."""
    from fixtures.remoteconfig import SCHEMA, put_cohorts, put_schema

    from tradewind.remoteconfig.properties import PropertySchema, PropertySpec

    assert (await put_schema(kit, SCHEMA)).status_code == 200
    await kit.dimension("app-version", "semver", position=0)
    cohorts = [{"name": "new", "at_least": "3.0.0"}, {"name": "beta", "members": ["2.5.0-beta"]}]
    assert (
        await put_cohorts(kit, "cohort", base_dimension="app-version", cohorts=cohorts)
    ).status_code == 200
    v1 = await kit.package(important=("vendor.js",), lazy=("img/a.png",))
    base = await kit.live(v1, config={"properties": {"theme": {"primary": "black"}}})
    new = [{"dimension": "cohort", "op": "eq", "values": ["new"]}]
    flip = await kit.created(target=new, config={"properties": {"new_checkout": True}})
    await kit.act(flip["id"], "ramp", json={"percentage": 100})
    await kit.act(flip["id"], "conclude")
    beta = [{"dimension": "cohort", "op": "eq", "values": ["beta"]}]
    ramp = await kit.created(target=beta, config={"properties": {"retries": 0}})
    await kit.act(ramp["id"], "ramp", json={"percentage": 50})
    await kit.refresh()
    schema = PropertySchema.build(
        {n: PropertySpec(n, "", s["default_value"], s["schema"]) for n, s in SCHEMA.items()}
    )
    seen: set[str] = set()
    for version, toss in itertools.product(
        ["1.0.0", "2.5.0-beta", "3.1.0", "x"], ["a", "b", "c", None]
    ):
        for spelling in (android({"app-version": version}), ios({"app-version": version})):
            r = await kit.check(dimensions=spelling, toss=toss)
            doc = sdk_parse(r.json())
            seen_by_ios = ios_parse(r.content)
            assert seen_by_ios is not None and seen_by_ios["config"] == doc["config"]
            assert doc["package"]["version"] == str(v1)
            properties = doc["config"]["properties"]
            assert set(properties) == set(SCHEMA) and schema.problems(properties) == []
            # Releases never inherit from each other: only the baseline sets the theme.
            own = "black" if doc["config"]["version"] == str(base) else "blue"
            assert properties["theme"] == {"primary": own}
            seen.add(doc["config"]["version"])
    assert len(seen) == 3  # baseline, the concluded flip, the ramping beta change


async def test_experiment_variants_parse_on_both_sdks(kit: DeviceKit) -> None:
    """An experiment of three variants (one with its own package): every variant's document
    parses on Android and iOS, its files download with their checksums, and its config.version
    tells the variants apart."""
    from fixtures.remoteconfig import SCHEMA, put_schema

    assert (await put_schema(kit, SCHEMA)).status_code == 200
    v1 = await kit.package(important=("vendor.js",))
    await kit.live(v1)
    v2 = await kit.package(important=("vendor.js", "exp.js"), lazy=("img/x.png",))
    variants = [
        {"name": "control", "percentage": 40},
        {"name": "flag", "percentage": 30, "properties": {"new_checkout": True}},
        {"name": "bundle", "percentage": 30, "package_version": v2, "properties": {"retries": 0}},
    ]
    experiment = await kit.created(package_version=v1, variants=variants)
    await kit.act(experiment["id"], "ramp", json={"percentage": 100})
    await kit.refresh()
    versions: dict[str, str] = {}
    checked: dict[str, str] = {}
    for n in range(60):
        for spelling in (android({}), ios({})):
            r = await kit.check(dimensions=spelling, toss=f"dev-{n}")
            doc = sdk_parse(r.json())
            seen_by_ios = ios_parse(r.content)
            assert seen_by_ios is not None and seen_by_ios["config"] == doc["config"]
            assert len(files_of(seen_by_ios)) == len(files_of(doc))
            assert set(doc["config"]["properties"]) == set(SCHEMA)
            versions[doc["config"]["version"]] = doc["package"]["version"]
            for entry in files_of(doc):
                checked[entry["url"]] = entry["checksum"]
    ids = {v["name"]: str(v["release_id"]) for v in experiment["variants"]}
    assert versions == {ids["control"]: str(v1), ids["flag"]: str(v1), ids["bundle"]: str(v2)}
    for url, checksum in checked.items():
        await _download_and_verify(kit, url, checksum)
