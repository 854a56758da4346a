"""Rules for file paths, checksums, content types and storage keys (pure functions)."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

from tradewind.errors import BadRequest

MAX_PATH_LENGTH = 1024
MAX_SEGMENT_LENGTH = 255
MAX_CONTENT_TYPE_LENGTH = 200
DEFAULT_CONTENT_TYPE = "application/octet-stream"

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
# Clients send these when they do not know the type; the file name says more.
_GENERIC_TYPES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
)
# Only the built-in table (no /etc/mime.types), so every machine guesses the same.
_TYPES = mimetypes.MimeTypes(filenames=())
for _type, _ext in [
    ("application/javascript", ".bundle"),  # index.android.bundle, main.jsbundle
    ("application/javascript", ".jsbundle"),
    ("text/javascript", ".js"),
    ("text/javascript", ".mjs"),
    ("application/octet-stream", ".hbc"),  # Hermes bytecode
    ("application/json", ".map"),
    ("image/webp", ".webp"),
    ("image/avif", ".avif"),
    ("font/ttf", ".ttf"),
    ("font/otf", ".otf"),
    ("font/woff", ".woff"),
    ("font/woff2", ".woff2"),
    ("application/json", ".json"),
    ("image/svg+xml", ".svg"),
]:
    _TYPES.add_type(_type, _ext)


def _invalid_path(path: str, reason: str) -> BadRequest:
    return BadRequest(
        f"invalid file path: {reason}",
        code="invalid_path",
        details={"path": path[:300], "reason": reason},
    )


def normalise_path(path: str) -> str:
    """Return the canonical (NFC) form of a relative file path, or raise 400 `invalid_path`.

    Paths are never silently repaired: `a//b`, `./a`, `a/` and `a\\b` are refused, not fixed,
    so that one file has exactly one spelling.
    """
    path = unicodedata.normalize("NFC", path)
    if not path:
        raise _invalid_path(path, "empty")
    if len(path) > MAX_PATH_LENGTH:
        raise _invalid_path(path, f"longer than {MAX_PATH_LENGTH} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in path):
        raise _invalid_path(path, "contains NUL or a control character")
    if "\\" in path:
        raise _invalid_path(path, "contains a backslash")
    if path.startswith("/"):
        raise _invalid_path(path, "absolute")
    for segment in path.split("/"):
        if segment == "":
            raise _invalid_path(path, "empty segment")
        if segment in (".", ".."):
            raise _invalid_path(path, "'.' or '..' segment")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise _invalid_path(path, f"segment longer than {MAX_SEGMENT_LENGTH} characters")
    return path


def normalise_sha256(value: str | None) -> str:
    """A lowercase hex SHA-256, from the `X-Checksum-Sha256` header or a query parameter."""
    if value is None or not value.strip():
        raise BadRequest(
            "the X-Checksum-Sha256 header (hex SHA-256 of the body) is required",
            code="checksum_required",
        )
    digest = value.strip().lower()
    if not _SHA256.fullmatch(digest):
        raise BadRequest(
            "the checksum must be 64 hexadecimal characters (SHA-256)", code="invalid_checksum"
        )
    return digest


def guess_content_type(path: str) -> str:
    guessed, _ = _TYPES.guess_type(path, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


def choose_content_type(path: str, given: str | None) -> str:
    """The client's type when it says something specific, else a guess from the name."""
    if given is None or not given.strip():
        return guess_content_type(path)
    value = given.strip()
    if len(value) > MAX_CONTENT_TYPE_LENGTH or not value.isascii() or not value.isprintable():
        raise BadRequest("invalid Content-Type", code="invalid_content_type")
    media_type = value.split(";", 1)[0].strip().lower()
    if not _CONTENT_TYPE.fullmatch(media_type):
        raise BadRequest("invalid Content-Type", code="invalid_content_type")
    if media_type in _GENERIC_TYPES:
        return guess_content_type(path)
    return value


def blob_key(app_id: int, sha256: str) -> str:
    """Where an application's bytes live in the blob store (one key per app and content)."""
    return f"apps/{app_id}/sha256/{sha256}"


BLOB_KEY = re.compile(r"apps/([0-9]{1,18})/sha256/([0-9a-f]{64})")
