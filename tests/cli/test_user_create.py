"""`tradewind user create`: the password from a prompt or stdin (never an argument), and the
server's data directory from any working directory."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from fixtures.servers import TRADEWIND, clean_env

pytestmark = pytest.mark.once  # always SQLite, in its own data directory

PASSWORD = "a-long-enough-secret"


def tw(cwd: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """A `tradewind` command in `cwd` with stdin that is not a terminal."""
    return subprocess.run(
        [TRADEWIND, *args],
        cwd=cwd,
        env=clean_env(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_user_create_from_another_directory(tmp_path: Path) -> None:
    server, elsewhere = tmp_path / "server", tmp_path / "elsewhere"
    server.mkdir()
    elsewhere.mkdir()
    data = server / "data"
    made = tw(server, "db", "upgrade", data_dir=str(data))
    assert made.returncode == 0, made.stderr

    # From the wrong directory, no new empty database appears: a clear error instead.
    lost = tw(elsewhere, "user", "create", "a@example.com", "--password-stdin")
    assert lost.returncode == 2
    assert lost.stderr.startswith("error: database_not_found: no Tradewind database at ")
    assert not (elsewhere / "tradewind-data").exists()

    # No terminal and no --password-stdin: refused, nothing asked.
    mute = tw(elsewhere, "user", "create", "a@example.com", "--data-dir", str(data))
    assert mute.returncode == 2
    assert mute.stderr.startswith("error: password_required: ")
    # The password is not an option any more.
    argv = tw(elsewhere, "user", "create", "a@example.com", "--password", PASSWORD)
    assert argv.returncode == 2 and "No such option" in argv.stderr

    args = ("user", "create", "Dev@Example.com", "--site-admin", "--password-stdin")
    created = tw(elsewhere, *args, "--data-dir", str(data), stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created user 1 <dev@example.com>"
    with sqlite3.connect(data / "tradewind.db") as db:
        row = db.execute("select email, is_site_admin, password_hash from users").fetchone()
    assert row[:2] == ("dev@example.com", 1) and row[2].startswith("$argon2id$")

    # TRADEWIND_DATA_DIR works as well as the option; errors keep the one format.
    again = tw(elsewhere, *args, stdin=PASSWORD + "\n", data_dir=str(data))
    assert again.returncode == 1
    assert again.stderr.startswith("error: email_taken: ")
