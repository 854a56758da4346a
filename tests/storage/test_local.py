"""What only the local backend has: on-disk layout, atomic writes, key clashes."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from storage.helpers import all_keys, read_all, source_file

from tradewind.errors import Conflict
from tradewind.settings import Settings
from tradewind.storage import Adoption, LocalBlobStore, create_blob_store, local

pytestmark = pytest.mark.once  # no database: one run is enough

KEY = "apps/5/sha256/beef"


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_factory_roots_blobs_in_data_dir(tmp_path: Path) -> None:
    store = create_blob_store(Settings(_env_file=None, data_dir=tmp_path))
    assert isinstance(store, LocalBlobStore)
    assert store.local_path(KEY) == tmp_path / "blobs" / KEY


async def test_put_leaves_only_the_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    source = source_file(tmp_path / "in", b"payload")
    await store.put_file(KEY, source, "text/plain")
    await store.put_file(KEY, source, "text/plain")
    assert files_under(tmp_path / "blobs") == [KEY]
    assert store.local_path(KEY).read_bytes() == b"payload"
    assert source.read_bytes() == b"payload"  # the caller's temp file is untouched


async def test_temp_files_are_not_listed(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    await store.put_file(KEY, source_file(tmp_path / "in", b"x"), "text/plain")
    stray = store.local_path(KEY).with_name(".beef.0123456789abcdef.tmp")
    stray.write_bytes(b"half-written")
    (tmp_path / "blobs" / ".hidden-dir").mkdir()
    (tmp_path / "blobs" / ".hidden-dir" / "f").write_bytes(b"")
    assert await all_keys(store) == {KEY}


@pytest.mark.parametrize(("first", "second"), [("apps/5", KEY), (KEY, "apps/5")])
async def test_key_clash_with_directory(tmp_path: Path, first: str, second: str) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    source = source_file(tmp_path / "in", b"x")
    await store.put_file(first, source, "text/plain")
    with pytest.raises(Conflict) as info:
        await store.put_file(second, source, "text/plain")
    assert info.value.code == "blob_key_conflict"
    assert files_under(tmp_path / "blobs") == [first]
    assert await read_all(store, first) == b"x"


async def test_adopt_moves_the_temp_file_into_place(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    source = source_file(tmp_path / "in", b"moved, not copied")
    inode = source.stat().st_ino
    await store.adopt_file(KEY, source, "text/plain")
    assert not source.exists()
    assert files_under(tmp_path / "blobs") == [KEY]
    assert store.local_path(KEY).stat().st_ino == inode  # the same file: no copy was made
    again = source_file(tmp_path / "in", b"moved, not copied")
    await store.adopt_file(KEY, again, "text/plain")  # same content again: replaced atomically
    assert files_under(tmp_path / "blobs") == [KEY]
    assert store.local_path(KEY).read_bytes() == b"moved, not copied"


async def test_adopt_copies_across_file_systems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A second file system cannot be mounted here: rename's EXDEV refusal is simulated for
    # the source's own rename, the copy's rename inside the store is real.
    store = LocalBlobStore(tmp_path / "blobs")
    source = source_file(tmp_path / "in", b"copied")
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(src) == source:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(local.os, "replace", replace)
    await store.adopt_file(KEY, source, "text/plain")
    assert files_under(tmp_path / "blobs") == [KEY]
    assert store.local_path(KEY).read_bytes() == b"copied"


async def test_adopt_key_clash_with_directory(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    await store.put_file(KEY, source_file(tmp_path / "in", b"x"), "text/plain")
    with pytest.raises(Conflict) as info:
        await store.adopt_file("apps/5", source_file(tmp_path / "in2", b"y"), "text/plain")
    assert info.value.code == "blob_key_conflict"


async def test_a_batch_is_moved_into_place_and_each_directory_synced_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    synced: list[Path] = []
    real_fsync_dir = local._fsync_dir

    def fsync_dir(directory: Path) -> None:
        synced.append(directory)
        real_fsync_dir(directory)

    monkeypatch.setattr(local, "_fsync_dir", fsync_dir)
    keys = [f"apps/5/sha256/{n:064x}" for n in range(10)] + ["apps/6/sha256/" + "f" * 64]
    sources = [source_file(tmp_path / f"in{n}", f"blob {n}".encode()) for n in range(len(keys))]
    await store.adopt_files(
        [Adoption(key, source, "text/plain") for key, source in zip(keys, sources, strict=True)]
    )
    assert files_under(tmp_path / "blobs") == sorted(keys)
    assert not any(source.exists() for source in sources)
    assert [store.local_path(key).read_bytes() for key in keys] == [
        f"blob {n}".encode() for n in range(len(keys))
    ]
    assert sorted(synced) == sorted({store.local_path(key).parent for key in keys})


async def test_a_batch_with_a_key_clash_fails_once_the_others_are_in_place(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    await store.put_file(KEY, source_file(tmp_path / "in", b"x"), "text/plain")
    fine = "apps/5/sha256/" + "a" * 64
    batch = [
        Adoption("apps/5", source_file(tmp_path / "clash", b"y"), "text/plain"),
        Adoption(fine, source_file(tmp_path / "fine", b"z"), "text/plain"),
    ]
    with pytest.raises(Conflict) as info:
        await store.adopt_files(batch)
    assert info.value.code == "blob_key_conflict"
    assert store.local_path(fine).read_bytes() == b"z"
