"""`tradewind login --sso` through the OAuth 2.0 device authorization grant (RFC 8628).

The server talks to the provider on the CLI's behalf: the CLI never needs the provider's
endpoints or a client secret, and it ends up with an ordinary Tradewind session. The device
code is the CLI's secret for the poll; the server keeps nothing between calls.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.oidc import protocol, service
from tradewind.oidc.registry import OIDCRegistry
from tradewind.oidc.signin import identity_from_tokens, usable_metadata

DEFAULT_INTERVAL_SECONDS = 5
DEFAULT_EXPIRES_IN_SECONDS = 600


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and value > 0 else default


async def start(registry: OIDCRegistry, provider_name: str) -> dict[str, Any]:
    provider = registry.get(provider_name)
    metadata = await usable_metadata(provider)
    answer = await protocol.start_device(registry.http(), metadata, provider.config)
    complete = answer.get("verification_uri_complete")
    return {
        "device_code": answer["device_code"],
        "user_code": str(answer.get("user_code", "")),
        "verification_uri": str(
            answer.get("verification_uri") or answer.get("verification_url") or ""
        ),
        "verification_uri_complete": complete if isinstance(complete, str) else None,
        "expires_in": _int(answer.get("expires_in"), DEFAULT_EXPIRES_IN_SECONDS),
        "interval": _int(answer.get("interval"), DEFAULT_INTERVAL_SECONDS),
    }


async def poll(
    session: AsyncSession, registry: OIDCRegistry, provider_name: str, device_code: str
) -> service.NewSession | protocol.DevicePending:
    provider = registry.get(provider_name)
    metadata = await usable_metadata(provider)
    result = await protocol.poll_device(registry.http(), metadata, provider.config, device_code)
    if isinstance(result, protocol.DevicePending):
        return result
    client_id = protocol.cli_client(provider.config).client_id
    ext = await identity_from_tokens(registry, provider, result, client_id=client_id, nonce=None)
    user = await service.sign_in_user(session, registry.settings, provider.config, ext)
    return await service.start_session(session, registry.settings, user, "sso-cli")
