"""One fill-rate target for a whole set of parts (a center's availability), at the least stock.

A per-part target gives every part the same fill rate; with whole units most parts overshoot it
(the level just below the target misses it, the one reaching it is well above), and a slow part
needs a lot of stock relative to its demand for each point of fill rate. When the target is the
fill rate of the whole set (units served / units demanded over all its parts, which is how the
availability KPI is measured), the stock can go where it serves most demand per unit held.

The levels are found by Lagrangian relaxation: for a price ``lam`` per unit of average stock,
each part takes the level maximising ``expected units served - lam x expected average stock``
(computed exactly over its fill-rate curve); a higher price means less stock and a lower fill
rate. The price is bisected until the expected fill rate of the set just reaches the target. The
result is the cheapest set of levels for its fill rate among those the price can reach (the
convex hull of each part's curve; in practice within a fraction of a unit per part of optimal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from partspool.core.policy.demand import FloatArray, ProtectionDemand
from partspool.core.policy.levels import StockLevel, check_fraction, curves, level_fixed


@dataclass(frozen=True, eq=False)
class Exchange:
    """Each part's expected units served and average stock for every level (the exchange curve)."""

    served: tuple[FloatArray, ...]
    stock: tuple[FloatArray, ...]
    demand: float

    @staticmethod
    def of(demands: Sequence[ProtectionDemand], margin: float = 6.0) -> Exchange:
        """The curves of ``demands`` up to ``margin`` standard deviations above the mean."""
        served, stock = [], []
        for d in demands:
            top = max(int(math.ceil(d.mean + margin * d.sd)) + 1, 1)
            fill, _, on_hand = curves(d, top)
            served.append(fill * d.review_mean)
            stock.append(on_hand)
        return Exchange(tuple(served), tuple(stock), float(sum(d.review_mean for d in demands)))

    def levels(self, price: float) -> list[int]:
        """Each part's level maximising served - price x stock."""
        return [int(np.argmax(s - price * h)) for s, h in zip(self.served, self.stock, strict=True)]

    def fill_rate(self, levels: Sequence[int]) -> float:
        """Expected units served / units demanded over all parts."""
        if self.demand <= 0:
            return 1.0
        return float(sum(s[k] for s, k in zip(self.served, levels, strict=True))) / self.demand


def price_for_fill_rate(exchange: Exchange, target: float, steps: int = 60) -> float:
    """The highest stock price at which the set's expected fill rate still reaches ``target``."""
    check_fraction(target, "target fill rate")
    low, high = 1e-9, 1e6
    if exchange.fill_rate(exchange.levels(low)) < target:
        return low  # unreachable within the curves: as much stock as they hold
    for _ in range(steps):
        mid = math.sqrt(low * high)
        if exchange.fill_rate(exchange.levels(mid)) >= target:
            low = mid
        else:
            high = mid
    return low


def allocate_fill_rate(demands: Sequence[ProtectionDemand], target: float,
                       labels: Sequence[str | None] | None = None) -> list[StockLevel]:
    """Levels for a set of parts so that their joint expected fill rate reaches ``target``.

    Args:
        demands: each part's protection demand.
        target: the fill rate of the whole set, in (0, 1].
        labels: context for each level's explanation.

    Returns:
        One level per part (method ``pooled_fill_rate``), their target the set's.
    """
    if not demands:
        return []
    exchange = Exchange.of(demands)
    levels = exchange.levels(price_for_fill_rate(exchange, target))
    names = labels or [None] * len(demands)
    return [level_fixed(d, s, method="pooled_fill_rate", label=name, target=target)
            for d, s, name in zip(demands, levels, names, strict=True)]


def level_at_price(demand: ProtectionDemand, price: float, target: float | None = None,
                   label: str | None = None) -> StockLevel:
    """The level maximising served - price x stock for one part (a set's price applied to a part)."""
    [level] = Exchange.of([demand]).levels(price)
    return level_fixed(demand, level, method="pooled_fill_rate", label=label, target=target)
