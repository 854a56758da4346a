"""Form handling: read submitted values, validate them with the API's own schemas, and turn
errors (pydantic's or a service's) into messages shown next to the right field."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from tradewind.dashboard.security import CSRF_FIELD
from tradewind.errors import TradewindError, ValidationFailed
from tradewind.names import SLUG_HELP, SLUG_PATTERN

M = TypeVar("M", bound=BaseModel)
FORM = "_form"  # the key of errors that belong to no single field
# Errors a user can fix by editing the form; others (403, 404, 401) become error pages.
RECOVERABLE_STATUSES = frozenset({400, 409, 413, 422})


async def read_form(request: Request) -> dict[str, str]:
    """The submitted text fields (files and the CSRF token left out)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def _message(error: Mapping[str, Any]) -> str:
    pattern = (error.get("ctx") or {}).get("pattern")
    if error.get("type") == "string_pattern_mismatch" and pattern == SLUG_PATTERN:
        return f"Use {SLUG_HELP}."
    if error.get("type") == "string_pattern_mismatch":
        return "Control characters (such as new lines) are not allowed here."
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate with `model`, raising ValidationFailed with per-field messages."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            loc = error.get("loc") or (FORM,)
            fields.setdefault(".".join(str(part) for part in loc), _message(error))
        raise ValidationFailed(
            "please correct the highlighted fields", details={"fields": fields}
        ) from exc


def parse_json_object(text: str, field: str) -> dict[str, Any]:
    """A JSON object typed into a textarea; empty means {}."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise invalid(field, f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
    if not isinstance(value, dict):
        raise invalid(field, 'Must be a JSON object, e.g. {"flag": true}.')
    return value


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code="validation_failed", details={"fields": {field: message}})


def recoverable(exc: TradewindError) -> bool:
    return exc.status in RECOVERABLE_STATUSES


def form_errors(
    exc: TradewindError, fields_by_code: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Messages keyed by field name (or FORM), from any TradewindError."""
    fields = exc.details.get("fields")
    if isinstance(fields, dict) and fields:
        return {str(k): str(v) for k, v in fields.items()}
    field = (fields_by_code or {}).get(exc.code, FORM)
    return {field: sentence(exc.message)}


def sentence(message: str) -> str:
    """A service message as a sentence; a leading email or name keeps its case."""
    first = message.split(" ", 1)[0]
    if message and "@" not in first and "'" not in first:
        message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


Act = Callable[[dict[str, str]], Awaitable[Response]]
Again = Callable[[dict[str, str], dict[str, str], int], Awaitable[Response]]


async def form_action(
    request: Request,
    act: Act,
    again: Again,
    *,
    fields: Mapping[str, str] | None = None,
    status: int | None = 422,
) -> Response:
    """Every dashboard form: read the submitted form and `act` on it (sign-in and role in its
    unit of work, parse, service, then the response, usually a redirect with a flash). On an
    error the user can fix, show the form `again` with the values, the messages next to their
    fields (`fields` maps error codes to field names) and `status` (None: the error's own);
    other errors become error pages."""
    form = await read_form(request)
    try:
        return await act(form)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await again(form, form_errors(exc, fields), status or exc.status)
