"""Supersession in the stock levels: a replaced part is used up, its successor is stocked for both.

When part A is replaced by part B (a design change), customers keep asking for A by its number for
a while, and B serves them once A's shelf is empty. A level set from each part's own history gets
both wrong: A keeps being reordered on its past demand, and B, with little or no history, is not
stocked at all. So, from the date the supersession is in force:

* A is **run down**: no more orders. What is on its shelf serves the family's demand (A's and B's)
  until it is used up: it is kept up to B's level, and only what it holds beyond that can be lent;
* B's level is set on the **family's demand**: its own plus A's, month by month, over the whole
  history (B takes A's place in the ABC classes too);
* B's order is net of A's stock kept, so the two together are not stocked twice.

Chains (A → B → C) go to the last part in force: C inherits A's and B's demand, and A and B are both
run down. A cycle (A → B → A) is a data error; ``successor_heads`` names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_DEPTH = 20


@dataclass(frozen=True)
class Link:
    """``old`` is replaced by ``new`` from ``effective`` (any text or date; None: always)."""

    old: str
    new: str
    effective: object = None


class SupersessionCycle(ValueError):
    """Links that lead back to where they started."""

    def __init__(self, parts: Sequence[str]):
        self.parts = tuple(parts)
        super().__init__("supersessions go round in a circle: " + " -> ".join(self.parts))


def successor_heads(links: Iterable[Link]) -> dict[str, tuple[str, tuple[Link, ...]]]:
    """Each replaced part's last successor and the links that lead there.

    Args:
        links: the supersessions in force. A part replaced by two parts keeps the first link given.

    Returns:
        ``old -> (head, links from old to head)`` for every part that is replaced.

    Raises:
        SupersessionCycle: when following the links comes back to a part already passed (or runs
            past ``MAX_DEPTH`` steps).
    """
    step: dict[str, Link] = {}
    for link in links:
        if link.old == link.new:
            raise SupersessionCycle([link.old, link.new])
        step.setdefault(link.old, link)
    out: dict[str, tuple[str, tuple[Link, ...]]] = {}
    for old in step:
        path: list[Link] = []
        seen = [old]
        part = old
        while part in step:
            link = step[part]
            path.append(link)
            part = link.new
            if part in seen or len(path) > MAX_DEPTH:
                raise SupersessionCycle([*seen, part])
            seen.append(part)
        out[old] = (part, tuple(path))
    return out


def family_totals(series: dict[str, Sequence[float]], heads: dict[str, tuple[str, tuple[Link, ...]]]
                  ) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """Each successor's demand with its predecessors' added, period by period.

    Args:
        series: a node's demand per part, every sequence the same length.
        heads: ``successor_heads`` of the links in force.

    Returns:
        The demand of every part that is not replaced (successors with their family's demand, a
        successor with no history of its own included), and per successor the parts it inherits
        from, in order.
    """
    out = {part: list(values) for part, values in series.items() if part not in heads}
    inherits: dict[str, list[str]] = {}
    for part, values in series.items():
        if part not in heads:
            continue
        head = heads[part][0]
        total = out.setdefault(head, [0.0] * len(values))
        if len(total) != len(values):
            raise ValueError(f"{part} and {head} cover different periods")
        for k, value in enumerate(values):
            total[k] += value
        inherits.setdefault(head, []).append(part)
    return out, inherits
