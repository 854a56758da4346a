"""CodePush management routes: deployments and keys, releases, promote, rollback, metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tradewind.bundles.api import archive_form_body, received_archive_form
from tradewind.codepush import deployments, publish, views
from tradewind.codepush.deployments import DeploymentView
from tradewind.codepush.schemas import (
    CodePushReleaseOut,
    DeploymentIn,
    DeploymentOut,
    MetricsOut,
    ReleaseOptions,
    RollbackIn,
    parse_options,
)
from tradewind.codepush.setup import storage_of
from tradewind.files.api import TransportHeader
from tradewind.models.codepush import CodePushRelease
from tradewind.web.deps import AppAdmin, AppReader, AppWriter, Ctx, CurrentPrincipal, DbSession
from tradewind.web.errors import error_responses

router = APIRouter(prefix="/orgs/{org}/apps/{app}/codepush/deployments", tags=["codepush"])
CONFLICTS = error_responses(409)
_FORM_BODY = archive_form_body(
    "A .zip (or .tar.gz) of the bundle folder.",
    'JSON: {"target_binary": "^1.2.0", "mandatory": false, "disabled": false, "rollout": 100, '
    '"description": ""}',
)


def _out(view: DeploymentView) -> DeploymentOut:
    d = view.deployment
    return DeploymentOut(name=d.name, channel=d.channel, key=view.key, created_at=d.created_at)


@router.get("", operation_id="list_codepush_deployments", response_model=list[DeploymentOut])
async def list_deployments(access: AppReader, session: DbSession, ctx: Ctx) -> list[DeploymentOut]:
    """Every deployment with its key (members with read access may read keys)."""
    found = await deployments.list_deployments(session, ctx.keyring, access.app.id)
    return [_out(v) for v in found]


@router.post(
    "",
    operation_id="add_codepush_deployment",
    response_model=DeploymentOut,
    status_code=201,
    responses=CONFLICTS,
)
async def add_deployment(
    body: DeploymentIn, access: AppAdmin, session: DbSession, ctx: Ctx, principal: CurrentPrincipal
) -> DeploymentOut:
    return _out(await deployments.add(session, ctx.keyring, principal, access, body.name))


@router.patch(
    "/{deployment}",
    operation_id="rename_codepush_deployment",
    response_model=DeploymentOut,
    responses=CONFLICTS,
)
async def rename_deployment(
    deployment: str,
    body: DeploymentIn,
    access: AppAdmin,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
) -> DeploymentOut:
    view = await deployments.rename(session, ctx.keyring, principal, access, deployment, body.name)
    return _out(view)


@router.delete("/{deployment}", operation_id="remove_codepush_deployment", status_code=204)
async def remove_deployment(
    deployment: str, access: AppAdmin, session: DbSession, principal: CurrentPrincipal
) -> Response:
    await deployments.remove(session, principal, access, deployment)
    return Response(status_code=204)


@router.post("/{deployment}/key", operation_id="rotate_codepush_key", response_model=DeploymentOut)
async def rotate_key(
    deployment: str, access: AppAdmin, session: DbSession, ctx: Ctx, principal: CurrentPrincipal
) -> DeploymentOut:
    """A new deployment key; the old one stops working within a snapshot poll."""
    return _out(await deployments.rotate_key(session, ctx.keyring, principal, access, deployment))


@router.get(
    "/{deployment}/history",
    operation_id="codepush_history",
    response_model=list[CodePushReleaseOut],
)
async def history(
    deployment: str, access: AppReader, session: DbSession
) -> list[CodePushReleaseOut]:
    """Oldest label first."""
    found = await deployments.get(session, access.app.id, deployment)
    return await views.history(session, found.id)


@router.get("/{deployment}/metrics", operation_id="codepush_metrics", response_model=MetricsOut)
async def metrics(deployment: str, access: AppReader, session: DbSession) -> MetricsOut:
    found = await deployments.get(session, access.app.id, deployment)
    return await views.metrics(session, access.app.id, found.id)


async def _one(session: DbSession, app_id: int, cp: CodePushRelease) -> CodePushReleaseOut:
    for entry in await views.history(session, cp.deployment_id):
        if entry.release_id == cp.release_id:
            return entry
    raise AssertionError("a release just written is in its history")


@router.post(
    "/{deployment}/releases",
    operation_id="release_codepush",
    response_model=CodePushReleaseOut,
    status_code=201,
    responses=error_responses(409, 413),
    openapi_extra=_FORM_BODY,
)
async def release(
    deployment: str,
    request: Request,
    access: AppWriter,
    session: DbSession,
    ctx: Ctx,
    principal: CurrentPrincipal,
    content_type: TransportHeader = None,
    content_length: TransportHeader = None,
) -> CodePushReleaseOut:
    """Release a zip of the bundle folder as the deployment's next label."""
    received = received_archive_form(request, session, ctx, content_type, content_length)
    async with received as (form, tmp):
        assert form.archive is not None and form.manifest is not None
        options = parse_options(form.manifest)
        cp = await publish.release_zip(
            session,
            storage_of(ctx),
            principal,
            access,
            deployment,
            form.archive,
            tmp,
            _options(options),
        )
    return await _one(session, access.app.id, cp)


def _options(body: ReleaseOptions) -> publish.Options:
    return publish.Options(
        target_binary=body.target_binary,
        mandatory=body.mandatory,
        disabled=body.disabled,
        rollout=body.rollout,
        description=body.description,
    )


@router.post(
    "/{deployment}/promote/{target}",
    operation_id="promote_codepush",
    response_model=CodePushReleaseOut,
    status_code=201,
    responses=CONFLICTS,
)
async def promote(
    deployment: str,
    target: str,
    body: ReleaseOptions,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> CodePushReleaseOut:
    """The deployment's latest release as a new label of `target` (options override its own)."""
    cp = await publish.promote(session, principal, access, deployment, target, _options(body))
    return await _one(session, access.app.id, cp)


@router.post(
    "/{deployment}/rollback",
    operation_id="rollback_codepush",
    response_model=CodePushReleaseOut,
    status_code=201,
    responses=CONFLICTS,
)
async def rollback(
    deployment: str,
    body: RollbackIn,
    access: AppWriter,
    session: DbSession,
    principal: CurrentPrincipal,
) -> CodePushReleaseOut:
    """The previous release (or `label`) to everyone again, as a new label."""
    cp = await publish.rollback(session, principal, access, deployment, body.label)
    return await _one(session, access.app.id, cp)
