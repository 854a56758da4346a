"""A bounded, streaming reader for the bundle upload form (multipart/form-data).

FastAPI parses form bodies before running dependencies, i.e. before the caller is
authenticated, and spools files without a size limit. This reader runs after authorisation,
writes the archive straight to a temporary file and stops at the configured limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from tradewind.errors import BadRequest, PayloadTooLarge

ARCHIVE_FIELD = "archive"
MANIFEST_FIELD = "manifest"
MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass
class BundleForm:
    archive: Path | None = None
    archive_size: int = 0
    manifest: bytes | None = None


def invalid_multipart(message: str) -> BadRequest:
    return BadRequest(message, code="invalid_multipart")


def archive_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the archive is larger than the limit of {limit} bytes",
        code="archive_too_large",
        details={"max_size": limit},
    )


def boundary_of(content_type: str | None) -> bytes:
    media_type, options = parse_options_header(content_type or "")
    if media_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise invalid_multipart(
            "send multipart/form-data with an `archive` file and a `manifest` field"
        )
    return options[b"boundary"]


@dataclass
class _Events:
    """What the (synchronous) parser callbacks saw during one `write`."""

    items: list[tuple[str, bytes]] = field(default_factory=list)
    ended: bool = False

    def callbacks(self) -> dict[str, object]:
        def data(kind: str) -> object:
            return lambda buf, start, end: self.items.append((kind, bytes(buf[start:end])))

        def event(kind: str) -> object:
            return lambda: self.items.append((kind, b""))

        def on_end() -> None:
            self.ended = True

        return {
            "on_part_begin": event("part_begin"),
            "on_header_field": data("header_field"),
            "on_header_value": data("header_value"),
            "on_header_end": event("header_end"),
            "on_headers_finished": event("headers_finished"),
            "on_part_data": data("part_data"),
            "on_part_end": event("part_end"),
            "on_end": on_end,
        }


class _FormBuilder:
    def __init__(self, directory: Path, max_archive: int) -> None:
        self.form = BundleForm()
        self.directory = directory
        self.max_archive = max_archive
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.current: str | None = None
        self.file: BinaryIO | None = None
        self.manifest = bytearray()

    async def handle(self, kind: str, data: bytes) -> None:
        if kind == "part_begin":
            self.disposition = b""
            self.header_name = self.header_value = b""
        elif kind == "header_field":
            self.header_name += data
        elif kind == "header_value":
            self.header_value += data
        elif kind == "header_end":
            if self.header_name.strip().lower() == b"content-disposition":
                self.disposition = self.header_value
            self.header_name = self.header_value = b""
        elif kind == "headers_finished":
            await self._start_part()
        elif kind == "part_data":
            await self._part_data(data)
        elif kind == "part_end":
            await self._end_part()

    async def _start_part(self) -> None:
        _, options = parse_options_header(self.disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == ARCHIVE_FIELD and self.form.archive is None:
            self.form.archive = self.directory / "archive"
            self.file = self.form.archive.open("xb")
        elif name == MANIFEST_FIELD and self.form.manifest is None:
            self.manifest.clear()
        elif name in (ARCHIVE_FIELD, MANIFEST_FIELD):
            raise invalid_multipart(f"the `{name}` field is given twice")
        else:
            raise BadRequest(
                f"unexpected form field '{name[:100]}'; expected `archive` and `manifest`",
                code="unexpected_form_field",
            )
        self.current = name

    async def _part_data(self, data: bytes) -> None:
        if self.current == MANIFEST_FIELD:
            self.manifest += data
            if len(self.manifest) > MAX_MANIFEST_BYTES:
                raise BadRequest(
                    f"the manifest is larger than {MAX_MANIFEST_BYTES} bytes",
                    code="invalid_manifest",
                )
            return
        self.form.archive_size += len(data)
        if self.form.archive_size > self.max_archive:
            raise archive_too_large(self.max_archive)
        if self.file is not None:
            self.file.write(data)  # into the page cache: cheaper than a hop to a thread

    async def _end_part(self) -> None:
        if self.current == ARCHIVE_FIELD:
            await self.close()
        elif self.current == MANIFEST_FIELD:
            self.form.manifest = bytes(self.manifest)
        self.current = None

    async def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


async def read_bundle_form(
    chunks: AsyncIterable[bytes], content_type: str | None, directory: Path, max_archive: int
) -> BundleForm:
    """Parse the body; the archive lands in `directory/archive` (the caller removes it)."""
    events = _Events()
    parser = MultipartParser(boundary_of(content_type), events.callbacks())  # type: ignore[arg-type]
    builder = _FormBuilder(directory, max_archive)
    try:
        async for chunk in chunks:
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise invalid_multipart("malformed multipart body") from exc
            for kind, data in events.items:
                await builder.handle(kind, data)
            events.items.clear()
            if events.ended:
                break
    finally:
        await builder.close()
    if not events.ended:
        raise invalid_multipart("the multipart body ended before its closing boundary")
    if builder.form.archive is None:
        raise BadRequest("the `archive` file is missing", code="archive_required")
    if builder.form.manifest is None:
        raise BadRequest("the `manifest` field is missing", code="manifest_required")
    return builder.form
