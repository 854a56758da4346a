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
from tradewind.cli.output import Output
from tradewind.cli.push import human_size, push


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
        str,
        typer.Option(
            help="Path of the entry point inside DIR, e.g. index.android.bundle.",
            show_default=False,
        ),
    ],
    important: Annotated[
        list[str] | None,
        typer.Option(
            help="Glob of files needed before boot (repeat). Without it, every file that is not "
            "--lazy is important; with it, files matching neither list are left out.",
            show_default=False,
        ),
    ] = None,
    lazy: Annotated[
        list[str] | None,
        typer.Option(
            help="Glob of files downloaded after boot (repeat), e.g. 'assets/**'.",
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
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload a bundle directory and create the next package version from it.

    Files are hashed locally and only those the server lacks are uploaded (streamed, checked by
    SHA-256), so re-running an interrupted push skips what already arrived. Globs: a pattern
    without '/' matches file names at any depth ('*.png'); with '/', the path from DIR, where
    '**' spans directories ('assets/**').
    """
    properties = targets.json_object(properties_file, "--properties") if properties_file else {}
    layout = bundle.classify(bundle.scan(directory), index, important or [], lazy or [])
    output = out(as_json)
    if layout.left_out:
        output.warn(
            f"{len(layout.left_out)} files match neither --important nor --lazy and are left "
            f"out: {', '.join(layout.left_out[:5])}{' …' if len(layout.left_out) > 5 else ''}"
        )
    use_bar = sys.stdout.isatty() and not as_json
    progress = BarProgress(output) if use_bar else PlainProgress(output)
    with connect(profile) as client, progress:
        result = push(client, org, app, layout, properties, notes, progress)
    output.result(
        result.as_json(),
        f"Created package {result.package['version']} of {org}/{app}: index "
        f"{layout.index.path}, {len(layout.important)} important, {len(layout.lazy)} lazy files "
        f"({human_size(result.size)}; uploaded {len(result.uploaded)}, "
        f"skipped {result.files - len(result.uploaded)}).",
    )


def register(app: typer.Typer) -> None:
    app.command("push", rich_help_panel="Publish")(push_command)
