"""In-process cost of signed Airborne answers on the update check: the device handler on the
same request mix with the application unsigned, signed by its default es256 key, and signed
with a key named in x-signing-key-id (signatures are prebuilt with the snapshot).

    .venv/bin/python bench/serve/signing_cost.py [--requests 200000] [--rounds 5]

Rounds alternate between the variants; the median round of each is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from signals_cost import _run, _scopes, _store

from tradewind.keys.signing import LoadedSigningKey
from tradewind.serving.compiler import compile_app
from tradewind.serving.handler import DeviceHandler
from tradewind.serving.store import SnapshotStore


def _signed(store: SnapshotStore) -> SnapshotStore:
    source = store.apps["acme/shop"].source
    keys = tuple(
        LoadedSigningKey(
            name, "es256", name == "main", "", None, ec.generate_private_key(ec.SECP256R1())
        )
        for name in ("main", "other")
    )
    snapshot = compile_app(replace(source, signing_keys=keys), "https://cdn/".__add__, b"public")
    store.apps = {"acme/shop": snapshot}
    return store


def _named(scopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**s, "headers": [*s["headers"], (b"x-signing-key-id", b"other")]} for s in scopes]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scopes = _scopes(args.requests)
    variants = {
        "unsigned": (DeviceHandler(_store(), None), scopes),
        "signed (default key)": (DeviceHandler(_signed(_store()), None), scopes),
        "signed (x-signing-key-id)": (DeviceHandler(_signed(_store()), None), _named(scopes)),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (handler, mix) in variants.items():
            results[name].append(asyncio.run(_run(handler, mix)))
    base = statistics.median(results["unsigned"])
    for name, runs in results.items():
        median = statistics.median(runs)
        print(f"{name:<28} {median:6.2f} µs per request  {median / base:6.1%} of unsigned")


if __name__ == "__main__":
    main()
