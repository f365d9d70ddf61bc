"""Closed vocabularies shared by store, differ, digest and templates.

Outcomes are recorded, not raised: a fetch that failed is a ``FetchOutcome.ERROR``
row in a crawl run, a target that went up is a ``ChangeKind.TARGET_RAISED`` change.
Each enum's value is what the database, the JSON output and the templates hold.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ChangeKind",
    "Comparator",
    "DigestStatus",
    "FetchOutcome",
    "RunStatus",
    "TargetKind",
]


class FetchOutcome(StrEnum):
    """What one fetch of one page did to the store."""

    NEW = "new"  # first version of a new document
    CHANGED = "changed"  # a new version of a known document
    UNCHANGED = "unchanged"  # 200, but the normalised text is the same
    NOT_MODIFIED = "not-modified"  # 304
    ERROR = "error"


class RunStatus(StrEnum):
    """How a crawl run (or a whole cycle) ended."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # finished, but some pages failed
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # SIGTERM/SIGINT or a time limit


class Comparator(StrEnum):
    """How a target's value binds: the ``cmp`` field of a target.

    ``+=``/``+>=`` and ``-=``/``-<=`` are increments and decrements (提高5个百分点,
    增长10%以上, 下降…以内), not levels.
    """

    EQ = "="
    GE = ">="
    LE = "<="
    GT = ">"
    LT = "<"
    APPROX = "~"
    RANGE = "range"
    INC = "+="
    INC_AT_LEAST = "+>="
    DEC = "-="
    DEC_AT_MOST = "-<="

    @property
    def symbol(self) -> str:
        """The sign a person reads in a digest: ≥7.86张, ~81.5岁."""
        return _SYMBOLS[self]


_SYMBOLS: dict[Comparator, str] = {
    Comparator.EQ: "",
    Comparator.GE: "≥",
    Comparator.LE: "≤",
    Comparator.GT: ">",
    Comparator.LT: "<",
    Comparator.APPROX: "~",
    Comparator.RANGE: "",
    Comparator.INC: "+",
    Comparator.INC_AT_LEAST: "+≥",
    Comparator.DEC: "−",
    Comparator.DEC_AT_MOST: "−≤",
}


class TargetKind(StrEnum):
    """A forward-looking commitment, or a result reported as achieved."""

    TARGET = "target"
    ACTUAL = "actual"


class ChangeKind(StrEnum):
    """Every kind of change a user can subscribe to and see in a digest."""

    NEW_DOCUMENT = "new-document"
    REPOST = "repost"  # the same text found on another site
    TEXT_EDIT = "text-edit"  # a published page was edited
    TARGET_ADDED = "target-added"
    TARGET_REMOVED = "target-removed"
    TARGET_RAISED = "target-raised"
    TARGET_LOWERED = "target-lowered"
    TARGET_CHANGED = "target-changed"  # comparator, deadline or unit moved, value equal
    TARGET_MET = "target-met"
    TARGET_MISSED = "target-missed"
    SOURCE_FAILING = "source-failing"

    @property
    def is_target_change(self) -> bool:
        return self.value.startswith("target-")


class DigestStatus(StrEnum):
    """Where a digest is in the outbox."""

    PENDING = "pending"  # built, not yet accepted by the server
    SENDING = "sending"  # handed to the server; acceptance not yet recorded
    DELIVERED = "delivered"
    EMPTY = "empty"  # nothing new; recorded so the heartbeat logic can see it
