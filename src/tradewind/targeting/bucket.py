"""Rollout buckets and percentages in basis points.

A device is in a staged rollout when ``bucket(release_key, identifier) < rollout_bp``, with the
percentage held as basis points (0..10000, i.e. two decimals). Because the bucket of a device
never changes for a release, raising the percentage only adds devices and lowering it only
removes them.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from tradewind.errors import BadRequest

BUCKETS = 10_000  # basis points: 100.00%


def bucket(release_key: str, identifier: str) -> int:
    """The device's bucket for a release, in 0..9999.

    ``sha256(release_key + "\\x00" + identifier)`` (UTF-8), first 8 bytes read big-endian as an
    unsigned integer, modulo 10000. SHA-256 output is uniform, and 2**64 is not a multiple of
    10000 only by 1616 values in 1.8e19: the 1616 lowest buckets get one extra pre-image each,
    a relative bias of 5e-16, far below anything measurable, with no rejection loop. Hashing the
    release key with the identifier makes the buckets of different releases independent, so the
    same devices are not always the first to receive every release.

    The formula is persistent: changing it would reshuffle every device of every live rollout.
    The separator keeps ``("1", "23")`` and ``("12", "3")`` apart.
    """
    data = f"{release_key}\x00{identifier}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") % BUCKETS


def percentage_to_bp(p: Decimal | float | str) -> int:
    """A percentage (0..100, at most two decimals) as basis points; ``"12.5"`` -> 1250.

    Floats are read through their shortest repr (``12.34`` is ``Decimal("12.34")``). Raises
    ``BadRequest(code="invalid_percentage")`` otherwise.
    """
    value = _as_decimal(p)
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        raise _invalid(p, "a percentage must be a number between 0 and 100")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise _invalid(p, "a percentage has at most two decimals")
    return int(basis_points)


def format_bp(bp: int) -> str:
    """Basis points as a percentage with two decimals: 2500 -> ``"25.00%"``."""
    return f"{bp // 100}.{bp % 100:02d}%"


def _as_decimal(p: object) -> Decimal | None:
    if isinstance(p, bool):
        return None
    if isinstance(p, float):
        p = repr(p)
    if not isinstance(p, Decimal | int | str):
        return None
    try:
        return Decimal(p)
    except (InvalidOperation, ValueError):
        return None


def _invalid(p: object, message: str) -> BadRequest:
    return BadRequest(message, code="invalid_percentage", details={"value": str(p)})
