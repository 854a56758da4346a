"""The device half of the container smoke test (scripts/container-smoke.sh): the release is
served to a device, its files download with the right checksums, a repeated check answers 304,
and /metrics counts the checks. Exits non-zero with the reason on the first failure."""

from __future__ import annotations

import hashlib
import sys
import time

import httpx

DEADLINE_SECONDS = 30.0


def fail(reason: str) -> None:
    sys.exit(f"container smoke test failed: {reason}")


def served_document(client: httpx.Client, path: str) -> httpx.Response:
    """The device document once the server's snapshot has caught up with the release."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        answer = client.get(path, headers={"x-dimension": "os=android"})
        if answer.status_code == 200 and answer.json()["package"]["version"] == "1":
            return answer
        if time.monotonic() > deadline:
            fail(f"device never got version 1: {answer.status_code} {answer.text[:200]}")
        time.sleep(0.2)


def main(url: str, org: str, app: str) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        answer = served_document(client, f"/release/{org}/{app}")
        package = answer.json()["package"]
        for file in [package["index"], *package["lazy"]]:
            body = client.get(file["url"]).content
            if hashlib.sha256(body).hexdigest() != file["checksum"]:
                fail(f"{file['file_path']}: checksum mismatch")
        etag = answer.headers["etag"]
        again = client.get(f"/release/{org}/{app}", headers={"if-none-match": etag})
        if again.status_code != 304:
            fail(f"conditional check answered {again.status_code}, not 304")
        metrics = client.get("/metrics")
        if metrics.status_code != 200 or "tradewind_device_checks_total" not in metrics.text:
            fail(f"/metrics answered {metrics.status_code} without device checks")
    print(f"container smoke test: release served, {len(package['lazy']) + 1} files verified")


if __name__ == "__main__":
    main(*sys.argv[1:4])
