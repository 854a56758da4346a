"""Accept-Encoding negotiation rules (pure)."""

from __future__ import annotations

import pytest

from tradewind.assets.encoding import parse_accept_encoding, preferred_codings


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("   ", []),
        ("gzip, deflate, br", ["br", "gzip"]),
        ("gzip, deflate, br, zstd", ["br", "gzip"]),
        ("gzip", ["gzip"]),
        ("br", ["br"]),
        ("BR, GZip", ["br", "gzip"]),
        ("x-gzip", ["gzip"]),
        ("br;q=0.5, gzip", ["gzip", "br"]),
        ("br;q=0.5, gzip;q=0.8", ["gzip", "br"]),
        ("br; q=0.9 , gzip ;q=0.9", ["br", "gzip"]),
        ("gzip;q=0, br;q=0", []),
        ("br;q=0, gzip", ["gzip"]),
        ("identity", []),
        ("identity;q=1, gzip;q=0.5", []),
        ("gzip;q=0.5", ["gzip"]),  # identity not listed: it ranks below listed codings
        ("gzip;q=0.5, identity;q=0.5", ["gzip"]),
        ("*", ["br", "gzip"]),
        ("*;q=0", []),
        ("*;q=0.3, gzip", ["gzip", "br"]),
        ("*, br;q=0", ["gzip"]),
        ("deflate, compress", []),
        ("gzip;q=abc, br", ["br"]),  # a malformed q-value makes its entry unacceptable
        ("gzip;q=2", []),
        ("gzip;level=1", ["gzip"]),
        (",,gzip,,", ["gzip"]),
    ],
)
def test_preferred_codings(header: str | None, expected: list[str]) -> None:
    assert preferred_codings(header) == expected


def test_parse_keeps_every_coding() -> None:
    assert parse_accept_encoding("gzip;q=0.5, identity, *;q=0") == {
        "gzip": 0.5,
        "identity": 1.0,
        "*": 0.0,
    }
