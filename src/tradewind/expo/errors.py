"""The Expo routes' fixed error answers: plain text plus `x-tradewind-error` (never JSON, so
no client mistakes one for a manifest), each with the protocol headers."""

from __future__ import annotations

from tradewind.serving.responses import ErrorAnswer

_NO_STORE = [(b"cache-control", b"no-store"), (b"expo-protocol-version", b"1")]


def _answer(status: int, code: str, message: str) -> tuple[str, ErrorAnswer]:
    headers = [*_NO_STORE, (b"allow", b"GET")] if status == 405 else list(_NO_STORE)
    return code, ErrorAnswer(status, code, message, headers)


def expo_errors() -> dict[str, ErrorAnswer]:
    return dict(
        (
            _answer(405, "method_not_allowed", "the Expo routes accept GET (and HEAD for bundles)"),
            _answer(
                404, "not_found", "no such Expo route; the manifest is /expo/{org}/{app}/manifest"
            ),
            _answer(404, "application_not_found", "no such organisation or application"),
            _answer(
                503,
                "snapshots_loading",
                "the server is loading its release snapshots; retry shortly",
            ),
            _answer(400, "missing_protocol_version", "expo-protocol-version is required (send 1)"),
            _answer(
                400, "repeated_protocol_version", "expo-protocol-version is sent more than once"
            ),
            _answer(
                400, "unsupported_protocol_version", "only expo-protocol-version 1 is supported"
            ),
            _answer(400, "invalid_platform", "expo-platform must be ios or android"),
            _answer(
                400,
                "invalid_runtime_version",
                "expo-runtime-version is required (1-256 characters)",
            ),
            _answer(
                400,
                "header_too_long",
                "expo-channel-name or eas-client-id is longer than 256 characters",
            ),
            _answer(
                400,
                "invalid_update_id",
                "expo-current-update-id and expo-embedded-update-id must be UUIDs",
            ),
            _answer(
                400,
                "invalid_extra_params",
                "expo-extra-params must be an SFV dictionary of at most 32 strings, numbers "
                "or booleans",
            ),
            _answer(
                400,
                "invalid_expect_signature",
                "expo-expect-signature must be an SFV dictionary with sig (and keyid, alg)",
            ),
            _answer(
                400,
                "invalid_failed_update_ids",
                "expo-recent-failed-update-ids must be an SFV list of quoted UUIDs",
            ),
            _answer(
                400,
                "code_signing_unavailable",
                "the request expects a signature but this application has no code signing key",
            ),
            _answer(
                400,
                "unknown_signing_key",
                "expo-expect-signature names a keyid this application has no key for",
            ),
            _answer(
                406,
                "not_acceptable",
                "accept must allow multipart/mixed or application/expo+json (directives need "
                "multipart)",
            ),
            _answer(
                404,
                "no_update",
                "no update is published for this channel, runtime version and platform",
            ),
            _answer(404, "asset_not_found", "no such bundle in this application"),
        )
    )
