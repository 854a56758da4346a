"""The one layout rule (tradewind.layout) as the bundle upload applies it: archives of a folder,
helpful errors that name what the archive holds, globs that match nothing, and the same
assignment as `tradewind push` gets for the same globs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures.files import FilesKit, error_code, zip_bytes

from tradewind.cli import bundle
from tradewind.cli.errors import UsageProblem
from tradewind.layout import LayoutError, assign

BUNDLE = {
    "index.android.bundle": b"__d(function(){});",
    "chunks/1.js": b"chunk one",
    "assets/img/logo.png": b"\x89PNG logo",
    "config.json": b"{}",
}
GLOB_CASES: list[tuple[list[str] | None, list[str] | None]] = [
    (None, None),
    (None, ["assets/**"]),
    (["chunks/*.js"], None),
    (["chunks/*.js", "*.json"], ["*.png"]),
]


def kinds(body: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["kind"] for f in body["files"]}


async def test_zip_of_a_folder_is_accepted(kit: FilesKit) -> None:
    """`zip -r build.zip build/`: every entry under one top-level directory."""
    archive = zip_bytes({f"build/{path}": data for path, data in BUNDLE.items()})
    r = await kit.upload_bundle(archive, {"index": "index.android.bundle", "lazy": ["*.png"]})
    assert r.status_code == 201, r.text
    assert kinds(r.json()) == {
        "index.android.bundle": "index",
        "chunks/1.js": "important",
        "config.json": "important",
        "assets/img/logo.png": "lazy",
    }
    # The folder's own path works too (nothing is stripped then).
    r = await kit.upload_bundle(archive, {"index": "build/index.android.bundle"})
    assert r.status_code == 201 and r.json()["index"] == "build/index.android.bundle"


async def test_missing_index_lists_the_archive(kit: FilesKit) -> None:
    r = await kit.upload_bundle(zip_bytes(BUNDLE), {"index": "main.jsbundle"})
    assert (r.status_code, error_code(r)) == (400, "index_not_in_archive")
    error = r.json()["error"]
    assert error["details"]["files"] == sorted(BUNDLE)
    assert "it contains: assets/img/logo.png, chunks/1.js, config.json" in error["message"]
    assert (await kit.counts())["packages"] == 0


async def test_a_glob_matching_nothing_is_an_error(kit: FilesKit) -> None:
    manifest = {"index": "index.android.bundle", "lazy": ["asset/**", "*.png"]}
    r = await kit.upload_bundle(zip_bytes(BUNDLE), manifest)
    assert (r.status_code, error_code(r)) == (400, "glob_matches_nothing")
    assert r.json()["error"]["details"]["globs"] == ["asset/**"]
    assert (await kit.counts())["files"] == 0


@pytest.mark.parametrize(("important", "lazy"), GLOB_CASES)
async def test_push_and_bundle_upload_give_the_same_package(
    kit: FilesKit, tmp_path: Path, important: list[str] | None, lazy: list[str] | None
) -> None:
    for path, data in BUNDLE.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    pushed = bundle.classify(
        bundle.scan(tmp_path), "index.android.bundle", important or [], lazy or []
    )
    manifest: dict[str, Any] = {"index": "index.android.bundle"}
    manifest |= {"important": important} if important else {}
    manifest |= {"lazy": lazy} if lazy else {}
    r = await kit.upload_bundle(zip_bytes(BUNDLE), manifest)
    assert r.status_code == 201, r.text
    uploaded = kinds(r.json())
    assert uploaded == {
        pushed.index.path: "index",
        **{f.path: "important" for f in pushed.important},
        **{f.path: "lazy" for f in pushed.lazy},
    }


@pytest.mark.once
def test_both_sides_raise_the_same_codes(tmp_path: Path) -> None:
    paths = list(BUNDLE)
    (tmp_path / "index.android.bundle").write_bytes(b"x")
    (tmp_path / "a.js").write_bytes(b"y")
    cases = [
        ("nope.js", None, None, "index_not_in_archive"),
        ("index.android.bundle", ["*"], ["chunks/**"], "important_lazy_overlap"),
        ("index.android.bundle", ["*.js"], ["*.png"], "unassigned_file"),
        ("index.android.bundle", None, ["fonts/**"], "glob_matches_nothing"),
    ]
    for index, important, lazy, code in cases:
        with pytest.raises(LayoutError) as server_side:
            assign(paths, index, important, lazy)
        assert server_side.value.code == code
    with pytest.raises(UsageProblem) as cli_side:
        bundle.classify(bundle.scan(tmp_path), "index.android.bundle", [], ["fonts/**"])
    assert cli_side.value.code == "glob_matches_nothing"
