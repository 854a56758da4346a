"""Outbound HTTPS clients share one TLS context per process: building one loads the CA bundle
(about 30 ms of CPU), and an app context starts its webhook client every time it starts."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """The default verifying context; with `trust_env`, SSL_CERT_FILE / SSL_CERT_DIR apply."""
    return httpx.create_ssl_context(trust_env=trust_env)
