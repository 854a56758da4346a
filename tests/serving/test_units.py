"""The pure parts of the device path: parsing, ETags, routes, document checks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tradewind.releases.live import LiveFile, LivePackage, LiveRelease, LiveState
from tradewind.serving.compiler import compile_app, parse_dimensions, toss_from_query
from tradewind.serving.document import AppSource, is_absolute_http_url
from tradewind.serving.handler import route_key
from tradewind.serving.responses import Prebuilt, strong_etag
from tradewind.targeting.conditions import Condition
from tradewind.targeting.resolution import Candidate

pytestmark = pytest.mark.once  # no database: one run is enough

SHA = "ab" * 32


def test_parse_dimensions() -> None:
    assert parse_dimensions("") == {}
    assert parse_dimensions(";;") == {}
    assert parse_dimensions("a=1;b=2") == {"a": "1", "b": "2"}
    assert parse_dimensions("b=2;a=1;") == {"a": "1", "b": "2"}
    assert parse_dimensions(" a = x y ; b=") == {"a": "x y", "b": ""}
    assert parse_dimensions("a=b=c") == {"a": "b=c"}
    assert parse_dimensions("novalue;=x; =y;k=v") == {"k": "v"}
    assert parse_dimensions("a=1;a=2") == {"a": "2"}


def test_toss_from_query() -> None:
    assert toss_from_query(b"") is None
    assert toss_from_query(b"toss=") is None
    assert toss_from_query(b"toss=%20") is None
    assert toss_from_query(b"toss=abc") == "abc"
    assert toss_from_query(b"x=1&toss=a%2Fb+c&y=2") == "a/b c"
    assert toss_from_query(b"xtoss=1") is None
    assert toss_from_query(b"toss=%C3%BC") == "ü"
    assert toss_from_query(b"toss=1&toss=2") == "1"


def test_route_key() -> None:
    assert route_key("/release/acme/shop") == "acme/shop"
    assert route_key("/release/v2/acme/shop") == "acme/shop"
    assert route_key("/release/v2/shop") == "v2/shop"  # an organisation called "v2"
    assert route_key("/api/releases/acme/shop") == "acme/shop"
    assert route_key("/api/releases/v2/acme/shop") == "v2/acme/shop"
    assert route_key("/api/v1/orgs") == ""


def test_etag_and_if_none_match() -> None:
    body = b'{"version":"2"}'
    built = Prebuilt(1, body, b"public")
    assert built.etag == strong_etag(body) != strong_etag(body + b" ")
    assert built.etag.startswith(b'"') and built.etag.endswith(b'"')
    tag = built.etag
    for header in [tag, b"W/" + tag, b'"a", ' + tag, b"*", b' "a" ,W/' + tag + b" "]:
        assert built.not_modified(header), header
    for header in [b"", b'"a"', tag[1:-1], b"W/", tag + b"x", b"w/" + tag]:
        assert not built.not_modified(header), header


def test_absolute_urls() -> None:
    assert is_absolute_http_url("https://cdn.example.com/a/b")
    assert is_absolute_http_url("http://127.0.0.1:8000/assets/k")
    for bad in ["", "/assets/k", "ftp://x/y", "https://", "https:///x", "http://a b/c", "x"]:
        assert not is_absolute_http_url(bad), bad


def _file(path: str, sha: str = SHA, size: int = 10) -> LiveFile:
    return LiveFile(1, path, sha, size, "application/octet-stream", f"k/{path}")


def _live(
    release_id: int,
    *,
    release: dict[str, Any] | None = None,
    index: LiveFile | None = None,
    important: tuple[LiveFile, ...] = (),
    resources: tuple[LiveFile, ...] = (),
    conditions: tuple[Condition, ...] = (),
) -> LiveRelease:
    """A live release; `release` overrides columns of the (stand-in) release row."""
    row: dict[str, Any] = {
        "id": release_id,
        "channel": "production",
        "boot_timeout": 1000,
        "release_config_timeout": 1000,
        "config_properties": {},
        "package_properties": {},
        **(release or {}),
    }
    package = LivePackage(1, 7, {}, index or _file("index.bundle"), important, ())
    return LiveRelease(
        release=SimpleNamespace(**row),  # type: ignore[arg-type]
        candidate=Candidate(release_id, str(release_id), conditions, "concluded", 0, release_id),
        config_version=str(release_id),
        package=package,
        resources=resources,
    )


def _compile(
    *releases: LiveRelease, url: str = "https://cdn.example.com/", identifier: str | None = None
) -> Any:
    by_id = {r.candidate.release_id: r for r in releases}
    state = LiveState(1, 3, identifier, None, {"os": 0, "tier": 1}, by_id)
    return compile_app(AppSource("acme", "shop", state), lambda key: url + key, b"public")


def _rolling(release_id: int, rollout_bp: int, *conditions: Condition) -> LiveRelease:
    concluded = _live(release_id)
    candidate = Candidate(release_id, str(release_id), conditions, "in_progress", rollout_bp, 90)
    return LiveRelease(
        release=concluded.release,
        candidate=candidate,
        config_version=str(release_id),
        package=concluded.package,
        resources=(),
    )


def test_a_release_that_would_break_the_sdk_is_not_served(caplog: Any) -> None:
    bad_cases = [
        _live(2, release={"boot_timeout": True}),
        _live(3, release={"release_config_timeout": -1}),
        _live(4, release={"config_properties": ["not", "an", "object"]}),
        _live(5, release={"package_properties": None}),
        _live(6, index=_file("i.js", sha="AB" * 31)),
        _live(7, important=(_file("", size=1),)),
        _live(8, resources=(_file("r.json", size=-1),)),
        _live(9, release={"config_properties": {"x": float("nan")}}),
    ]
    snapshot = _compile(_live(1), *bad_cases)
    assert set(snapshot.responses()) == {1}
    assert snapshot.answer(b"", b"").release_id == 1
    assert "release 2 not served" in caplog.text


def test_uppercase_checksums_are_served_lowercase() -> None:
    upper = _live(1, index=_file("i.js", sha="AB" * 32))
    snapshot = _compile(upper)
    assert b'"checksum":"' + b"ab" * 32 + b'"' in snapshot.responses()[1].body


@pytest.mark.parametrize("url", ["", "/assets/", "ftp://host/"])
def test_relative_or_odd_urls_are_never_served(url: str) -> None:
    assert _compile(_live(1), url=url).responses() == {}


def test_a_target_on_an_unknown_dimension_is_left_out() -> None:
    broken = _live(2, conditions=(Condition("gone", "eq", ("x",)),))
    snapshot = _compile(_live(1), broken)
    assert set(snapshot.responses()) == {1}


def test_memoised_answers_equal_fresh_resolutions() -> None:
    rolling = LiveRelease(
        release=_live(2).release,
        candidate=Candidate(2, "2", (Condition("os", "eq", ("ios",)),), "in_progress", 5000, 9),
        config_version="2",
        package=_live(2).package,
        resources=(),
    )
    snapshot = _compile(_live(1), rolling)
    inputs = [
        (x, f"toss=d{n}".encode())
        for n in range(3000)
        for x in (b"os=ios", b"os=android", b"os=ios;pad=" + b"x" * 600)
    ]
    for _ in range(2):  # the second pass mixes memo hits and misses after clears
        for x_dimension, query in inputs:
            expected = snapshot.pick(x_dimension, query)
            assert snapshot.answer(x_dimension, query) is expected
    served = {snapshot.answer(b"os=ios", q).release_id for _, q in inputs}
    assert served == {1, 2}


@pytest.mark.parametrize("identifier_dimension", [None, "device"])
def test_answers_agree_with_the_resolvers_explanation(identifier_dimension: str | None) -> None:
    """Memoised shortlists, the toss or the identifier dimension, several rollouts at once:
    every answer is the winner the resolver's (independent) explanation names."""
    snapshot = _compile(
        _live(1),
        _live(2, conditions=(Condition("os", "eq", ("android",)),)),
        _rolling(3, 3000, Condition("os", "eq", ("ios",))),
        _rolling(4, 6000, Condition("tier", "eq", ("gold",))),
        identifier=identifier_dimension,
    )
    resolver = snapshot.resolver
    served: set[int | None] = set()
    for n in range(600):
        dims = ["os=ios", "os=android", "tier=gold;os=ios", "tier=gold", ""][n % 5]
        if n % 3 == 0:
            dims += f";device=d{n}"
        query = [b"", f"toss=t{n}".encode(), b"other=1"][n // 3 % 3]
        context = parse_dimensions(dims)
        identifier = toss_from_query(query) or (
            context.get(identifier_dimension) if identifier_dimension else None
        )
        expected = resolver.explain(context, identifier).winner_release_id
        for _ in range(2):  # a memo miss, then a hit
            answer, seen_identifier, _ = snapshot.lookup(dims.encode(), query)
            assert (None if answer is None else answer.release_id) == expected, (dims, query)
            assert seen_identifier == identifier
        served.add(expected)
    assert served == {1, 2, 3, 4}
