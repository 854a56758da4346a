"""HTTP conditional and range request rules for immutable assets (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The Range header is malformed or lies outside the blob: answer 416."""


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: `W/"x"` matches `"x"`; `*` matches anything."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def parse_range(header: str, size: int) -> ByteRange | None:
    """The single byte range asked for, or None to send the whole blob.

    Several ranges (`bytes=0-1,5-6`) are answered with the whole blob, which RFC 9110
    allows; anything malformed or outside the blob raises Unsatisfiable.
    """
    value = header.strip()
    if "," in value and value.startswith("bytes="):
        return None
    match = _RANGE.fullmatch(value)
    if match is None or size == 0:
        raise Unsatisfiable(header)
    first, last = match.group(1), match.group(2)
    if first == "" and last == "":
        raise Unsatisfiable(header)
    if first == "":  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        raise Unsatisfiable(header)
    return ByteRange(start, end)
