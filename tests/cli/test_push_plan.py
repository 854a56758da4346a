"""How `tradewind push` groups the missing files into requests (no server involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.cli.bundle import LocalFile
from tradewind.cli.push import MIB, BatchLimits, plan_batches

pytestmark = pytest.mark.once  # no database: one run is enough

LIMITS = BatchLimits(max_bytes=2048 * MIB, max_files=10_000, max_file_size=1024 * MIB)


def files(*sizes: int) -> list[LocalFile]:
    return [LocalFile(f"f{n}.bin", Path(f"/nowhere/{n}"), size) for n, size in enumerate(sizes)]


def sizes(batches: list[list[LocalFile]]) -> list[list[int]]:
    return [[f.size for f in batch] for batch in batches]


def test_a_server_without_the_batch_route_gets_one_file_per_request() -> None:
    assert plan_batches(files(10, 20), 16 * MIB, None, 4) == ([], files(10, 20))


def test_zero_means_one_file_per_request() -> None:
    assert plan_batches(files(10, 20), 0, LIMITS, 4) == ([], files(10, 20))


def test_a_small_push_is_one_batch() -> None:
    batches, alone = plan_batches(files(100, 300, 200), 16 * MIB, LIMITS, 4)
    assert (sizes(batches), alone) == ([[300, 200, 100]], [])


def test_a_larger_push_is_shared_between_the_requests_in_flight() -> None:
    batches, alone = plan_batches(files(*[MIB] * 8), 16 * MIB, LIMITS, 4)
    assert sizes(batches) == [[MIB, MIB]] * 4
    assert alone == []


def test_files_larger_than_a_batch_go_alone() -> None:
    batches, alone = plan_batches(files(20 * MIB, 5, 6), 16 * MIB, LIMITS, 4)
    assert (sizes(batches), [f.size for f in alone]) == ([[6, 5]], [20 * MIB])


def test_the_servers_limits_bound_a_batch() -> None:
    limits = BatchLimits(max_bytes=16 * MIB, max_files=3, max_file_size=100)
    batches, alone = plan_batches(files(1, 2, 3, 4, 5, 101), 16 * MIB, limits, 1)
    assert sizes(batches) == [[5, 4, 3], [2, 1]]
    assert [f.size for f in alone] == [101]
    small_archives = BatchLimits(max_bytes=4096, max_files=100, max_file_size=4096)
    batches, alone = plan_batches(files(1500, 1500, 1500, 4000), 16 * MIB, small_archives, 1)
    assert sizes(batches) == [[1500, 1500], [1500]]
    assert [f.size for f in alone] == [4000]
