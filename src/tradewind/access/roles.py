"""Roles and their order: owner > admin > write > read."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.READ: 1, Role.WRITE: 2, Role.ADMIN: 3, Role.OWNER: 4}


def highest(*roles: Role | None) -> Role | None:
    present = [r for r in roles if r is not None]
    return max(present, key=lambda r: r.rank) if present else None


def lowest(*roles: Role | None) -> Role | None:
    present = [r for r in roles if r is not None]
    return min(present, key=lambda r: r.rank) if present else None
