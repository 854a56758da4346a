"""Bucket contract and percentage parsing."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradewind.errors import BadRequest
from tradewind.targeting.bucket import bucket, format_bp, percentage_to_bp

pytestmark = pytest.mark.once  # no database: one run is enough


@pytest.mark.parametrize(
    ("key", "identifier", "expected"),
    [("50", "device-2", 416), ("50", "device-1", 9333), ("42", "alice", 6346), ("", "", 3192)],
)
def test_bucket_values_are_pinned(key: str, identifier: str, expected: int) -> None:
    # Persistent contract: changing these reshuffles every device of every live rollout.
    assert bucket(key, identifier) == expected


@given(key=st.text(max_size=12), identifier=st.text(max_size=64))
def test_bucket_is_the_documented_formula(key: str, identifier: str) -> None:
    digest = hashlib.sha256(key.encode() + b"\x00" + identifier.encode()).digest()
    expected = int.from_bytes(digest[:8], "big") % 10_000
    assert bucket(key, identifier) == expected
    assert 0 <= expected <= 9999


def test_separator_keeps_key_and_identifier_apart() -> None:
    assert bucket("1", "23") != bucket("12", "3")


def test_lone_surrogate_identifier_does_not_raise() -> None:
    assert 0 <= bucket("7", "\ud800device") <= 9999


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (100, 10_000),
        (50, 5000),
        ("12.5", 1250),
        (" 25 ", 2500),
        ("0.01", 1),
        ("99.99", 9999),
        (12.34, 1234),
        (0.5, 50),
        (Decimal("100.00"), 10_000),
        (Decimal("33.3"), 3330),
        ("-0", 0),
    ],
)
def test_percentage_to_bp(value: Decimal | float | str, expected: int) -> None:
    assert percentage_to_bp(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        -1,
        "-0.01",
        100.01,
        "101",
        "12.345",
        0.1 + 0.2,
        Decimal("0.001"),
        "abc",
        "",
        "25%",
        "NaN",
        "inf",
        float("nan"),
        float("inf"),
        True,
        None,
    ],
)
def test_invalid_percentages_are_rejected(value: Decimal | float | str) -> None:
    with pytest.raises(BadRequest) as caught:
        percentage_to_bp(value)
    assert caught.value.status == 400
    assert caught.value.code == "invalid_percentage"
    assert caught.value.details == {"value": str(value)}


@pytest.mark.parametrize(
    ("bp", "text"),
    [(0, "0.00%"), (1, "0.01%"), (2500, "25.00%"), (1234, "12.34%"), (10_000, "100.00%")],
)
def test_format_bp(bp: int, text: str) -> None:
    assert format_bp(bp) == text


@given(st.integers(min_value=0, max_value=10_000))
def test_percentage_round_trip(bp: int) -> None:
    assert percentage_to_bp(format_bp(bp).rstrip("%")) == bp
