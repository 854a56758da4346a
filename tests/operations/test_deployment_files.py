"""The Containerfile and compose.yaml name only settings that exist, with valid values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tradewind.settings import Settings

pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\bTRADEWIND_([A-Z0-9_]+)")
# Variables of the deployment itself (which image to run), not settings of the server.
NOT_SETTINGS = {"IMAGE"}


def _named(text: str) -> set[str]:
    return {name for name in VARIABLE.findall(text) if name not in NOT_SETTINGS}


def test_every_variable_is_a_setting() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for path in ("Containerfile", "compose.yaml"):
        unknown = _named((ROOT / path).read_text()) - fields
        assert not unknown, f"{path} sets unknown settings: {sorted(unknown)}"


def test_compose_shape() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [name for name in services if name.startswith("tradewind-")]
    assert len(replicas) == 2
    for name in replicas:
        service = services[name]
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
        environment = service["environment"]
        assert environment["TRADEWIND_STORAGE_BACKEND"] == "s3"
        assert environment["TRADEWIND_DATABASE_URL"].startswith("postgresql://")
    assert {"postgres", "minio", "keycloak"} <= set(services)
    assert services["keycloak"]["profiles"] == ["sso"]


def test_image_settings_are_valid() -> None:
    """The ENV block of the image, read as the server reads its environment."""
    text = (ROOT / "Containerfile").read_text()
    pairs = dict(re.findall(r"TRADEWIND_([A-Z_]+)=(\S+)", text))
    settings = Settings(**{k.lower(): v for k, v in pairs.items()}, _env_file=None)  # type: ignore[arg-type]
    assert settings.data_dir == Path("/data") and settings.host == "0.0.0.0"
    assert settings.log_format == "json"
