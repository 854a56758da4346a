"""The update-check endpoint: paths, document, HEAD, ETag/304, cache headers and errors."""

from __future__ import annotations

import json

from fixtures.serving import DEVICE_PATHS, DeviceKit, running_app, sdk_parse


async def _one_release(kit: DeviceKit) -> int:
    version = await kit.package(important=("vendor.js",), lazy=("img/a.png", "img/b.png"))
    await kit.file("config.json", b'{"theme": "dark"}')
    return await kit.live(
        version,
        config={
            "boot_timeout": 4000,
            "release_config_timeout": 2500,
            "properties": {"feature_flag": True, "nested": {"a": [1, 2]}},
        },
        package_properties={"channel": "stable"},
        resources=["config.json"],
    )


async def test_three_paths_serve_the_same_document(kit: DeviceKit) -> None:
    release_id = await _one_release(kit)
    answers = [await kit.check(path, dimensions="") for path in DEVICE_PATHS]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert len({r.content for r in answers}) == 1
    assert len({r.headers["etag"] for r in answers}) == 1
    doc = sdk_parse(answers[0].json())
    assert answers[0].headers["content-type"] == "application/json"
    assert doc["config"] == {
        "boot_timeout": 4000,
        "release_config_timeout": 2500,
        "version": str(release_id),
        "properties": {"feature_flag": True, "nested": {"a": [1, 2]}},
    }
    package = doc["package"]
    assert (package["name"], package["version"]) == ("shop", "1")
    assert package["properties"] == {"channel": "stable"}
    assert package["index"]["file_path"] == "index.android.bundle"
    assert [f["file_path"] for f in package["important"]] == ["vendor.js"]
    assert [f["file_path"] for f in package["lazy"]] == ["img/a.png", "img/b.png"]
    assert [f["file_path"] for f in doc["resources"]] == ["config.json"]
    assert doc["resources"][0]["size"] == len(b'{"theme": "dark"}')
    assert all(f["url"].startswith("http://testserver/assets/") for f in package["lazy"])
    assert list(doc) == ["version", "config", "package", "resources"]  # snake_case, §5 order


async def test_cache_headers_and_strong_etag(kit: DeviceKit) -> None:
    await _one_release(kit)
    r = await kit.check(dimensions="")
    assert r.headers["cache-control"] == "public, max-age=0, s-maxage=60"
    assert r.headers["vary"].lower() == "x-dimension"
    etag = r.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert r.headers["content-length"] == str(len(r.content))
    again = await kit.check(dimensions="")
    assert again.content == r.content and again.headers["etag"] == etag


async def test_cache_control_comes_from_settings(kit: DeviceKit) -> None:
    await _one_release(kit)
    settings = kit.app.ctx.settings.model_copy(update={"device_cache_control": "no-cache"})
    async with running_app(settings) as (_, http):
        r = await http.get(DEVICE_PATHS[0])
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-cache"
        nm = await http.get(DEVICE_PATHS[0], headers={"if-none-match": r.headers["etag"]})
        assert nm.status_code == 304
        assert nm.headers["cache-control"] == "no-cache"


async def test_head_has_the_get_headers_and_no_body(kit: DeviceKit) -> None:
    await _one_release(kit)
    get = await kit.check()
    for path in DEVICE_PATHS:
        head = await kit.check(path, method="HEAD")
        assert head.status_code == 200
        assert head.content == b""
        for name in ("etag", "cache-control", "vary", "content-type", "content-length"):
            assert head.headers[name] == get.headers[name], name


async def test_if_none_match(kit: DeviceKit) -> None:
    await _one_release(kit)
    r = await kit.check()
    etag = r.headers["etag"]
    matching = [etag, f"W/{etag}", f'"nope", {etag}', f'W/"x" ,  W/{etag}', "*"]
    for value in matching:
        for method in ("GET", "HEAD"):
            nm = await kit.check(method=method, headers={"if-none-match": value})
            assert nm.status_code == 304, (value, method)
            assert nm.content == b""
            assert nm.headers["etag"] == etag
            assert nm.headers["cache-control"] == r.headers["cache-control"]
            assert nm.headers["vary"] == r.headers["vary"]
    for value in ['"other"', etag[:-2] + '"', "W/", "", etag.strip('"')]:
        full = await kit.check(headers={"if-none-match": value})
        assert full.status_code == 200, value
        assert full.content == r.content


async def test_etag_changes_with_the_document(kit: DeviceKit) -> None:
    await _one_release(kit)
    before = await kit.check()
    version = await kit.package()
    second = await kit.live(version)
    after = await kit.check(headers={"if-none-match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["config"]["version"] == str(second)
    assert after.json()["package"]["version"] == "2"


async def test_unknown_org_or_app_is_404(kit: DeviceKit) -> None:
    await _one_release(kit)
    paths = [
        "/release/nope/shop",
        "/release/acme/nope",
        "/release/v2/acme/nope",
        "/api/releases/nope/shop",
        "/release/acme",
        "/release/acme/shop/extra",
        "/release/v2/v2/acme/shop",
        "/api/releases/v2/acme/shop",  # the v2 alias exists under /release/ only
        "/release/acme/shop/",
        "/release/",
    ]
    for path in paths:
        r = await kit.check(path)
        assert r.status_code == 404, path
        assert r.headers["x-tradewind-error"] == "application_not_found"
        assert r.headers["content-type"] == "text/plain; charset=utf-8"
        assert r.text == "application_not_found: no such organisation or application\n"
        head = await kit.check(path, method="HEAD")
        assert (head.status_code, head.content) == (404, b"")


async def test_no_live_release_is_404(kit: DeviceKit) -> None:
    await kit.refresh()
    for path in DEVICE_PATHS:  # the app exists, nothing released yet
        r = await kit.check(path)
        assert r.status_code == 404
        assert r.headers["x-tradewind-error"] == "no_release"
    await kit.dimension("os")
    version = await kit.package()
    await kit.live(version, target=[{"dimension": "os", "op": "eq", "values": ["ios"]}])
    assert (await kit.check(dimensions="os=ios")).status_code == 200
    r = await kit.check(dimensions="os=android")
    assert r.status_code == 404
    assert r.headers["x-tradewind-error"] == "no_release"
    assert r.headers["vary"].lower() == "x-dimension"
    assert "etag" not in r.headers


async def test_other_methods_are_405(kit: DeviceKit) -> None:
    await _one_release(kit)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = await kit.client.request(method, DEVICE_PATHS[0], content=b"{}")
        assert r.status_code == 405, method
        assert r.headers["allow"] == "GET, HEAD"
        assert r.headers["x-tradewind-error"] == "method_not_allowed"


async def test_management_api_is_not_caught_by_the_device_routes(kit: DeviceKit) -> None:
    r = await kit.client.get("/api/v1/orgs/acme/apps/shop", headers=kit.owner.headers)
    assert r.status_code == 200 and r.json()["name"] == "shop"
    assert (await kit.client.get("/api/v1/orgs/acme/apps/shop")).status_code == 401
    r = await kit.client.get("/api/releasesx/acme/shop")
    assert r.status_code == 404 and r.json()["error"]["code"] != "application_not_found"


async def test_document_is_exactly_the_release_no_merging(kit: DeviceKit) -> None:
    await kit.dimension("os")
    v1 = await kit.package()
    await kit.live(v1, config={"properties": {"a": {"x": 1, "y": 2}, "only_old": True}})
    v2 = await kit.package()
    ios = [{"dimension": "os", "op": "eq", "values": ["ios"]}]
    await kit.live(v2, target=ios, config={"properties": {"a": {"x": 3}}})
    doc = (await kit.check(dimensions="os=ios")).json()
    assert doc["config"]["properties"] == {"a": {"x": 3}}
    assert doc["package"]["version"] == "2"
    base = (await kit.check(dimensions="os=android")).json()
    assert base["config"]["properties"] == {"a": {"x": 1, "y": 2}, "only_old": True}


async def test_body_is_compact_utf8_json(kit: DeviceKit) -> None:
    version = await kit.package()
    await kit.live(version, config={"properties": {"greeting": "héllo ✓", "n": 1.5}})
    r = await kit.check()
    assert "héllo ✓".encode() in r.content
    assert json.loads(r.content)["config"]["properties"]["greeting"] == "héllo ✓"
    assert b": " not in r.content and b", " not in r.content
