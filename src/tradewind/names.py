"""Slug names shared by organisations, applications, dimensions and channels, and the other
free-text names of the API (display names, token names, emails)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])$"
SLUG_HELP = "2–63 characters: lowercase letters, digits and '-', not starting or ending with '-'"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=2, max_length=63)]
# Dimension names are the keys devices send in `x-dimension` (`appVersion`, `merchant_id`,
# `device.model`), matched case-sensitively: anything a header key can carry except the
# separators `;` and `=`, the `/` of URL paths, control characters and surrounding spaces
# (devices' keys are trimmed).
_KEY_CHAR = r"[^;=/\x00-\x1f\x7f]"
_KEY_EDGE = r"[^;=/\s\x00-\x1f\x7f]"
DIMENSION_PATTERN = rf"^{_KEY_EDGE}(?:{_KEY_CHAR}{{0,61}}{_KEY_EDGE})?$"
DIMENSION_HELP = "1–63 characters; not ';', '=', '/', control characters or surrounding spaces"
DimensionName = Annotated[
    str, StringConstraints(pattern=DIMENSION_PATTERN, min_length=1, max_length=63)
]
# No control characters (PostgreSQL rejects NUL in text; the rest only cause trouble).
PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f]*$"

DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=PRINTABLE_PATTERN)
]
# Emails are checked properly by the accounts service; this only bounds the wire text.
EmailText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^\s\x00-\x1f\x7f]+$"
    ),
]
