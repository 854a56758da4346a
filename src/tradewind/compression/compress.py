"""Streaming brotli and gzip compression of a local file into temporary files.

Runs in a worker thread: brotli and zlib release the GIL while compressing, so the event
loop keeps serving. Memory stays bounded by the chunk size whatever the file size.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli

from tradewind.compression.variants import Coding

CHUNK_SIZE = 256 * 1024
GZIP_LEVEL = 9


def compress_file(source: Path, target: Path, coding: Coding, brotli_quality: int) -> int:
    """Write `source` compressed with `coding` to `target`; returns the compressed size."""
    with source.open("rb") as src, target.open("xb") as dst:
        if coding == "br":
            compressor = brotli.Compressor(quality=brotli_quality)
            while chunk := src.read(CHUNK_SIZE):
                dst.write(compressor.process(chunk))
            dst.write(compressor.finish())
        else:
            # mtime=0 and no file name: the same input always gives the same bytes.
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=dst, compresslevel=GZIP_LEVEL, mtime=0
            ) as gz:
                while chunk := src.read(CHUNK_SIZE):
                    gz.write(chunk)
        return dst.tell()
