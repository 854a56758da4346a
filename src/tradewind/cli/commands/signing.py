"""`keys list|create|import|default|disable|enable|public` and `keys upload-…`: an
application's signing keys and upload keys, through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tradewind.cli.client import app_path, seg
from tradewind.cli.commands.common import AppOpt, JsonOpt, OrgOpt, ProfileOpt, connect, handled, out
from tradewind.cli.errors import UsageProblem
from tradewind.cli.keys import keys_app
from tradewind.cli.output import fields, table

KeyIdArg = Annotated[
    str, typer.Argument(metavar="KEY_ID", help="The key's id (its `keyid`).", show_default=False)
]
AlgorithmOpt = Annotated[
    str,
    typer.Option(
        "--algorithm",
        help="es256 (ECDSA P-256, Airborne) or rsa-v1_5-sha256 (RSA 2048, Expo).",
    ),
]
KeyIdOpt = Annotated[
    str | None,
    typer.Option(
        "--key-id", help="The keyid devices see [default: generated].", show_default=False
    ),
]
DefaultOpt = Annotated[
    bool | None,
    typer.Option(
        "--default/--not-default",
        help="Make it its algorithm's default [default: when it has none].",
        show_default=False,
    ),
]


def _key_view(key: dict[str, Any]) -> Any:
    return fields(
        [
            ("key id", key["key_id"]),
            ("algorithm", key["algorithm"]),
            ("default", "yes" if key["is_default"] else "no"),
            ("state", "disabled" if key["disabled"] else "enabled"),
            ("imported", "yes" if key["imported"] else "no"),
            ("fingerprint", key["fingerprint"]),
            ("created", key["created_at"]),
        ]
    )


@keys_app.command("list")
@handled
def key_list(
    org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List the application's signing keys (public halves only)."""
    with connect(profile) as client:
        keys = client.get(f"{app_path(org, app)}/signing-keys")
    rows = [
        (
            k["key_id"],
            k["algorithm"],
            "yes" if k["is_default"] else "",
            "disabled" if k["disabled"] else "enabled",
            k["fingerprint"][:16] + "…",
        )
        for k in keys
    ]
    out(as_json).result(
        keys, table(["key id", "algorithm", "default", "state", "fingerprint"], rows)
    )


@keys_app.command("create")
@handled
def key_create(
    org: OrgOpt,
    app: AppOpt,
    algorithm: AlgorithmOpt = "es256",
    key_id: KeyIdOpt = None,
    default: DefaultOpt = None,
    common_name: Annotated[
        str, typer.Option(help="RSA: the certificate's subject [default: the key id].")
    ] = "",
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a signing key on the server (its private key never leaves it)."""
    body: dict[str, Any] = {"algorithm": algorithm, "key_id": key_id, "default": default}
    if common_name:
        body["common_name"] = common_name
    _create(profile, org, app, body, as_json)


@keys_app.command("import")
@handled
def key_import(
    pem_file: Annotated[
        Path, typer.Argument(help="An unencrypted PEM private key (EC P-256 or RSA ≥ 2048).")
    ],
    org: OrgOpt,
    app: AppOpt,
    key_id: KeyIdOpt = None,
    default: DefaultOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import an existing private key as a signing key (e.g. the key behind a certificate
    already embedded in shipped apps)."""
    try:
        pem = pem_file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem("unreadable_file", f"{pem_file}: {exc}") from exc
    _create(profile, org, app, {"private_pem": pem, "key_id": key_id, "default": default}, as_json)


def _create(profile: str | None, org: str, app: str, body: dict[str, Any], as_json: bool) -> None:
    with connect(profile) as client:
        key = client.post(
            f"{app_path(org, app)}/signing-keys", {k: v for k, v in body.items() if v is not None}
        )
    out(as_json).result(key, _key_view(key))


def _action(profile: str | None, org: str, app: str, key_id: str, action: str) -> Any:
    with connect(profile) as client:
        return client.post(f"{app_path(org, app)}/signing-keys/{seg(key_id)}/{action}")


@keys_app.command("default")
@handled
def key_default(
    key_id: KeyIdArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Make a key its algorithm's default (used when a device names no key)."""
    key = _action(profile, org, app, key_id, "default")
    out(as_json).result(key, _key_view(key))


@keys_app.command("disable")
@handled
def key_disable(
    key_id: KeyIdArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Stop signing with a key; devices that name it get 400 unknown_signing_key."""
    key = _action(profile, org, app, key_id, "disable")
    out(as_json).result(key, _key_view(key))


@keys_app.command("enable")
@handled
def key_enable(
    key_id: KeyIdArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Sign with a disabled key again."""
    key = _action(profile, org, app, key_id, "enable")
    out(as_json).result(key, _key_view(key))


@keys_app.command("public")
@handled
def key_public(
    key_id: KeyIdArg,
    org: OrgOpt,
    app: AppOpt,
    certificate: Annotated[
        bool, typer.Option("--certificate", help="RSA: print the X.509 certificate instead.")
    ] = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a key's public key (PEM SubjectPublicKeyInfo) to pin in the app, or with
    --certificate an RSA key's certificate (expo-updates' codeSigningCertificate)."""
    with connect(profile) as client:
        key = client.get(f"{app_path(org, app)}/signing-keys/{seg(key_id)}")
    if certificate and key["certificate_pem"] is None:
        raise UsageProblem(
            "no_certificate", f"{key_id} is an {key['algorithm']} key: no certificate"
        )
    pem = key["certificate_pem"] if certificate else key["public_pem"]
    out(as_json).result(key, pem.rstrip("\n"))


@keys_app.command("upload-add")
@handled
def upload_key_add(
    key_id: KeyIdArg,
    public_pem_file: Annotated[Path, typer.Argument(help="The team's public key, PEM (SPKI).")],
    org: OrgOpt,
    app: AppOpt,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a public key whose signatures uploads may carry (`push --sign`)."""
    try:
        pem = public_pem_file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem("unreadable_file", f"{public_pem_file}: {exc}") from exc
    with connect(profile) as client:
        key = client.post(
            f"{app_path(org, app)}/upload-keys", {"key_id": key_id, "public_pem": pem}
        )
    out(as_json).result(key, f"Registered upload key {key['key_id']} ({key['fingerprint']}).")


@keys_app.command("upload-disable")
@handled
def upload_key_disable(
    key_id: KeyIdArg, org: OrgOpt, app: AppOpt, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """Stop trusting an upload key."""
    with connect(profile) as client:
        key = client.post(f"{app_path(org, app)}/upload-keys/{seg(key_id)}/disable")
    out(as_json).result(key, f"Disabled upload key {key['key_id']}.")


@keys_app.command("upload-policy")
@handled
def upload_policy(
    org: OrgOpt,
    app: AppOpt,
    require: Annotated[
        bool | None,
        typer.Option(
            "--require/--no-require",
            help="Require a valid signature on every new package [default: show the policy].",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or set whether new packages must be signed with a registered upload key."""
    path = f"{app_path(org, app)}/upload-policy"
    with connect(profile) as client:
        if require is not None:
            client.put(path, {"require_signature": require})
        policy = client.get(path)
        keys = client.get(f"{app_path(org, app)}/upload-keys")
    enabled = [k["key_id"] for k in keys if not k["disabled"]]
    out(as_json).result(
        policy,
        fields(
            [
                ("signed uploads", "required" if policy["require_signature"] else "optional"),
                ("upload keys", ", ".join(enabled) or "none"),
            ]
        ),
    )


def register(app: typer.Typer) -> None:
    """The commands hang on `keys`, which tradewind.cli.server registers."""
