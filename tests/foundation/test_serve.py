"""`tradewind serve`, `db` and `user create` as real processes (SQLite here; PostgreSQL in
test_serve_postgres.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from fixtures.servers import (
    CREATED,
    SHOWN_ONCE,
    TRADEWIND,
    Server,
    clean_env,
    head_revision,
    login,
    run,
)

pytestmark = pytest.mark.once  # SQLite whatever the test database is


def test_first_start_creates_admin_once_and_sigterm_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(data_dir=str(tmp_path / "data"))
    with Server(tmp_path, env) as server:
        ready_after = server.wait_ready()
        with capsys.disabled():
            print(f"\n[startup] SQLite, empty data dir: ready {ready_after:.2f} s after start")
        # No timing assertion: wait_ready() fails after 60 s (a hang), the figure above is
        # the measurement (on a quiet 2-core machine it is well under 2 s).
        match = SHOWN_ONCE.search(server.output)
        assert match, server.output
        assert f"{CREATED} admin@localhost.localdomain" in server.output
        assert f"Devices download files from {server.url}/assets/" in server.output
        # "listening" is said once the socket is bound and the workers forked, never before.
        deadline = time.monotonic() + 30  # an upper bound for a loaded machine, not a timing test
        while f"Tradewind listening on {server.url}" not in server.output:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.1)
        r = login(server.url, "admin@localhost.localdomain", match.group(1))
        assert r.status_code == 200, r.text
        assert r.json()["user"]["is_site_admin"] is True
        assert server.terminate() == 0
    with Server(tmp_path, env) as again:
        ready_after = again.wait_ready()
        with capsys.disabled():
            print(f"[startup] SQLite, second start: ready {ready_after:.2f} s after start")
        assert CREATED not in again.output
        assert "shown once" not in again.output
        assert again.terminate() == 0


def test_admin_credentials_from_flags(tmp_path: Path) -> None:
    env = clean_env(data_dir=str(tmp_path / "data"))
    password = "Flag-given-passphrase-7"
    args = ("--admin-email", "Ops@Example.com", "--admin-password", password)
    with Server(tmp_path, env, *args) as server:
        server.wait_ready()
        assert f"{CREATED} ops@example.com" in server.output
        assert password not in server.output
        assert "shown once" not in server.output
        assert login(server.url, "ops@example.com", password).status_code == 200
        assert server.terminate() == 0


def test_admin_credentials_from_settings(tmp_path: Path) -> None:
    password = "Setting-given-passphrase-7"
    env = clean_env(
        data_dir=str(tmp_path / "data"), admin_email="root@example.com", admin_password=password
    )
    with Server(tmp_path, env) as server:
        server.wait_ready()
        assert f"{CREATED} root@example.com" in server.output
        assert login(server.url, "root@example.com", password).status_code == 200
        assert server.terminate() == 0


def test_weak_admin_password_refuses_to_start(tmp_path: Path) -> None:
    env = clean_env(data_dir=str(tmp_path / "data"))
    result = run(["serve", "--admin-password", "short"], tmp_path, env)
    assert result.returncode == 1
    assert "password too weak" in result.stderr


def test_postgres_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    # Checked before any connection is attempted, so no server needs to exist there.
    env = clean_env(database_url="postgresql://nobody@127.0.0.1:9/nothing")
    result = run(["serve"], tmp_path, env)
    assert result.returncode == 1
    assert "TRADEWIND_SECRET_KEY must be set" in result.stderr


def test_invalid_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, clean_env(port="99999"))
    assert result.returncode == 2
    assert "invalid settings" in result.stderr
    assert "port" in result.stderr


def test_db_and_user_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = clean_env(data_dir=str(data))
    assert run(["db", "current"], tmp_path, env).stdout.strip() == "empty (no migrations applied)"
    upgraded = run(["db", "upgrade"], tmp_path, env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == f"database at revision {head_revision()}"
    assert run(["db", "current"], tmp_path, env).stdout.strip() == head_revision()
    # Upgrading an up-to-date database changes nothing.
    assert run(["db", "upgrade"], tmp_path, env).returncode == 0

    def user_create(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TRADEWIND, "user", "create", *args, "--password-stdin"],
            cwd=tmp_path,
            env=env,
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    created = user_create("Dev@Example.com", "--site-admin", password="a-long-passphrase")
    assert created.returncode == 0, created.stderr
    assert "<dev@example.com>" in created.stdout
    again = user_create("dev@example.com", password="a-long-passphrase")
    assert again.returncode == 1
    assert "email_taken" in again.stderr
    weak = user_create("x@example.com", password="short")
    assert weak.returncode == 1
    assert "weak_password" in weak.stderr
    with sqlite3.connect(data / "tradewind.db") as db:
        rows = db.execute("SELECT email, is_site_admin FROM users").fetchall()
    assert rows == [("dev@example.com", 1)]
    # A server started on this database creates no administrator: it has a user already.
    with Server(tmp_path, env) as server:
        server.wait_ready()
        assert CREATED not in server.output
        assert login(server.url, "dev@example.com", "a-long-passphrase").status_code == 200
        assert server.terminate() == 0


def with_startup_hook(tmp_path: Path, code: str, **settings: str) -> dict[str, str]:
    """`clean_env(**settings)` plus a `sitecustomize` running `code` in every Python process
    of the server (the parent and, through fork hooks, its workers)."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(code)
    return clean_env(data_dir=str(tmp_path / "data"), **settings) | {"PYTHONPATH": str(hooks)}


FORK_WATCH = """
import os, threading
def _record_threads():
    names = sorted(t.name for t in threading.enumerate())
    with open(os.environ["TW_TEST_FORK_LOG"], "a") as log:
        log.write(",".join(names) + "\\n")
os.register_at_fork(before=_record_threads)
"""


def test_the_parent_forks_its_workers_with_no_other_thread(tmp_path: Path) -> None:
    """A thread alive in the parent at fork time can hold a lock (a module's import lock, a
    log handler's) that stays held forever in the child: that worker's build then hangs and
    every request it accepts waits. This records the parent's threads at every fork."""
    forks = tmp_path / "forks.log"
    env = with_startup_hook(tmp_path, FORK_WATCH, workers="2")
    env["TW_TEST_FORK_LOG"] = str(forks)
    with Server(tmp_path, env) as server:
        server.wait_ready(workers=2)
        assert server.terminate() == 0
    threads_at_each_fork = [line.split(",") for line in forks.read_text().splitlines()]
    assert len(threads_at_each_fork) >= 2, server.output  # one fork per worker at least
    # granian's own thread per forked worker waits in waitpid() for it to exit.
    ours = {t for ts in threads_at_each_fork for t in ts if not t.endswith("(_watcher)")}
    assert ours == {"MainThread"}, threads_at_each_fork


HANGING_BUILD = """
import os, sys, time, types

def _hang(name):
    time.sleep(3600)

def _in_worker():
    stuck = types.ModuleType("tradewind.app")
    stuck.__getattr__ = _hang  # `from tradewind.app import create_app` waits forever
    sys.modules["tradewind.app"] = stuck

os.register_at_fork(after_in_child=_in_worker)
"""


def test_a_worker_whose_build_never_ends_is_killed_at_shutdown(tmp_path: Path) -> None:
    """A worker stuck in its start-up cannot finish its shutdown either: granian kills it
    after TRADEWIND_SHUTDOWN_TIMEOUT_SECONDS, and the server stops."""
    env = with_startup_hook(tmp_path, HANGING_BUILD, shutdown_timeout_seconds="2")
    with Server(tmp_path, env) as server:
        deadline = time.monotonic() + 60
        while not server.answers("/health/live"):
            assert time.monotonic() < deadline, server.output
            time.sleep(0.1)
        assert httpx.get(f"{server.url}/health/ready", timeout=5).status_code == 503
        server.terminate(timeout=30)  # fails the test when the server does not stop
        assert "Killing worker-1 after it refused to gracefully stop" in server.output
