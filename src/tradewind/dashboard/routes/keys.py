"""The Keys tab of an application: signing keys (create, import, default, disable, public
key / certificate download) and upload integrity (upload keys, the signed-upload policy)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from tradewind.access.roles import Role
from tradewind.dashboard.forms import form_action, parse
from tradewind.dashboard.render import render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app, redirect
from tradewind.errors import NotFound
from tradewind.keys import admin, service, uploads
from tradewind.keys.schemas import SigningKeyCreate, UploadKeyCreate

router = APIRouter(prefix="/orgs/{org}/apps/{app}/keys")
PEM_TYPE = "application/x-pem-file"
FIELD_OF_CODE = {
    "invalid_key_pem": "private_pem",
    "unsupported_key": "private_pem",
    "algorithm_mismatch": "private_pem",
    "key_id_taken": "key_id",
    "invalid_key_id": "key_id",
}
UPLOAD_KEY_FIELDS = {"invalid_key_pem": "public_pem", "key_id_taken": "upload_key_id"}


async def _page(
    request: Request,
    org: str,
    app: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        context = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "keys",
            "keys": await service.list_signing_keys(session, found.app.id),
            "upload_keys": await uploads.list_upload_keys(session, found.app.id),
            "signature_required": await uploads.signature_required(session, found.app.id),
            "values": values or {},
            "errors": errors or {},
        }
        return render(request, "apps/keys.html", context, status=status)


def _back(request: Request, org: str, app: str, flash: str) -> Response:
    return redirect(request, f"/orgs/{org}/apps/{app}/keys", flash=flash)


@router.get("", dependencies=app_role(Role.READ))
async def keys_page(request: Request, org: str, app: str) -> Response:
    return await _page(request, org, app)


@router.post("/create", dependencies=app_role(Role.ADMIN))
async def create_key(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        data = {
            "algorithm": form.get("algorithm") or None,
            "key_id": form.get("key_id", "").strip() or None,
            "private_pem": form.get("private_pem", "").strip() or None,
        }
        if data["private_pem"]:
            data["algorithm"] = None  # an import: the key says what it is
        async with on_app(request, org, app) as (session, viewer, found):
            body = parse(SigningKeyCreate, data)
            days = request.app.state.ctx.settings.signing_certificate_days
            keyring = request.app.state.ctx.keyring
            row = await admin.create_key(session, keyring, viewer.principal, found, body, days)
        verb = "Imported" if row.imported else "Created"
        return _back(request, org, app, f"{verb} signing key {row.key_id} ({row.algorithm}).")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        form.pop("private_pem", None)  # never echoed back into the page
        return await _page(request, org, app, form, errors, status)

    return await form_action(request, act, again, fields=FIELD_OF_CODE)


async def _key_action(request: Request, org: str, app: str, key_id: str, action: str) -> Response:
    async with on_app(request, org, app) as (session, viewer, found):
        if action == "default":
            await admin.make_default(session, viewer.principal, found, key_id)
        else:
            await admin.set_disabled(session, viewer.principal, found, key_id, action == "disable")
    done = {"default": "is the default now", "disable": "disabled", "enable": "enabled"}[action]
    return _back(request, org, app, f"Signing key {key_id} {done}.")


@router.post("/{key_id}/default", dependencies=app_role(Role.ADMIN))
async def make_default(request: Request, org: str, app: str, key_id: str) -> Response:
    return await _key_action(request, org, app, key_id, "default")


@router.post("/{key_id}/disable", dependencies=app_role(Role.ADMIN))
async def disable_key(request: Request, org: str, app: str, key_id: str) -> Response:
    return await _key_action(request, org, app, key_id, "disable")


@router.post("/{key_id}/enable", dependencies=app_role(Role.ADMIN))
async def enable_key(request: Request, org: str, app: str, key_id: str) -> Response:
    return await _key_action(request, org, app, key_id, "enable")


@router.get("/{key_id}/{name}.pem", dependencies=app_role(Role.READ))
async def download(request: Request, org: str, app: str, key_id: str, name: str) -> Response:
    async with on_app(request, org, app) as (session, _, found):
        row = await service.get_signing_key(session, found.app.id, key_id)
    pem = {"public": row.public_pem, "certificate": row.certificate_pem}.get(name)
    if pem is None:
        raise NotFound("There is no such file.")
    disposition = f'attachment; filename="{app}-{key_id}-{name}.pem"'
    return PlainTextResponse(pem, media_type=PEM_TYPE, headers={"content-disposition": disposition})


@router.post("/uploads/add", dependencies=app_role(Role.ADMIN))
async def add_upload_key(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            body = parse(
                UploadKeyCreate,
                {
                    "key_id": form.get("upload_key_id", "").strip(),
                    "public_pem": form.get("public_pem", ""),
                },
            )
            await uploads.add_upload_key(
                session, viewer.principal, found, body.key_id, body.public_pem
            )
        return _back(request, org, app, "Upload key registered.")

    async def again(form: dict[str, str], errors: dict[str, str], status: int) -> Response:
        if "key_id" in errors:
            errors["upload_key_id"] = errors.pop("key_id")
        return await _page(request, org, app, form, errors, status)

    return await form_action(request, act, again, fields=UPLOAD_KEY_FIELDS)


@router.post("/uploads/{key_id}/disable", dependencies=app_role(Role.ADMIN))
async def disable_upload_key(request: Request, org: str, app: str, key_id: str) -> Response:
    async def act(_: dict[str, str]) -> Response:
        async with on_app(request, org, app) as (session, viewer, found):
            await uploads.disable_upload_key(session, viewer.principal, found, key_id)
        return _back(request, org, app, f"Upload key {key_id} disabled.")

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, org, app, None, errors, status)

    return await form_action(request, act, again, status=409)


@router.post("/uploads/policy", dependencies=app_role(Role.ADMIN))
async def set_policy(request: Request, org: str, app: str) -> Response:
    async def act(form: dict[str, str]) -> Response:
        required = form.get("require_signature") == "on"
        async with on_app(request, org, app) as (session, viewer, found):
            await uploads.set_policy(session, viewer.principal, found, required)
        flash = (
            "New packages must be signed." if required else "Signatures on uploads are optional."
        )
        return _back(request, org, app, flash)

    async def again(_: dict[str, str], errors: dict[str, str], status: int) -> Response:
        return await _page(request, org, app, None, errors, status)

    return await form_action(request, act, again, status=409)
