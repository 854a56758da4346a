"""What `tradewind serve` says at start about the URLs devices download from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.cli.server import device_url_notes
from tradewind.settings import Settings


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **values)  # type: ignore[call-arg]


def test_default_names_the_url_and_how_to_change_it(tmp_path: Path) -> None:
    notes = device_url_notes(settings(tmp_path))
    assert notes == [
        "Devices download files from http://127.0.0.1:8000/assets/… "
        "(set TRADEWIND_PUBLIC_BASE_URL to the address phones reach this server at)"
    ]


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_wildcard_address_as_url_warns(tmp_path: Path, host: str) -> None:
    """Without a public base URL, listening on all interfaces would give devices 0.0.0.0."""
    notes = device_url_notes(settings(tmp_path, host=host, port=9000))
    assert len(notes) == 2
    assert "phones and emulators cannot download" in notes[1]
    assert "TRADEWIND_PUBLIC_BASE_URL=http://<this host's address>:9000" in notes[1]


@pytest.mark.parametrize("url", ["http://localhost:9000", "http://127.0.0.1:9000", "http://[::1]"])
def test_loopback_url_while_listening_elsewhere_warns(tmp_path: Path, url: str) -> None:
    notes = device_url_notes(settings(tmp_path, host="192.168.1.20", public_base_url=url))
    assert len(notes) == 2 and "phones and emulators cannot download" in notes[1]
    # Listening on loopback only: nothing but this machine can connect anyway.
    assert len(device_url_notes(settings(tmp_path, public_base_url=url))) == 1


def test_reachable_url_or_s3_gives_no_warning(tmp_path: Path) -> None:
    lan = settings(tmp_path, host="192.168.1.20")
    assert len(device_url_notes(lan)) == 1  # the listening address is the URL
    public = settings(tmp_path, host="0.0.0.0", public_base_url="https://ota.example.com/")
    assert device_url_notes(public) == [
        "Devices download files from https://ota.example.com/assets/… "
        "(set TRADEWIND_PUBLIC_BASE_URL to the address phones reach this server at)"
    ]
    s3 = settings(tmp_path, storage_backend="s3", s3_bucket="b", host="0.0.0.0")
    assert device_url_notes(s3) == ["Devices download files from presigned S3 URLs"]
