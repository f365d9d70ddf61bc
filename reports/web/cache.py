"""Results of heavy read-only pages kept until the store changes.

The archive only reads; the store changes when a crawl or an analysis writes. A
cheap stamp of the store (the highest ids of targets, documents, versions and changes,
each a primary-key lookup, and the number of sources) therefore tells whether a
remembered result is still true. Used for the indicator-across-regions table, whose
first build reads every plan that sets the indicator, and the filters' choices.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session

__all__ = ["StampedCache", "store_stamp"]

T = TypeVar("T")

_STAMP_SQL = text(
    "SELECT (SELECT max(id) FROM target), (SELECT max(id) FROM document), (SELECT max(id) FROM change), "
    "(SELECT max(id) FROM version), (SELECT count(*) FROM source)"
)


def store_stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever targets, documents, versions, changes or sources are added."""
    row = session.connection().execute(_STAMP_SQL).one()
    return tuple(row)


class StampedCache:
    """A small LRU of results, each valid for the stamp it was computed under."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, stamp: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The remembered value for ``key`` if computed under ``stamp``, else ``compute()``."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] == stamp:
                self._items.move_to_end(key)
                value: T = found[1]
                return value
        value = compute()  # outside the lock: a slow build does not block other pages
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
