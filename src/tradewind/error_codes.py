"""Every error code Tradewind answers with, declared once, and the one error envelope.

Raise sites keep passing codes as strings (`NotFound(..., code="release_not_found")`);
tests/architecture/test_error_codes.py walks the source and fails on a code missing here, on a
status that differs from the one declared, and on a code missing from docs/error-codes.md
(whose table is this one). Clients program against these codes: never rename one.

Management answers carry the code in the JSON envelope `{"error": {"code", "message",
"details"}}` (`envelope`); device-path answers (the update check) carry it in the
`x-tradewind-error` header with a plain-text body (`device_error_text`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

# code | HTTP status ("any": the status of the refused request) | one-line meaning
_TABLE = """
account_disabled              | 401 | the account is disabled
account_exists                | 409 | invitation accepted with a new password for an existing user
algorithm_mismatch            | 422 | an imported private key is not of the algorithm asked for
application_exists            | 409 | the application name is taken in this organisation
application_not_found         | 404 | no such application in a visible organisation, or not visible
archive_header_too_large      | 400 | a `.tar.gz` long-name or PAX header above 64 KiB
archive_link                  | 400 | a symbolic or hard link in a bundle archive
archive_required              | 400 | a bundle upload without its `archive` part
archive_too_large             | 413 | archive bytes or unpacked total above the archive size limit
asset_not_found               | 404 | `/assets/…`: no committed blob with that key
authentication_required       | 401 | no credentials (bearer token or dashboard session)
bad_request                   | 400 | the body cannot be parsed at all (e.g. JSON nested too deep)
batch_too_large               | 413 | device events: too many events or too large a body
blob_key_conflict             | 409 | a blob key clashes with a key used as a directory (local disk)
blob_not_found                | 404 | the blob store has no object with that key
blob_store_unavailable        | 503 | the object store cannot be reached; nothing was written
cannot_lock_out_self          | 400 | a site admin tried to disable or demote themselves
certificate_not_found         | 404 | the signing key has no certificate (es256 keys have none)
checksum_mismatch             | 400 | the uploaded body does not hash to `X-Checksum-Sha256`
checksum_required             | 400 | a file upload without `X-Checksum-Sha256`
code_signing_unavailable      | 400 | Expo: a signature expected but the application has no RSA key
codepush_identical_release    | 409 | same package hash and range as the deployment's latest release
codepush_label_not_found      | 404 | rollback: no release with that label
codepush_no_release           | 404 | promote: the source deployment has no release
codepush_no_rollback          | 409 | CodePush rollback: no earlier release, or the same contents
cohort_dimension_not_found    | 404 | no such cohort dimension
cohort_in_use                 | 409 | new cohorts drop one that a live or pending release targets
compression_ratio_exceeded    | 400 | an archive entry expands beyond the allowed compression ratio
concurrent_change             | 409 | a related object was deleted meanwhile; nothing was written
configuration_error           | 500 | a setting is missing or inconsistent (raised at startup)
conflict                      | 409 | a conflict with the current state (generic)
corrupt_archive               | 400 | a corrupt or truncated archive, or an entry of the wrong size
csrf_failed                   | 403 | dashboard: a form post without a valid CSRF token or origin
database_unavailable          | 503 | the database is down, frozen or saturated; retry later
delivery_not_found            | 404 | no such delivery of this webhook
deployment_exists             | 409 | a deployment of that name (case-insensitive) exists
deployment_not_found          | 404 | no deployment of that name in the application
dimension_exists              | 409 | the application already has a dimension of that name
dimension_in_use              | 409 | a release target uses the dimension; discard or retire it
dimension_not_found           | 404 | no dimension of that name in the application
duplicate_entry               | 400 | the same path twice in a bundle archive
duplicate_path                | 400 | a path appears twice in a package's file list
duplicate_resource            | 400 | a release lists the same resource path twice
email_taken                   | 409 | a user with that email exists
empty_package                 | 400 | the archive holds no file (`__MACOSX/`, `.DS_Store` left out)
encrypted_entry               | 400 | an encrypted zip entry
experiment_running            | 409 | plain `conclude` of an experiment: conclude one variant
file_in_use                   | 409 | a package or release uses this file
file_not_found                | 404 | no such file (path or content) in the application
file_too_large                | 413 | one file above the file size limit
forbidden                     | 403 | the action is not allowed (generic)
glob_matches_nothing          | 400 | an important or lazy glob that matches no file
gone                          | 410 | the object existed but is no longer usable (generic)
header_too_long               | 400 | Expo: a channel name or client id above 256 characters
http_error                    | any | an HTTP-level refusal with no more specific code
important_lazy_overlap        | 400 | a path is both important and lazy
index_in_file_lists           | 400 | the index is also listed as important or lazy
index_not_in_archive          | 400 | the manifest's index is not in the archive
insufficient_role             | 403 | the role is too low; `details` names the needed and held roles
internal_error                | 500 | a bug; the server log has the traceback
invalid_app_version           | 400 | CodePush check: `app_version` missing or not a version
invalid_binary_version_range  | 400 | `binary_version_range` is not an npm-style semver range
invalid_blob_key              | 400 | a malformed blob storage key
invalid_blob_range            | 400 | a byte range outside the blob
invalid_characters            | 400 | the URL contains a NUL character
invalid_checksum              | 400 | the checksum is not 64 hex characters
invalid_cohorts               | 400 | a cohort definition is refused (overlap, unknown base, …)
invalid_content_length        | 400 | a malformed `Content-Length`
invalid_content_type          | 400 | a malformed `Content-Type`
invalid_credentials           | 401 | wrong email or password (the same answer for an unknown email)
invalid_data                  | 400 | the database cannot store a value of the request
invalid_deployment_key        | 400 | CodePush check: `deployment_key` missing or malformed
invalid_deployment_name       | 400 | a CodePush deployment name outside 1–100 safe characters
invalid_direction             | 400 | dashboard: a dimension move other than up or down
invalid_email                 | 400 | not a valid email address
invalid_entry_name            | 400 | an archive entry name that is not valid UTF-8
invalid_event                 | 422 | a device event breaks the rules; `details.errors` lists them
invalid_expect_signature      | 400 | Expo: `expo-expect-signature` is not a valid SFV dictionary
invalid_expiry                | 400 | an API token's expiry is in the past
invalid_expo_metadata         | 400 | `metadata.json` lacks a platform or has a malformed entry
invalid_extra_params          | 400 | Expo: `expo-extra-params` is not a valid SFV dictionary
invalid_failed_update_ids     | 400 | Expo: `expo-recent-failed-update-ids` is not a list of UUIDs
invalid_ingest_key            | 401 | device events: `x-ingest-key` missing or wrong
invalid_key_id                | 422 | a key id empty, too long or outside `A-Za-z0-9._-`
invalid_key_pem               | 422 | not an unencrypted PEM private key (or SPKI public key)
invalid_manifest              | 400 | a bundle manifest not JSON, of the wrong shape or too large
invalid_multipart             | 400 | a malformed or truncated multipart body
invalid_path                  | 400 | a file path breaks the path rules
invalid_percentage            | 400 | a rollout percentage outside 0–100 or with over two decimals
invalid_platform              | 400 | Expo: `expo-platform` is neither ios nor android
invalid_position              | 400 | a dimension position outside the list
invalid_promotion             | 400 | promote to the same deployment
invalid_property_schema       | 400 | a property's JSON Schema, default or name is invalid
invalid_property_value        | 400 | a release sets an unknown property or a value it refuses
invalid_ramp                  | 422 | guard ramp steps not increasing, out of 1–100 or no interval
invalid_release_options       | 400 | CodePush release options: not JSON, unknown field, bad rollout
invalid_role                  | 400 | an owner role for an application membership
invalid_rollout               | 400 | CodePush release: `rollout` outside 1–100
invalid_runtime_version       | 400 | over 256 characters or with control characters
invalid_target                | 400 | a release target condition that cannot be stored
invalid_time_range            | 400 | adoption: `since` not before `until`, or out of range
invalid_token                 | 401 | the bearer token is unknown or malformed
invalid_transition            | 409 | the release's status does not allow this action
invalid_update_id             | 400 | Expo: an update id header that is not a UUID
invalid_upload_signature      | 422 | the package's upload signature does not verify
invalid_variants              | 400 | variant shares or names are refused (`details.problem`)
invalid_view                  | 400 | a saved view filters on an unknown dimension
invitation_email_mismatch     | 403 | signed in as another email than the invited one
invitation_expired            | 410 | the link expired: invite again
invitation_not_found          | 404 | an unknown, replaced or withdrawn link (or invitation id)
invitation_used               | 410 | the link was already used
key_id_taken                  | 409 | the application already has a key with that id
keyring_unavailable           | 503 | the key provider (key file or KMS) cannot be used
last_owner                    | 409 | the change would leave the organisation without an owner
last_upload_key               | 409 | the last upload key while signed uploads are required
length_required               | 400 | dashboard: a bundle upload without `Content-Length`
malformed_json                | 400 | the body is not valid JSON (or not UTF-8)
manifest_required             | 400 | a bundle upload without its `manifest` part
member_exists                 | 409 | the user is already a member there
member_not_found              | 404 | no such (direct) member
method_not_allowed            | 405 | the path exists with other methods; `Allow` lists them
metrics_token_required        | 401 | `GET /metrics` without the configured metrics bearer token
missing_protocol_version      | 400 | Expo: no `expo-protocol-version` header
no_baseline_package           | 400 | a config-only release with no concluded release to take from
no_previous_release           | 409 | a concluded release replaced no earlier release of its target
no_release                    | 404 | update check: no live release matches this request
no_update                     | 404 | Expo: no update for this channel, runtime version and platform
no_upload_key                 | 409 | signed uploads required before any upload key is registered
not_a_session                 | 400 | logout with an API token (only sessions log out)
not_acceptable                | 406 | Expo: `accept` allows neither multipart/mixed nor expo+json
not_an_experiment             | 409 | the release has no (running) variants
not_found                     | 404 | no such route or object (generic)
oidc_access_denied            | 403 | single sign-on: the user declined at the provider
oidc_algorithm_not_allowed    | 401 | single sign-on: the token's signing algorithm is not allowed
oidc_bad_signature            | 401 | single sign-on: the token's signature is invalid
oidc_code_missing             | 400 | single sign-on: the provider's callback has no code
oidc_code_rejected            | 400 | single sign-on: the provider refused the code
oidc_device_expired           | 401 | CLI sign-in: the device code expired before approval
oidc_device_flow_refused      | 400 | CLI sign-in: the provider refused the device flow
oidc_device_flow_unsupported  | 400 | CLI sign-in: the provider has no device flow
oidc_email_domain_not_allowed | 403 | single sign-on: the email's domain is not allowed
oidc_email_missing            | 403 | single sign-on: the identity has no email
oidc_email_not_verified       | 403 | single sign-on: the provider has not verified the email
oidc_flow_invalid             | 400 | single sign-on: the sign-in flow cookie is forged or expired
oidc_flow_missing             | 400 | single sign-on: no sign-in flow started in this browser
oidc_handoff_invalid          | 400 | CLI sign-in: the handoff code is forged, used or expired
oidc_invalid_cli_parameters   | 400 | CLI sign-in: malformed port or challenge
oidc_invalid_next             | 400 | single sign-on: `next` is not a path on this site
oidc_logout                   | 400 | a sign-out hint is forged or expired (sign-out goes on)
oidc_missing_claim            | 401 | single sign-on: the token lacks a required claim
oidc_no_id_token              | 400 | single sign-on: the provider answered without an ID token
oidc_nonce_mismatch           | 401 | single sign-on: the ID token does not answer this sign-in
oidc_provider_error           | 400 | single sign-on: the provider answered with an error
oidc_provider_misconfigured   | 503 | single sign-on: the provider's settings are incomplete
oidc_provider_not_found       | 404 | no single sign-on provider with that name
oidc_provider_unavailable     | 503 | single sign-on: the issuer cannot be reached or is unusable
oidc_race                     | 409 | two first sign-ins of the same person at once; retry
oidc_state_mismatch           | 400 | single sign-on: the callback's state is not this browser's
oidc_token_expired            | 401 | single sign-on: the token has expired
oidc_token_not_yet_valid      | 401 | single sign-on: the token is not valid yet
oidc_unknown_key              | 401 | single sign-on: the token is signed with an unknown key
oidc_user_not_provisioned     | 403 | single sign-on: no user for this identity, and none is created
oidc_userinfo_mismatch        | 401 | single sign-on: userinfo answered for another subject
oidc_wrong_audience           | 401 | single sign-on: the token is meant for another client
oidc_wrong_issuer             | 401 | single sign-on: the token comes from another issuer
org_creation_restricted       | 403 | only site administrators may create organisations
organisation_exists           | 409 | the organisation name is taken
organisation_not_found        | 404 | no such organisation, or not visible to the caller
package_in_use                | 409 | a release uses this package version
package_not_found             | 404 | no such package version in the application
password_required             | 400 | accepting without a password and without being signed in
payload_too_large             | 413 | the body is larger than allowed
properties_too_large          | 400 | package properties above 64 KiB of JSON
property_schema_conflict      | 409 | a live or pending release sets a property the schema rejects
query_too_long                | 414 | CodePush device request: the query string is too long
range_not_satisfiable         | 416 | `/assets/…`: the `Range` lies outside the blob
rate_limited                  | 429 | too many requests; `Retry-After` says when to retry
release_conflict              | 409 | another unfinished release has this target on this channel
release_finished              | 409 | the release is finished: no guard for it
release_not_editable          | 409 | a release is editable only before its first ramp
release_not_found             | 404 | no such release in the application
repeated_protocol_version     | 400 | Expo: `expo-protocol-version` sent more than once
report_too_large              | 413 | CodePush report_status: the body is above the size limit
resource_in_package           | 400 | a release resource is a file of its package
runtime_version_required      | 400 | Expo: no runtime version given or stated in the app config
secret_unreadable             | 503 | a stored secret cannot be decrypted (tampered, or another key)
service_unavailable           | 503 | a dependency is unavailable (generic)
session_required              | 403 | the action needs a password session, not an API token
signature_required            | 422 | signed uploads are required and the package has no signature
signing_key_disabled          | 409 | a disabled signing key cannot be the default
signing_key_not_found         | 404 | no enabled RSA signing key (of that id) for the certificate
site_admin_required           | 403 | site administrators only
snapshots_loading             | 503 | this process has not loaded its release snapshots yet; retry
startup_failed                | 503 | the application failed to build at start
startup_in_progress           | 503 | the application is still being built (held 30 s); retry
token_expired                 | 401 | the session or API token has expired
token_name_taken              | 409 | the caller has an active token of that name
token_not_found               | 404 | no such API token among the caller's
token_restricted              | 403 | a restricted API token tried something beyond its restriction
token_revoked                 | 401 | the session was logged out, or the API token revoked
too_many_buckets              | 400 | adoption: the window holds more than 1000 buckets
too_many_dimensions           | 400 | the application already has the most dimensions allowed
too_many_entries              | 413 | a bundle archive with more entries than allowed
too_many_login_attempts       | 429 | sign-in locked for a while (per account and per address)
unassigned_file               | 400 | a bundle file matches neither the important nor the lazy globs
unauthorized                  | 401 | not authenticated (generic)
unexpected_form_field         | 400 | a bundle upload part other than `archive` or `manifest`
unknown_algorithm             | 422 | a signing algorithm other than `es256` or `rsa-v1_5-sha256`
unknown_application           | 422 | device events: no such application
unknown_files                 | 400 | a package names files the application does not have
unknown_release               | 422 | device events: not a release of that application
unknown_signing_key           | 400 | update check: `x-signing-key-id` names no enabled es256 key
unknown_upload_key            | 422 | the upload signature names no registered upload key
unsafe_archive_path           | 400 | an absolute archive entry or one with `..` (zip-slip)
unsupported_archive           | 400 | a bundle archive that is neither zip nor gzip
unsupported_entry             | 400 | a device, FIFO or other special archive entry
unsupported_key               | 422 | an EC key not on P-256, or an RSA key under 2048 bits
unsupported_media_type        | 415 | the body's media type is not accepted here
unsupported_protocol_version  | 400 | Expo: an `expo-protocol-version` other than 1
upload_expired                | 409 | the upload took longer than the cleanup grace period
upload_key_not_found          | 404 | no upload key with that id
user_not_found                | 404 | no user with that email or id
validation_failed             | 422 | the body or a parameter does not match the schema
variant_not_found             | 404 | no such variant in the experiment
view_not_found                | 404 | no such saved view
weak_password                 | 400 | the password breaks the rules; `details.rules` lists which
webhook_not_found             | 404 | no such webhook in this organisation or application
webhook_url_invalid           | 400 | not an http(s) URL with a host, or one holding credentials
webhook_url_refused           | 400 | the URL host resolves to a loopback, private or link-local IP
webhook_url_unresolvable      | 400 | a webhook URL whose host does not resolve
wrong_password                | 400 | password change: the current password is wrong
"""


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int | None  # None: the status of the refused request (`http_error`)
    doc: str


def _parse(table: str) -> Mapping[str, ErrorCode]:
    codes: dict[str, ErrorCode] = {}
    for line in table.strip().splitlines():
        code, status, doc = (cell.strip() for cell in line.split("|", 2))
        if code in codes:
            raise ValueError(f"error code {code!r} declared twice")
        codes[code] = ErrorCode(code, None if status == "any" else int(status), doc)
    return MappingProxyType(codes)


CODES: Mapping[str, ErrorCode] = _parse(_TABLE)


def envelope(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The body of every JSON error answer: `{"error": {"code", "message", "details"}}`."""
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


def envelope_bytes(code: str, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    """`envelope` serialised, for the handlers that answer without the framework."""
    return json.dumps(envelope(code, message, details), separators=(",", ":")).encode()


def device_error_text(code: str, message: str) -> bytes:
    """The plain-text body of a device-path error (its code is in `x-tradewind-error`)."""
    return f"{code}: {message}\n".encode()
