"""Bytes saved by bsdiff launch-asset patches on real JavaScript bundles from npm.

    .venv/bin/python bench/expo_patches/run.py [--pair react-dom 18.2.0 18.3.1] ...

For each pair, `npm pack` fetches both versions, and for every bundle file present in both
(the UMD builds: what a bundler emits), prints the full size, its gzip and brotli sizes (what
a client downloads without a patch), the bsdiff4 patch size (what Tradewind sends with
`A-IM: bsdiff`; patches are bzip2-compressed by the format itself) and the saving against the
brotli download. The patch is applied back and checked byte for byte.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import brotli
import bsdiff4

DEFAULT_PAIRS = [
    ("react-dom", "18.2.0", "18.3.1"),
    ("react-native-web", "0.19.10", "0.19.12"),
]


def fetch(package: str, version: str, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "pack", "--silent", f"{package}@{version}"],
        cwd=into, capture_output=True, text=True, check=True,
    )  # fmt: skip
    tarball = into / done.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="data")
    return into / "package"


def bundle_files(root: Path) -> dict[str, bytes]:
    """The package's JavaScript files over 50 KB (its prebuilt bundles)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*.js"))
        if p.stat().st_size > 50_000
    }


def measure(name: str, old: bytes, new: bytes) -> None:
    started = time.perf_counter()
    patch = bsdiff4.diff(old, new)
    took = time.perf_counter() - started
    assert bsdiff4.patch(old, patch) == new
    gz = len(gzip.compress(new, 9))
    br = len(brotli.compress(new, quality=11))
    saved = 1 - len(patch) / br
    print(
        f"{name:<52} {len(new):>10,} {gz:>9,} {br:>9,} {len(patch):>8,} {saved:>6.0%} {took:>6.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pair", nargs=3, action="append", metavar=("PACKAGE", "OLD", "NEW"))
    pairs = [tuple(p) for p in parser.parse_args().pair or DEFAULT_PAIRS]
    print(f"{'bundle':<52} {'full':>10} {'gzip':>9} {'brotli':>9} {'bsdiff':>8} {'saved':>6}")
    with tempfile.TemporaryDirectory(prefix="tw-patches-") as tmp:
        for package, old_version, new_version in pairs:
            old = bundle_files(fetch(package, old_version, Path(tmp, package, old_version)))
            new = bundle_files(fetch(package, new_version, Path(tmp, package, new_version)))
            for path in sorted(set(old) & set(new)):
                if old[path] != new[path]:
                    label = f"{package} {old_version}->{new_version} {path}"
                    measure(label[:52], old[path], new[path])


if __name__ == "__main__":
    main()
