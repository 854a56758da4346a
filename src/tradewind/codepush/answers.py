"""Update-check answers as prebuilt ASGI messages, in both casings of the protocol."""

from __future__ import annotations

import json
from typing import Any

from tradewind.codepush.decision import Answer
from tradewind.serving.responses import JSON_TYPE, Message


def _legacy_fields(answer: Answer) -> dict[str, Any]:
    return {
        "downloadURL": answer.download_url,
        "description": answer.description,
        "isAvailable": answer.is_available,
        "isMandatory": answer.is_mandatory,
        "appVersion": answer.app_version,
        "packageHash": answer.package_hash,
        "label": answer.label,
        "packageSize": answer.package_size,
        "updateAppVersion": answer.update_app_version,
        "shouldRunBinaryVersion": answer.should_run_binary_version,
        "target_binary_range": answer.app_version,
    }


def _current_fields(answer: Answer) -> dict[str, Any]:
    return {
        "download_url": answer.download_url,
        "description": answer.description,
        "is_available": answer.is_available,
        "is_mandatory": answer.is_mandatory,
        "app_version": answer.app_version,
        "package_hash": answer.package_hash,
        "label": answer.label,
        "package_size": answer.package_size,
        "update_app_version": answer.update_app_version,
        "should_run_binary_version": answer.should_run_binary_version,
        "target_binary_range": answer.app_version,
    }


def body_of(answer: Answer, legacy: bool) -> bytes:
    if legacy:
        document = {"updateInfo": _legacy_fields(answer)}
    else:
        document = {"update_info": _current_fields(answer)}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Prepared:
    """One answer's bytes and its two ASGI messages (shared; never mutated)."""

    __slots__ = ("answer", "body_message", "start")

    def __init__(self, answer: Answer, legacy: bool) -> None:
        self.answer = answer
        body = body_of(answer, legacy)
        self.start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", JSON_TYPE),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
        self.body_message: Message = {"type": "http.response.body", "body": body}


class Decided:
    """The answers for one request shape: without the unfinished rollout, and with it."""

    __slots__ = ("original", "rollout", "rollout_percent", "rollout_tag")

    def __init__(
        self, original: Prepared, rollout: Prepared | None, percent: float, tag: str
    ) -> None:
        self.original = original
        self.rollout = rollout
        self.rollout_percent = percent
        self.rollout_tag = tag
