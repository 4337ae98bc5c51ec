"""Exact fill rate and stock of an order-up-to level reviewed every R periods, lead time L < R, lost sales.

A service center reviews its stock once a week and its orders arrive within days: with periods of a
day, R = 7 and L = 3 to 5. The chain of ``lost_sales`` needs a review every period; this one needs
the order to arrive before the next review (L < R), as it then does.

Event order (the same as ``replay`` with ``review`` R): at a review the stock on hand is x and
nothing is on order (the last order has arrived), so the order is S - x. Over the next L periods
the stock on hand serves their demand D_L, what it cannot serve is lost, and y = max(x - D_L, 0)
is left. The order arrives: z = y + S - x on hand. The R - L periods left serve their demand D',
and x' = max(z - D', 0) is on hand at the next review. So x is a Markov chain on 0..S; its
stationary distribution gives the long-run fill rate

    (E[min(x, D_L)] + E[min(z, D')]) / (E[D_L] + E[D'])

and the average stock left at the end of each of the R periods, E[max(x - D_k, 0)] for the first L
(D_k: the first k periods' demand) and E[max(z - D'_j, 0)] for the rest.

The two spans' demands are taken as independent, each with the distribution the caller gives (see
``demand.ProtectionDemand.cycle_pmfs``). The chain has (S + 1)^2 transitions: a level beyond
``max_size`` of them returns None (the caller keeps the backorder bound). Figures once solved are
kept (``MEMO_SIZE``), as ``lost_sales`` keeps its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from partspool.core.policy.demand import FloatArray
from partspool.core.policy.memo import Memo

MEMO_SIZE = 50_000

_memo: Memo[tuple[float, float] | None] = Memo(lambda: MEMO_SIZE)


def cycle_size(order_up_to: int) -> int:
    """Transitions of the chain at level S (its work, to decide whether to solve it)."""
    return (order_up_to + 1) ** 2


def cycle_figures(lead_pmfs: Sequence[FloatArray], after_pmfs: Sequence[FloatArray], order_up_to: int,
                  max_size: int = 200_000) -> tuple[float, float] | None:
    """Exact long-run fill rate and average closing stock of level S, or None beyond ``max_size``.

    Args:
        lead_pmfs: the demand of the first k periods after a review, k = 1 .. L (empty for L = 0).
        after_pmfs: the demand of the first j periods after the order arrives, j = 1 .. R - L (at least one).
        order_up_to: the level S.
        max_size: the most transitions solved (``cycle_size``).

    Returns:
        (fill rate, average stock on hand at the end of a period), or None when not solved.
    """
    if order_up_to < 0:
        raise ValueError("an order-up-to level is 0 or more")
    if not after_pmfs:
        raise ValueError("the order must arrive before the next review (lead time shorter than the review)")
    if cycle_size(order_up_to) > max_size:
        return None
    digest = hashlib.blake2b(digest_size=16)
    for pmf in (*lead_pmfs, *after_pmfs):
        digest.update(np.ascontiguousarray(pmf, dtype=np.float64).tobytes())
        digest.update(b"|")
    key = (digest.digest(), len(lead_pmfs), order_up_to, max_size)
    known, figures = _memo.recall(key)
    if not known:
        figures = _solve(lead_pmfs, after_pmfs, order_up_to)
        _memo.keep(key, figures)
    return figures


def clear_memo() -> None:
    """Forget the figures kept (for measuring a first solve)."""
    _memo.clear()


def _left(pmf: FloatArray, n: int) -> FloatArray:
    """``M[v, w] = P(max(v - D, 0) = w)`` for v, w in 0 .. n - 1: what is left of v units after demand D."""
    v, w = np.indices((n, n))
    d = v - w
    out = np.zeros((n, n))
    inside = (w >= 1) & (d >= 0) & (d < len(pmf))
    out[inside] = pmf[d[inside]]
    cumulative = np.concatenate([[0.0], np.cumsum(pmf)])  # P(D < v) for v = 0 .. len(pmf)
    below = cumulative[np.minimum(np.arange(n), len(pmf))]
    out[:, 0] = np.clip(1.0 - below, 0.0, None)  # P(D >= v): all of v goes
    return out


def _served(pmf: FloatArray, n: int) -> FloatArray:
    """``E[min(v, D)]`` for v = 0 .. n - 1: the sum of P(D > j) for j < v."""
    survival = np.clip(1.0 - np.cumsum(pmf), 0.0, None)  # P(D > j), j = 0 .. len - 1
    padded = np.zeros(max(n - 1, 0))
    upto = min(len(padded), len(survival))
    padded[:upto] = survival[:upto]
    return np.concatenate([[0.0], np.cumsum(padded)])


def _mean(pmf: FloatArray) -> float:
    return float((np.arange(len(pmf)) * pmf).sum())


def _stationary(matrix: FloatArray) -> FloatArray:
    n = len(matrix)
    system = matrix.T - np.eye(n)
    system[-1, :] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    try:
        pi = np.clip(np.linalg.solve(system, rhs), 0.0, None)
    except np.linalg.LinAlgError:  # pragma: no cover - a reducible chain: iterate from a full shelf
        pi = np.zeros(n)
        pi[-1] = 1.0
        for _ in range(10_000):
            pi = 0.5 * (pi + pi @ matrix)
    return np.asarray(pi / pi.sum(), dtype=float)


def _solve(lead_pmfs: Sequence[FloatArray], after_pmfs: Sequence[FloatArray], s: int) -> tuple[float, float]:
    n = s + 1
    lead = lead_pmfs[-1] if lead_pmfs else np.array([1.0])
    after = after_pmfs[-1]
    kept = _left(lead, n)  # x -> y
    arrived = np.zeros((n, n))  # x -> z = y + S - x
    for x in range(n):
        arrived[x, s - x:] = kept[x, : x + 1]
    chain = arrived @ _left(after, n)  # x -> x'
    pi = _stationary(chain)
    rho = pi @ arrived  # the stock on hand just after the order arrives
    units = np.arange(n, dtype=float)
    served = float(pi @ _served(lead, n)) + float(rho @ _served(after, n))
    mean = _mean(lead) + _mean(after)
    fill = served / mean if mean > 0 else 1.0
    closing = [float(pi @ (units - _served(p, n))) for p in lead_pmfs]
    closing += [float(rho @ (units - _served(p, n))) for p in after_pmfs]
    return min(max(fill, 0.0), 1.0), sum(closing) / len(closing)
