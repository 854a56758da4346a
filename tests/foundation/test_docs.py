"""Every setting is documented in docs/configuration.md with its environment variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tradewind.settings import Settings

pytestmark = pytest.mark.once  # no database: one run is enough

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    rows = set(re.findall(r"^\| `(TRADEWIND_[A-Z0-9_]+)` \|", text, flags=re.MULTILINE))
    missing = [
        f"TRADEWIND_{name.upper()}"
        for name in Settings.model_fields
        if f"TRADEWIND_{name.upper()}" not in rows
    ]
    assert not missing, f"undocumented settings (add a row to docs/configuration.md): {missing}"
    unknown = {
        row for row in rows if row.removeprefix("TRADEWIND_").lower() not in Settings.model_fields
    }
    assert not unknown, f"documented settings that do not exist: {unknown}"
