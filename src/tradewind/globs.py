"""Path globs for choosing a bundle's important and lazy files (CLI `push` and server uploads).

Rules (as in .gitignore): a pattern without `/` matches a file name at any depth (`*.png`); a
pattern with `/` matches the whole path from the bundle root, where `*` and `?` stay inside one
directory and `**` spans any number of directories (`assets/**`, `**/fonts/*.ttf`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKENS = (("**/", "(?:.*/)?"), ("**", ".*"), ("*", "[^/]*"), ("?", "[^/]"))


def _translate(text: str) -> str:
    parts, i = [], 0
    while i < len(text):
        for token, regex in _TOKENS:
            if text.startswith(token, i):
                parts.append(regex)
                i += len(token)
                break
        else:
            parts.append(re.escape(text[i]))
            i += 1
    return "".join(parts)


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    text = pattern.strip("/")
    anchored = "/" in text
    return re.compile(("" if anchored else "(?:.*/)?") + _translate(text), re.DOTALL)


def matches(path: str, pattern: str) -> bool:
    return compile_glob(pattern).fullmatch(path) is not None


def matches_any(path: str, patterns: list[str] | None) -> bool:
    return any(matches(path, p) for p in patterns or [])
