"""Per-deployment snapshots of CodePush history, keyed by the deployment key's SHA-256.

An answer is decided once per request shape (binary version, running label or hash, companion
flag, casing) and remembered; a rollout in progress keeps both answers and picks one per
device. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from tradewind.codepush.answers import Decided, Prepared
from tradewind.codepush.decision import Answer, Entry, Request, decide

MEMO_SIZE = 4096
MemoKey = tuple[bool, str, str, str, str, bool]


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    app_id: int
    application: str  # org/app
    deployment_id: int
    name: str
    labels: Mapping[str, int]  # label -> release id (every release, disabled ones too)


class DeploymentSnapshot:
    __slots__ = ("_memo", "history", "info")

    def __init__(self, info: DeploymentInfo, history: Sequence[Entry]) -> None:
        self.info = info
        self.history = tuple(history)
        self._memo: dict[MemoKey, Decided] = {}

    @property
    def app_id(self) -> int:
        return self.info.app_id

    def decided(self, legacy: bool, raw_version: str, request: Request) -> Decided:
        key = (
            legacy,
            raw_version,
            request.app_version,
            request.package_hash or "",
            request.label or "",
            request.is_companion,
        )
        found = self._memo.get(key)
        if found is None:
            found = self._decide(legacy, raw_version, request)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _decide(self, legacy: bool, raw_version: str, request: Request) -> Decided:
        with_rollout = _echo(decide(self.history, request, ignore_rollouts=False), raw_version)
        rollout = with_rollout.rollout
        if rollout is None or not 0 < rollout < 100:
            return Decided(Prepared(with_rollout, legacy), None, 100.0, "")
        without = _echo(decide(self.history, request, ignore_rollouts=True), raw_version)
        tag = with_rollout.label or with_rollout.package_hash
        return Decided(Prepared(without, legacy), Prepared(with_rollout, legacy), rollout, tag)


def _echo(answer: Answer, raw_version: str) -> Answer:
    """An offered update echoes the app version exactly as the device sent it (`1.0`)."""
    if answer.is_available and raw_version != answer.app_version:
        return replace(answer, app_version=raw_version)
    return answer
