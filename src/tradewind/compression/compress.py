"""Streaming brotli and gzip compression of a local file into temporary files.

Runs in a worker thread: brotli and zlib release the GIL while compressing, so the event
loop keeps serving. Memory stays bounded by the chunk size whatever the file size.
"""

from __future__ import annotations

import gzip
import os
import threading
import zlib
from pathlib import Path

import brotli

from tradewind.compression.variants import Coding

CHUNK_SIZE = 256 * 1024
GZIP_LEVEL = 9
# Spread evenly from the first byte to the last: a packed head does not hide a text tail.
SAMPLE_COUNT = 4
SAMPLE_SIZE = 64 * 1024
# When fast zlib saves under 2 % on every sample, brotli at its best will not save the 10 %
# a variant must (`worth_keeping`): such files (packed assets, encrypted or already
# compressed payloads) are marked done without spending seconds of CPU per MiB on them.
INCOMPRESSIBLE_RATIO = 0.98
SAMPLE_LEVEL = 6
# Added to the thread's nice value: compression yields the CPU to requests.
BACKGROUND_NICENESS = 10


def looks_incompressible(source: Path, size: int) -> bool:
    """Whether samples of the file (all of it when small) say no variant is worth keeping."""
    with source.open("rb") as src:
        for offset in _sample_offsets(size):
            src.seek(offset)
            sample = src.read(SAMPLE_SIZE)
            if len(zlib.compress(sample, SAMPLE_LEVEL)) < INCOMPRESSIBLE_RATIO * len(sample):
                return False
    return True


def _sample_offsets(size: int) -> list[int]:
    if size <= SAMPLE_COUNT * SAMPLE_SIZE:
        return list(range(0, size, SAMPLE_SIZE))
    step = (size - SAMPLE_SIZE) // (SAMPLE_COUNT - 1)
    return [number * step for number in range(SAMPLE_COUNT)]


def lower_thread_priority() -> None:
    """Raise the calling thread's nice value (on Linux, each thread has its own)."""
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + BACKGROUND_NICENESS))
    except OSError:  # not permitted here: compress at the normal priority
        pass


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
