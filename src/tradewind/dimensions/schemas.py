"""Wire types for dimensions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradewind.names import DimensionName

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Position = Annotated[int, Field(ge=0, le=1000, strict=True)]


class DimensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DimensionName
    type: Literal["string", "semver"] = "string"
    position: Position | None = Field(
        None, description="0 is the lowest priority; omitted means above every other dimension."
    )
    description: Description = ""


class DimensionUpdate(BaseModel):
    """Name and type are fixed: release targets refer to them."""

    model_config = ConfigDict(extra="forbid")
    position: Position | None = None
    description: Description | None = None


class DimensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    type: Literal["string", "semver"]
    position: int
    weight: int = Field(description="2**position: this dimension's share of a target's weight.")
    description: str
    created_at: datetime
