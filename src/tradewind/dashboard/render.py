"""Jinja2 rendering: the environment, display filters and the page response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tradewind.access.roles import Role
from tradewind.dashboard.events import describe
from tradewind.dashboard.forms import sentence
from tradewind.dashboard.security import FLASH_COOKIE, clear_cookie, read_flash
from tradewind.settings import Settings
from tradewind.targeting.bucket import format_bp

PREFIX = "/dashboard"
STATIC_DIR = Path(__file__).parent / "static"


def url(path: str = "/") -> str:
    """A dashboard URL from a path relative to the dashboard root."""
    return PREFIX + (path if path.startswith("/") else "/" + path)


@cache
def static_url(name: str) -> str:
    """A static file's URL with a content hash, so browsers may cache it forever."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"{PREFIX}/static/{name}?v={digest}"


def age(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"  # unreachable: seconds >= 60 always matches a unit


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def timestamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def percent(basis_points: int) -> str:
    text = format_bp(basis_points)
    return text.replace(".00%", "%")


def condition_text(condition: Any) -> str:
    """A condition (stored JSON or a wire model) in words."""
    if not isinstance(condition, Mapping):
        condition = {k: getattr(condition, k) for k in ("dimension", "op", "values")}
    name, op, values = condition["dimension"], condition["op"], list(condition["values"])
    if op == "eq":
        return f"{name} = {values[0]}"
    if op == "semver":
        return f"{name} in {values[0]}"
    return f"{name} ∈ {{{', '.join(values)}}}"


def target_text(conditions: Sequence[Any] | None) -> str:
    if not conditions:
        return "everyone"
    return " and ".join(condition_text(c) for c in conditions)


def can(role: str | None, needed: str) -> bool:
    """Whether `role` is at least `needed` (templates hide what the viewer cannot use)."""
    return role is not None and Role(role).at_least(Role(needed))


def pair(value: Any) -> tuple[Any, Any]:
    """`x` -> `(x, x)`: a select option whose value is its text."""
    return (value, value)


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tradewind.dashboard", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(url=url, static=static_url, can=can)
    env.filters.update(
        age=age,
        size=human_size,
        timestamp=timestamp,
        percent=percent,
        target=target_text,
        condition=condition_text,
        pretty_json=pretty_json,
        pair=pair,
        describe=describe,
        sentence=sentence,
    )
    return env


ENV = _environment()


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    settings: Settings = request.app.state.ctx.settings
    raw_flash = request.cookies.get(FLASH_COOKIE)
    values: dict[str, Any] = {
        "request": request,
        "viewer": getattr(request.state, "viewer", None),
        "csrf": getattr(request.state, "csrf", ""),
        "flash": read_flash(settings, raw_flash) if raw_flash else None,
        "htmx": is_htmx(request),
    }
    values.update(context or {})
    html = ENV.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    if raw_flash and not is_htmx(request):
        clear_cookie(response, settings, FLASH_COOKIE)
    return response
