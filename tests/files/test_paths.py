"""Path rules: relative, normalised, bounded; every violation is 400 `invalid_path`."""

from __future__ import annotations

import pytest
from fixtures.files import FilesKit, error_code, sha

from tradewind.errors import BadRequest
from tradewind.files.paths import normalise_path

BAD_PATHS = {
    "/etc/passwd": "absolute",
    "a/../b": "'.' or '..' segment",
    "../escape": "'.' or '..' segment",
    "./a": "'.' or '..' segment",
    "a/./b": "'.' or '..' segment",
    "a//b": "empty segment",
    "a/": "empty segment",
    "a\\b": "contains a backslash",
    "a\x00b": "contains NUL or a control character",
    "a\nb": "contains NUL or a control character",
    "a\x7fb": "contains NUL or a control character",
    "a\x85b": "contains NUL or a control character",
    "x" * 256: "segment longer than 255 characters",
    "/".join(["d" * 200] * 6): "longer than 1024 characters",
    "": "empty",
}


@pytest.mark.parametrize("path", list(BAD_PATHS), ids=range(len(BAD_PATHS)))
def test_rules(path: str) -> None:
    with pytest.raises(BadRequest) as caught:
        normalise_path(path)
    assert caught.value.code == "invalid_path"
    assert caught.value.details["reason"] == BAD_PATHS[path]


def test_good_paths() -> None:
    for good in ["a", "a/b/c.png", "x" * 255, ".hidden", "a..b", "dir/.well-known/x", "é/ü"]:
        assert normalise_path(good) == good


# What reaches the server after URL parsing: percent-encoding keeps dots, slashes, NUL, ...
URL_PATHS = {
    "%2Fetc%2Fpasswd": "absolute",
    "a/%2E%2E/b": "'.' or '..' segment",
    "%2E/a": "'.' or '..' segment",
    "a%2F%2Fb": "empty segment",
    "a%5Cb": "contains a backslash",
    "a%0Ab": "contains NUL or a control character",
    "a/": "empty segment",
    "x" * 256: "segment longer than 255 characters",
}


@pytest.mark.parametrize("url_path", list(URL_PATHS))
async def test_upload_rejects_bad_paths(kit: FilesKit, url_path: str) -> None:
    r = await kit.upload(url_path, b"data")
    assert r.status_code == 400, r.text[:500]
    assert error_code(r) == "invalid_path"
    assert r.json()["error"]["details"]["reason"] == URL_PATHS[url_path]
    await kit.assert_nothing_stored()
    assert await kit.outbox_rows() == []


async def test_nul_in_the_url(kit: FilesKit) -> None:
    # A NUL anywhere in a URL is refused by the global guard (web/guards.py), before routing.
    r = await kit.upload("a%00b", b"data")
    assert r.status_code == 400
    assert error_code(r) == "invalid_characters"
    await kit.assert_nothing_stored()


async def test_bad_path_is_refused_before_the_body_is_read(kit: FilesKit) -> None:
    # A mismatching checksum would be a different error: the path is checked first.
    r = await kit.upload("a/%2E%2E/b", b"data", checksum=sha(b"other"))
    assert error_code(r) == "invalid_path"


async def test_bad_paths_in_check_and_show(kit: FilesKit) -> None:
    r = await kit.client.post(
        f"{kit.base}/files/check",
        json={"files": [{"path": "../x", "sha256": sha(b"")}]},
        headers=kit.owner.headers,
    )
    assert r.status_code == 400
    assert error_code(r) == "invalid_path"
    r = await kit.client.get(f"{kit.base}/files/a%5Cb", headers=kit.owner.headers)
    assert r.status_code == 400
    assert error_code(r) == "invalid_path"
