"""Named login profiles kept in the user's config directory, and the environment overrides.

The file is `<config dir>/config.json`, written atomically with mode 0600 (it holds bearer
tokens). The config dir is `$TRADEWIND_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tradewind`, else the
platform's application directory (`~/.config/tradewind` on Linux).

For CI, `TRADEWIND_SERVER` and `TRADEWIND_TOKEN` override the profile's server and token, and
`TRADEWIND_PROFILE` picks the profile when `--profile` is not given.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import typer

from tradewind.cli.errors import UsageProblem

ENV_CONFIG_DIR = "TRADEWIND_CONFIG_DIR"
ENV_SERVER = "TRADEWIND_SERVER"
ENV_TOKEN = "TRADEWIND_TOKEN"
ENV_PROFILE = "TRADEWIND_PROFILE"
DEFAULT_PROFILE = "default"
FILE_MODE = 0o600

TokenKind = Literal["session", "api_token", "sso"]


@dataclass
class Profile:
    server: str
    token: str
    kind: TokenKind = "session"
    email: str | None = None


@dataclass
class Config:
    default_profile: str = DEFAULT_PROFILE
    profiles: dict[str, Profile] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    """What a command connects with, after applying the environment overrides."""

    profile: str
    server: str
    token: str | None
    source: str  # "profile", "environment" or "profile+environment"


def config_dir() -> Path:
    if explicit := os.environ.get(ENV_CONFIG_DIR):
        return Path(explicit)
    if xdg := os.environ.get("XDG_CONFIG_HOME"):
        return Path(xdg) / "tradewind"
    return Path(typer.get_app_dir("tradewind"))


def config_path() -> Path:
    return config_dir() / "config.json"


def load() -> Config:
    path = config_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, ValueError) as exc:
        raise UsageProblem("config_unreadable", f"cannot read {path}: {exc}") from exc
    return _parse(raw, path)


def _parse(raw: Any, path: Path) -> Config:
    try:
        profiles = {
            name: Profile(
                server=str(entry["server"]),
                token=str(entry["token"]),
                kind=entry.get("kind", "session"),
                email=entry.get("email"),
            )
            for name, entry in raw.get("profiles", {}).items()
        }
        return Config(str(raw.get("default_profile", DEFAULT_PROFILE)), profiles)
    except (AttributeError, KeyError, TypeError) as exc:
        raise UsageProblem("config_invalid", f"{path} is not a Tradewind config file") from exc


def save(config: Config) -> Path:
    """Write the config atomically; the file is never readable by other users, even briefly."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {
        "default_profile": config.default_profile,
        "profiles": {name: asdict(profile) for name, profile in sorted(config.profiles.items())},
    }
    fd, temp = tempfile.mkstemp(prefix=".config-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return path


def profile_name(explicit: str | None) -> str:
    """The profile a command uses: --profile, else $TRADEWIND_PROFILE, else the default one."""
    return explicit or os.environ.get(ENV_PROFILE) or load().default_profile


def credentials(explicit_profile: str | None) -> Credentials:
    """The server and token to use; environment variables win over the stored profile."""
    name = profile_name(explicit_profile)
    stored = load().profiles.get(name)
    env_server = os.environ.get(ENV_SERVER) or None
    env_token = os.environ.get(ENV_TOKEN) or None
    server = env_server or (stored.server if stored else None)
    if server is None:
        hint = "run `tradewind login --server URL`"
        if explicit_profile:
            hint += f" --profile {name}"
        raise UsageProblem(
            "not_logged_in",
            f"no server configured for profile '{name}': {hint}, or set {ENV_SERVER}",
        )
    token = env_token or (stored.token if stored else None)
    if stored is None:
        source = "environment"
    elif env_server or env_token:
        source = "profile+environment"
    else:
        source = "profile"
    return Credentials(name, normalise_server(server), token, source)


def normalise_server(server: str) -> str:
    url = server.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1]) == 0:
        raise UsageProblem(
            "invalid_server_url", f"server URL must start with http:// or https://, got {server!r}"
        )
    return url
