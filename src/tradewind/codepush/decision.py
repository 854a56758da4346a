"""The CodePush update decision (the reference server's algorithm), on plain data.

History is oldest to newest and scanned newest to oldest. One deliberate difference from the
reference server: it reads a missing `label` as the string "undefined", so a device that
sends only its package hash is never recognised and a mandatory release *older* than the one
it runs still makes the offered update mandatory. Here a device identified by its package hash
alone stops the scan at the release it runs (escalation only over releases it skipped); a
device that sends neither label nor hash (a fresh install) scans the whole history, as there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tradewind.codepush.versions import greater_than_range, satisfies


@dataclass(frozen=True, slots=True)
class Entry:
    """One release of a deployment's history, as the decision sees it."""

    release_id: int
    label: str
    package_hash: str
    app_version: str  # the binary-version range
    is_mandatory: bool
    is_disabled: bool
    rollout: float  # percent, 100 when finished
    description: str
    url: str
    size: int
    diffs: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # hash -> (url, size)

    @property
    def unfinished_rollout(self) -> bool:
        return 0 < self.rollout < 100


@dataclass(frozen=True, slots=True)
class Request:
    app_version: str  # normalised, valid semver
    package_hash: str | None
    label: str | None
    is_companion: bool


@dataclass(frozen=True, slots=True)
class Answer:
    """The camelCase `updateInfo` fields; `release_id` 0 when nothing is offered."""

    is_available: bool = False
    is_mandatory: bool = False
    app_version: str = ""
    package_hash: str = ""
    label: str = ""
    package_size: int = 0
    download_url: str = ""
    description: str = ""
    update_app_version: bool = False
    should_run_binary_version: bool = False
    release_id: int = 0
    rollout: float | None = None


def decide(history: Sequence[Entry], request: Request, ignore_rollouts: bool) -> Answer:
    if not history:
        return Answer(should_run_binary_version=True)
    found = False
    latest_enabled: Entry | None = None
    latest_satisfying: Entry | None = None
    escalate = False
    for entry in reversed(history):
        found = found or _runs(entry, request)
        if entry.is_disabled or (ignore_rollouts and entry.unfinished_rollout):
            continue
        latest_enabled = latest_enabled or entry
        if not request.is_companion and not satisfies(request.app_version, entry.app_version):
            continue
        latest_satisfying = latest_satisfying or entry
        if found:
            break
        if entry.is_mandatory:
            escalate = True
            break
    run_binary = latest_satisfying is None
    if latest_enabled is None:
        return Answer(should_run_binary_version=run_binary)
    if latest_satisfying is None or latest_satisfying.package_hash == request.package_hash:
        return _no_update(latest_enabled, request, run_binary)
    return _offer(latest_satisfying, request, escalate)


def _runs(entry: Entry, request: Request) -> bool:
    if request.label:
        return entry.label == request.label
    if request.package_hash:
        return entry.package_hash == request.package_hash
    return False  # a fresh install: scan the whole history for skipped mandatory releases


def _no_update(latest_enabled: Entry, request: Request, run_binary: bool) -> Answer:
    target = latest_enabled.app_version
    if greater_than_range(request.app_version, target):
        return Answer(app_version=target, should_run_binary_version=run_binary)
    if not satisfies(request.app_version, target):
        return Answer(
            app_version=target, update_app_version=True, should_run_binary_version=run_binary
        )
    return Answer(should_run_binary_version=run_binary)


def _offer(entry: Entry, request: Request, escalate: bool) -> Answer:
    url, size = entry.url, entry.size
    if request.package_hash and request.package_hash in entry.diffs:
        url, size = entry.diffs[request.package_hash]
    return Answer(
        is_available=True,
        is_mandatory=escalate or entry.is_mandatory,
        app_version=request.app_version,
        package_hash=entry.package_hash,
        label=entry.label,
        package_size=size,
        download_url=url,
        description=entry.description,
        release_id=entry.release_id,
        rollout=entry.rollout,
    )


def js_hash(text: str) -> int:
    """Java-style string hash in JavaScript number semantics (`(h << 5) - h + c`).

    `<<` works on the int32 of `h`, but the sum is a double: the result is not truncated.
    """
    value = 0
    for unit in _utf16_units(text):
        shifted = _int32(_int32(value) << 5)
        value = shifted - value + unit
    return value


def in_rollout(client_unique_id: str, rollout: float, release_tag: str) -> bool:
    return abs(js_hash(client_unique_id + "-" + release_tag)) % 100 < rollout


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value >= 0x80000000 else value


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]
