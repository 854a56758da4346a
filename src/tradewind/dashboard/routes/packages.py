"""Packages: list, detail (files, sizes, checksums) and bundle upload from the browser."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from tradewind.access.principal import Principal
from tradewind.access.roles import Role
from tradewind.bundles import service as bundles
from tradewind.bundles.multipart import MAX_MANIFEST_BYTES, archive_too_large
from tradewind.dashboard.forms import FORM, form_errors, parse_json_object, recoverable, sentence
from tradewind.dashboard.render import is_htmx, render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import app_access, app_context, on_app, redirect
from tradewind.errors import BadRequest, TradewindError, ValidationFailed
from tradewind.files.receive import temp_directory
from tradewind.packages import service as packages

router = APIRouter(prefix="/orgs/{org}/apps/{app}/packages")
PAGE = 50
FORM_OVERHEAD = MAX_MANIFEST_BYTES + 64 * 1024
TEXT_FIELDS = ("index", "important", "lazy", "properties", "notes")
UPLOAD_FIELDS = {
    "index_not_in_archive": "index",
    "important_lazy_overlap": "important",
    "unassigned_file": "important",
    "properties_too_large": "properties",
}
DEFAULTS = {"index": "index.android.bundle", "properties": "{}"}


@router.get("", dependencies=app_role(Role.READ))
async def list_packages(request: Request, org: str, app: str, offset: int = 0) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        offset = max(offset, 0)
        rows = await packages.list_packages(session, found, PAGE, offset)
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "packages",
            "packages": rows,
            "live": await packages.live_releases(session, found),
            "next_offset": offset + PAGE if len(rows) == PAGE else None,
        }
        return render(request, "packages/list.html", context)


@router.get("/upload", dependencies=app_role(Role.WRITE))
async def upload_form(request: Request, org: str, app: str) -> Response:
    return await _upload_page(request, org, app, dict(DEFAULTS), {})


@router.get("/{version}", dependencies=app_role(Role.READ))
async def show_package(request: Request, org: str, app: str, version: int) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        view = await packages.get_package(session, found, version)
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "packages",
            "package": view.package,
            "files": view.members,
            "created_by": view.created_by,
            "total_size": sum(file.size for file, _ in view.members),
            "live_releases": (await packages.live_releases(session, found)).get(view.package.id),
        }
        return render(request, "packages/detail.html", context)


async def _upload_page(
    request: Request, org: str, app: str, values: dict[str, str], errors: dict[str, str]
) -> Response:
    async with on_app(request, org, app, read_body=False) as (_, _, found):
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "packages",
            "values": values,
            "errors": errors,
            "max_size": app_context(request).settings.max_archive_total_size,
        }
        template = "packages/_upload_form.html" if is_htmx(request) else "packages/upload.html"
        return render(request, template, context, status=422 if errors else 200)


def _globs(text: str) -> list[str] | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines or None


def manifest_of(values: dict[str, str]) -> bytes:
    """The bundle manifest (the CLI's format) from the form's fields."""
    manifest: dict[str, Any] = {
        "index": values.get("index", "").strip(),
        "important": _globs(values.get("important", "")),
        "lazy": _globs(values.get("lazy", "")),
        "properties": parse_json_object(values.get("properties", ""), "properties"),
        "notes": values.get("notes", ""),
    }
    if not manifest["index"]:
        raise ValidationFailed(
            "enter the index file",
            details={"fields": {"index": "Enter the path of the index file."}},
        )
    return json.dumps(manifest).encode()


def upload_errors(exc: TradewindError) -> dict[str, str]:
    problems = exc.details.get("errors")
    if exc.code == "invalid_manifest" and isinstance(problems, list) and problems:
        first = problems[0]
        field = str(first["loc"][0]) if first.get("loc") else FORM
        field = field if field in TEXT_FIELDS else FORM
        return {field: sentence(f"{exc.message}: {first['message']}")}
    errors = form_errors(exc, UPLOAD_FIELDS)
    if FORM in errors and exc.code not in ("validation_failed",):
        errors = {"archive": errors[FORM]}  # archive problems: format, size, entries, paths
    return errors


async def _save(upload: UploadFile, target: Path) -> None:
    def copy() -> None:
        with target.open("xb") as out:
            shutil.copyfileobj(upload.file, out, 1024 * 1024)

    await asyncio.to_thread(copy)


@router.post("/upload", dependencies=app_role(Role.WRITE))
async def upload_bundle(request: Request, org: str, app: str) -> Response:
    """Check who asks before reading the body; then store the files and create the package
    in one unit of work, as the API's bundle upload does."""
    ctx = app_context(request)
    async with on_app(request, org, app, read_body=False) as (_, viewer, _):
        principal = viewer.principal
    values: dict[str, str] = {}
    try:
        upload, values = await _read_upload(request, ctx.settings.max_archive_total_size)
        if upload is None:
            raise ValidationFailed(
                "choose an archive",
                details={"fields": {"archive": "Choose a .zip or .tar.gz file."}},
            )
        version = await _store(request, principal, org, app, upload, values)
    except TradewindError as exc:
        if not recoverable(exc):
            raise
        return await _upload_page(request, org, app, values, upload_errors(exc))
    return redirect(
        request, f"/orgs/{org}/apps/{app}/packages/{version}", flash=f"Package {version} created."
    )


async def _read_upload(request: Request, limit: int) -> tuple[UploadFile | None, dict[str, str]]:
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise BadRequest("the upload has no Content-Length", code="length_required")
    if int(length) > limit + FORM_OVERHEAD:
        raise archive_too_large(limit)
    form = await request.form(max_files=1, max_fields=20, max_part_size=MAX_MANIFEST_BYTES)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k in TEXT_FIELDS}
    upload = form.get("archive")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, values
    return upload, values


async def _store(
    request: Request,
    principal: Principal,
    org: str,
    app: str,
    upload: UploadFile,
    values: dict[str, str],
) -> int:
    ctx = app_context(request)
    manifest = manifest_of(values)
    with ctx.uploads.uploading(), temp_directory(ctx.settings.data_dir, "bundle") as tmp:
        archive = tmp / "archive"
        await _save(upload, archive)
        extracted = tmp / "files"
        extracted.mkdir()
        async with ctx.db.unit_of_work() as session:
            found = await app_access(request, session, principal, org, app)
            view, _ = await bundles.upload_bundle(
                session,
                ctx.db,
                ctx.blob_store,
                ctx.settings,
                principal,
                found,
                archive,
                manifest,
                extracted,
            )
            return view.package.version
