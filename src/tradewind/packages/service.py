"""Packages: immutable, versioned sets of files (an index, important files, lazy files)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tradewind.access.principal import Principal
from tradewind.access.service import AppAccess
from tradewind.accounts import repository as accounts_repo
from tradewind.audit.service import record
from tradewind.errors import BadRequest, Conflict, NotFound
from tradewind.files import repository as files_repo
from tradewind.files import service as files
from tradewind.files.paths import normalise_path
from tradewind.files.schemas import FileRef
from tradewind.keys.statement import FileRef as SignedFile
from tradewind.keys.uploads import UploadSignature, check_package_signature
from tradewind.models import File, Package
from tradewind.packages import repository as repo
from tradewind.packages.schemas import FileSpec

MAX_PROPERTIES_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Layout:
    """The files of a package to be, resolved to file rows."""

    index: File
    important: list[File]
    lazy: list[File]


@dataclass(frozen=True, slots=True)
class PackageView:
    package: Package
    members: list[tuple[File, str]]
    created_by: str | None

    @property
    def index_path(self) -> str:
        return next(file.path for file, kind in self.members if kind == "index")


def _spec(spec: FileSpec) -> tuple[str, str | None]:
    if isinstance(spec, FileRef):
        return normalise_path(spec.path), spec.sha256
    return normalise_path(spec), None


def _check_disjoint(index: str, important: list[str], lazy: list[str]) -> None:
    for name, paths in (("important", important), ("lazy", lazy)):
        if index in paths:
            raise BadRequest(
                f"the index file is also listed as {name}",
                code="index_in_file_lists",
                details={"path": index},
            )
        seen: set[str] = set()
        for path in paths:
            if path in seen:
                raise BadRequest(
                    f"a path is listed twice in {name}",
                    code="duplicate_path",
                    details={"path": path, "list": name},
                )
            seen.add(path)
    overlap = sorted(set(important) & set(lazy))
    if overlap:
        raise BadRequest(
            "files cannot be both important and lazy",
            code="important_lazy_overlap",
            details={"paths": overlap[:100]},
        )


async def _resolve(
    session: AsyncSession, app_id: int, specs: list[tuple[str, str | None]]
) -> list[File]:
    newest = await files_repo.newest_at_paths(
        session, app_id, [p for p, sha in specs if sha is None]
    )
    pinned = await files_repo.by_contents(
        session, app_id, [(p, sha) for p, sha in specs if sha is not None]
    )
    resolved: list[File] = []
    missing: list[dict[str, str]] = []
    for path, sha in specs:
        file = newest.get(path) if sha is None else pinned.get((path, sha))
        if file is None:
            missing.append({"path": path} if sha is None else {"path": path, "sha256": sha})
        else:
            resolved.append(file)
    if missing:
        raise BadRequest(
            "some files do not exist in this application; upload them first",
            code="unknown_files",
            details={"missing": missing[:100], "missing_count": len(missing)},
        )
    return resolved


async def resolve_layout(
    session: AsyncSession,
    app_id: int,
    index: FileSpec,
    important: Sequence[FileSpec],
    lazy: Sequence[FileSpec],
) -> Layout:
    """Check the lists (paths, disjointness) and find the file row each entry names."""
    index_spec = _spec(index)
    important_specs = [_spec(s) for s in important]
    lazy_specs = [_spec(s) for s in lazy]
    _check_disjoint(index_spec[0], [p for p, _ in important_specs], [p for p, _ in lazy_specs])
    resolved = await _resolve(session, app_id, [index_spec, *important_specs, *lazy_specs])
    split = 1 + len(important_specs)
    return Layout(resolved[0], resolved[1:split], resolved[split:])


def layout_refs(layout: Layout) -> tuple[SignedFile, list[SignedFile], list[SignedFile]]:
    """(path, sha256) of the index, important and lazy files (what an upload signs)."""

    def ref(file: File) -> SignedFile:
        return (file.path, file.sha256)

    return ref(layout.index), [ref(f) for f in layout.important], [ref(f) for f in layout.lazy]


def check_properties(properties: dict[str, Any]) -> None:
    if len(json.dumps(properties, separators=(",", ":"))) > MAX_PROPERTIES_BYTES:
        raise BadRequest(
            f"properties must serialise to at most {MAX_PROPERTIES_BYTES} bytes of JSON",
            code="properties_too_large",
        )


async def create_package(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    layout: Layout,
    properties: dict[str, Any],
    notes: str,
    via: str = "api",
    signature: UploadSignature | None = None,
) -> PackageView:
    check_properties(properties)
    signer = await check_package_signature(
        session, access, layout_refs(layout), properties, signature
    )
    # Last, so the application row stays locked for as short a time as possible.
    version = await repo.allocate_version(session, access.app.id)
    package = await repo.insert_package(
        session,
        Package(
            app_id=access.app.id,
            version=version,
            index_file_id=layout.index.id,
            properties=properties,
            notes=notes,
            created_by=principal.user_id,
        ),
    )
    members = [(layout.index, "index")]
    members += [(f, "important") for f in layout.important]
    members += [(f, "lazy") for f in layout.lazy]
    await repo.insert_members(
        session,
        [
            {"package_id": package.id, "file_id": f.id, "kind": kind, "position": i}
            for i, (f, kind) in enumerate(members)
        ],
    )
    await record(
        session,
        principal,
        "package.create",
        "package",
        package.id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"version": version, "files": len(members), "via": via}
        | ({"signed_by": signer.key_id} if signer is not None else {}),
    )
    return PackageView(package, members, principal.email)


async def find_identical(
    session: AsyncSession, access: AppAccess, layout: Layout, properties: dict[str, Any]
) -> PackageView | None:
    """The newest package with exactly these files (same contents, same kinds) and properties:
    pushing the same build twice then gives the same package (idempotent CI)."""
    wanted = {(layout.index.id, "index")}
    wanted |= {(f.id, "important") for f in layout.important}
    wanted |= {(f.id, "lazy") for f in layout.lazy}
    for package in await repo.with_index_file(session, access.app.id, layout.index.id):
        if package.properties != properties:
            continue
        members = [(m.stored.file, m.kind) for m in await repo.members_of(session, [package.id])]
        if {(f.id, kind) for f, kind in members} == wanted and len(members) == len(wanted):
            return PackageView(
                package, members, await accounts_repo.email_of(session, package.created_by)
            )
    return None


async def _get(session: AsyncSession, access: AppAccess, version: int) -> Package:
    package = await repo.by_version(session, access.app.id, version)
    if package is None:
        raise NotFound(
            f"package version {version} not found",
            code="package_not_found",
            details={"version": version},
        )
    return package


async def get_package(session: AsyncSession, access: AppAccess, version: int) -> PackageView:
    package = await _get(session, access, version)
    members = [(m.stored.file, m.kind) for m in await repo.members_of(session, [package.id])]
    return PackageView(package, members, await accounts_repo.email_of(session, package.created_by))


async def list_packages(
    session: AsyncSession, access: AppAccess, limit: int, offset: int
) -> list[tuple[Package, str, int, int, str | None]]:
    return await repo.list_packages(session, access.app.id, limit, offset)


def _in_use(version: int) -> Conflict:
    return Conflict(
        f"package version {version} is used by a release",
        code="package_in_use",
        details={"version": version},
    )


async def delete_package(
    session: AsyncSession,
    principal: Principal,
    access: AppAccess,
    version: int,
    keep_files: bool,
) -> int:
    """Delete a package no release uses; unless `keep_files`, also delete its files that
    nothing else uses (their blobs go to the cleanup outbox). Returns files deleted."""
    package = await _get(session, access, version)
    if await repo.used_by_release(session, package.id):
        raise _in_use(version)
    members = [m.stored.file for m in await repo.members_of(session, [package.id])]
    try:
        await repo.delete_package(session, package.id)
    except IntegrityError as exc:  # a release was created for it concurrently
        raise _in_use(version) from exc
    removed = 0 if keep_files else await files.delete_unused(session, members, "package_deleted")
    await record(
        session,
        principal,
        "package.delete",
        "package",
        package.id,
        org_id=access.org.id,
        app_id=access.app.id,
        details={"version": version, "files_deleted": removed},
    )
    return removed


async def live_releases(session: AsyncSession, access: AppAccess) -> dict[int, list[int]]:
    """package id -> its live releases (what devices may be getting), for marking packages."""
    return await repo.live_releases_by_package(session, access.app.id)
