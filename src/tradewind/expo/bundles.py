"""Launch-asset downloads: a bsdiff patch against the bundle the device runs when it asks for
one (`A-IM: bsdiff`) and the patch is ready, else the full bundle."""

from __future__ import annotations

from starlette.types import Scope, Send

from tradewind.expo.patches import PatchCache
from tradewind.expo.snapshot import Bundle, ExpoSnapshot

# What the answer depends on besides the URL.
VARY = b"A-IM, Expo-Current-Update-ID"


def patch_for(
    patches: PatchCache,
    snapshot: ExpoSnapshot,
    target: Bundle,
    headers: list[tuple[bytes, bytes]],
) -> tuple[bytes, str] | None:
    """(patch, base update id) when the request accepts bsdiff, names a running update whose
    bundle differs from `target`, and the patch is ready; else None (maybe starting it)."""
    accepts = False
    current = ""
    for name, value in headers:
        if name == b"a-im":
            accepts = any(
                part.split(b";")[0].strip().lower() == b"bsdiff" and b"q=0" not in part
                for part in value.split(b",")
            )
        elif name == b"expo-current-update-id":
            current = value.decode("latin-1").strip().lower()
    if not accepts or not current:
        return None
    running = snapshot.history.updates.get(current)
    if running is None or running.bundle_sha256 is None or running.bundle_sha256 == target.sha256:
        return None
    base = snapshot.history.bundles.get(running.bundle_sha256)
    if base is None:
        return None
    patch = patches.get(snapshot.app_id, base, target)
    return None if patch is None else (patch, current)


async def send_patch(scope: Scope, send: Send, patch: bytes, base_update_id: str) -> None:
    headers = [
        (b"content-type", b"application/octet-stream"),
        (b"content-length", str(len(patch)).encode()),
        (b"im", b"bsdiff"),
        (b"expo-base-update-id", base_update_id.encode()),
        # A patch is right only for devices on that base: no shared cache may keep it.
        (b"cache-control", b"private, no-store"),
        (b"vary", VARY),
    ]
    await send({"type": "http.response.start", "status": 226, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else patch
    await send({"type": "http.response.body", "body": body})


async def redirect(send: Send, url: str) -> None:
    """To the bundle in object storage (S3/CDN): immutable at that URL."""
    headers = [
        (b"location", url.encode("latin-1")),
        (b"content-length", b"0"),
        # The target (a presigned URL, often) may expire: only the bundle itself is immutable.
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 307, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
