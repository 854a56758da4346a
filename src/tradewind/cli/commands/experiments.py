"""`experiment`: releases with variants (traffic shares), their figures and their conclusion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tradewind.cli.client import app_path, seg
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.commands.remote_config import read_json
from tradewind.cli.errors import UsageProblem
from tradewind.cli.output import table

experiment_app = typer.Typer(
    help="Experiments: a release with 2 or more variants (each a property set and optionally a "
    "package) sharing its devices by sticky per-device buckets.",
    no_args_is_help=True,
)
IdArg = Annotated[
    int, typer.Argument(metavar="RELEASE_ID", min=1, help="The experiment's release id.")
]


def _path(org: str, app: str, release_id: int | None = None) -> str:
    base = f"{app_path(org, app)}/releases"
    return base if release_id is None else f"{base}/{release_id}"


def _variant_rows(release: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (v["name"], v["release_id"], f"{v['percentage']:g}%", v["package_version"], v["properties"])
        for v in release.get("variants") or []
    ]


VARIANT_COLUMNS = ["variant", "id (config.version)", "share", "package", "properties"]


@experiment_app.command("create")
@handled
def experiment_create(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help='JSON release body with "variants": [{"name", "percentage", "properties", '
            '"package_version"}], e.g. {"target": [...], "variants": [...]} (- reads stdin).',
            show_default=False,
            allow_dash=True,
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    start: Annotated[
        bool, typer.Option("--start", help="Ramp at once to the body's percentage (default 100).")
    ] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an experiment (a created release with variants); ramp it like any release."""
    body = read_json(file, str(file))
    if not isinstance(body, dict) or not isinstance(body.get("variants"), list):
        raise UsageProblem("invalid_file", f'{file}: expected a release body with "variants"')
    with connect(profile) as client:
        release = client.post(_path(org, app), body)
        if start:
            ramp = {"percentage": body.get("percentage") or 100}
            release = client.post(f"{_path(org, app, release['id'])}/ramp", ramp)
    out(as_json).result(
        release,
        f"Experiment {release['id']} {release['status']}.",
        table(VARIANT_COLUMNS, _variant_rows(release)),
    )


@experiment_app.command("shares")
@handled
def experiment_shares(
    release_id: IdArg,
    share: Annotated[
        list[str],
        typer.Argument(
            metavar="NAME=PERCENT...", help="Every variant's new share, adding up to 100."
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change the traffic shares; devices move only out of variants whose share went down."""
    percentages: dict[str, str] = {}
    for item in share:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageProblem("invalid_share", f"{item!r}: expected NAME=PERCENT")
        percentages[name.strip()] = value.strip()
    with connect(profile) as client:
        release = client.put(
            f"{_path(org, app, release_id)}/variants", {"percentages": percentages}
        )
    out(as_json).result(release, table(VARIANT_COLUMNS, _variant_rows(release)))


@experiment_app.command("report")
@handled
def experiment_report(
    release_id: IdArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per variant: checks served, distinct devices, installs, failures and failure rate."""
    with connect(profile) as client:
        report = client.get(f"{_path(org, app, release_id)}/variants/report")
    rows = [
        (
            v["name"],
            v["release_id"],
            v["status"],
            f"{v['percentage']:g}%",
            v["health"]["checks"],
            v["health"]["devices"],
            v["health"]["figures"]["installs"],
            v["health"]["figures"]["failures"],
            f"{v['health']['figures']['failure_rate']:.2%}",
        )
        for v in report
    ]
    columns = ["variant", "id", "status", "share", "checks", "devices", "installs", "failures"]
    out(as_json).result(report, table([*columns, "failure rate"], rows))


@experiment_app.command("conclude")
@handled
def experiment_conclude(
    release_id: IdArg,
    variant: Annotated[
        str, typer.Argument(metavar="VARIANT", help="The variant that becomes the baseline.")
    ],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Conclude the experiment with one variant: its content becomes the new baseline."""
    with connect(profile) as client:
        release = client.post(f"{_path(org, app, release_id)}/variants/{seg(variant)}/conclude")
    out(as_json).result(release, f"Release {release_id} concluded with variant {variant}.")


def register(app: typer.Typer) -> None:
    app.add_typer(experiment_app, name="experiment", rich_help_panel="Publish")
