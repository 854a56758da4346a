"""`push`: upload a bundle directory and create a package from it."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichProgress

from tradewind.cli import bundle, targets
from tradewind.cli.bundle import LocalFile
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.errors import UsageProblem
from tradewind.cli.expo_push import ExpoOptions, push_expo
from tradewind.cli.output import Output
from tradewind.cli.push import (
    DEFAULT_BATCH_MIB,
    DEFAULT_PARALLEL,
    MIB,
    PushOptions,
    human_size,
    push,
)
from tradewind.cli.signer import load_signing_key


class PlainProgress:
    """One line per uploaded file and per finished stage: for logs and pipes."""

    def __init__(self, output: Output) -> None:
        self.output = output

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def stage(self, name: str, files: int, size: int) -> None:
        if name == "uploading":
            self.output.note(f"uploading {files} files ({human_size(size)})")

    def advance(self, size: int) -> None:
        return None

    def file_done(self, stage: str, file: LocalFile) -> None:
        if stage == "uploading":
            self.output.note(f"uploaded {file.path} ({human_size(file.size)})")

    def stage_done(self, name: str, message: str) -> None:
        self.output.note(message)


class BarProgress:
    """A rich progress bar with bytes, rate and time left, for terminals."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.bar = RichProgress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=output.out,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> BarProgress:
        self.bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.bar.stop()

    def stage(self, name: str, files: int, size: int) -> None:
        self.task = self.bar.add_task(name, total=size)

    def advance(self, size: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, size)

    def file_done(self, stage: str, file: LocalFile) -> None:
        return None

    def stage_done(self, name: str, message: str) -> None:
        self.bar.console.print(message, highlight=False)


@handled
def push_command(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            exists=True,
            file_okay=False,
            help="The bundle directory (e.g. the bundler's output).",
            show_default=False,
        ),
    ],
    org: OrgOpt,
    app: AppOpt,
    index: Annotated[
        str | None,
        typer.Option(
            help="Path of the entry point inside DIR, e.g. index.android.bundle "
            "(required without --expo).",
            show_default=False,
        ),
    ] = None,
    important: Annotated[
        list[str] | None,
        typer.Option(
            help="Glob of files needed before boot (repeat). Without --important and --lazy, "
            "every file but the index is important; with only --important, the rest is lazy; "
            "with both, every file must match one. A glob matching no file is an error.",
            show_default=False,
        ),
    ] = None,
    lazy: Annotated[
        list[str] | None,
        typer.Option(
            help="Glob of files downloaded after boot (repeat), e.g. 'assets/**'; with only "
            "--lazy, the rest is important.",
            show_default=False,
        ),
    ] = None,
    properties_file: Annotated[
        Path | None,
        typer.Option(
            "--properties",
            dir_okay=False,
            help="JSON file: the package properties object.",
            show_default=False,
        ),
    ] = None,
    notes: Annotated[str, typer.Option(help="Package notes.")] = "",
    sign: Annotated[
        Path | None,
        typer.Option(
            "--sign",
            metavar="KEYFILE",
            dir_okay=False,
            help="PEM private key (EC P-256 or RSA) registered as an upload key: sign the "
            "package locally (required when the application demands signed uploads).",
            show_default=False,
        ),
    ] = None,
    parallel: Annotated[
        int, typer.Option(min=1, max=32, help="Upload requests in flight at once.")
    ] = DEFAULT_PARALLEL,
    batch_mib: Annotated[
        int,
        typer.Option(
            min=0,
            max=1024,
            help="Files that fit are sent up to this many MiB at a time, as one archive per "
            "request; larger files, and every file with 0, are sent one per request (an "
            "interrupted push then resumes file by file).",
        ),
    ] = DEFAULT_BATCH_MIB,
    expo: Annotated[
        bool,
        typer.Option(
            "--expo",
            help="DIR is an `npx expo export` output: publish one Expo update per platform "
            "from its metadata.json (see docs/expo.md).",
        ),
    ] = False,
    runtime_version: Annotated[
        str | None,
        typer.Option(
            help="--expo: the runtime version; default: from the app config (a string or the "
            "appVersion policy).",
            show_default=False,
        ),
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option(help="--expo: android or ios (repeat); default: every exported platform."),
    ] = None,
    expo_config: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="--expo: the app config JSON (`npx expo config --json`); default: "
            "DIR/expoConfig.json when present.",
            show_default=False,
        ),
    ] = None,
    channel: Annotated[str, typer.Option(help="--expo: the channel to release to.")] = "production",
    rollout: Annotated[
        float,
        typer.Option(
            min=0.01, max=100, help="--expo: percentage of the channel's devices; 100 concludes."
        ),
    ] = 100.0,
    no_release: Annotated[
        bool, typer.Option("--no-release", help="--expo: create the packages only.")
    ] = False,
    new_version: Annotated[
        bool,
        typer.Option(
            "--new-version",
            help="Create a new package version even when one with exactly these files and "
            "properties exists (by default that package is answered: pushing a build twice is "
            "harmless).",
        ),
    ] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload a bundle directory and create the next package version from it.

    Files are hashed locally and only those the server lacks are uploaded (small files several
    per request as one archive, larger ones streamed alone; each checked by SHA-256), so
    re-running an interrupted push skips what already arrived. Globs: a pattern
    without '/' matches file names at any depth ('*.png'); with '/', the path from DIR, where
    '**' spans directories ('assets/**').
    """
    if expo:
        options = ExpoOptions(
            runtime_version,
            platform or [],
            expo_config,
            channel,
            rollout,
            not no_release,
            notes,
            parallel,
        )
        return _push_expo(directory, org, app, options, profile, as_json)
    if index is None:
        raise UsageProblem("missing_index", "--index is required (or use --expo)")
    properties = targets.json_object(properties_file, "--properties") if properties_file else {}
    signer = load_signing_key(sign) if sign is not None else None
    layout = bundle.classify(bundle.scan(directory), index, important or [], lazy or [])
    output = out(as_json)
    use_bar = sys.stdout.isatty() and not as_json
    progress = BarProgress(output) if use_bar else PlainProgress(output)
    with connect(profile) as client, progress:
        how = PushOptions(signer, parallel, not new_version, batch_mib * MIB)
        result = push(client, org, app, layout, properties, notes, progress, how)
    verb = "Reused identical package" if result.package.get("reused") else "Created package"
    output.result(
        result.as_json(),
        f"{verb} {result.package['version']} of {org}/{app}: index "
        f"{layout.index.path}, {len(layout.important)} important, {len(layout.lazy)} lazy files "
        f"({human_size(result.size)}; uploaded {len(result.uploaded)}, "
        f"skipped {result.files - len(result.uploaded)}).",
    )


def _push_expo(
    directory: Path, org: str, app: str, options: ExpoOptions, profile: str | None, as_json: bool
) -> None:
    output = out(as_json)
    progress = PlainProgress(output)
    with connect(profile) as client:
        result = push_expo(client, org, app, directory, options, progress)
    lines = [
        f"{p['platform']}: package {p['package_version']} (runtime {p['runtime_version']})"
        + (
            f", release {p['release_id']} {p['release_status']}, update {p['update_id']}"
            if p["release_id"] is not None
            else ""
        )
        for p in result["packages"]
    ]
    output.result(result, f"Published the Expo export of {org}/{app}:\n" + "\n".join(lines))


def register(app: typer.Typer) -> None:
    app.command("push", rich_help_panel="Publish")(push_command)
