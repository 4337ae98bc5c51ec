"""The figures of solved inventory chains, kept for the next time the same chain is asked for.

A policy page tries many levels of each part, its class pool tries them again, and the page's next view,
its XLSX and its orders try them all once more: each chain is solved once (``lost_sales``,
``review_cycle``). A key holds everything a figure depends on, so a kept figure is what solving again
would give.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_ALL: list[Any] = []


class Memo(Generic[V]):
    """At most ``size()`` figures, the least recently used dropped first; safe across threads."""

    def __init__(self, size: Callable[[], int]) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.append(self)

    def recall(self, key: Hashable) -> tuple[bool, V | None]:
        """(True, the figures) when kept, else (False, None)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return True, self._data[key]
        return False, None

    def keep(self, key: Hashable, figures: V) -> None:
        with self._lock:
            self._data[key] = figures
            self._data.move_to_end(key)
            while len(self._data) > self._size():
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __iter__(self) -> Iterator[Hashable]:  # the keys, least recently used first
        with self._lock:
            return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)


def clear_all() -> None:
    """Forget every figure kept (for measuring a first solve)."""
    for memo in _ALL:
        memo.clear()
