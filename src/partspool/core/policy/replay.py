"""The inventory replay itself: periodic review, order-up-to, lost sales, vectorised over series.

Event order in each period t = 0 .. H-1 (the same for every series):

1. **receive**: orders due at t arrive and go on the shelf;
2. **demand**: the period's demand is served from on hand; what cannot be served is lost
   (the customer is served another way: a transfer, an emergency order), never backordered;
3. **count**: the stock left on hand is the period's closing inventory (average inventory
   averages these);
4. **review**: an order ``max(0, S[t+1] - on hand - on order)`` is placed; it is due at the start
   of period ``t + L + 1`` (L = lead time in periods).

So with L = 0 an order placed at the end of a period is on the shelf for the next period's demand
(the same as reviewing at the start of a period and receiving at once); with L = 1 one whole
period's demand passes before it arrives.

**Supersession** (optional): a replaced part's row names its successor's row and the period from
which the two are managed as one. From then on, after each has served its own demand (step 2), what
the successor's shelf cannot serve is served from the replaced part's shelf (its stock is used up),
then what the replaced part's cannot from the successor's; and from the review that sets that
period's level, the successor's position counts the replaced part's stock and orders still on
their way (up to ``credit_cap``), so the two are not stocked twice.

**Start**: the replay opens as if the policy had already been running. Before period 0 the same
steps run over a warm-up of the last periods of history (``L + 1`` of them in ``simulate``) at level
S[0], starting from S[0] on hand and nothing on order; their figures are not counted. Period 0
then opens with the orders those reviews placed still on their way and on hand + on order = S[0],
each order the demand it replaced. Without a warm-up (or with L = 0 and no demand in it) the shelf
simply starts full at S[0]; starting full with nothing on order would give L periods of free stock
(with a lead time as long as the holdout, no order would ever arrive in time to count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ReplayArrays:
    """Per series (rows) and period (columns): what happened. ``on_order`` is after the review."""

    received: IntArray
    available: IntArray  # on hand after receiving, before demand
    demand: IntArray
    served: IntArray
    lost: IntArray
    on_hand: IntArray  # closing stock
    ordered: IntArray
    on_order: IntArray


def replay(demand: IntArray, levels: IntArray, lead_time: int, warmup: IntArray | None = None,
           successors: IntArray | None = None, linked_from: IntArray | None = None,
           credit_cap: IntArray | None = None, review: int = 1) -> ReplayArrays:
    """Replay ``demand`` (series x H periods) under order-up-to ``levels`` (series x H+1).

    Args:
        demand: units demanded per series and period, 0 or more.
        levels: ``levels[:, 0]`` is the initial stock and the level of the warm-up; ``levels[:, t + 1]``
            the level S used at the review closing period t.
        lead_time: periods between an order and its arrival (see the module's event order).
        warmup: demand of the periods just before period 0 (series x W, W >= 0), replayed at level
            ``levels[:, 0]`` and not counted, so that period 0 opens with the pipeline a running
            policy would have (see the module's start).
        successors: per series the row of its successor (-1: none), see the module's supersession.
        linked_from: per series the first period in which its successor's shelf and its own serve each
            other (0: also in the warm-up); the successor's order counts its stock from the review setting
            that period's level (``levels[:, linked_from]``).
        credit_cap: per series, at most this much of its stock and orders is counted in its
            successor's position (where one successor replaces several parts, one's stock cannot serve
            another's demand); None: all of it.
        review: periods between two reviews: the order step runs only in every ``review``-th period (the
            periods closing with ``t + 1`` a multiple of it; in the warm-up, counted back from period 0
            the same way), as a center ordering weekly does with periods of a day.

    Returns:
        The period-by-period arrays of periods 0 .. H-1.
    """
    d = np.asarray(demand, dtype=np.int64)
    s = np.asarray(levels, dtype=np.int64)
    if d.ndim != 2 or s.shape != (d.shape[0], d.shape[1] + 1):
        raise ValueError("levels must have one column more than demand, and as many rows")
    w = np.zeros((d.shape[0], 0), dtype=np.int64) if warmup is None else np.asarray(warmup, dtype=np.int64)
    if w.ndim != 2 or w.shape[0] != d.shape[0]:
        raise ValueError("the warm-up must have as many rows as the demand")
    if lead_time < 0:
        raise ValueError("lead time must be 0 or more periods")
    if review < 1:
        raise ValueError("review must be 1 period or more")
    if np.any(d < 0) or np.any(s < 0) or np.any(w < 0):
        raise ValueError("demand and levels must be 0 or more")
    n, horizon = d.shape
    start = w.shape[1]
    succ = np.full(n, -1, dtype=np.int64) if successors is None else np.asarray(successors, dtype=np.int64)
    since = np.zeros(n, dtype=np.int64) if linked_from is None else np.asarray(linked_from, dtype=np.int64)
    if succ.shape != (n,) or since.shape != (n,) or np.any(succ >= n) or np.any(succ == np.arange(n)):
        raise ValueError("successors must name another row of each series, or -1")
    linked = np.flatnonzero(succ >= 0)
    cap = None if credit_cap is None else np.asarray(credit_cap, dtype=np.int64)
    due = np.zeros((n, start + horizon + lead_time + 2), dtype=np.int64)
    shape = (n, horizon)
    out = {name: np.zeros(shape, dtype=np.int64) for name in
           ("received", "available", "served", "lost", "on_hand", "ordered", "on_order")}
    stock = s[:, 0].copy()
    pipeline = np.zeros(n, dtype=np.int64)
    for k in range(start + horizon):  # k: periods since the warm-up began; t = k - start
        t = k - start
        wanted = w[:, k] if t < 0 else d[:, t]
        arriving = due[:, k]
        stock = stock + arriving
        pipeline = pipeline - arriving
        available = stock
        served = np.minimum(stock, wanted)
        stock = stock - served
        older = np.zeros(n, dtype=np.int64)  # the stock and orders of a successor's predecessors
        if linked.size:
            active = linked[(since[linked] <= max(t, 0))]
            for i in active:
                j = succ[i]
                for short, shelf in ((j, i), (i, j)):  # the successor from the old shelf, then the old from the new
                    extra = min(wanted[short] - served[short], stock[shelf])
                    served[short] += extra
                    stock[shelf] -= extra
            # the review closing period t sets the level of column t + 1 (the warm-up's, column 0): the
            # netting starts at the review whose column is the link's first
            netted = linked[since[linked] <= (t + 1 if t >= 0 else 0)]
            credit = stock[netted] + pipeline[netted]
            if cap is not None:
                credit = np.minimum(credit, cap[netted])
            np.add.at(older, succ[netted], credit)
        order = np.maximum((s[:, 0] if t < 0 else s[:, t + 1]) - stock - pipeline - older, 0)
        if (t + 1) % review:  # no review closes this period
            order = np.zeros(n, dtype=np.int64)
        due[:, k + lead_time + 1] += order
        pipeline = pipeline + order
        if t < 0:
            continue
        out["received"][:, t] = arriving
        out["available"][:, t] = available
        out["served"][:, t] = served
        out["lost"][:, t] = wanted - served
        out["on_hand"][:, t] = stock
        out["ordered"][:, t] = order
        out["on_order"][:, t] = pipeline
    return ReplayArrays(demand=d, **out)
