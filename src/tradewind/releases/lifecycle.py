"""The release state machine, as data (docs/releases.md).

    created ──ramp──► in_progress ──conclude──► concluded ──(newer baseline)──► superseded
       │                ▲   │ ramp (any %)          │
       │          resume│   │pause                  └──retire──► retired
       │                │   ▼
       └──discard──► discarded ◄── paused

`concluded` is the baseline of its target: when another release of the same exact target and
channel concludes (or a rollback lands there), the older one becomes `superseded`. `retire`
stops serving a baseline without replacing it (its devices fall back to less specific
releases). Superseded and retired releases are never served again but can be rolled back to.
"""

from __future__ import annotations

from typing import Final, Literal

from tradewind.errors import Conflict

Action = Literal["ramp", "pause", "resume", "conclude", "discard", "retire", "rollback"]

UNFINISHED: Final = frozenset({"created", "in_progress", "paused"})
# Statuses the device path considers (a paused release is kept to explain why it is skipped).
LIVE: Final = ("in_progress", "paused", "concluded")
ALL_STATUSES: Final = (
    "created",
    "in_progress",
    "paused",
    "concluded",
    "superseded",
    "retired",
    "discarded",
)

# action -> {from status: to status}; `rollback` is read on the release rolled back to, whose
# own status does not change (the rollback creates a new concluded release).
TRANSITIONS: Final[dict[Action, dict[str, str]]] = {
    "ramp": {"created": "in_progress", "in_progress": "in_progress"},
    "pause": {"in_progress": "paused"},
    "resume": {"paused": "in_progress"},
    "conclude": {"in_progress": "concluded"},
    "discard": {"created": "discarded", "in_progress": "discarded", "paused": "discarded"},
    "retire": {"concluded": "retired"},
    "rollback": {"concluded": "concluded", "superseded": "superseded", "retired": "retired"},
}


def next_status(current: str, action: Action) -> str:
    """The status after `action`, or Conflict(invalid_transition) when it is not allowed."""
    target = TRANSITIONS[action].get(current)
    if target is None:
        allowed = sorted(TRANSITIONS[action])
        raise Conflict(
            f"cannot {action} a release that is {current} (allowed from: {', '.join(allowed)})",
            code="invalid_transition",
            details={"from": current, "action": action, "allowed_from": allowed},
        )
    return target


def is_live(status: str) -> bool:
    """Whether a release in this status affects what devices are served."""
    return status in LIVE


def check_editable(current: str) -> None:
    if current != "created":
        raise Conflict(
            f"a release can be edited only before its first ramp; this one is {current}",
            code="release_not_editable",
            details={"status": current},
        )
