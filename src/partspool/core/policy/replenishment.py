"""Replenishment suggestions per node x part: what to order, and what could be lent instead.

For each node x part with an order-up-to level S:

* inventory position = on hand + in transit (ordered, being transferred in, or asked of another node by
  a transfer request not yet shipped) - reserved (including units other nodes asked of this one);
* suggested order = S - position when the position is below S, else 0;
* surplus = what sits above S plus a margin, capped at the free stock on the shelf
  (on hand - reserved): the units another node could borrow without this one going short.

A part being run down (replaced by another, ``run_down``) is never ordered and never short: its S is
the stock kept to be used up (at most what it holds), and only what it holds beyond that is surplus.

The margin (``margin_units`` or ``margin_share`` of S, whichever is larger) keeps a node from
lending what it will need in a few days; the same margin defines overstock in the KPIs. The
source gives no number for it; one unit or 10% of S is a cautious start.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReplenishmentRules:
    """The margin above the level before stock counts as surplus (and as overstock)."""

    margin_units: int = 1
    margin_share: float = 0.10

    def __post_init__(self) -> None:
        if self.margin_units < 0 or self.margin_share < 0:
            raise ValueError("margins must be 0 or more")

    def margin(self, order_up_to: int) -> int:
        """Units above ``order_up_to`` a node keeps before any counts as surplus."""
        return max(self.margin_units, int(math.ceil(self.margin_share * order_up_to - 1e-9)))


@dataclass(frozen=True)
class StockPosition:
    """The stock of one part at one node, with its level."""

    node: str
    part: str
    on_hand: int
    order_up_to: int
    in_transit: int = 0
    reserved: int = 0
    unit_cost: float = 0.0
    run_down: bool = False  # replaced by another part: never ordered nor short; ``order_up_to`` is what is kept
    old_stock_kept: int = 0  # a successor: units of the parts it replaces kept for its family (its level is net)
    requested_in: int = 0  # of ``in_transit``: units asked of other nodes by transfers not yet shipped
    promised_out: int = 0  # of ``reserved``: units other nodes asked of this one, not yet shipped

    def __post_init__(self) -> None:
        for name in ("on_hand", "order_up_to", "in_transit", "reserved", "requested_in", "promised_out"):
            if getattr(self, name) < 0:
                raise ValueError(f"{self.node}/{self.part}: {name} must be 0 or more")
        if self.reserved > self.on_hand + self.in_transit:
            raise ValueError(f"{self.node}/{self.part}: more reserved than on hand and in transit")
        if self.unit_cost < 0:
            raise ValueError(f"{self.node}/{self.part}: unit cost must be 0 or more")

    @property
    def position(self) -> int:
        """On hand + in transit - reserved."""
        return self.on_hand + self.in_transit - self.reserved

    @property
    def free(self) -> int:
        """Units on the shelf not reserved (what could leave today)."""
        return max(self.on_hand - self.reserved, 0)


@dataclass(frozen=True)
class Suggestion:
    """What one node should do about one part, and why."""

    node: str
    part: str
    order_up_to: int
    position: int
    margin: int
    order_quantity: int
    surplus: int
    old_stock_kept: int = 0  # a successor: its family's level less this much of the replaced parts' stock
    requested_in: int = 0  # of the position: units asked of other nodes, not yet shipped
    promised_out: int = 0  # taken off the position: units promised to other nodes, not yet shipped

    @property
    def shortfall(self) -> int:
        """Units below the level (the order before any transfer)."""
        return max(self.order_up_to - self.position, 0)

    def explain(self) -> str:
        """One sentence: the position against the level and the resulting suggestion."""
        head = f"{self.node} {self.part}: position {self.position} against level {self.order_up_to}"
        if self.old_stock_kept:
            head += f" (the family's {self.order_up_to + self.old_stock_kept} less {self.old_stock_kept} of the " \
                    "replaced parts' stock still to be used up)"
        if self.requested_in or self.promised_out:
            head += f" ({self.requested_in} asked of other nodes counted in, {self.promised_out} promised to " \
                    "others held back)"
        if self.order_quantity:
            return f"{head} -> order {self.order_quantity}"
        if self.surplus:
            return f"{head} (+{self.margin} margin) -> {self.surplus} could be lent"
        return f"{head} -> nothing to do"


def suggest_replenishment(
    positions: Iterable[StockPosition], rules: ReplenishmentRules | None = None
) -> list[Suggestion]:
    """Order quantity and lendable surplus for each node x part.

    Args:
        positions: stock and level per node x part (each pair once).
        rules: the surplus margin.

    Returns:
        One suggestion per position, in the order given.
    """
    rules = rules or ReplenishmentRules()
    seen: set[tuple[str, str]] = set()
    margins: dict[int, int] = {}  # by level (a region has a few hundred distinct levels, not 600,000)
    out: list[Suggestion] = []
    for p in positions:
        key = (p.node, p.part)
        if key in seen:
            raise ValueError(f"{p.node}/{p.part} is listed twice")
        seen.add(key)
        position = p.position
        # a part being run down is never ordered and never short: at most what it holds is kept
        level = min(p.order_up_to, max(position, 0)) if p.run_down else p.order_up_to
        margin = margins.get(level)
        if margin is None:
            margin = margins[level] = rules.margin(level)
        surplus = max(min(position - level - margin, p.free), 0)
        out.append(Suggestion(p.node, p.part, level, position, margin, max(level - position, 0), surplus,
                              p.old_stock_kept, p.requested_in, p.promised_out))
    return out
