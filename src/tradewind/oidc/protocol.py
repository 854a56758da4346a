"""Calls to a provider's token, device-authorization and userinfo endpoints."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx

from tradewind.errors import BadRequest, Forbidden, ServiceUnavailable, Unauthorized
from tradewind.oidc.discovery import ProviderMetadata
from tradewind.settings import OIDCProviderSettings

log = logging.getLogger("tradewind.oidc")

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PENDING = frozenset({"authorization_pending", "slow_down"})


@dataclass(frozen=True, slots=True)
class TokenSet:
    id_token: str
    access_token: str | None


@dataclass(frozen=True, slots=True)
class DevicePending:
    status: str  # "authorization_pending" or "slow_down"


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    secret: str | None


def dashboard_client(config: OIDCProviderSettings) -> ClientCredentials:
    secret = config.client_secret.get_secret_value() if config.client_secret else None
    return ClientCredentials(config.client_id, secret)


def cli_client(config: OIDCProviderSettings) -> ClientCredentials:
    """The device flow's client: a dedicated public client when configured, else ours."""
    if config.cli_client_id:
        return ClientCredentials(config.cli_client_id, None)
    return dashboard_client(config)


def _unavailable(metadata: ProviderMetadata, exc: Exception | None = None) -> ServiceUnavailable:
    host = urlsplit(metadata.token_endpoint).netloc
    reason = f" ({type(exc).__name__})" if exc else ""
    return ServiceUnavailable(
        f"the sign-in provider at {host} is unavailable{reason}", code="oidc_provider_unavailable"
    )


def _basic_auth(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: both parts form-urlencoded before the usual Basic encoding.
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


async def _post_form(
    http: httpx.AsyncClient,
    metadata: ProviderMetadata,
    url: str,
    client: ClientCredentials,
    form: dict[str, str],
) -> tuple[int, dict[str, Any]]:
    """POST with client authentication (RFC 6749 §2.3.1); the status and the JSON body."""
    headers = {"Accept": "application/json"}
    form = {**form, "client_id": client.client_id}
    if client.secret is not None:
        if "client_secret_basic" in metadata.token_auth_methods:
            headers["Authorization"] = _basic_auth(client.client_id, client.secret)
        else:
            form["client_secret"] = client.secret
    try:
        response = await http.post(url, data=form, headers=headers)
    except httpx.HTTPError as exc:
        raise _unavailable(metadata, exc) from exc
    if response.status_code >= 500:
        raise _unavailable(metadata)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _unavailable(metadata)
    return response.status_code, body


def _provider_error(body: dict[str, Any]) -> dict[str, str]:
    return {
        "provider_error": str(body.get("error", "unknown")),
        "provider_message": str(body.get("error_description", ""))[:500],
    }


def _token_set(body: dict[str, Any]) -> TokenSet:
    id_token = body.get("id_token")
    if not isinstance(id_token, str):
        raise BadRequest(
            "the provider returned no ID token; is 'openid' among the scopes?",
            code="oidc_no_id_token",
        )
    access = body.get("access_token")
    return TokenSet(id_token, access if isinstance(access, str) else None)


async def exchange_code(
    http: httpx.AsyncClient,
    metadata: ProviderMetadata,
    config: OIDCProviderSettings,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
) -> TokenSet:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    client = dashboard_client(config)
    status, body = await _post_form(http, metadata, metadata.token_endpoint, client, form)
    if status != 200:
        raise BadRequest(
            "the provider refused the sign-in code",
            code="oidc_code_rejected",
            details=_provider_error(body),
        )
    return _token_set(body)


async def userinfo(
    http: httpx.AsyncClient, metadata: ProviderMetadata, access_token: str
) -> dict[str, Any] | None:
    """The userinfo claims, or None when the provider will not say (best effort: the ID
    token already identifies the user)."""
    assert metadata.userinfo_endpoint is not None
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    try:
        response = await http.get(metadata.userinfo_endpoint, headers=headers)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("userinfo at %s failed: %s", metadata.userinfo_endpoint, exc)
        return None
    if not isinstance(body, dict):
        log.warning(
            "userinfo at %s answered HTTP %d", metadata.userinfo_endpoint, response.status_code
        )
        return None
    return body


async def start_device(
    http: httpx.AsyncClient, metadata: ProviderMetadata, config: OIDCProviderSettings
) -> dict[str, Any]:
    if metadata.device_authorization_endpoint is None:
        raise BadRequest(
            f"provider '{config.name}' does not offer device sign-in",
            code="oidc_device_flow_unsupported",
        )
    form = {"scope": " ".join(config.scopes)}
    client = cli_client(config)
    url = metadata.device_authorization_endpoint
    status, body = await _post_form(http, metadata, url, client, form)
    if status != 200 or not isinstance(body.get("device_code"), str):
        raise BadRequest(
            "the provider refused to start device sign-in",
            code="oidc_device_flow_refused",
            details=_provider_error(body),
        )
    return body


async def poll_device(
    http: httpx.AsyncClient,
    metadata: ProviderMetadata,
    config: OIDCProviderSettings,
    device_code: str,
) -> TokenSet | DevicePending:
    form = {"grant_type": DEVICE_GRANT, "device_code": device_code}
    client = cli_client(config)
    status, body = await _post_form(http, metadata, metadata.token_endpoint, client, form)
    if status == 200:
        return _token_set(body)
    error = str(body.get("error", ""))
    if error in PENDING:
        return DevicePending(error)
    if error == "access_denied":
        raise Forbidden("sign-in was denied at the provider", code="oidc_access_denied")
    if error == "expired_token":
        raise Unauthorized("the device code expired; start again", code="oidc_device_expired")
    raise BadRequest(
        "the provider refused the device code",
        code="oidc_device_flow_refused",
        details=_provider_error(body),
    )


def end_session_url(
    metadata: ProviderMetadata,
    config: OIDCProviderSettings,
    id_token: str | None,
    post_logout_redirect_uri: str,
) -> str | None:
    if metadata.end_session_endpoint is None:
        return None
    params = {"client_id": config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if urlsplit(metadata.end_session_endpoint).query else "?"
    return metadata.end_session_endpoint + separator + urlencode(params)
