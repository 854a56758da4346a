"""Shared path and query parameter types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# Ids are 32-bit integer primary keys; bigger numbers could never match (and PostgreSQL would
# reject them as out of range), so they are refused as invalid input.
MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A numeric id.")]
