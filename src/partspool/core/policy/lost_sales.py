"""Exact fill rate and stock of an order-up-to level when unmet demand is lost.

With periodic review every period, order-up-to S and lost sales, the order placed at each review
equals the units served in the period (the position was S before it, and only serving lowers
it). With lead time L (an order arrives L periods after the review that placed it, before the
next period's demand), the stock available at the start of period t is therefore

    a_t = S - (s_(t-1) + ... + s_(t-L))        (s = units served in a period)

and the last L served amounts are a Markov chain: the next served amount is min(a_t, d_t) for
the period's demand d_t. Its stationary distribution gives the exact long-run fill rate
``1 - E[(d - a)+] / E[d]`` and the average closing stock ``E[(a - d)+]``.

The chain has (S + L choose L) states; it is solved for L = 1 and L = 2 up to ``max_size``
transitions (by default S up to about 630 for L = 1 and 100 for L = 2; L = 0 needs no chain:
every period starts with S). Beyond that, ``None`` tells the caller to
use the backorder formulas, which are a safe bound. The demand of each period is taken as
independent with the given distribution.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array  # type: ignore[import-untyped, unused-ignore]

from partspool.core.policy.demand import FloatArray

MAX_ITERATIONS = 5000
TOLERANCE = 1e-12
DENSE_LIMIT = 64  # direct solves beyond this pay for BLAS threads more than they save


def _transitions(pmf: FloatArray, available: npt.NDArray[np.int64]
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    """For states with ``available`` units: (state, units served, probability) for every outcome.

    Units served k = min(available, d): P = pmf[k] below ``available``, P(d >= available) at it.
    """
    top = int(available.max()) if len(available) else 0
    padded = np.zeros(top + 1)
    upto = min(top + 1, len(pmf))
    padded[:upto] = pmf[:upto]
    at_least = np.clip(1.0 - np.concatenate([[0.0], np.cumsum(padded)[:-1]]), 0.0, None)  # P(d >= a)
    counts = available + 1
    state = np.repeat(np.arange(len(available)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    served = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    prob = np.where(served == available[state], at_least[available[state]], padded[served])
    return state, served, prob


def _stationary(matrix: csr_array, size: int) -> FloatArray:
    """Stationary distribution of a row-stochastic matrix.

    Small chains: solved directly (pi (T - I) = 0 with the probabilities summing to 1). Large
    ones: lazy power iteration (always aperiodic, so it converges).
    """
    if size <= DENSE_LIMIT:
        system = matrix.toarray().T - np.eye(size)
        system[-1, :] = 1.0
        rhs = np.zeros(size)
        rhs[-1] = 1.0
        try:
            pi = np.clip(np.linalg.solve(system, rhs), 0.0, None)
            return np.asarray(pi / pi.sum(), dtype=float)
        except np.linalg.LinAlgError:  # pragma: no cover - a reducible chain; iterate instead
            pass
    transposed = matrix.T.tocsr()
    pi = np.full(size, 1.0 / size)
    for _ in range(MAX_ITERATIONS):
        nxt = 0.5 * (pi + transposed @ pi)
        if float(np.abs(nxt - pi).sum()) < TOLERANCE:
            return np.asarray(nxt / nxt.sum(), dtype=float)
        pi = nxt
    return np.asarray(pi / pi.sum(), dtype=float)


def _available_distribution(pmf: FloatArray, lead_time: int, order_up_to: int) -> FloatArray | None:
    """Stationary distribution of the stock available at the start of a period (0..S)."""
    s = order_up_to
    if lead_time == 0:
        out = np.zeros(s + 1)
        out[s] = 1.0
        return out
    if lead_time == 1:  # state: units served last period (0..S); available = S - state
        available = s - np.arange(s + 1)
        state, served, prob = _transitions(pmf, available)
        matrix = csr_array((prob, (state, served)), shape=(s + 1, s + 1))
        return np.asarray(_stationary(matrix, s + 1)[::-1], dtype=float)
    if lead_time == 2:  # state: (served last period f, the period before g), f + g <= S
        first = np.concatenate([np.full(s + 1 - f, f) for f in range(s + 1)])
        second = np.concatenate([np.arange(s + 1 - f) for f in range(s + 1)])
        offset = np.array([f * (s + 1) - f * (f - 1) // 2 for f in range(s + 1)])  # index of (f, 0)
        available = s - first - second
        state, served, prob = _transitions(pmf, available)
        target = offset[served] + first[state]  # next state: (served now, served last period)
        size = len(first)
        pi = _stationary(csr_array((prob, (state, target)), shape=(size, size)), size)
        return np.asarray(np.bincount(available, weights=pi, minlength=s + 1), dtype=float)
    return None


def chain_size(lead_time: int, order_up_to: int) -> int:
    """Transitions of the chain for a lead time and level (its work, to decide whether to solve it)."""
    s = order_up_to
    if lead_time == 0:
        return 1
    if lead_time == 1:  # sum over states of (available + 1) outcomes
        return (s + 1) * (s + 2) // 2
    if lead_time == 2:
        return (s + 1) * (s + 2) * (s + 3) // 6
    return 2**62


def lost_sales_figures(pmf: FloatArray, lead_time: int, order_up_to: int,
                       max_size: int = 200_000) -> tuple[float, float] | None:
    """Exact long-run fill rate and average closing stock under lost sales, or None.

    Args:
        pmf: distribution of one period's demand (units 0..K).
        lead_time: periods from review to arrival (see the module's event order).
        order_up_to: the level S.
        max_size: the most transitions solved (``chain_size``); bigger chains return None.

    Returns:
        (fill rate, average stock on hand at the end of a period), or None when not solved.
    """
    if order_up_to < 0 or lead_time < 0:
        raise ValueError("level and lead time must be 0 or more")
    if chain_size(lead_time, order_up_to) > max_size:
        return None
    available = _available_distribution(pmf, lead_time, order_up_to)
    if available is None:
        return None
    k = np.arange(len(pmf))
    mean = float((k * pmf).sum())
    a = np.arange(order_up_to + 1)
    short = np.maximum(k[None, :] - a[:, None], 0) @ pmf  # E[(d - a)+] for each a
    left = np.maximum(a[:, None] - k[None, :], 0) @ pmf  # E[(a - d)+] for each a
    fill = 1.0 - float(available @ short) / mean if mean > 0 else 1.0
    return min(max(fill, 0.0), 1.0), float(available @ left)
