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

With unit costs, the same method gives the least **capital** for a fill rate: a part's stock is priced
at its cost, so a unit of a cheap part that serves the same demand as a unit of a dear one is kept
first. The set's fill rate may also weigh each part's units (by demand value, as a node's figures do).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from partspool.core.policy.demand import FloatArray, ProtectionDemand
from partspool.core.policy.levels import StockLevel, _exact, check_fraction, curves, level_fixed, solvable


class Exchange:
    """Each part's expected units served and average stock for every level (the exchange curve).

    At each level under lost sales exactly where the part's chain can be solved there, else by the
    backorder formulas: the same figures a level is reported with (``evaluate_level``), so the set's
    fill rate found here is the one its levels show (on backorder curves alone the set held more
    stock than per-part targets for the same fill rate; with exact figures only for parts solvable
    at the top of their curve, fast movers were chosen on the bound and shown with more). The exact
    figures are worked out only at the levels a search visits: from the backorder curve's best level,
    the level moves while the objective improves (served − price × stock is concave in the level).
    """

    def __init__(self, demands: Sequence[ProtectionDemand], served: Sequence[FloatArray],
                 stock: Sequence[FloatArray], values: Sequence[float] | None = None,
                 costs: Sequence[float] | None = None):
        self.demands = tuple(demands)
        self.served, self.stock = tuple(served), tuple(stock)  # the backorder curves, levels 0..top
        self.values = _weights(values, len(self.demands), "values")
        self.costs = _weights(costs, len(self.demands), "costs")
        self.demand = float(sum(v * d.review_mean for v, d in zip(self.values, demands, strict=True)))
        # exact figures possible at some levels (at a level, where its chain is small enough: ``_exact``);
        # elsewhere (a lead time of 3 or more) the backorder curve's own best level, found over the whole curve
        self._exact = [solvable(d, 0) for d in demands]
        self._cache: list[dict[int, tuple[float, float]]] = [{} for _ in demands]

    @staticmethod
    def of(demands: Sequence[ProtectionDemand], margin: float = 6.0, values: Sequence[float] | None = None,
           costs: Sequence[float] | None = None) -> Exchange:
        """The curves of ``demands`` up to ``margin`` standard deviations above the mean.

        ``values``: what a unit served of each part weighs in the set's fill rate, and ``costs``: what a
        unit of its average stock costs (both 1 when not given: units served over units demanded, at the
        least units of stock). With unit costs for both, the fill rate is by value and the stock by capital.
        """
        served, stock = [], []
        for d in demands:
            top = max(int(math.ceil(d.mean + margin * d.sd)) + 1, 1)
            fill, _, on_hand = curves(d, top)
            served.append(fill * d.review_mean)
            stock.append(on_hand)
        return Exchange(demands, served, stock, values, costs)

    def figures(self, part: int, level: int, exact: bool = True) -> tuple[float, float]:
        """(expected units served, average stock) of ``part`` at ``level`` (``exact``: False, the
        backorder formulas' even where the chain can be solved)."""
        if not (exact and self._exact[part]):
            return float(self.served[part][level]), float(self.stock[part][level])
        cache = self._cache[part]
        if level not in cache:
            found = _exact(self.demands[part], level)  # None where the chain is too big: the bound, as reported
            cache[level] = ((found[0] * self.demands[part].review_mean, found[1]) if found is not None
                            else (float(self.served[part][level]), float(self.stock[part][level])))
        return cache[level]

    def _best(self, part: int, price: float, exact: bool) -> int:
        worth, cost = self.values[part], price * self.costs[part]
        if not (exact and self._exact[part]):
            return int(np.argmax(worth * self.served[part] - cost * self.stock[part]))
        # the climb starts at the backorder curve's best, whatever was asked before: a part's level at a
        # price is then the same alone (``level_at_price``, as a replay sets it) as in its set (the exact
        # figures of the levels visited are kept, so asking again solves nothing twice)
        start = int(np.argmax(worth * self.served[part] - cost * self.stock[part]))
        top = len(self.served[part]) - 1

        def gain(k: int) -> float:
            served, stock = self.figures(part, k)
            return worth * served - cost * stock

        best, value = start, gain(start)
        for step in (1, -1):  # climb whichever way improves
            k = best + step
            while 0 <= k <= top and (g := gain(k)) > value + 1e-12:
                best, value = k, g
                k += step
        return best

    @property
    def has_exact(self) -> bool:
        return any(self._exact)

    def levels(self, price: float, exact: bool = True) -> list[int]:
        """Each part's level maximising value x served - price x cost x stock."""
        return [self._best(i, price, exact) for i in range(len(self.demands))]

    def fill_rate(self, levels: Sequence[int], exact: bool = True) -> float:
        """Expected units served / units demanded over all parts (each part's weighed by its value)."""
        if self.demand <= 0:
            return 1.0
        return float(sum(self.values[i] * self.figures(i, k, exact)[0] for i, k in enumerate(levels))) / self.demand


def _weights(given: Sequence[float] | None, count: int, name: str) -> tuple[float, ...]:
    if given is None:
        return (1.0,) * count
    out = tuple(float(w) for w in given)
    if len(out) != count:
        raise ValueError(f"one of the {name} is needed per part")
    if not all(math.isfinite(w) and w > 0 for w in out):
        raise ValueError(f"the {name} must be finite and above 0")
    return out


LOWEST_PRICE, HIGHEST_PRICE = 1e-9, 1e6


def _bisect(reaches: Callable[[float], bool], low: float, high: float, steps: int) -> float:
    for _ in range(steps):
        mid = math.sqrt(low * high)
        low, high = (mid, high) if reaches(mid) else (low, mid)
    return low


def price_for_fill_rate(exchange: Exchange, target: float, steps: int = 60) -> float:
    """The highest stock price at which the set's expected fill rate still reaches ``target``.

    First on the backorder curves alone (cheap arrays). Where parts have exact lost-sales curves, the
    price is then refined on the exact figures from there, in small steps: each part's exact level
    is found by climbing from its level at the price before (``Exchange._best``), so the few levels
    between two close prices are all that is solved. The exact figures usually serve more at a
    level than the backorder bound, so the exact price is usually higher; where it is lower (the
    chain's one-period distribution is wider than the formulas'), the search steps down instead."""
    check_fraction(target, "target fill rate")

    def reaches(price: float, exact: bool = False) -> bool:
        return exchange.fill_rate(exchange.levels(price, exact), exact) >= target

    if not reaches(LOWEST_PRICE):
        return LOWEST_PRICE  # unreachable within the curves: as much stock as they hold
    price = _bisect(reaches, LOWEST_PRICE, HIGHEST_PRICE, steps)
    if not exchange.has_exact:
        return price
    low = price
    while not reaches(low, True):  # the exact figures serve less at these levels: lower the price
        if low <= LOWEST_PRICE:
            return LOWEST_PRICE
        low = max(low / EXACT_STEP, LOWEST_PRICE)
    high = min(low * EXACT_STEP, HIGHEST_PRICE)
    while reaches(high, True) and high < HIGHEST_PRICE:
        low, high = high, min(high * EXACT_STEP, HIGHEST_PRICE)
    return _bisect(lambda p: reaches(p, True), low, high, 16)


EXACT_STEP = 1.25  # the price's step on the exact figures before bisecting (small: few levels change a step)


def allocate_fill_rate(demands: Sequence[ProtectionDemand], target: float,
                       labels: Sequence[str | None] | None = None, *, values: Sequence[float] | None = None,
                       costs: Sequence[float] | None = None) -> list[StockLevel]:
    """Levels for a set of parts so that their joint expected fill rate reaches ``target``.

    Args:
        demands: each part's protection demand.
        target: the fill rate of the whole set, in (0, 1].
        labels: context for each level's explanation.
        values: what a unit served of each part weighs in the set's fill rate (default 1: units).
        costs: what a unit of each part's stock costs (default 1: the least units of stock; unit costs:
            the least capital).

    Returns:
        One level per part (method ``pooled_fill_rate``), their target the set's.
    """
    if not demands:
        return []
    exchange = Exchange.of(demands, values=values, costs=costs)
    levels = _top_up(exchange, exchange.levels(price_for_fill_rate(exchange, target)), target)
    names = labels or [None] * len(demands)
    return [level_fixed(d, s, method="pooled_fill_rate", label=name, target=target)
            for d, s, name in zip(demands, levels, names, strict=True)]


def _top_up(exchange: Exchange, levels: list[int], target: float) -> list[int]:
    """``levels`` raised a unit at a time, each where it serves the most per unit of stock cost, until the
    set's fill rate reaches ``target`` (or every part is at the top of its curve). The price's levels
    usually reach it already; a part whose objective is not concave in its level (exact figures below a
    size, the bound above) can settle on a level that leaves the set just short."""
    levels = list(levels)
    fill = exchange.fill_rate(levels)
    while fill < target:
        best, gain = -1, -math.inf
        for i, k in enumerate(levels):
            if k + 1 >= len(exchange.served[i]):
                continue
            served_now, stock_now = exchange.figures(i, k)
            served_up, stock_up = exchange.figures(i, k + 1)
            more = exchange.values[i] * (served_up - served_now)
            if more <= 0:
                continue
            cost = exchange.costs[i] * max(stock_up - stock_now, 1e-12)
            if more / cost > gain:
                best, gain = i, more / cost
        if best < 0:
            break
        levels[best] += 1
        fill = exchange.fill_rate(levels)
    return levels


def level_at_price(demand: ProtectionDemand, price: float, target: float | None = None,
                   label: str | None = None) -> StockLevel:
    """The level maximising served - price x stock for one part (a set's price applied to a part)."""
    [level] = Exchange.of([demand]).levels(price)
    return level_fixed(demand, level, method="pooled_fill_rate", label=label, target=target)
