"""What an upload signature covers: a canonical statement of a package to be.

Shared by the server (verification) and the CLI (`tradewind push --sign`). The statement
names the application, every file by path and SHA-256 (index, important, lazy, in order) and
the package properties; it is JSON with sorted keys, no whitespace, UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

STATEMENT_TYPE = "tradewind-package-v1"
FileRef = tuple[str, str]  # (path, sha256 hex)


def package_statement(
    org: str,
    app: str,
    index: FileRef,
    important: Sequence[FileRef],
    lazy: Sequence[FileRef],
    properties: dict[str, Any],
) -> bytes:
    def refs(files: Sequence[FileRef]) -> list[dict[str, str]]:
        return [{"path": path, "sha256": sha.lower()} for path, sha in files]

    statement = {
        "type": STATEMENT_TYPE,
        "org": org,
        "app": app,
        "index": refs([index])[0],
        "important": refs(important),
        "lazy": refs(lazy),
        "properties": properties,
    }
    text = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")
