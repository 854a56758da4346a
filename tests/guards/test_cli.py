"""`tradewind release guard` and `tradewind app guard` against a real server process."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.cli import Cli

# One worker for the module's server. `once`: the CLI is an HTTP client; what the server
# does on each database is covered by the in-process tests, which run on both.
pytestmark = [pytest.mark.xdist_group("guards-cli"), pytest.mark.once]

APP_ARGS = ("--org", "acme", "--app", "shop")


def staged_release(cli: Cli, tmp_path: Path) -> int:
    cli.ok("org", "create", "acme")
    cli.ok("app", "create", "shop", "--org", "acme")
    for n in (1, 2):
        root = tmp_path / f"v{n}"
        root.mkdir()
        (root / "index.android.bundle").write_bytes(f"v{n}".encode())
        cli.ok("push", str(root), *APP_ARGS, "--index", "index.android.bundle")
    cli.ok("release", "create", "1", *APP_ARGS)  # the baseline, for everyone
    cli.ok("dimension", "create", "os", *APP_ARGS)
    release = cli.json(
        "release", "create", "2", *APP_ARGS, "--target", "os=android", "--rollout", "10", "--start"
    )
    return int(release["id"])


def test_set_show_and_clear_guards(cli: Cli, tmp_path: Path) -> None:
    release_id = staged_release(cli, tmp_path)
    rid = str(release_id)
    assert cli.json("app", "guard", *APP_ARGS) == {"guard": None}
    assert cli.json("release", "guard", rid, *APP_ARGS)["source"] == "none"

    default = cli.json("app", "guard", *APP_ARGS, "--min-sample", "500", "--max-excess", "off")
    assert default["guard"]["min_sample"] == 500
    assert default["guard"]["max_excess"] is None
    assert cli.json("release", "guard", rid, *APP_ARGS)["source"] == "app"

    shown = cli.json(
        "release", "guard", rid, *APP_ARGS,
        "--max-failure-rate", "0.02", "--ramp", "10,50,100", "--every", "6h",
    )  # fmt: skip
    assert shown["source"] == "release"
    assert shown["guard"] == {
        "min_sample": 100,
        "max_failure_rate": 0.02,
        "max_excess": 0.02,
        "ramp_steps": [10, 50, 100],
        "ramp_interval_seconds": 6 * 3600,
    }
    assert shown["next_ramp_step"] == 50
    text = str(cli.ok("release", "guard", rid, *APP_ARGS))
    assert "10% → 50% → 100% every 6h" in text
    assert "2% over baseline" in text

    refused = cli.fails(
        1, "release", "guard", rid, *APP_ARGS, "--ramp", "50,10", "--every", "1h", "--json"
    )
    assert refused.error["code"] == "invalid_ramp"
    cli.fails(2, "release", "guard", rid, *APP_ARGS, "--every", "soon")
    cli.fails(2, "release", "guard", rid, *APP_ARGS, "--clear", "--min-sample", "5")

    assert cli.json("release", "guard", rid, *APP_ARGS, "--clear")["source"] == "app"
    assert cli.json("app", "guard", *APP_ARGS, "--clear") == {"guard": None}
    history = cli.json("release", "show", rid, *APP_ARGS)["history"]
    assert [h["action"] for h in history][-2:] == ["guard.set", "guard.clear"]
