"""The one rule that sorts a bundle's files into index, important and lazy, shared by
`tradewind push` (a directory) and the server's bundle upload (an archive).

- No `important` and no `lazy` globs: every file but the index is important.
- Only `lazy`: the files it matches are lazy, the rest important.
- Only `important`: the files it matches are important, the rest lazy.
- Both: every file must match exactly one of them (`unassigned_file` otherwise).
- A file matching both is an error (`important_lazy_overlap`), and so is a glob that matches
  no file at all (`glob_matches_nothing`: usually a typo or a path from the wrong root).

Globs follow tradewind.globs. Pure: no I/O, no framework, so the CLI can import it cheaply.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from tradewind.globs import matches

LISTED_FILES = 50  # how many of a bundle's files an error message lists


class LayoutError(Exception):
    """A bundle whose files cannot be sorted as asked; each side renders it its own way."""

    def __init__(self, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True, slots=True)
class Assignment:
    index: str
    important: list[str]
    lazy: list[str]


def contents_summary(paths: Collection[str]) -> str:
    listed = sorted(paths)[:LISTED_FILES]
    more = len(paths) - len(listed)
    return ", ".join(listed) + (f" … and {more} more" if more > 0 else "")


def _missing_index(index: str, paths: Collection[str]) -> LayoutError:
    return LayoutError(
        "index_not_in_archive",
        f"the index file '{index}' is not in the bundle; it contains: {contents_summary(paths)}",
        {"index": index, "files": sorted(paths)[:LISTED_FILES], "file_count": len(paths)},
    )


def single_root(paths: Collection[str]) -> str | None:
    """The one top-level directory every file lives in (`build/` of `zip -r b.zip build/`),
    or None when files sit at the root or in several directories."""
    tops = {path.split("/", 1)[0] for path in paths}
    if len(tops) != 1 or any("/" not in path for path in paths):
        return None
    return next(iter(tops)) + "/"


def _unmatched_globs(
    paths: Sequence[str], important: Sequence[str], lazy: Sequence[str]
) -> list[str]:
    return [g for g in (*important, *lazy) if not any(matches(p, g) for p in paths)]


def assign(
    paths: Collection[str],
    index: str,
    important: Sequence[str] | None,
    lazy: Sequence[str] | None,
) -> Assignment:
    """Sort `paths` (normalised file paths) by the rule above; raises LayoutError."""
    if index not in paths:
        raise _missing_index(index, paths)
    others = sorted(p for p in paths if p != index)
    unmatched = _unmatched_globs(others, important or [], lazy or [])
    if unmatched:
        raise LayoutError(
            "glob_matches_nothing",
            f"no file matches {', '.join(repr(g) for g in unmatched)}; the bundle contains: "
            + contents_summary(paths),
            {"globs": unmatched, "files": sorted(paths)[:LISTED_FILES]},
        )
    chosen_important: list[str] = []
    chosen_lazy: list[str] = []
    for path in others:
        is_lazy = any(matches(path, g) for g in lazy or [])
        is_important = any(matches(path, g) for g in important or [])
        if is_lazy and is_important:
            raise LayoutError(
                "important_lazy_overlap",
                f"{path} matches both the important and the lazy globs",
                {"paths": [path]},
            )
        if is_lazy or (not is_important and important and not lazy):
            chosen_lazy.append(path)
        elif is_important or not important:
            chosen_important.append(path)
        else:
            raise LayoutError(
                "unassigned_file",
                f"{path} matches neither the important nor the lazy globs (with both given, "
                "every file must match one)",
                {"path": path},
            )
    return Assignment(index, chosen_important, chosen_lazy)
