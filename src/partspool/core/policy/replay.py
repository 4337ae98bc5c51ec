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
period's demand passes before it arrives. Before period 0 there is one review with nothing on
order and the stock on hand set to S[0] (the initial stock is the order-up-to level).
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


def replay(demand: IntArray, levels: IntArray, lead_time: int) -> ReplayArrays:
    """Replay ``demand`` (series x H periods) under order-up-to ``levels`` (series x H+1).

    Args:
        demand: units demanded per series and period, 0 or more.
        levels: ``levels[:, 0]`` is the initial stock; ``levels[:, t + 1]`` the level S used at
            the review closing period t.
        lead_time: periods between an order and its arrival (see the module's event order).

    Returns:
        The period-by-period arrays.
    """
    d = np.asarray(demand, dtype=np.int64)
    s = np.asarray(levels, dtype=np.int64)
    if d.ndim != 2 or s.shape != (d.shape[0], d.shape[1] + 1):
        raise ValueError("levels must have one column more than demand, and as many rows")
    if lead_time < 0:
        raise ValueError("lead time must be 0 or more periods")
    if np.any(d < 0) or np.any(s < 0):
        raise ValueError("demand and levels must be 0 or more")
    n, horizon = d.shape
    due = np.zeros((n, horizon + lead_time + 2), dtype=np.int64)
    shape = (n, horizon)
    out = {name: np.zeros(shape, dtype=np.int64) for name in
           ("received", "available", "served", "lost", "on_hand", "ordered", "on_order")}
    stock = s[:, 0].copy()
    pipeline = np.zeros(n, dtype=np.int64)
    for t in range(horizon):
        arriving = due[:, t]
        stock = stock + arriving
        pipeline = pipeline - arriving
        out["received"][:, t] = arriving
        out["available"][:, t] = stock
        served = np.minimum(stock, d[:, t])
        stock = stock - served
        out["served"][:, t] = served
        out["lost"][:, t] = d[:, t] - served
        out["on_hand"][:, t] = stock
        order = np.maximum(s[:, t + 1] - stock - pipeline, 0)
        due[:, t + lead_time + 1] += order
        pipeline = pipeline + order
        out["ordered"][:, t] = order
        out["on_order"][:, t] = pipeline
    return ReplayArrays(demand=d, **out)
