"""`release`: create, inspect, ramp and roll back an application's releases."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tradewind.cli import targets
from tradewind.cli.changes_view import changes_view
from tradewind.cli.client import ApiClient, app_path, seg
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.views import explanation, release_detail, release_line, release_table

release_app = typer.Typer(
    help="Releases of an application: what each audience of devices is served. Lifecycle: "
    "created → ramp → in_progress (pause/resume) → conclude, or discard; rollback restores an "
    "earlier release's content.",
    no_args_is_help=True,
)


class Status(StrEnum):
    created = "created"
    in_progress = "in_progress"
    paused = "paused"
    concluded = "concluded"
    superseded = "superseded"
    retired = "retired"
    discarded = "discarded"


IdArg = Annotated[int, typer.Argument(metavar="ID", help="Release id.", show_default=False, min=1)]
PercentArg = Annotated[
    float,
    typer.Argument(
        metavar="PERCENTAGE",
        min=0,
        max=100,
        help="Share of matching devices, 0–100 (two decimals).",
        show_default=False,
    ),
]
ChannelOpt = Annotated[str, typer.Option(help="Release channel.")]
FileOpt = Annotated[
    Path | None, typer.Option(dir_okay=False, show_default=False, help="A JSON file.")
]


def _releases(org: str, app: str) -> str:
    return f"{app_path(org, app)}/releases"


def _dimension_types(client: ApiClient, org: str, app: str) -> dict[str, str]:
    dimensions = client.get(f"{app_path(org, app)}/dimensions")
    return {d["name"]: d["type"] for d in dimensions}


def _config(
    config_file: Path | None,
    properties_file: Path | None,
    pairs: list[str],
    boot_timeout: int | None,
    release_config_timeout: int | None,
) -> dict[str, Any]:
    """The release config: --config file, then --properties file, then flags, later wins.
    What none of them gives is left out: the server carries the baseline's value."""
    config = targets.json_object(config_file, "--config") if config_file else {}
    properties = dict(config.get("properties") or {})
    if properties_file:
        properties.update(targets.json_object(properties_file, "--properties"))
    properties.update(targets.properties(pairs))
    if properties or properties_file or "properties" in config:
        config["properties"] = properties
    if boot_timeout is not None:
        config["boot_timeout"] = boot_timeout
    if release_config_timeout is not None:
        config["release_config_timeout"] = release_config_timeout
    return config


@release_app.command("create")
@handled
def release_create(
    package_version: Annotated[
        int | None,
        typer.Argument(
            metavar="PACKAGE_VERSION",
            min=1,
            help="Version of the package to release; omitted: a config-only release that keeps "
            "the package its audience is served now.",
            show_default=False,
        ),
    ] = None,
    *,
    org: OrgOpt,
    app: AppOpt,
    target: Annotated[
        list[str] | None,
        typer.Option(
            help="Condition KEY=VALUE (repeat): equals VALUE; KEY=A|B one of A, B; on a semver "
            "dimension VALUE is a range, e.g. app_version='>=2.0.0 <3.0.0'. None: everyone.",
            show_default=False,
        ),
    ] = None,
    target_eq: Annotated[
        list[str] | None,
        typer.Option(
            help="Condition KEY=VALUE taken verbatim as equality (repeat).", show_default=False
        ),
    ] = None,
    rollout: Annotated[
        float,
        typer.Option(min=0, max=100, help="Percentage of matching devices once ramped (0–100)."),
    ] = 0,
    start: Annotated[
        bool, typer.Option("--start", help="Ramp at once to --rollout (otherwise: release ramp).")
    ] = False,
    boot_timeout: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Boot timeout in ms (default: the baseline's, else 1000).",
            show_default=False,
        ),
    ] = None,
    release_config_timeout: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Release config timeout in ms (default: the baseline's, else 1000).",
            show_default=False,
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            dir_okay=False,
            help='JSON file: {"boot_timeout", "release_config_timeout", "properties"}.',
            show_default=False,
        ),
    ] = None,
    properties_file: Annotated[
        Path | None,
        typer.Option(
            "--properties",
            dir_okay=False,
            help="JSON file: the config properties object, replacing the baseline's whole "
            "(default: the baseline's properties, else {}).",
            show_default=False,
        ),
    ] = None,
    prop: Annotated[
        list[str] | None,
        typer.Option(
            "--property",
            help="Config property KEY=VALUE (repeat); VALUE is JSON when it parses, else a "
            "string. Given with no --properties: these are the release's whole properties.",
            show_default=False,
        ),
    ] = None,
    package_properties_file: Annotated[
        Path | None,
        typer.Option(
            "--package-properties",
            dir_okay=False,
            help="JSON file: package properties (default: the package's own).",
            show_default=False,
        ),
    ] = None,
    resource: Annotated[
        list[str] | None,
        typer.Option(
            help="Path of an uploaded file outside the package to ship (repeat).",
            show_default=False,
        ),
    ] = None,
    channel: ChannelOpt = "production",
    binary_version_range: Annotated[
        str | None,
        typer.Option(
            help="App binary versions this release is for (npm range; used by the CodePush "
            "and Expo protocols, ignored by Airborne devices).",
            show_default=False,
        ),
    ] = None,
    mandatory: Annotated[
        bool,
        typer.Option(
            "--mandatory", help="Mark the update mandatory (CodePush; ignored by Airborne)."
        ),
    ] = False,
    notes: Annotated[str, typer.Option(help="Release notes.")] = "",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a release of a package for a target audience.

    It serves nobody until ramped (`release ramp`, or --start), except the first release of a
    channel, which is live for everyone it targets at once.
    """
    config = _config(config_file, properties_file, prop or [], boot_timeout, release_config_timeout)
    body: dict[str, Any] = {
        **({"config": config} if config else {}),
        "resources": resource or [],
        "percentage": str(rollout),
        "channel": channel,
        "mandatory": mandatory,
        "notes": notes,
    }
    if package_version is not None:
        body["package_version"] = package_version
    if package_properties_file:
        body["package_properties"] = targets.json_object(
            package_properties_file, "--package-properties"
        )
    if binary_version_range:
        body["binary_version_range"] = binary_version_range
    with connect(profile) as client:
        types = _dimension_types(client, org, app) if target else {}
        body["target"] = targets.target(target or [], target_eq or [], types)
        release = client.post(_releases(org, app), body)
        if start and release["status"] == "created":
            release = client.post(f"{_releases(org, app)}/{release['id']}/ramp", None)
        release["changes"] = client.get(f"{_releases(org, app)}/{release['id']}/changes")
        unreachable = channel != "production" and not client.get(app_path(org, app)).get(
            "channel_dimension"
        )
    if unreachable:
        out(as_json).warn(
            f"no device can get this release: Airborne devices follow 'production' unless the "
            f"application has a channel dimension (tradewind app update {app} --org {org} "
            "--channel-dimension NAME)"
        )
    hint = (
        f"Start it with: tradewind release ramp {release['id']} {rollout:g} --org {org} --app {app}"
        if release["status"] == "created"
        else ""
    )
    lines = [release_line(release), *([hint] if hint else []), changes_view(release["changes"])]
    out(as_json).result(release, *lines)


@release_app.command("list")
@handled
def release_list(
    org: OrgOpt,
    app: AppOpt,
    status: Annotated[
        list[Status] | None, typer.Option(help="Only these statuses (repeat).", show_default=False)
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="Only this channel.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many.")] = 100,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List releases, newest first."""
    params: dict[str, Any] = {
        "status": [s.value for s in status or []],
        "channel": channel,
        "limit": limit,
    }
    with connect(profile) as client:
        releases = client.get(_releases(org, app), params=params)
    out(as_json).result(releases, release_table(releases))


@release_app.command("show")
@handled
def release_show(
    release_id: IdArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a release with its target, config, resources and history."""
    with connect(profile) as client:
        release = client.get(f"{_releases(org, app)}/{seg(release_id)}")
    out(as_json).result(release, release_detail(release))


@release_app.command("ramp")
@handled
def release_ramp(
    release_id: IdArg,
    percentage: PercentArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start a created release at PERCENTAGE, or move an in-progress one up or down.

    Raising the percentage only adds devices; lowering it only removes devices.
    """
    _act(org, app, release_id, "ramp", {"percentage": str(percentage)}, profile, as_json)


def _lifecycle(action: str, doc: str) -> None:
    @handled
    def command(
        release_id: IdArg,
        org: OrgOpt,
        app: AppOpt,
        profile: ProfileOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        _act(org, app, release_id, action, None, profile, as_json)

    command.__doc__ = doc
    release_app.command(action)(command)


def _act(
    org: str,
    app: str,
    release_id: int,
    action: str,
    body: dict[str, Any] | None,
    profile: str | None,
    as_json: bool,
) -> None:
    with connect(profile) as client:
        release = client.post(f"{_releases(org, app)}/{seg(release_id)}/{action}", body)
    out(as_json).result(release, release_line(release))


_lifecycle("pause", "Stop serving an in-progress release; it keeps its percentage.")
_lifecycle("resume", "Serve a paused release again at its percentage.")
_lifecycle("conclude", "Make an in-progress release the baseline of its target (everyone).")
_lifecycle("discard", "Abandon a created, in-progress or paused release.")
_lifecycle("retire", "Stop serving a concluded release without replacing it.")


@release_app.command("explain")
@handled
def release_explain(
    org: OrgOpt,
    app: AppOpt,
    context: Annotated[
        list[str] | None,
        typer.Option(
            help="Device dimension KEY=VALUE, as in x-dimension (repeat).", show_default=False
        ),
    ] = None,
    device_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Device identifier (?toss=) for rollout buckets (default: the app's identifier "
            "dimension from --context).",
            show_default=False,
        ),
    ] = None,
    channel: ChannelOpt = "production",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain which release a device gets: every live release, matched or not, and why."""
    body: dict[str, Any] = {"context": targets.context(context or []), "channel": channel}
    if device_id is not None:
        body["identifier"] = device_id
    with connect(profile) as client:
        result = client.post(f"{_releases(org, app)}/explain", body)
    out(as_json).result(result, explanation(result))


def register(app: typer.Typer) -> None:
    app.add_typer(release_app, name="release", rich_help_panel="Publish")
