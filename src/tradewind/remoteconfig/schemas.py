"""Wire types for remote configuration: property schemas and cohort dimensions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from tradewind.names import DimensionName

Description = Annotated[str, StringConstraints(max_length=2000)]


class PropertyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: Description = ""
    default_value: Any = Field(
        description="served when no release sets the property; must satisfy `schema`"
    )
    schema_: dict[str, Any] = Field(alias="schema", description="a JSON Schema for the value")


class PropertySchemaIn(BaseModel):
    """Declarative: properties missing from the body are removed."""

    model_config = ConfigDict(extra="forbid")
    properties: Annotated[dict[str, PropertyIn], Field(max_length=500)]


class PropertyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    description: str
    default_value: Any
    schema_: dict[str, Any] = Field(alias="schema", serialization_alias="schema")


class PropertySchemaOut(BaseModel):
    properties: dict[str, PropertyOut]


class CohortIn(BaseModel):
    """Exactly one of `at_least` (semver checkpoint), `members` or `otherwise`."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    at_least: Annotated[str, StringConstraints(max_length=256)] | None = None
    members: Annotated[list[str], Field(max_length=10_000)] | None = None
    otherwise: StrictBool | None = None


class CohortDimensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_dimension: DimensionName = Field(
        description="the dimension devices send, e.g. app_version"
    )
    cohorts: Annotated[list[CohortIn], Field(min_length=1, max_length=100)] = Field(
        description="evaluated in order, first match wins; `otherwise` is added when missing"
    )
    position: Annotated[int, Field(ge=0, le=1000, strict=True)] | None = Field(
        None, description="only when the dimension is created; omitted: the highest"
    )
    description: Description = ""


class CohortOut(BaseModel):
    name: str
    at_least: str | None = None
    members: list[str] | None = None
    otherwise: bool | None = None


class CohortDimensionOut(BaseModel):
    name: str
    base_dimension: str
    cohorts: list[CohortOut]


class SavedViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filters: Annotated[
        dict[DimensionName, Annotated[str, StringConstraints(min_length=1, max_length=256)]],
        Field(max_length=50),
    ] = Field(description="dimension -> value; releases whose target can apply to such a device")


class SavedViewOut(BaseModel):
    name: str
    filters: dict[str, str]
