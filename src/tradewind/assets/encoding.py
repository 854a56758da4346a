"""Accept-Encoding negotiation for compressed variants (RFC 9110 §12.5.3; pure functions).

Rules: codings are case-insensitive, `x-gzip` means `gzip`, `q=0` means "not acceptable",
`*` stands for every coding not listed. `identity` is acceptable unless excluded
(`identity;q=0`, or `*;q=0` without an `identity` entry); when not listed it ranks below
every listed coding, so `Accept-Encoding: gzip;q=0.5` still gets gzip. On equal q, br is
preferred to gzip, and both to identity. No header, or an empty one, means identity.
"""

from __future__ import annotations

from tradewind.compression.variants import CODINGS, Coding

_ALIASES = {"x-gzip": "gzip"}


def parse_accept_encoding(header: str) -> dict[str, float]:
    """Coding -> q for each well-formed entry; malformed q-values make an entry q=0."""
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        coding = name.strip().lower()
        if not coding:
            continue
        weights[_ALIASES.get(coding, coding)] = _quality(params)
    return weights


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def preferred_codings(header: str | None) -> list[Coding]:
    """The codings worth sending, best first; identity is the fallback after them."""
    if not header or not header.strip():
        return []
    weights = parse_accept_encoding(header)
    star = weights.get("*")
    identity = weights.get("identity", star if star is not None else 0.0)
    ranked: list[tuple[float, int, Coding]] = []
    for order, coding in enumerate(CODINGS):
        q = weights.get(coding, star if star is not None else 0.0)
        if q > 0.0 and q >= identity:
            ranked.append((-q, order, coding))
    return [coding for _, _, coding in sorted(ranked)]
