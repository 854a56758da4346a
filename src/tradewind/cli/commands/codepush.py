"""`codepush`: deployments and keys, releasing a bundle folder, promote, rollback, history."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from tradewind.cli.client import app_path, seg
from tradewind.cli.commands.common import (
    AppOpt,
    JsonOpt,
    OrgOpt,
    ProfileOpt,
    YesOpt,
    confirm,
    connect,
    handled,
    out,
)
from tradewind.cli.errors import UsageProblem
from tradewind.cli.output import table

codepush_app = typer.Typer(
    help="CodePush: deployments (Staging, Production, …) with the keys react-native-code-push "
    "apps send, releases with labels (v1, v2, …), promote and rollback.",
    no_args_is_help=True,
)
deployment_app = typer.Typer(help="Deployments and their keys.", no_args_is_help=True)
codepush_app.add_typer(deployment_app, name="deployment")

NameArg = Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="Deployment name.")]
DeploymentOpt = Annotated[str, typer.Option("--deployment", "-d", help="Deployment name.")]
RolloutOpt = Annotated[
    float, typer.Option(min=1, max=100, help="Percentage of devices that get it (1–100).")
]
# Entries left out of the zip: what the CodePush CLI leaves out too.
IGNORED = ("__MACOSX/", ".DS_Store")


def _base(org: str, app: str) -> str:
    return f"{app_path(org, app)}/codepush/deployments"


def _deployment_rows(found: list[dict[str, Any]]) -> Any:
    return table(
        ["name", "key", "channel"],
        [[d["name"], d["key"] or "(rotate)", d["channel"]] for d in found],
    )


def _release_line(release: dict[str, Any]) -> str:
    flags = [
        f"rollout {release['rollout']:g}%",
        "mandatory" if release["mandatory"] else "optional",
        *(["disabled"] if release["disabled"] else []),
    ]
    return (
        f"{release['label']}  {release['target_binary']}  {', '.join(flags)}  "
        f"hash {release['package_hash'][:12]}  (release {release['release_id']})"
    )


@deployment_app.command("list")
@handled
def deployment_list(
    org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List deployments with their keys."""
    with connect(profile) as client:
        found = client.get(_base(org, app))
    out(as_json).result(found, _deployment_rows(found))


@deployment_app.command("add")
@handled
def deployment_add(
    name: NameArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Add a deployment (a new channel with its own key)."""
    with connect(profile) as client:
        added = client.post(_base(org, app), {"name": name})
    out(as_json).result(added, f"Deployment {added['name']} added; key {added['key']}")


@deployment_app.command("rename")
@handled
def deployment_rename(
    name: NameArg,
    new_name: Annotated[str, typer.Argument(metavar="NEW_NAME", help="The new name.")],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rename a deployment (its key and channel stay)."""
    with connect(profile) as client:
        renamed = client.patch(f"{_base(org, app)}/{seg(name)}", {"name": new_name})
    out(as_json).result(renamed, f"Deployment {name} renamed to {renamed['name']}")


@deployment_app.command("rm")
@handled
def deployment_rm(
    name: NameArg,
    org: OrgOpt,
    app: AppOpt,
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a deployment: devices with its key get 404 from then on."""
    confirm(f"Remove deployment {name}? Devices using its key stop getting updates.", yes)
    with connect(profile) as client:
        client.delete(f"{_base(org, app)}/{seg(name)}")
    out(as_json).result({"removed": name}, f"Deployment {name} removed")


@deployment_app.command("key")
@handled
def deployment_key(
    name: NameArg,
    org: OrgOpt,
    app: AppOpt,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Replace the key; the old one stops working.")
    ] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a deployment's key, or with --rotate replace it (revoking the old one)."""
    with connect(profile) as client:
        if rotate:
            found = client.post(f"{_base(org, app)}/{seg(name)}/key", None)
        else:
            found = _one(client.get(_base(org, app)), name)
    out(as_json).result(found, str(found["key"]))


def _one(found: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for deployment in found:
        if deployment["name"].lower() == name.lower():
            return deployment
    raise UsageProblem("deployment_not_found", f"no deployment named {name!r}")


def zip_folder(folder: Path) -> bytes:
    """The folder zipped as the CodePush CLI zips it: paths start with the folder's name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            if not any(part in name for part in IGNORED):
                archive.write(path, name)
    return buffer.getvalue()


def _archive(source: Path) -> bytes:
    if source.is_dir():
        return zip_folder(source)
    if source.is_file() and zipfile.is_zipfile(source):
        return source.read_bytes()
    raise UsageProblem("invalid_bundle", f"{source}: not a folder or a .zip file")


@codepush_app.command("release")
@handled
def release(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER_OR_ZIP",
            help="The bundle folder (react-native bundle / expo export:embed output) or a zip.",
            show_default=False,
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    target_binary: Annotated[
        str,
        typer.Option(
            "--target-binary", "-t", help="npm semver range of binary versions, e.g. '^1.2.0'."
        ),
    ],
    deployment: DeploymentOpt = "Staging",
    mandatory: Annotated[bool, typer.Option("--mandatory", "-m", help="Mandatory update.")] = False,
    disabled: Annotated[
        bool, typer.Option("--disabled", help="Release it disabled (no device gets it).")
    ] = False,
    rollout: RolloutOpt = 100,
    description: Annotated[str, typer.Option("--description", "--des", help="Release notes.")] = "",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release a bundle folder as the deployment's next label."""
    options = {
        "target_binary": target_binary,
        "mandatory": mandatory,
        "disabled": disabled,
        "rollout": rollout,
        "description": description,
    }
    request = httpx.Request(
        "POST",
        "http://form",
        files={"archive": ("bundle.zip", _archive(source), "application/zip")},
        data={"manifest": json.dumps(options)},
    )
    body = request.read()
    headers = {"content-type": request.headers["content-type"]}
    path = f"{_base(org, app)}/{seg(deployment)}/releases"
    with connect(profile) as client:
        released = client.request("POST", path, content=body, headers=headers)
    out(as_json).result(released, f"Released {deployment} {_release_line(released)}")


@codepush_app.command("promote")
@handled
def promote(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="Deployment to promote from.")],
    target: Annotated[str, typer.Argument(metavar="TARGET", help="Deployment to promote to.")],
    org: OrgOpt,
    app: AppOpt,
    target_binary: Annotated[
        str | None,
        typer.Option("--target-binary", "-t", help="Override the range.", show_default=False),
    ] = None,
    mandatory: Annotated[
        bool | None,
        typer.Option("--mandatory/--optional", help="Override mandatory.", show_default=False),
    ] = None,
    rollout: RolloutOpt = 100,
    description: Annotated[
        str | None, typer.Option("--description", help="Override the notes.", show_default=False)
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release SOURCE's latest release to TARGET as a new label."""
    body: dict[str, Any] = {"rollout": rollout}
    for key, value in (
        ("target_binary", target_binary),
        ("mandatory", mandatory),
        ("description", description),
    ):
        if value is not None:
            body[key] = value
    with connect(profile) as client:
        promoted = client.post(f"{_base(org, app)}/{seg(source)}/promote/{seg(target)}", body)
    out(as_json).result(promoted, f"Promoted to {target} {_release_line(promoted)}")


@codepush_app.command("rollback")
@handled
def rollback(
    deployment: NameArg,
    org: OrgOpt,
    app: AppOpt,
    target_release: Annotated[
        str | None,
        typer.Option(
            "--target-release",
            "-r",
            help="Label to roll back to (default: the previous one).",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Serve an earlier release again to every device, as a new label."""
    with connect(profile) as client:
        rolled = client.post(
            f"{_base(org, app)}/{seg(deployment)}/rollback", {"label": target_release}
        )
    out(as_json).result(rolled, f"Rolled back {deployment}: {_release_line(rolled)}")


@codepush_app.command("history")
@handled
def history(
    deployment: NameArg,
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A deployment's releases with labels, oldest first, and their report counts."""
    with connect(profile) as client:
        found = client.get(f"{_base(org, app)}/{seg(deployment)}/history")
        metrics = client.get(f"{_base(org, app)}/{seg(deployment)}/metrics")["metrics"]
    rows = []
    for r in found:
        m = metrics.get(r["label"], {})
        rows.append(
            [
                r["label"],
                r["target_binary"],
                f"{r['rollout']:g}%",
                "yes" if r["mandatory"] else "",
                "yes" if r["disabled"] else "",
                m.get("active", 0),
                m.get("downloaded", 0),
                m.get("installed", 0),
                m.get("failed", 0),
                r["description"],
            ]
        )
    columns = [
        "label",
        "binary",
        "rollout",
        "mandatory",
        "disabled",
        "active",
        "downloaded",
        "installed",
        "failed",
        "description",
    ]
    out(as_json).result({"history": found, "metrics": metrics}, table(columns, rows))


def register(app: typer.Typer) -> None:
    app.add_typer(codepush_app, name="codepush")
