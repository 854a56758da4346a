"""A first pass over a .tar.gz that looks only at the raw 512-byte headers.

`tarfile` reads GNU long-name/long-link and PAX extended headers whole into memory, whatever
size they declare, and silently cuts names at a NUL byte. This pass runs before it, with
constant memory: it refuses extended headers larger than `MAX_EXTENDED_HEADER_SIZE` and any
name that carries a NUL, so the real extraction only ever sees small, honest headers.
"""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

from tradewind.errors import BadRequest

BLOCK = tarfile.BLOCKSIZE
# Real long names are at most a few KiB (PATH_MAX is 4096); PAX headers hold a few records.
MAX_EXTENDED_HEADER_SIZE = 64 * 1024
EXTENDED_TYPES = frozenset({tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, b"x", b"g"})
SKIP_CHUNK = 256 * 1024


def _refuse(code: str, message: str) -> BadRequest:
    return BadRequest(message, code=code)


def _size(header: bytes) -> int:
    field = header[124:136]
    if field[0] & 0x80:  # GNU base-256 for sizes of 8 GiB and more
        return int.from_bytes(field[1:], "big")
    try:
        return int(field.split(b"\0", 1)[0].strip() or b"0", 8)
    except ValueError as exc:
        raise _refuse("corrupt_archive", "an archive header has an invalid size") from exc


def _check_name_field(field: bytes) -> None:
    """Name fields end at the first NUL; anything after it means a hidden suffix."""
    _, nul, tail = field.partition(b"\0")
    if nul and tail.strip(b"\0"):
        raise _refuse("invalid_path", "an archive entry name contains a NUL character")


def _check_extended(kind: bytes, body: bytes) -> None:
    if kind in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
        _check_name_field(body)
        return
    for record in body.split(b"\n"):
        key, _, value = record.partition(b"=")
        if key.endswith((b" path", b" linkpath")) and b"\0" in value:
            raise _refuse("invalid_path", "an archive entry name contains a NUL character")


def _skip(stream: gzip.GzipFile, size: int) -> None:
    remaining = -(-size // BLOCK) * BLOCK
    while remaining > 0:
        chunk = stream.read(min(SKIP_CHUNK, remaining))
        if not chunk:
            return  # truncated: the extraction reports it
        remaining -= len(chunk)


def scan_headers(archive: Path) -> None:
    """Raise BadRequest for oversized extended headers or NUL in names (constant memory)."""
    with gzip.open(archive, "rb") as stream:
        while len(header := stream.read(BLOCK)) == BLOCK:
            if header == bytes(BLOCK):
                continue  # end-of-archive blocks (tarfile decides what follows)
            kind, size = header[156:157], _size(header)
            _check_name_field(header[0:100])
            if header[257:265] == tarfile.POSIX_MAGIC:  # GNU headers use these bytes otherwise
                _check_name_field(header[345:500])  # the ustar name prefix
            if kind in EXTENDED_TYPES:
                if size > MAX_EXTENDED_HEADER_SIZE:
                    raise _refuse(
                        "archive_header_too_large",
                        f"an archive header is larger than {MAX_EXTENDED_HEADER_SIZE} bytes",
                    )
                body = stream.read(-(-size // BLOCK) * BLOCK)[:size]
                _check_extended(kind, body)
            else:
                _skip(stream, size)
