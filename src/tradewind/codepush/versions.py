"""Binary versions as the CodePush server reads them: normalisation, ranges, `gtr`.

Ranges follow npm semver (``semantic_version.NpmSpec``, the same parser as targeting), so
``^1.2.0``, ``1.x``, ``>=1.0.0 <2.0.0`` and ``*`` mean what they mean for ``code-push``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from semantic_version import Version

from tradewind.targeting.conditions import parse_range, parse_version

_PLAIN_INTEGER = re.compile(r"\d+")
_MISSING_PATCH = re.compile(r"\d+\.\d+([+-].*)?")
MAX_VERSION_LENGTH = 128


def normalise(app_version: str) -> str:
    """`2` -> `2.0.0`, `2.0` -> `2.0.0`, `2.0-beta` -> `2.0.0-beta` (the reference's exceptions)."""
    if _PLAIN_INTEGER.fullmatch(app_version):
        return app_version + ".0.0"
    if _MISSING_PATCH.fullmatch(app_version):
        tag = re.search(r"[+-]", app_version)
        if tag is None:
            return app_version + ".0"
        return app_version[: tag.start()] + ".0" + app_version[tag.start() :]
    return app_version


def valid_version(app_version: str) -> Version | None:
    """The normalised version when it is valid semver (npm `semver.valid`), else None."""
    if not app_version or len(app_version) > MAX_VERSION_LENGTH:
        return None
    return parse_version(app_version)


def valid_range(text: str) -> bool:
    try:
        parse_range(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=8192)
def satisfies(version_text: str, range_text: str) -> bool:
    version = parse_version(version_text)
    return version is not None and bool(parse_range(range_text).match(version))


@lru_cache(maxsize=8192)
def greater_than_range(version_text: str, range_text: str) -> bool:
    """npm `semver.gtr`: the version is above every version the range admits."""
    version = parse_version(version_text)
    if version is None or satisfies(version_text, range_text):
        return False
    alternatives = _alternatives(parse_range(range_text).clause)
    return all(_above(version, alternative) for alternative in alternatives)


def _alternatives(clause: Any) -> list[list[Any]]:
    """The `||` alternatives of an NpmSpec clause, each a list of comparator ranges."""
    name = type(clause).__name__
    if name == "AnyOf":
        return [group for part in clause.clauses for group in _alternatives(part)]
    if name == "AllOf":
        return [[r for part in clause.clauses for r in _flatten(part)]]
    return [_flatten(clause)]


def _flatten(clause: Any) -> list[Any]:
    if type(clause).__name__ in ("AllOf", "AnyOf"):
        return [r for part in clause.clauses for r in _flatten(part)]
    return [clause]


def _above(version: Version, comparators: list[Any]) -> bool:
    """True when the alternative has an upper bound and the version lies beyond it."""
    for comparator in comparators:
        operator = getattr(comparator, "operator", None)
        target = getattr(comparator, "target", None)
        if target is None:
            continue
        if operator == "<" and version >= target:
            return True
        if operator == "<=" and version > target:
            return True
        if operator == "==" and version > target:
            return True
    return False
