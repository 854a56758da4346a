"""A real `tradewind serve` with two granian workers and JSON logs: /metrics adds up both
workers, every log line is JSON, request ids are echoed, secrets never reach the log."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.metrics import parse, value
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server, clean_env, serving

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("operations-served")]

CHECKS = 40
DEADLINE_SECONDS = 30.0  # bounds a broken test only


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("served")
    env = clean_env(
        data_dir=str(workdir / "data"),
        log_format="json",
        log_level="info",
        metrics_sync_interval_seconds="0.2",
    )
    args = ("--admin-email", ADMIN_EMAIL, "--admin-password", ADMIN_PASSWORD)
    with serving(workdir, env, *args, workers=2) as started:
        yield started


def fresh(server: Server, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request on a new connection, so the kernel spreads them over both workers."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        return client.request(method, path, **kwargs)


def test_metrics_add_up_both_workers(server: Server) -> None:
    for _ in range(CHECKS):
        assert fresh(server, "GET", "/release/nobody/nothing").status_code == 404
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        scrapes = [parse(fresh(server, "GET", "/metrics").text) for _ in range(6)]
        workers = {value(s, "tradewind_workers") for s in scrapes}
        counted = {
            value(
                s,
                "tradewind_device_checks_total",
                protocol="airborne",
                application="(unknown)",
                outcome="404",
            )
            for s in scrapes
        }
        if workers == {2} and counted == {CHECKS}:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"workers {workers}, device checks counted {counted}")
        time.sleep(0.2)


def log_lines(server: Server) -> list[dict[str, Any]]:
    """Every line of the server's output, each a JSON object (start-up messages included)."""
    return [json.loads(line) for line in server.output.splitlines() if line.strip()]


def access_line(server: Server, request_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        for line in log_lines(server):
            if line.get("logger") == "tradewind.access" and line.get("request_id") == request_id:
                return line
        if time.monotonic() > deadline:
            raise AssertionError(f"no access line for {request_id}:\n{server.log_tail()}")
        time.sleep(0.1)


def test_json_access_lines_with_request_id_actor_and_outcome(server: Server) -> None:
    refused = fresh(
        server,
        "POST",
        "/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": "not-the-password-at-all"},
        headers={"x-request-id": "login-refused-1"},
    )
    assert refused.status_code == 401
    assert refused.headers["x-request-id"] == "login-refused-1"
    line = access_line(server, "login-refused-1")
    assert line["route"] == "/api/v1/auth/login" and line["status"] == 401
    assert (line["actor"], line["outcome"]) == ("anonymous", "invalid_credentials")
    assert line["level"] == "info" and line["timestamp"].endswith("Z")
    events = [line["event"] for line in log_lines(server)]
    assert "Created administrator admin@example.com" in events

    session = fresh(
        server,
        "POST",
        "/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    ).json()["token"]
    listed = fresh(
        server,
        "GET",
        "/api/v1/orgs",
        headers={"authorization": f"Bearer {session}", "x-request-id": "list-orgs-1"},
    )
    assert listed.status_code == 200
    line = access_line(server, "list-orgs-1")
    assert (line["actor"], line["outcome"], line["route"]) == ("user:1", "ok", "/api/v1/orgs")
    assert isinstance(line["duration_ms"], float)


@pytest.mark.parametrize("sent", ["", "has spaces", "x" * 129, "semi;colon"])
def test_unusable_request_ids_are_replaced(server: Server, sent: str) -> None:
    answer = fresh(server, "GET", "/health/live", headers={"x-request-id": sent})
    generated = answer.headers["x-request-id"]
    assert generated != sent and len(generated) == 32 and int(generated, 16) >= 0


def test_no_secret_reaches_the_log(server: Server) -> None:
    login = fresh(
        server,
        "POST",
        "/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    )
    session = login.json()["token"]
    auth = {"authorization": f"Bearer {session}"}
    created = fresh(server, "POST", "/api/v1/tokens", json={"name": "ci"}, headers=auth)
    assert created.status_code == 201, created.text
    api_token = created.json()["token"]
    # Secrets where a careless log line would pick them up: a query string, a refused bearer
    # credential, a cookie, a request id that is itself a token, a body echoed in an error.
    fresh(
        server,
        "GET",
        f"/api/v1/orgs?token={api_token}",
        headers={"cookie": f"tw_session={session}"},
    )
    fresh(server, "GET", "/api/v1/orgs", headers={"authorization": f"Bearer {api_token}x"})
    fresh(server, "GET", "/api/v1/orgs", headers={"x-request-id": api_token})
    fresh(server, "POST", "/api/v1/auth/login", json={"email": "x", "password": ADMIN_PASSWORD})
    fresh(server, "GET", "/api/v1/orgs", headers={"x-request-id": "secrets-done"})
    access_line(server, "secrets-done")
    output = server.output
    for secret in (ADMIN_PASSWORD, session, api_token):
        assert secret not in output
    assert session[:12] not in output and api_token[:12] not in output


def _slow_upload(server: Server, token: str, answers: list[int]) -> None:
    """A file upload whose body trickles in over about two seconds."""
    chunks = [b"x" * 1024] * 20
    body = b"".join(chunks)

    def trickle() -> Iterator[bytes]:
        for chunk in chunks:
            time.sleep(0.1)
            yield chunk

    headers = {
        "authorization": f"Bearer {token}",
        "content-type": "application/octet-stream",
        "content-length": str(len(body)),
        "x-checksum-sha256": hashlib.sha256(body).hexdigest(),
    }
    path = "/api/v1/orgs/drain/apps/shop/files/slow.bin"
    answers.append(fresh(server, "PUT", path, content=trickle(), headers=headers).status_code)


def test_sigterm_turns_readiness_off_then_drains(tmp_path: Path) -> None:
    # Long enough for the readiness probe and the request after it to fit inside the drain
    # on a slow, loaded machine (with 1 s, a CI run saw the port closed before the second).
    env = clean_env(data_dir=str(tmp_path / "data"), shutdown_drain_seconds="5")
    args = ("--admin-email", ADMIN_EMAIL, "--admin-password", ADMIN_PASSWORD)
    with serving(tmp_path, env, *args) as server:
        assert fresh(server, "GET", "/health/ready").status_code == 200
        login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        token = fresh(server, "POST", "/api/v1/auth/login", json=login).json()["token"]
        auth = {"authorization": f"Bearer {token}"}
        assert fresh(
            server, "POST", "/api/v1/orgs", json={"name": "drain"}, headers=auth
        ).is_success
        created = fresh(
            server, "POST", "/api/v1/orgs/drain/apps", json={"name": "shop"}, headers=auth
        )
        assert created.is_success, created.text
        answers: list[int] = []
        upload = threading.Thread(target=_slow_upload, args=(server, token, answers))
        upload.start()
        time.sleep(0.3)  # the upload is in flight
        server.process.send_signal(15)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            answer = fresh(server, "GET", "/health/ready")
            if answer.status_code == 503:
                break
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.05)
        assert answer.json()["checks"]["shutdown"] == "draining: shutting down"
        # Still serving while draining: a request sent now is answered.
        assert fresh(server, "GET", "/health/live").status_code == 200
        upload.join(DEADLINE_SECONDS)
        assert answers == [201]  # the request in flight at SIGTERM completed
        assert server.process.wait(DEADLINE_SECONDS) == 0
