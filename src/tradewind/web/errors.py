"""The one place errors become HTTP responses, in the envelope of `tradewind.error_codes`."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import compile_path

from tradewind.db_faults import Availability, is_unavailable
from tradewind.error_codes import envelope, envelope_bytes
from tradewind.errors import TradewindError

log = logging.getLogger("tradewind.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    """The error envelope of every non-2xx answer."""

    error: ErrorBody


def error_payload(code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    return envelope_bytes(code, message, details)


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    return JSONResponse(envelope(code, message, details), status_code=status)


async def _tradewind_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TradewindError)
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if exc.status in (429, 503) and "retry_after_seconds" in exc.details:
        response.headers["Retry-After"] = str(exc.details["retry_after_seconds"])
    return response


def _clean(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "message": e.get("msg")}
        for e in errors
    ]


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    return error_response(
        422, "validation_failed", "the request is invalid", {"errors": _clean(errors)}
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method_table(app: FastAPI) -> list[tuple[re.Pattern[str], set[str]]]:
    """Path patterns and their methods, from the routes themselves (built once): their
    patterns carry the convertors (`{release_id:int}` does not match `explain`)."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allow", None)
    if table is None:
        table = []
        for route in iter_route_contexts(app.routes):
            original = route.original_route
            if isinstance(original, APIRoute) and original.include_in_schema and route.path:
                methods = set(route.methods or ())
                methods |= {"HEAD"} if "GET" in methods else set()
                table.append((compile_path(route.path)[0], methods))
        app.state.allow = table
    return table


def _allowed_methods(request: Request) -> str:
    """Every method the path takes (Starlette's own 405 names only the first route's)."""
    methods: set[str] = set()
    for pattern, allowed in _method_table(request.app):
        if pattern.match(request.url.path):
            methods |= allowed
    return ", ".join(sorted(methods))


async def _unavailable_or_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A database outage outside a unit of work (pool or connect timeout) is a 503 too."""
    if is_unavailable(exc):
        availability: Availability = request.app.state.ctx.db.availability
        return await _tradewind_error(request, availability.failed(exc))
    return await _unexpected_error(request, exc)


def _is_foreign_key_violation(exc: DBAPIError) -> bool:
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    return sqlstate == "23503" or "FOREIGN KEY constraint failed" in str(exc.orig)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if is_unavailable(exc):
        return await _unavailable_or_unexpected(request, exc)
    if isinstance(exc, IntegrityError) and _is_foreign_key_violation(exc):
        # An object this request refers to was deleted by a concurrent request (e.g. its
        # organisation); the unit of work rolled back, nothing was written.
        log.info("concurrent deletion on %s %s", request.method, request.url.path)
        return error_response(
            409, "concurrent_change", "a related object was deleted meanwhile; reload and retry"
        )
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    if not sqlstate.startswith("22"):  # not a "data exception": a real server fault
        return await _unexpected_error(request, exc)
    # The database refused a value the schemas let through (e.g. NUL in text on PostgreSQL);
    # the unit of work has already rolled back, so nothing was written.
    log.info("database refused a value (SQLSTATE %s)", sqlstate)
    return error_response(400, "invalid_data", "the request contains a value that cannot be stored")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "internal server error")


async def _client_gone(request: Request, _: Exception) -> Response:
    """The client vanished mid-body: nobody reads an answer. Temporary files are removed by
    the handlers' cleanup as the exception unwinds; no traceback for an ordinary event."""
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(TradewindError, _tradewind_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    for error in (SQLAlchemyTimeout, OSError, TimeoutError):
        app.add_exception_handler(error, _unavailable_or_unexpected)
    app.add_exception_handler(Exception, _unexpected_error)


# Declared on every route so the OpenAPI document lists the error envelope.
def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}
