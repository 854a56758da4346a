"""tradewind.packages.diff: what changes for devices between two packages."""

from __future__ import annotations

import pytest

from tradewind.packages.diff import download_delta, file_changes, value_changes

pytestmark = pytest.mark.once


def f(path: str, sha: str, size: int, kind: str = "important") -> dict[str, object]:
    return {"path": path, "sha256": sha, "size": size, "kind": kind}


def test_file_changes() -> None:
    old = [f("index", "a", 10, "index"), f("x.js", "b", 5), f("gone.png", "c", 7, "lazy")]
    new = [f("index", "a2", 12, "index"), f("x.js", "b", 5, "lazy"), f("new.png", "d", 9, "lazy")]
    changes = [c.as_dict() for c in file_changes(old, new)]
    assert changes == [
        {"path": "gone.png", "change": "removed", "kind": "lazy", "old_size": 7, "new_size": None},
        {"path": "index", "change": "changed", "kind": "index", "old_size": 10, "new_size": 12},
        {"path": "new.png", "change": "added", "kind": "lazy", "old_size": None, "new_size": 9},
        {"path": "x.js", "change": "moved", "kind": "lazy", "old_size": 5, "new_size": 5},
    ]
    assert download_delta(file_changes(old, new)) == 21
    assert file_changes(old, old) == []


def test_value_changes() -> None:
    changes = value_changes({"a": 1, "b": None, "c": [1]}, {"a": 2, "c": [1], "d": False})
    assert [c.as_dict() for c in changes] == [
        {"key": "a", "old": 1, "new": 2, "change": "changed"},
        {"key": "b", "old": None, "new": None, "change": "removed"},
        {"key": "d", "old": None, "new": False, "change": "added"},
    ]
