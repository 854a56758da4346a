"""Hostile archive names and headers: clear 4xx, encodable details, bounded memory, nothing
stored (findings 6 and 7)."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import tracemalloc
import zipfile

import pytest
from fixtures.files import FilesKit, error_code, make_kit
from fixtures.users import UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp

INDEX = {"index": "index.js"}
MIB = 1024 * 1024
BOMB_SIZE = 32 * MIB
# Far below the bomb: what a bounded reader may allocate while refusing it.
MEMORY_BOUND = 16 * MIB


@pytest.fixture
async def kit(app: TradewindApp, client: AsyncClient, users: UserFactory) -> FilesKit:
    return await make_kit(app, client, users)


def _patched_zip(name: str, raw: bytes, flags: int = 0) -> bytes:
    """A zip whose last entry's name bytes are `raw` and whose general-purpose flags include
    `flags` (zipfile cannot write either itself)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.js", b"js")
        zf.writestr(name, b"x")
    data = bytearray(buffer.getvalue())
    assert len(raw) == len(name.encode())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.rindex(signature) + flag_offset
        struct.pack_into("<H", data, at, struct.unpack_from("<H", data, at)[0] | flags)
    return bytes(data).replace(name.encode(), raw)


def _tar(members: list[tuple[str, bytes]], encoding: str = "utf-8") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w:gz", format=tarfile.GNU_FORMAT, encoding=encoding
    ) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _header_bomb(kind: bytes, size: int) -> bytes:
    """A .tar.gz whose first header is an extended header (GNU long name or PAX) of `size`
    bytes: tiny compressed, huge if read whole."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as gz:
        header = tarfile.TarInfo("././@LongLink" if kind == b"L" else "pax")
        header.type = kind
        header.size = size
        gz.write(header.tobuf(format=tarfile.GNU_FORMAT))
        chunk = (b"a" if kind == b"L" else b"9" * 20) * (MIB // (1 if kind == b"L" else 20))
        written = 0
        while written < size:
            piece = chunk[: size - written]
            gz.write(piece)
            written += len(piece)
        gz.write(bytes(-size % tarfile.BLOCKSIZE))
        index = tarfile.TarInfo("index.js")
        index.size = 2
        gz.write(index.tobuf(format=tarfile.GNU_FORMAT) + b"js" + bytes(510))
        gz.write(bytes(2 * tarfile.BLOCKSIZE))
    return buffer.getvalue()


async def _refused(kit: FilesKit, archive: bytes, filename: str) -> str:
    r = await kit.upload_bundle(archive, INDEX, filename=filename)
    assert 400 <= r.status_code < 500, r.text
    await kit.assert_nothing_stored()
    return error_code(r)


async def test_zip_name_flagged_utf8_that_is_not(kit: FilesKit) -> None:
    archive = _patched_zip("ab.js", b"\xff\xfe.js", flags=0x800)
    assert await _refused(kit, archive, "bundle.zip") == "invalid_entry_name"


async def test_tar_name_that_is_not_utf8(kit: FilesKit) -> None:
    archive = _tar([("index.js", b"js"), ("caf\xe9.js", b"x")], encoding="latin-1")
    assert await _refused(kit, archive, "bundle.tar.gz") == "invalid_entry_name"


async def test_nul_in_zip_name_is_refused(kit: FilesKit) -> None:
    archive = _patched_zip("evilX.js", b"evil\x00.js")
    assert await _refused(kit, archive, "bundle.zip") == "invalid_path"


async def test_nul_in_tar_name_is_refused(kit: FilesKit) -> None:
    archive = _tar([("index.js", b"js"), ("evil\x00.js", b"x")])
    assert await _refused(kit, archive, "bundle.tar.gz") == "invalid_path"


@pytest.mark.parametrize("kind", [b"L", b"x"], ids=["gnu-long-name", "pax"])
async def test_huge_extended_header_is_refused_with_bounded_memory(
    kit: FilesKit, kind: bytes
) -> None:
    archive = _header_bomb(kind, BOMB_SIZE)
    assert len(archive) < BOMB_SIZE // 100
    tracemalloc.start()
    try:
        code = await _refused(kit, archive, "bundle.tar.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == "archive_header_too_large"
    assert peak < MEMORY_BOUND, f"peak {peak / MIB:.0f} MiB"
