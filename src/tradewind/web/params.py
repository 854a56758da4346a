"""Shared path and query parameter types."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

# Ids are 32-bit integer primary keys; bigger numbers could never match (and PostgreSQL would
# reject them as out of range), so they are refused as invalid input.
MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A numeric id.")]
# Offsets beyond any possible row count; bounded so no driver sees an integer >= 2**63.
MAX_OFFSET = 2**31 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
BeforeId = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description="Only rows with a smaller id.")
]


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_only(value: object) -> object:
    """pydantic reads a bare number as a Unix time; the documented format is ISO 8601."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-05-01T12:00:00Z")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]
