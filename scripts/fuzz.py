"""Fuzz the management API with Schemathesis against a real `tradewind serve`.

Starts a server (SQLite in a temporary data directory, or $TRADEWIND_DATABASE_URL), seeds it
with an organisation `acme`, an application `shop`, a file and the administrator's session,
then runs every Schemathesis phase with a fixed seed, failing on any 5xx answer.

    scripts/fuzz.sh                      # the full run (>= 10,000 cases)
    FUZZ_MAX_EXAMPLES=3 scripts/fuzz.sh  # the CI budget
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "fuzzing-operator-passphrase-7"
READY_TIMEOUT_SECONDS = 90
SEED = os.environ.get("FUZZ_SEED", "20261130")
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "220")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# 5xx answers and every conformance check between the server's answers and its OpenAPI
# document (status codes, content types, headers, response bodies, required headers,
# rejection of invalid input). See docs/reliability.md for the checks left out and why.
CHECKS = os.environ.get(
    "FUZZ_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "missing_required_header,unsupported_method",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    env.update(
        TRADEWIND_DATA_DIR=str(data_dir),
        TRADEWIND_DATABASE_URL=os.environ.get("TRADEWIND_DATABASE_URL", ""),
        TRADEWIND_SECRET_KEY="fuzzing-secret-key-0123456789abcdef",
        TRADEWIND_ADMIN_EMAIL=ADMIN_EMAIL,
        TRADEWIND_ADMIN_PASSWORD=ADMIN_PASSWORD,
        TRADEWIND_LOG_LEVEL="warning",
        # The fuzzer signs in wrongly on purpose; it must not lock the administrator out.
        TRADEWIND_LOGIN_MAX_FAILURES_PER_ACCOUNT="1000000",
        TRADEWIND_LOGIN_MAX_FAILURES_PER_IP="1000000",
    )
    log = (data_dir / "serve.log").open("wb")
    cmd = [str(BIN / "tradewind"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("tradewind serve exited before it was ready")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("tradewind serve did not become ready")


def _seed(base: str) -> str:
    """Real objects for the fuzzer to find; returns the administrator's bearer token."""
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        r.raise_for_status()
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        http.post("/api/v1/orgs", json={"name": "acme"}, headers=auth).raise_for_status()
        http.post("/api/v1/orgs/acme/apps", json={"name": "shop"}, headers=auth).raise_for_status()
        body = b"console.log('fuzz')"
        headers = auth | {"X-Checksum-Sha256": hashlib.sha256(body).hexdigest()}
        r = http.put("/api/v1/orgs/acme/apps/shop/files/index.js", content=body, headers=headers)
        r.raise_for_status()
        return str(auth["Authorization"])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tradewind-fuzz-") as tmp:
        data_dir = Path(tmp)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start(data_dir, port)
        try:
            _wait_ready(base, server)
            token = _seed(base)
            cmd = [
                str(BIN / "schemathesis"),
                "--config-file", str(CONFIG),
                "run", f"{base}/openapi.json",
                "--header", f"Authorization: {token}",
                "--checks", CHECKS,
                "--seed", SEED,
                "--max-examples", MAX_EXAMPLES,
                "--request-timeout", "30",
                "--workers", "2",
                # Signing out would revoke the seeded session for every later case.
                "--exclude-operation-id", "logout",
                *sys.argv[1:],
            ]  # fmt: skip
            # In the temporary directory: Schemathesis keeps its cache in the working directory.
            result = subprocess.run(cmd, check=False, cwd=data_dir)
            log = (data_dir / "serve.log").read_text(errors="replace")
            if "Traceback" in log:
                print(log[-5000:])
                return 1
            return result.returncode
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a stuck shutdown must not outlive the run
                print("the server did not stop within 30 s of SIGTERM: killed", file=sys.stderr)
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
                return 1


if __name__ == "__main__":
    sys.exit(main())
