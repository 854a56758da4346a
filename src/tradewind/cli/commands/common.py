"""Pieces every client command shares: option types, error handling, connecting."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer

from tradewind.cli import config
from tradewind.cli.client import ApiClient
from tradewind.cli.errors import CliError, UsageProblem
from tradewind.cli.output import Output, report_error

P = ParamSpec("P")
R = TypeVar("R")

JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print the result as JSON on stdout (errors as JSON on stderr)."),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help="Login profile to use (default: $TRADEWIND_PROFILE, else the default profile).",
        show_default=False,
    ),
]
OrgOpt = Annotated[
    str,
    typer.Option(
        "--org", "-o", envvar="TRADEWIND_ORG", help="Organisation name.", show_default=False
    ),
]
AppOpt = Annotated[
    str,
    typer.Option(
        "--app", "-a", envvar="TRADEWIND_APP", help="Application name.", show_default=False
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a command's CliError into its message on stderr and its documented exit code.

    Commands name their `--json` parameter `as_json` so the error can be rendered to match.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CliError as exc:
            report_error(exc, bool(kwargs.get("as_json", False)))
            raise typer.Exit(exc.exit_code) from None

    run.__doc__ = unwrap_doc(command.__doc__)
    return run


def unwrap_doc(doc: str | None) -> str:
    """Docstring paragraphs as single lines, so help text reflows to the terminal's width."""
    paragraphs = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def connect(profile: str | None) -> ApiClient:
    """An API client for the chosen profile (environment overrides applied); must be signed in."""
    credentials = config.credentials(profile)
    if not credentials.token:
        raise UsageProblem(
            "not_logged_in",
            f"profile '{credentials.profile}' has no credentials: run `tradewind login`"
            f" or set {config.ENV_TOKEN}",
        )
    return ApiClient(credentials.server, credentials.token)


def confirm(question: str, yes: bool) -> None:
    """Ask before a destructive action unless --yes; refuse to guess when nobody can answer."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageProblem(
            "confirmation_required", f"{question} Pass --yes to confirm non-interactively."
        )
    if not typer.confirm(question, default=False):
        raise UsageProblem("aborted", "nothing was changed")


def out(as_json: bool) -> Output:
    return Output(as_json)
