"""`release guard` and `app guard`: the rollout guard of a release, or an application's default."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from rich.console import RenderableType

from tradewind.cli.client import ApiClient, app_path, seg
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.commands.orgs import app_app
from tradewind.cli.commands.releases import IdArg, release_app
from tradewind.cli.errors import UsageProblem
from tradewind.cli.output import fields
from tradewind.cli.views import percent

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)([smhd]?)")

MinSampleOpt = Annotated[
    int | None,
    typer.Option(
        min=1, help="Trials (installs + failures) before the guard acts [100].", show_default=False
    ),
]
MaxRateOpt = Annotated[
    float | None,
    typer.Option(
        min=0,
        max=1,
        help="Pause when the failure rate's 95% lower bound exceeds this, 0–1 [0.05].",
        show_default=False,
    ),
]
MaxExcessOpt = Annotated[
    str | None,
    typer.Option(
        help="Pause when the lower bound exceeds the baseline release's rate by more than "
        "this, 0–1, or 'off' [0.02].",
        show_default=False,
    ),
]
RampOpt = Annotated[
    str | None,
    typer.Option(
        help="Scheduled ramp: percentages, e.g. 1,10,50,100 (needs --every).",
        show_default=False,
    ),
]
EveryOpt = Annotated[
    str | None,
    typer.Option(help="Time between ramp steps: 90m, 6h, 1d or seconds.", show_default=False),
]
ClearOpt = Annotated[bool, typer.Option("--clear", help="Remove the guard.")]


def _duration(text: str) -> int:
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise UsageProblem("invalid_duration", f"--every: '{text}' is not like 90m, 6h or 1d")
    return int(match[1]) * _UNITS[match[2] or "s"]


def _steps(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageProblem("invalid_ramp", f"--ramp: '{text}' is not like 1,10,50,100") from None


def _excess(text: str) -> float | None:
    if text.strip().lower() in ("off", "none"):
        return None
    try:
        return float(text)
    except ValueError:
        raise UsageProblem("invalid_excess", f"--max-excess: '{text}' is not a number") from None


def _body(
    min_sample: int | None,
    max_failure_rate: float | None,
    max_excess: str | None,
    ramp: str | None,
    every: str | None,
) -> dict[str, Any] | None:
    """The guard to PUT, or None when no setting was given (show the guard)."""
    given = (min_sample, max_failure_rate, max_excess, ramp, every)
    if all(value is None for value in given):
        return None
    body: dict[str, Any] = {}
    if min_sample is not None:
        body["min_sample"] = min_sample
    if max_failure_rate is not None:
        body["max_failure_rate"] = max_failure_rate
    if max_excess is not None:
        body["max_excess"] = _excess(max_excess)
    if ramp is not None:
        body["ramp_steps"] = _steps(ramp)
    if every is not None:
        body["ramp_interval_seconds"] = _duration(every)
    return body


def _apply(client: ApiClient, path: str, body: dict[str, Any] | None, clear: bool) -> None:
    if clear and body is not None:
        raise UsageProblem("conflicting_options", "--clear cannot be combined with settings")
    if clear:
        client.delete(path)
    elif body is not None:
        client.put(path, body)


def _rate(value: float) -> str:
    return f"{value * 100:.3g}%"


def _every(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def guard_fields(guard: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if guard is None:
        return [("guard", "none")]
    steps = guard.get("ramp_steps")
    ramp = None
    if steps:
        ramp = (
            " → ".join(f"{s}%" for s in steps) + f" every {_every(guard['ramp_interval_seconds'])}"
        )
    excess = guard.get("max_excess")
    return [
        ("min sample", guard["min_sample"]),
        ("max failure rate", _rate(guard["max_failure_rate"])),
        ("max excess", _rate(excess) + " over baseline" if excess is not None else "off"),
        ("scheduled ramp", ramp),
    ]


def trip_line(trip: dict[str, Any]) -> str:
    f = trip["figures"]
    line = (
        f"PAUSED BY GUARD at {trip['tripped_at']} ({trip['reason']}): {f['failures']} failures "
        f"in {f['trials']} trials = {_rate(f['rate'])}, 95% interval "
        f"{_rate(f['wilson_low'])}–{_rate(f['wilson_high'])}"
    )
    if f.get("baseline_rate") is not None:
        line += f"; baseline release {f['baseline_release_id']}: {_rate(f['baseline_rate'])}"
    return line


def release_guard_view(result: dict[str, Any]) -> list[RenderableType]:
    pairs: list[tuple[str, Any]] = [
        ("release", result["release_id"]),
        (
            "guard from",
            {"release": "the release", "app": "the application default"}.get(
                result["source"], "none"
            ),
        ),
        *guard_fields(result["guard"])[0 if result["guard"] else 1 :],
        ("next ramp step", percent(result["next_ramp_step"]) if result["next_ramp_step"] else None),
    ]
    views: list[RenderableType] = [fields(pairs)]
    if result.get("last_trip"):
        views.append(trip_line(result["last_trip"]))
    return views


@release_app.command("guard")
@handled
def release_guard(
    release_id: IdArg,
    org: OrgOpt,
    app: AppOpt,
    min_sample: MinSampleOpt = None,
    max_failure_rate: MaxRateOpt = None,
    max_excess: MaxExcessOpt = None,
    ramp: RampOpt = None,
    every: EveryOpt = None,
    clear: ClearOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or set a release's rollout guard: it pauses the release by itself when its
    failure rate is too high, and can ramp it on a schedule while healthy.

    Without options: show the guard in force and its last automatic pause. With settings: set
    the release's own guard (unset settings take their defaults). --clear: remove it (the
    application default applies again).
    """
    path = f"{app_path(org, app)}/releases/{seg(release_id)}/guard"
    body = _body(min_sample, max_failure_rate, max_excess, ramp, every)
    result = _set_and_show(profile, path, body, clear)
    out(as_json).result(result, *release_guard_view(result))


@app_app.command("guard")
@handled
def app_guard(
    org: OrgOpt,
    app: AppOpt,
    min_sample: MinSampleOpt = None,
    max_failure_rate: MaxRateOpt = None,
    max_excess: MaxExcessOpt = None,
    ramp: RampOpt = None,
    every: EveryOpt = None,
    clear: ClearOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or set the application's default rollout guard, used by every release that has
    no guard of its own. --clear removes it."""
    path = f"{app_path(org, app)}/guard"
    body = _body(min_sample, max_failure_rate, max_excess, ramp, every)
    result = _set_and_show(profile, path, body, clear)
    out(as_json).result(result, fields(guard_fields(result["guard"])))


def _set_and_show(
    profile: str | None, path: str, body: dict[str, Any] | None, clear: bool
) -> dict[str, Any]:
    """Apply the change asked for (if any), then read the guard back."""
    with connect(profile) as client:
        _apply(client, path, body, clear)
        result: dict[str, Any] = client.get(path)
    return result


def register(app: typer.Typer) -> None:
    """The commands hang on `release` and `app`, which their own modules register."""
