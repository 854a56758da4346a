"""`tradewind push`: only missing files are uploaded, interrupted pushes resume, bad input."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import httpx
import pytest
from fixtures.cli import Cli, cutting_proxy
from fixtures.servers import Server

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("cli-push"), pytest.mark.once]


def make_bundle(root: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


BUNDLE = {
    "index.android.bundle": b"var app = 1;\n" * 5000,
    "chunks/a.js": b"chunk a",
    "chunks/b.js": b"chunk b",
    "assets/img/logo.png": bytes(range(256)) * 40,
    "assets/fonts/x.ttf": b"font bytes",
    "config.json": b'{"k": 1}',
    "assets/img/ünïcode name #1?.png": b"odd name",
}


def setup_app(admin: Cli, org: str, app: str = "shop") -> None:
    admin.ok("org", "create", org)
    admin.ok("app", "create", app, "--org", org)


def push(cli: Cli, directory: Path, org: str, *extra: str) -> dict[str, object]:
    args = ["push", str(directory), "--org", org, "--app", "shop"]
    return dict(cli.json(*args, "--index", "index.android.bundle", *extra))


def files_on_server(server: Server, cli: Cli, org: str) -> dict[str, str]:
    token = json.loads((cli.config_dir / "config.json").read_text())["profiles"]["default"]
    answer = httpx.get(
        f"{server.url}/api/v1/orgs/{org}/apps/shop/files",
        headers={"Authorization": f"Bearer {token['token']}"},
        params={"limit": 1000},
    )
    assert answer.status_code == 200, answer.text
    return {f["path"]: f["sha256"] for f in answer.json()}


def test_push_uploads_only_missing_files_and_classifies_them(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    setup_app(admin, "push-basic")
    bundle = make_bundle(tmp_path / "v1", BUNDLE)
    first = push(admin, bundle, "push-basic", "--lazy", "assets/**", "--notes", "first")
    assert first["version"] == 1
    assert sorted(first["uploaded"]) == sorted(BUNDLE)  # type: ignore[arg-type]
    kinds = {f["path"]: f["kind"] for f in first["package"]["files"]}  # type: ignore[index]
    assert kinds == {
        "index.android.bundle": "index",
        "chunks/a.js": "important",
        "chunks/b.js": "important",
        "config.json": "important",
        "assets/img/logo.png": "lazy",
        "assets/fonts/x.ttf": "lazy",
        "assets/img/ünïcode name #1?.png": "lazy",
    }
    stored = files_on_server(server, admin, "push-basic")
    assert stored == {p: hashlib.sha256(c).hexdigest() for p, c in BUNDLE.items()}

    # One changed file: only it travels; the package pins the new content.
    (bundle / "chunks/a.js").write_bytes(b"chunk a, version 2")
    # With only --important, the rest is lazy (the same rule as the server's bundle upload).
    second = push(admin, bundle, "push-basic", "--important", "chunks/*.js")
    assert second["version"] == 2 and second["reused"] is False
    assert second["uploaded"] == ["chunks/a.js"]
    assert second["skipped"] == 6
    paths = {f["path"]: f for f in second["package"]["files"]}  # type: ignore[index]
    assert {p: f["kind"] for p, f in paths.items()} == {
        "index.android.bundle": "index",
        "chunks/a.js": "important",
        "chunks/b.js": "important",
        "config.json": "lazy",
        "assets/img/logo.png": "lazy",
        "assets/fonts/x.ttf": "lazy",
        "assets/img/ünïcode name #1?.png": "lazy",
    }
    assert paths["chunks/a.js"]["sha256"] == hashlib.sha256(b"chunk a, version 2").hexdigest()


def test_plain_output_and_idempotent_push(admin: Cli, tmp_path: Path) -> None:
    setup_app(admin, "push-plain")
    bundle = make_bundle(tmp_path / "b", BUNDLE)
    args = [
        "push",
        str(bundle),
        "-o",
        "push-plain",
        "-a",
        "shop",
        "--index",
        "index.android.bundle",
    ]
    result = admin.ok(*args, "--important", "chunks/**")
    assert "uploaded chunks/a.js" in result.stdout
    assert "Created package 1 of push-plain/shop" in result.stdout
    assert "2 important, 4 lazy files" in result.stdout
    # The same content again answers the same package; --new-version makes one anyway.
    again = admin.ok(*args, "--important", "chunks/**")
    assert "Reused identical package 1 of push-plain/shop" in again.stdout
    other_layout = admin.ok(*args)
    assert "Created package 2 of push-plain/shop" in other_layout.stdout
    forced = admin.ok(*args, "--new-version")
    assert "Created package 3 of push-plain/shop" in forced.stdout

    listed = admin.json("package", "list", "-o", "push-plain", "-a", "shop")
    assert [p["version"] for p in listed] == [3, 2, 1]
    assert (
        "index.android.bundle"
        in admin.ok("package", "list", "-o", "push-plain", "-a", "shop").stdout
    )
    shown = admin.json("package", "show", "2", "-o", "push-plain", "-a", "shop")
    assert len(shown["files"]) == 7
    diff = admin.json("package", "diff", "1", "2", "-o", "push-plain", "-a", "shop")
    assert {c["path"]: c["change"] for c in diff["files"]} == {
        "config.json": "moved",
        "assets/img/logo.png": "moved",
        "assets/fonts/x.ttf": "moved",
        "assets/img/ünïcode name #1?.png": "moved",
    }
    assert diff["download_bytes"] == 0
    text = admin.ok("package", "diff", "1", "2", "-o", "push-plain", "-a", "shop").stdout
    assert "Package 1 → 2: 4 file change(s)" in text
    missing = admin.fails(1, "package", "show", "99", "-o", "push-plain", "-a", "shop")
    assert missing.stderr.startswith("error: package_not_found: ")


def test_interrupted_push_resumes_without_uploading_again(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    setup_app(admin, "push-resume")
    bundle = make_bundle(tmp_path / "b", BUNDLE)
    args = ["push", str(bundle), "--org", "push-resume", "--app", "shop"]
    args += ["--index", "index.android.bundle", "--json"]
    # One file per request, one request at a time, so the cut falls at a known file count;
    # the resume runs with the defaults (batches, in parallel).
    with cutting_proxy(server.url, cut_after=2) as proxy:
        cut = admin(
            *args, "--parallel", "1", "--batch-mib", "0", env={"TRADEWIND_SERVER": proxy.url}
        )
    assert cut.code == 3, str(cut)
    assert cut.error["code"] == "unreachable"
    assert cut.stdout == ""
    assert len(proxy.uploads) == 2
    assert admin.json("release", "list", "--org", "push-resume", "--app", "shop") == []
    arrived = files_on_server(server, admin, "push-resume")
    assert len(arrived) == 2

    resumed = admin.ok(*args).json
    assert resumed["version"] == 1
    assert resumed["skipped"] == 2
    assert sorted(resumed["uploaded"]) == sorted(set(BUNDLE) - set(arrived))
    assert files_on_server(server, admin, "push-resume") == {
        p: hashlib.sha256(c).hexdigest() for p, c in BUNDLE.items()
    }


def test_small_files_travel_in_batches_and_a_cut_push_resumes_by_batch(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    """With 1 MiB batches, eight 400 KiB files go two per request; after two requests the
    network drops: four files are stored, and the re-run sends only the other four."""
    setup_app(admin, "push-batches")
    files = {f"assets/{n}.bin": bytes([n]) * 400 * 1024 for n in range(8)}
    files["index.android.bundle"] = b"var app = 2;"
    bundle = make_bundle(tmp_path / "b", files)
    os.utime(bundle / "assets/0.bin", (0, 0))  # 1970, as reproducible builds set: zip has 1980
    args = ["push", str(bundle), "--org", "push-batches", "--app", "shop"]
    args += ["--index", "index.android.bundle", "--json", "--batch-mib", "1", "--parallel", "1"]
    with cutting_proxy(server.url, cut_after=2) as proxy:
        cut = admin(*args, env={"TRADEWIND_SERVER": proxy.url})
    assert cut.code == 3, str(cut)
    assert [path.rsplit("/", 2)[-2:] for path in proxy.uploads] == [["files", "batch"]] * 2
    arrived = files_on_server(server, admin, "push-batches")
    assert len(arrived) == 4

    resumed = admin.ok(*args).json
    assert resumed["version"] == 1
    assert sorted(resumed["uploaded"]) == sorted(set(files) - set(arrived))
    assert files_on_server(server, admin, "push-batches") == {
        p: hashlib.sha256(c).hexdigest() for p, c in files.items()
    }


def test_push_bad_input_is_a_usage_error_and_uploads_nothing(
    admin: Cli, server: Server, tmp_path: Path
) -> None:
    setup_app(admin, "push-bad")
    bundle = make_bundle(tmp_path / "b", BUNDLE)
    base = ["push", str(bundle), "--org", "push-bad", "--app", "shop", "--json"]
    missing_index = admin.fails(2, *base, "--index", "main.jsbundle")
    assert missing_index.error["code"] == "index_not_in_archive"
    assert "index.android.bundle" in missing_index.error["details"]["files"]
    overlap = admin.fails(
        2, *base, "--index", "index.android.bundle", "--important", "*", "--lazy", "chunks/**"
    )
    assert overlap.error["code"] == "important_lazy_overlap"
    typo = admin.fails(2, *base, "--index", "index.android.bundle", "--lazy", "asset/**")
    assert typo.error["code"] == "glob_matches_nothing"
    assert typo.error["details"]["globs"] == ["asset/**"]
    (tmp_path / "props.json").write_text("[1, 2]")
    props = admin.fails(
        2, *base, "--index", "index.android.bundle", "--properties", str(tmp_path / "props.json")
    )
    assert props.error["code"] == "invalid_json"
    empty = tmp_path / "empty"
    empty.mkdir()
    no_files = admin.fails(2, "push", str(empty), "-o", "push-bad", "-a", "shop", "--index", "x")
    assert no_files.stderr.startswith("error: empty_directory:")
    assert files_on_server(server, admin, "push-bad") == {}

    # A server-side refusal: the app does not exist (exit 1, the server's code).
    unknown = admin.fails(
        1,
        "push",
        str(bundle),
        "-o",
        "push-bad",
        "-a",
        "nope",
        "--index",
        "index.android.bundle",
        "--json",
    )
    assert unknown.error["code"] == "application_not_found"
