"""Every bad archive or manifest: the right status and code, and nothing stored anywhere; the
same archives as a batch of files (`POST …/files/batch`) too."""

from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fixtures.files import FilesKit, error_code, tar_gz_bytes, zip_bytes

KIB = 1024
INDEX = {"index": "index.js"}


def zip_with(*infos: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in infos:
            zf.writestr(info, data)
    return buffer.getvalue()


def zip_symlink() -> bytes:
    link = zipfile.ZipInfo("evil")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_with(("index.js", b"js"), (link, b"/etc/passwd"))


def zip_fifo() -> bytes:
    fifo = zipfile.ZipInfo("pipe")
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    return zip_with(("index.js", b"js"), (fifo, b""))


def zip_duplicate() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.js", b"one")
        with pytest.warns(UserWarning):
            zf.writestr("index.js", b"two")
    return buffer.getvalue()


def zip_lying_about_size() -> bytes:
    """A stored entry that declares 10 bytes but holds 1000 (sizes patched in both headers)."""
    data = bytearray(zip_bytes({"index.js": b"x" * 1000}, compression=zipfile.ZIP_STORED))
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 10)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    return bytes(data)


def tar_with(*members: tuple[str, bytes | None, bytes, str]) -> bytes:
    """(name, type, data, linkname) tuples: type None means a regular file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, kind, data, linkname in members:
            info = tarfile.TarInfo(name)
            if kind is not None:
                info.type = kind
                info.linkname = linkname
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


REGULAR = ("index.js", None, b"js", "")
CASES: dict[str, tuple[Callable[[], bytes], dict[str, Any], int, str]] = {
    "not an archive": (lambda: b"just some text", INDEX, 400, "unsupported_archive"),
    "corrupt zip": (lambda: b"PK\x03\x04" + os.urandom(200), INDEX, 400, "corrupt_archive"),
    "truncated tar.gz": (
        lambda: tar_gz_bytes({"index.js": os.urandom(5000)})[:-2000],
        INDEX,
        400,
        "corrupt_archive",
    ),
    "zip slip": (
        lambda: zip_bytes({"index.js": b"", "../evil.js": b"x"}),
        INDEX,
        400,
        "unsafe_archive_path",
    ),
    "zip slip, nested": (
        lambda: zip_bytes({"a/../../evil": b"x"}),
        INDEX,
        400,
        "unsafe_archive_path",
    ),
    "zip slip, backslashes": (
        lambda: zip_bytes({"..\\evil": b"x"}),
        INDEX,
        400,
        "unsafe_archive_path",
    ),
    "absolute path": (
        lambda: zip_bytes({"/etc/cron.d/x": b"x"}),
        INDEX,
        400,
        "unsafe_archive_path",
    ),
    "drive letter": (lambda: zip_bytes({"C:/x": b"x"}), INDEX, 400, "unsafe_archive_path"),
    "zip slip, directory entry": (
        lambda: zip_bytes({"../": b""}),
        INDEX,
        400,
        "unsafe_archive_path",
    ),
    "tar slip": (lambda: tar_gz_bytes({"../../x": b"x"}), INDEX, 400, "unsafe_archive_path"),
    "tar absolute": (lambda: tar_gz_bytes({"/tmp/x": b"x"}), INDEX, 400, "unsafe_archive_path"),
    "invalid path": (lambda: zip_bytes({"a//b": b"x"}), INDEX, 400, "invalid_path"),
    "control character": (lambda: zip_bytes({"a\x01b": b"x"}), INDEX, 400, "invalid_path"),
    "zip symlink": (zip_symlink, INDEX, 400, "archive_link"),
    "zip fifo": (zip_fifo, INDEX, 400, "unsupported_entry"),
    "tar symlink": (
        lambda: tar_with(REGULAR, ("evil", tarfile.SYMTYPE, b"", "/etc/passwd")),
        INDEX,
        400,
        "archive_link",
    ),
    "tar relative symlink": (
        lambda: tar_with(REGULAR, ("img", tarfile.SYMTYPE, b"", "../../..")),
        INDEX,
        400,
        "archive_link",
    ),
    "tar hardlink": (
        lambda: tar_with(REGULAR, ("copy", tarfile.LNKTYPE, b"", "index.js")),
        INDEX,
        400,
        "archive_link",
    ),
    "tar device": (
        lambda: tar_with(REGULAR, ("dev", tarfile.CHRTYPE, b"", "")),
        INDEX,
        400,
        "unsupported_entry",
    ),
    "tar fifo": (
        lambda: tar_with(REGULAR, ("fifo", tarfile.FIFOTYPE, b"", "")),
        INDEX,
        400,
        "unsupported_entry",
    ),
    "zip duplicate": (zip_duplicate, INDEX, 400, "duplicate_entry"),
    "tar duplicate": (
        lambda: tar_with(REGULAR, ("./index.js", None, b"again", "")),
        INDEX,
        400,
        "duplicate_entry",
    ),
    "size lies": (zip_lying_about_size, INDEX, 400, "corrupt_archive"),
    "too many entries": (
        lambda: zip_bytes({f"f{i}.js": b"x" for i in range(51)}),
        {"index": "f0.js"},
        413,
        "too_many_entries",
    ),
    "too many entries, tar": (
        lambda: tar_gz_bytes({f"f{i}.js": b"x" for i in range(51)}),
        {"index": "f0.js"},
        413,
        "too_many_entries",
    ),
    "expands too much": (
        lambda: zip_bytes({f"f{i}.bin": os.urandom(60 * KIB) for i in range(5)}),
        {"index": "f0.bin"},
        413,
        "archive_too_large",
    ),
    "entry over the file limit": (
        lambda: zip_bytes({"index.js": b"", "big.bin": os.urandom(129 * KIB)}),
        INDEX,
        413,
        "file_too_large",
    ),
    "archive over the limit": (
        lambda: zip_bytes({"index.js": os.urandom(300 * KIB)}, compression=zipfile.ZIP_STORED),
        INDEX,
        413,
        "archive_too_large",
    ),
    "zip bomb (ratio)": (
        lambda: zip_bytes({"index.js": b"", "zeros.bin": bytes(100 * KIB)}),
        INDEX,
        400,
        "compression_ratio_exceeded",
    ),
    "tar.gz bomb (ratio)": (
        lambda: tar_gz_bytes({"index.js": b"", "zeros.bin": bytes(100 * KIB)}),
        INDEX,
        400,
        "compression_ratio_exceeded",
    ),
    "index missing": (lambda: zip_bytes({"main.js": b"x"}), INDEX, 400, "index_not_in_archive"),
    "invalid index path": (
        lambda: zip_bytes({"main.js": b"x"}),
        {"index": "../x"},
        400,
        "invalid_path",
    ),
    "glob overlap": (
        lambda: zip_bytes({"index.js": b"", "a.png": b"x"}),
        {"index": "index.js", "important": ["*.png"], "lazy": ["a.*"]},
        400,
        "important_lazy_overlap",
    ),
    "unassigned file": (
        lambda: zip_bytes({"index.js": b"", "a.png": b"x", "b.txt": b"y", "c.gif": b"z"}),
        {"index": "index.js", "important": ["*.png"], "lazy": ["*.gif"]},
        400,
        "unassigned_file",
    ),
    "glob matching nothing": (
        lambda: zip_bytes({"index.js": b"", "a.png": b"x"}),
        {"index": "index.js", "lazy": ["*.gif"]},
        400,
        "glob_matches_nothing",
    ),
    "manifest with unknown field": (
        lambda: zip_bytes({"index.js": b""}),
        {"index": "index.js", "version": 3},
        400,
        "invalid_manifest",
    ),
    "manifest without index": (
        lambda: zip_bytes({"index.js": b""}),
        {"lazy": []},
        400,
        "invalid_manifest",
    ),
    "properties not an object": (
        lambda: zip_bytes({"index.js": b""}),
        {"index": "index.js", "properties": [1]},
        400,
        "invalid_manifest",
    ),
    "properties too large": (
        lambda: zip_bytes({"index.js": b""}),
        {"index": "index.js", "properties": {"x": "y" * 70_000}},
        400,
        "properties_too_large",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_archive(kit: FilesKit, case: str) -> None:
    make, manifest, status, code = CASES[case]
    r = await kit.upload_bundle(make(), manifest)
    assert r.status_code == status, r.text[:500]
    assert error_code(r) == code
    await kit.assert_nothing_stored()
    assert await kit.outbox_rows() == []


# Cases about the manifest or the package, which a batch of files (no package) has neither of.
PACKAGE_ONLY = {
    "index missing",
    "invalid index path",
    "glob overlap",
    "unassigned file",
    "glob matching nothing",
    "manifest with unknown field",
    "manifest without index",
    "properties not an object",
    "properties too large",
}


@pytest.mark.parametrize("case", sorted(set(CASES) - PACKAGE_ONLY))
async def test_bad_archive_as_a_batch_of_files(kit: FilesKit, case: str) -> None:
    make, _manifest, status, code = CASES[case]
    r = await kit.upload_files(make())
    assert r.status_code == status, r.text[:500]
    assert error_code(r) == code
    await kit.assert_nothing_stored()
    assert await kit.outbox_rows() == []


@pytest.mark.parametrize("manifest", ["{not json", "[]", '"index.js"', "\xff"])
async def test_bad_manifest_json(kit: FilesKit, manifest: str) -> None:
    r = await kit.upload_bundle(zip_bytes({"index.js": b""}), manifest)
    assert r.status_code == 400, r.text[:500]
    assert error_code(r) == "invalid_manifest"
    await kit.assert_nothing_stored()


async def test_declared_length_over_the_limit_is_refused_before_reading(kit: FilesKit) -> None:
    headers = {
        **kit.owner.headers,
        "Content-Type": "multipart/form-data; boundary=b",
        "Content-Length": str(10 * 1024 * KIB),
    }
    r = await kit.client.post(f"{kit.base}/bundles", content=b"--b", headers=headers)
    assert r.status_code == 413
    assert error_code(r) == "archive_too_large"
    await kit.assert_nothing_stored()
