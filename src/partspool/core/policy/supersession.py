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


def without_circles(links: Sequence[Link]) -> tuple[list[Link], list[SupersessionCycle]]:
    """``links`` less those of the parts on a circle (a data error), and the circles found: what is left
    can be followed by ``successor_heads``."""
    kept: list[Link] = list(links)
    circles: list[SupersessionCycle] = []
    while True:
        try:
            successor_heads(kept)
            return kept, circles
        except SupersessionCycle as cycle:
            circles.append(cycle)
            kept = [link for link in kept if link.old not in cycle.parts]
