"""Live hints for semver ranges in the target editor: is it valid, and which versions near
the ones it mentions would it match (using the same matcher as the device path)."""

from __future__ import annotations

import re

from semantic_version import Version

from tradewind.targeting.conditions import CompiledCondition, Condition, parse_range

NUMBERS = re.compile(r"(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")
MAX_PROBES = 8


def _part(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def probes(range_text: str) -> list[str]:
    """Versions around every version the range mentions: on, just above and just below it."""
    found: set[tuple[int, int, int]] = set()
    for match in NUMBERS.finditer(range_text):
        major, minor, patch = int(match[1]), _part(match[2]), _part(match[3])
        found.update(
            {
                (major, minor, patch),
                (major, minor, patch + 1),
                (major, minor + 1, 0),
                (major + 1, 0, 0),
            }
        )
        if major > 0:
            found.add((major - 1, 9, 9))
    ordered = sorted(found)[: MAX_PROBES * 2]
    return [f"{a}.{b}.{c}" for a, b, c in ordered]


def range_hint(range_text: str) -> tuple[bool, str]:
    """(valid, message) for the range typed so far."""
    text = range_text.strip()
    if not text:
        return True, ""
    try:
        parse_range(text)
    except ValueError:
        return False, f"“{text}” is not an npm-style range (try ^1.2, >=1.2.0 <2.0.0 or 1.2.x)."
    condition = CompiledCondition(Condition("v", "semver", (text,)))
    versions = sorted(probes(text), key=Version)
    inside = [v for v in versions if condition.matches({"v": v})][:MAX_PROBES]
    outside = [v for v in versions if not condition.matches({"v": v})][:MAX_PROBES]
    parts = []
    if inside:
        parts.append("matches " + ", ".join(inside))
    if outside:
        parts.append("not " + ", ".join(outside))
    return True, "Valid range: " + ("; ".join(parts) or "matches any version") + "."
