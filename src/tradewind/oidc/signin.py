"""Interactive sign-in through a provider: the dashboard's authorization-code flow (with PKCE,
state and nonce), its CLI variant that hands a one-time code to a loopback listener, the
device flow, and logout. The API layer owns the unit of work; nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.accounts import service as accounts
from tradewind.errors import BadRequest, Forbidden, ServiceUnavailable, Unauthorized
from tradewind.oidc import flow as flows
from tradewind.oidc import protocol, service, signing, tokens
from tradewind.oidc.discovery import ProviderMetadata, ProviderUnavailable
from tradewind.oidc.provider import Provider
from tradewind.oidc.registry import OIDCRegistry
from tradewind.settings import Settings

CALLBACK_PATH = "/api/v1/auth/oidc/{name}/callback"
POST_LOGOUT_PATH = "/dashboard/"
MAX_LOGOUT_COOKIE = 3800  # browsers drop cookies over 4 KB; then logout goes without a hint


def redirect_uri(settings: Settings, provider: str) -> str:
    return settings.base_url() + CALLBACK_PATH.format(name=provider)


async def usable_metadata(provider: Provider) -> ProviderMetadata:
    """Metadata for an interactive sign-in, which also needs a sound configuration."""
    if provider.config_problems:
        raise ServiceUnavailable(
            f"sign-in provider '{provider.name}' is misconfigured: "
            + "; ".join(provider.config_problems),
            code="oidc_provider_misconfigured",
        )
    try:
        return await provider.ready_metadata()
    except ProviderUnavailable as exc:
        raise ServiceUnavailable(
            f"sign-in provider '{provider.name}' is unavailable", code="oidc_provider_unavailable"
        ) from exc


@dataclass(frozen=True, slots=True)
class LoginStart:
    authorization_url: str
    flow_cookie: str


async def begin_login(
    registry: OIDCRegistry,
    provider_name: str,
    next_path: str | None,
    cli_port: int | None,
    cli_challenge: str | None,
) -> LoginStart:
    provider = registry.get(provider_name)
    flow = flows.new_flow(provider.name, next_path, cli_port, cli_challenge)
    metadata = await usable_metadata(provider)
    uri = redirect_uri(registry.settings, provider.name)
    return LoginStart(
        flows.authorization_url(metadata, provider.config, flow, uri),
        flows.seal_flow(registry.settings.resolved_secret_key(), flow),
    )


def open_callback(
    registry: OIDCRegistry, provider_name: str, cookie: str | None, state: str | None
) -> flows.LoginFlow:
    provider = registry.get(provider_name)
    return flows.open_flow(registry.settings.resolved_secret_key(), cookie, provider.name, state)


def _provider_refusal(error: str, description: str | None) -> Exception:
    details = {"provider_error": error, "provider_message": (description or "")[:500]}
    if error == "access_denied":
        return Forbidden(
            "sign-in was denied at the provider", code="oidc_access_denied", details=details
        )
    return BadRequest("the provider reported an error", code="oidc_provider_error", details=details)


async def _claims_with_userinfo(
    registry: OIDCRegistry, provider: Provider, claims: dict[str, Any], access_token: str | None
) -> tuple[dict[str, Any], bool]:
    """Some providers put the email (or groups) only in userinfo; fetch it when missing.

    Also says whether the claims are complete: false when userinfo was needed but could not be
    read, so that a provider hiccup is never taken for "member of no group"."""
    config = provider.config
    metadata = provider.metadata
    wanted = [config.email_claim]
    if config.group_mapping:
        wanted.append(config.groups_claim or service.DEFAULT_GROUPS_CLAIM)
    if all(c in claims for c in wanted) or metadata is None:
        return claims, True
    if metadata.userinfo_endpoint is None:
        return claims, True  # the ID token is all this provider ever says
    if not access_token:
        return claims, False
    info = await protocol.userinfo(registry.http(), metadata, access_token)
    if info is None:
        return claims, False
    if info.get("sub") != claims["sub"]:
        raise Unauthorized("userinfo answered for another subject", code="oidc_userinfo_mismatch")
    return {**info, **claims}, True


async def identity_from_tokens(
    registry: OIDCRegistry,
    provider: Provider,
    token_set: protocol.TokenSet,
    *,
    client_id: str,
    nonce: str | None,
) -> service.ExternalIdentity:
    claims = await tokens.verify(
        provider,
        token_set.id_token,
        audience=client_id,
        leeway=registry.settings.oidc_clock_leeway_seconds,
        nonce=nonce,
        id_token=True,
    )
    claims, complete = await _claims_with_userinfo(
        registry, provider, claims, token_set.access_token
    )
    assert provider.metadata is not None
    return service.identity_from_claims(
        provider.config, provider.metadata.issuer, claims, complete=complete
    )


async def finish_login(
    registry: OIDCRegistry,
    flow: flows.LoginFlow,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> tuple[service.ExternalIdentity, str]:
    """Exchange the code and validate the ID token; the identity and the raw ID token."""
    if error:
        raise _provider_refusal(error, error_description)
    if not code:
        raise BadRequest("the provider sent no authorization code", code="oidc_code_missing")
    provider = registry.get(flow.provider)
    metadata = await usable_metadata(provider)
    token_set = await protocol.exchange_code(
        registry.http(),
        metadata,
        provider.config,
        code=code,
        redirect_uri=redirect_uri(registry.settings, provider.name),
        verifier=flow.verifier,
    )
    ext = await identity_from_tokens(
        registry, provider, token_set, client_id=provider.config.client_id, nonce=flow.nonce
    )
    return ext, token_set.id_token


def cli_handoff_url(registry: OIDCRegistry, flow: flows.LoginFlow, user_id: int) -> str:
    assert flow.cli_port is not None and flow.cli_challenge is not None
    secret = registry.settings.resolved_secret_key()
    code = flows.seal_handoff(secret, flow.provider, user_id, flow.cli_challenge)
    return flows.cli_redirect(flow.cli_port, {"code": code})


def logout_hint(registry: OIDCRegistry, provider: str, id_token: str) -> str:
    """The cookie that lets logout reach the provider's end-session endpoint later."""
    secret = registry.settings.resolved_secret_key()
    ttl = registry.settings.session_ttl_seconds
    hint = signing.seal(secret, signing.LOGOUT, {"prv": provider, "idt": id_token}, ttl)
    if len(hint) > MAX_LOGOUT_COOKIE:
        hint = signing.seal(secret, signing.LOGOUT, {"prv": provider}, ttl)
    return hint


async def redeem_handoff(
    session: AsyncSession, registry: OIDCRegistry, provider: str, code: str, verifier: str
) -> service.NewSession:
    registry.get(provider)
    user_id = flows.open_handoff(registry.settings.resolved_secret_key(), provider, code, verifier)
    user = await service.user_for_handoff(session, user_id)
    return await service.start_session(session, registry.settings, user, "sso-cli")


async def end_local_session(session: AsyncSession, token: str | None) -> None:
    if not token:
        return
    try:
        principal = await accounts.authenticate(session, token)
        await accounts.logout(session, principal)
    except (Unauthorized, BadRequest):
        pass  # already signed out, expired or not a session: nothing to end


def provider_logout_url(registry: OIDCRegistry, hint: str | None) -> str | None:
    """The provider's end-session URL for the provider the browser signed in with, if any."""
    if not hint:
        return None
    secret = registry.settings.resolved_secret_key()
    try:
        claims = signing.unseal(secret, signing.LOGOUT, hint, code="oidc_logout", what="hint")
    except BadRequest:
        return None
    provider = registry.providers.get(str(claims.get("prv")))
    if provider is None or provider.metadata is None:
        return None
    idt = claims.get("idt")
    return protocol.end_session_url(
        provider.metadata,
        provider.config,
        idt if isinstance(idt, str) else None,
        registry.settings.base_url() + POST_LOGOUT_PATH,
    )
