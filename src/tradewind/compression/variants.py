"""Which blobs get compressed variants, and where the variants live (pure functions).

A variant is a separate blob at `<key>.br` or `<key>.gz`. Its bytes are a deterministic
function of the original's (fixed settings, no timestamps), so a variant is valid for as
long as the original exists, whoever wrote it.
"""

from __future__ import annotations

from typing import Literal

Coding = Literal["br", "gzip"]
# Preference order when a client accepts both equally.
CODINGS: tuple[Coding, ...] = ("br", "gzip")
SUFFIXES: dict[Coding, str] = {"br": ".br", "gzip": ".gz"}
# A variant is kept only if it is at most this fraction of the original's size.
MAX_RATIO = 0.9

_COMPRESSIBLE_TYPES = frozenset(
    {
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/json",
        "application/manifest+json",
        "application/xml",
        "application/wasm",
        # Hermes bytecode (.hbc) and unknown binaries: tried, kept only if they shrink.
        "application/octet-stream",
        "image/svg+xml",
        "font/ttf",
        "font/otf",
    }
)


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_compressible(content_type: str) -> bool:
    """Text-like types; never images, audio, video, archives or woff/woff2 (already packed)."""
    media = media_type(content_type)
    return (
        media.startswith("text/")
        or media in _COMPRESSIBLE_TYPES
        or media.endswith(("+json", "+xml"))
    )


def variant_key(key: str, coding: Coding) -> str:
    return key + SUFFIXES[coding]


def variant_keys(key: str) -> list[str]:
    """Every variant key a blob may have: deleted together with the blob."""
    return [variant_key(key, coding) for coding in CODINGS]


def worth_keeping(original_size: int, compressed_size: int) -> bool:
    return compressed_size <= original_size * MAX_RATIO


def format_encodings(codings: list[Coding]) -> str:
    return ",".join(codings)


def parse_encodings(value: str | None) -> list[Coding]:
    if not value:
        return []
    return [c for c in CODINGS if c in value.split(",")]
