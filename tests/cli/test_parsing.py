"""The CLI's pure parts: target and property syntax, globs, config profiles, error mapping."""

from __future__ import annotations

import os
import re
import stat
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tradewind.cli import bundle, config, targets
from tradewind.cli.client import ApiClient
from tradewind.cli.commands import auth
from tradewind.cli.errors import ServerRefused, Unreachable, UsageProblem
from tradewind.globs import matches

pytestmark = pytest.mark.once  # no database: one run is enough

TYPES = {"os": "string", "app-version": "semver"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("os=android", {"dimension": "os", "op": "eq", "values": ["android"]}),
        (" os = android ", {"dimension": "os", "op": "eq", "values": ["android"]}),
        ("country=IN|BD| NP", {"dimension": "country", "op": "in", "values": ["IN", "BD", "NP"]}),
        (
            "app-version=>=2.0.0 <3.0.0",
            {"dimension": "app-version", "op": "semver", "values": [">=2.0.0 <3.0.0"]},
        ),
        (
            "app-version=^1.2 || 2.x",
            {"dimension": "app-version", "op": "semver", "values": ["^1.2 || 2.x"]},
        ),
        ("app-version=2.0.0", {"dimension": "app-version", "op": "semver", "values": ["2.0.0"]}),
        ("merchant=a=b", {"dimension": "merchant", "op": "eq", "values": ["a=b"]}),
    ],
)
def test_target_conditions(text: str, expected: dict[str, Any]) -> None:
    assert targets.condition(text, TYPES) == expected


@pytest.mark.parametrize("text", ["os", "=android", "os=", "country=IN||BD", "country=|IN"])
def test_malformed_targets_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageProblem) as caught:
        targets.condition(text, TYPES)
    assert caught.value.code == "invalid_argument"


def test_exact_targets_and_one_condition_per_dimension() -> None:
    assert targets.target([], ["tag=a|b"], TYPES) == [
        {"dimension": "tag", "op": "eq", "values": ["a|b"]}
    ]
    assert targets.target(["os=ios"], ["app-version=2.0.0"], TYPES)[1]["op"] == "eq"
    with pytest.raises(UsageProblem, match="targeted twice"):
        targets.target(["os=ios"], ["os=android"], TYPES)


def test_properties_and_context() -> None:
    parsed = targets.properties(["flag=true", "n=3", "name=blue", 'obj={"a": [1]}', "empty="])
    assert parsed == {"flag": True, "n": 3, "name": "blue", "obj": {"a": [1]}, "empty": ""}
    assert targets.context(["os=android", "app-version = 2.1.0"]) == {
        "os": "android",
        "app-version": "2.1.0",
    }
    assert targets.describe([]) == "everyone"


def test_json_object_files(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"a": 1}')
    assert targets.json_object(good, "--properties") == {"a": 1}
    for content, code in [("[1]", "invalid_json"), ("{", "invalid_json")]:
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        with pytest.raises(UsageProblem) as caught:
            targets.json_object(bad, "--properties")
        assert caught.value.code == code
    with pytest.raises(UsageProblem) as missing:
        targets.json_object(tmp_path / "nope.json", "--config")
    assert missing.value.code == "unreadable_file"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.png", "logo.png", True),
        ("*.png", "assets/img/logo.png", True),
        ("*.png", "logo.png.map", False),
        ("assets/**", "assets/img/logo.png", True),
        ("assets/**", "lib/assets/logo.png", False),
        ("chunks/*.js", "chunks/a.js", True),
        ("chunks/*.js", "chunks/sub/a.js", False),
        ("**/fonts/*.ttf", "fonts/a.ttf", True),
        ("**/fonts/*.ttf", "x/y/fonts/a.ttf", True),
        ("a?.js", "ab.js", True),
        ("a?.js", "a/.js", False),
        ("[x].js", "[x].js", True),
        ("/config.json", "config.json", True),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert matches(path, pattern) is expected


def make_files(root: Path, paths: list[str]) -> list[bundle.LocalFile]:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path)
    return bundle.scan(root)


def test_scan_and_classify(tmp_path: Path) -> None:
    files = make_files(tmp_path, ["index.bundle", "a.js", "img/x.png", "img/y.png", ".hidden"])
    (tmp_path / "link.js").symlink_to(tmp_path / "a.js")
    (tmp_path / "dirlink").symlink_to(tmp_path / "img", target_is_directory=True)
    files = bundle.scan(tmp_path)
    assert [f.path for f in files] == [
        ".hidden",
        "a.js",
        "img/x.png",
        "img/y.png",
        "index.bundle",
        "link.js",
    ]
    layout = bundle.classify(files, "./index.bundle", [], ["*.png"])
    assert layout.index.path == "index.bundle"
    assert [f.path for f in layout.important] == [".hidden", "a.js", "link.js"]
    assert [f.path for f in layout.lazy] == ["img/x.png", "img/y.png"]
    only_important = bundle.classify(files, "index.bundle", ["*.js"], [])
    assert [f.path for f in only_important.lazy] == [".hidden", "img/x.png", "img/y.png"]
    with pytest.raises(UsageProblem, match="neither the important nor the lazy") as both:
        bundle.classify(files, "index.bundle", ["*.js"], ["img/x.png"])
    assert both.value.code == "unassigned_file"
    with pytest.raises(UsageProblem, match="no file matches 'fonts/\\*\\*'") as typo:
        bundle.classify(files, "index.bundle", [], ["fonts/**"])
    assert typo.value.code == "glob_matches_nothing"
    with pytest.raises(
        UsageProblem, match=re.escape("not in the bundle; it contains: .hidden, a.js")
    ):
        bundle.classify(files, "img", [], [])


def test_config_is_written_private_and_env_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEWIND_CONFIG_DIR", str(tmp_path / "cfg"))
    for name in ("TRADEWIND_SERVER", "TRADEWIND_TOKEN", "TRADEWIND_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    old_umask = os.umask(0)
    try:
        cfg = config.Config(profiles={"default": config.Profile("http://a:1", "tws_x")})
        path = config.save(cfg)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load() == cfg
    assert config.credentials(None) == config.Credentials(
        "default", "http://a:1", "tws_x", "profile"
    )

    monkeypatch.setenv("TRADEWIND_TOKEN", "twt_env")
    assert config.credentials(None).token == "twt_env"
    assert config.credentials(None).source == "profile+environment"
    monkeypatch.setenv("TRADEWIND_SERVER", "https://b/")
    assert config.credentials("other") == config.Credentials(
        "other", "https://b", "twt_env", "environment"
    )
    monkeypatch.delenv("TRADEWIND_SERVER")
    with pytest.raises(UsageProblem) as missing:
        config.credentials("other")
    assert missing.value.code == "not_logged_in"


def test_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEWIND_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config.config_path() == tmp_path / "tradewind" / "config.json"


class _Canned(BaseHTTPRequestHandler):
    """Answers every request with the status and body named by its path: /<status>/<kind>."""

    def do_GET(self) -> None:
        _, status, kind = self.path.split("/")[:3]
        bodies = {
            "html": (b"<html>gateway</html>", "text/html"),
            "envelope": (b'{"error": {"code": "nope", "message": "no way"}}', "application/json"),
            "json": (b'{"ok": true}', "application/json"),
            "text": (b"hello", "text/plain"),
        }
        body, content_type = bodies[kind]
        self.send_response(int(status))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if int(status) in (301, 302):
            self.send_header("Location", "https://elsewhere.example/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def canned() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "error", "code"),
    [
        ("/404/envelope", ServerRefused, "nope"),
        ("/500/envelope", ServerRefused, "nope"),
        ("/502/html", Unreachable, "bad_gateway"),
        ("/503/html", Unreachable, "bad_gateway"),
        ("/404/html", ServerRefused, "http_404"),
        ("/302/html", ServerRefused, "redirected"),
        ("/200/text", ServerRefused, "invalid_response"),
    ],
)
def test_error_mapping(canned: str, path: str, error: type[Exception], code: str) -> None:
    with ApiClient(canned, "t") as client, pytest.raises(error) as caught:
        client.get(path)
    assert getattr(caught.value, "code", None) == code


def test_success_is_decoded(canned: str) -> None:
    with ApiClient(canned, None) as client:
        assert client.get("/200/json") == {"ok": True}


def test_sso_hook_without_the_sso_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tradewind.cli.sso", None)  # as if it were not installed
    with pytest.raises(UsageProblem) as caught:
        auth._sso_login("http://127.0.0.1:9", None)
    assert (caught.value.code, caught.value.message) == (
        "sso_unavailable",
        "SSO sign-in not available",
    )


def test_release_list_accepts_every_status() -> None:
    from tradewind.cli.commands.releases import Status
    from tradewind.releases.lifecycle import ALL_STATUSES

    assert sorted(s.value for s in Status) == sorted(ALL_STATUSES)
