"""Clients that vanish mid-body: no 500, no traceback, no temporary file left (finding 6).
Raw sockets against a real `tradewind serve`."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

import httpx
from fixtures.processes import tradewind_serve

ADMIN = {"admin_email": "admin@example.com", "admin_password": "reliable-operator-passphrase-1"}
DECLARED = 50 * 1024 * 1024
SENT = 3 * 1024 * 1024
HANG_GUARD_SECONDS = 30
MALFORMED_LENGTHS = ["abc", "", "-1", "1 2", "9" * 25]
# The HTTP server (granian) refuses these itself, before the application sees the request:
# no JSON envelope is possible there (documented in docs/reliability.md).
GRANIAN_BARE_400 = (400, b"")


def _answer_to_bad_length(base: str, length: str) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HANG_GUARD_SECONDS) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {length}\r\n\r\n{{}}".encode()
        )
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def _send_and_vanish(base: str, head: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + b"\r\n")
        sock.sendall(b"x" * SENT)
        # RST instead of FIN: the connection is gone, not merely half-closed.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _temp_files(tmp_dir: Path) -> list[Path]:
    return list(tmp_dir.iterdir()) if tmp_dir.exists() else []


async def _until_no_temp_files(tmp_dir: Path) -> None:
    """Polls (the server cleans up on its own schedule); the timeout only guards a hang."""
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        while await asyncio.to_thread(_temp_files, tmp_dir):  # noqa: ASYNC110
            await asyncio.sleep(0.1)


def _server_log(data_dir: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in data_dir.glob("serve-*.log"))


async def _until_logged(data_dir: Path, *lines: str) -> None:
    """Waits until the server has finished the abandoned requests: until then there may be no
    temporary file yet to look for, and stopping the server would cut the requests short."""
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        while True:
            log = await asyncio.to_thread(_server_log, data_dir)
            if all(line in log for line in lines):
                return
            await asyncio.sleep(0.1)


async def test_uploads_abandoned_mid_body(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with (
        tradewind_serve("", data_dir, workers=1, **ADMIN) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as http,
    ):
        if True:
            r = await http.post(
                "/api/v1/auth/login",
                json={"email": ADMIN["admin_email"], "password": ADMIN["admin_password"]},
            )
            token = r.json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert (await http.post("/api/v1/orgs", json={"name": "acme"}, headers=auth)).is_success
            r = await http.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=auth)
            assert r.is_success
            app = "/api/v1/orgs/acme/apps/shop"
            _send_and_vanish(
                base,
                f"PUT {app}/files/big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"X-Checksum-Sha256: {'0' * 64}\r\nContent-Length: {DECLARED}\r\n",
            )
            _send_and_vanish(
                base,
                f"POST {app}/bundles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: multipart/form-data; boundary=b0undary\r\n"
                f"Content-Length: {DECLARED}\r\n\r\n--b0undary\r\n"
                'Content-Disposition: form-data; name="archive"; filename="a.zip"\r\n',
            )
            _send_and_vanish(
                base,
                f"POST {app}/files/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/zip\r\nContent-Length: {DECLARED}\r\n",
            )
            await _until_logged(
                data_dir,
                f"PUT {app}/files/big.bin 400",
                f"POST {app}/bundles 400",
                f"POST {app}/files/batch 400",
            )
            await _until_no_temp_files(data_dir / "tmp")
            for length in MALFORMED_LENGTHS:
                assert _answer_to_bad_length(base, length) == GRANIAN_BARE_400, length
            assert (await http.get("/health/ready")).status_code == 200
            assert (await http.get(f"{app}/files", headers=auth)).json() == []
    log = _server_log(data_dir)
    assert "Traceback" not in log, log[-3000:]
    assert "unhandled error" not in log
