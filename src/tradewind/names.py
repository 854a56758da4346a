"""Slug names shared by organisations, applications, dimensions and channels."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])$"
SLUG_HELP = "2–63 characters: lowercase letters, digits and '-', not starting or ending with '-'"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=2, max_length=63)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
