"""The Expo manifest requests of the serving benchmark (replayed by expo.lua)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import httpx
from expo_seed import CHANNELS, PLATFORMS, RUNTIMES

PATH = "/expo/bench/expo/manifest"
EMBEDDED_ID = "0b0e7e0f-2c4e-4a55-9d0c-3a7e5c6d7f80"
# (path, platform, runtime, channel or "-", eas-client-id, current update id or "-")
ExpoRequest = tuple[str, str, str, str, str, str]


def served_ids(base: str) -> dict[tuple[str, str, str], str]:
    """The update each (channel, platform, runtime) serves to a device outside rollouts."""
    found = {}
    for channel in CHANNELS:
        for platform in PLATFORMS:
            for runtime in RUNTIMES:
                headers = {
                    "expo-protocol-version": "1",
                    "expo-platform": platform,
                    "expo-runtime-version": runtime,
                    "expo-channel-name": channel,
                    "accept": "application/expo+json",
                }
                r = httpx.get(f"{base}{PATH}", headers=headers)
                r.raise_for_status()
                found[(channel, platform, runtime)] = r.json()["id"]
    return found


def expo_mix(base: str, count: int, no_update_share: float, seed: int) -> list[ExpoRequest]:
    """`count` requests from 5,000 devices: a share already runs the served update
    (noUpdateAvailable), the others run their embedded update; a few omit the channel."""
    rng = random.Random(seed)
    ids = served_ids(base)
    devices = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(5000)]
    mix = []
    for _ in range(count):
        channel, platform, runtime = rng.choice(sorted(ids))
        current = (
            ids[(channel, platform, runtime)] if rng.random() < no_update_share else EMBEDDED_ID
        )
        sent_channel = "-" if channel == "production" and rng.random() < 0.3 else channel
        mix.append((PATH, platform, runtime, sent_channel, rng.choice(devices), current))
    return mix


def write_expo_mix(path: Path, mix: list[ExpoRequest]) -> Path:
    path.write_text("\n".join("\t".join(r) for r in mix) + "\n")
    return path


def check_expo_mix(base: str, mix: list[ExpoRequest]) -> None:
    """Every request of the mix answers 200 (a manifest or a directive)."""
    with httpx.Client(base_url=base) as client:
        for path, platform, runtime, channel, device, current in mix[:500]:
            headers = {
                "accept": "multipart/mixed,application/expo+json,application/json",
                "expo-protocol-version": "1",
                "expo-platform": platform,
                "expo-runtime-version": runtime,
                "eas-client-id": device,
                "expo-current-update-id": current,
                "expo-embedded-update-id": EMBEDDED_ID,
            }
            if channel != "-":
                headers["expo-channel-name"] = channel
            status = client.get(path, headers=headers).status_code
            if status != 200:
                raise RuntimeError(f"expo mix: {status} for {platform} {runtime} {channel}")
