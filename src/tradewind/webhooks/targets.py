"""The SSRF guard: a webhook URL must be http(s) and its host must resolve only to public
addresses, unless the operator allows private targets (TRADEWIND_WEBHOOK_ALLOW_PRIVATE_TARGETS).
Checked when a webhook is created and again before every delivery (DNS can change)."""

from __future__ import annotations

import asyncio
import encodings.idna  # noqa: F401 - see resolve()
import ipaddress
import socket
from urllib.parse import urlsplit

from tradewind.errors import BadRequest

MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT_SECONDS = 5.0


class TargetRefused(BadRequest):
    """The URL is malformed, does not resolve, or points at a refused address."""


def parse(url: str) -> tuple[str, int]:
    """The host and port of a well-formed http(s) URL."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(
            code="webhook_url_invalid", message=f"the URL is longer than {MAX_URL_LENGTH}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(code="webhook_url_invalid", message=f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(
            code="webhook_url_invalid", message="the URL must be http:// or https:// with a host"
        )
    if parts.username or parts.password:
        raise TargetRefused(
            code="webhook_url_invalid", message="credentials in the URL are not allowed"
        )
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
    )


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host`: an address itself, else from DNS within a few seconds.

    getaddrinfo runs in a thread and encodes a name with the `idna` codec; that codec is
    imported with this module, as importing it lazily from several threads at once has been
    seen to fail with `LookupError: unknown encoding: idna`."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass  # a name
    loop = asyncio.get_running_loop()
    lookup = loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    try:
        infos = await asyncio.wait_for(lookup, RESOLVE_TIMEOUT_SECONDS)
    except (socket.gaierror, UnicodeError, TimeoutError) as exc:
        reason = "no answer in time" if isinstance(exc, TimeoutError) else str(exc)
        raise TargetRefused(
            code="webhook_url_unresolvable", message=f"{host} does not resolve: {reason}"
        ) from None
    return sorted({str(info[4][0]) for info in infos})


async def check(url: str, allow_private: bool) -> None:
    """Raise TargetRefused unless `url` may be called."""
    host, port = parse(url)
    if allow_private:
        return
    refused = [a for a in await resolve(host, port) if is_refused_address(a)]
    if refused:
        raise TargetRefused(
            code="webhook_url_refused",
            message=f"{host} resolves to a loopback, link-local, private or unspecified address "
            f"({', '.join(refused)}); set TRADEWIND_WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow it",
        )
