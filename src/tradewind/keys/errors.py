"""Errors of the key-management layer.

Both stop the server at start-up (exit 1). Met while serving (KMS unreachable when a key is
created, say) they answer 503: the request may succeed later, and nothing was written.
"""

from __future__ import annotations

from tradewind.errors import ServiceUnavailable


class KeyringError(ServiceUnavailable):
    """The key-encryption key is missing or wrong, or its provider (KMS) cannot be reached."""

    default_code = "keyring_unavailable"


class SecretUnreadable(KeyringError):
    """A sealed secret failed authentication (tampered, truncated, or sealed for another use)."""

    default_code = "secret_unreadable"
