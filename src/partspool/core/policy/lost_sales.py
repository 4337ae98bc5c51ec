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

``lost_sales_figures_many`` gives the same figures for many chains at once (a node's parts): the
small chains of one size in one stacked solve, the big ones iterated side by side (and the few
that power steps do not settle solved directly).

Both keep the figures of the chains they solved (``MEMO_SIZE`` of them, most recent first): a policy
page tries many levels of the same part, its class pool tries them again, and the next view of the
page, its XLSX and its orders try them all once more. A kept figure is returned only for the same
function, distribution (byte for byte), lead time, level and size limit, so it is what solving
again would give.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csc_array, csr_array, identity  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse.linalg import splu  # type: ignore[import-untyped, unused-ignore]

from partspool.core.policy.demand import FloatArray
from partspool.core.policy.memo import Memo

MAX_ITERATIONS = 5000
TOLERANCE = 1e-12
PLAIN_ITERATIONS = 150  # plain power steps, then lazy ones (see ``_power_step``)
LAZY_ITERATIONS = 300  # lazy steps before a chain still moving is solved directly (see ``_slow_chain``)
DIRECT_LIMIT = 2_500  # states: bigger chains still moving go on with lazy steps (a sparse LU fills in)
RESIDUAL = 1e-10  # a direct solve is taken when |T'pi - pi| (summed) is below this
DENSE_LIMIT = 64  # direct solves beyond this pay for BLAS threads more than they save
MEMO_SIZE = 50_000  # solved chains whose figures are kept (about 200 bytes each)
MEMO_FROM = 2 * DENSE_LIMIT  # chains with fewer transitions are solved again: faster than a look-up

_memo: Memo[tuple[float, float] | None] = Memo(lambda: MEMO_SIZE)


def _memo_key(kind: str, pmf: FloatArray, lead_time: int, order_up_to: int, max_size: int
              ) -> tuple[str, bytes, int, int, int]:
    data = np.ascontiguousarray(pmf, dtype=np.float64)
    return kind, hashlib.blake2b(data.tobytes(), digest_size=16).digest(), lead_time, order_up_to, max_size


def clear_memo() -> None:
    """Forget the figures kept (for measuring a first solve)."""
    _memo.clear()


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
    ones: power steps (``_power_step``); one still moving after them goes to ``_slow_chain``.
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
    for iteration in range(PLAIN_ITERATIONS + LAZY_ITERATIONS):
        nxt = _power_step(pi, transposed @ pi, iteration)
        if float(np.abs(nxt - pi).sum()) < TOLERANCE:
            return np.asarray(nxt / nxt.sum(), dtype=float)
        pi = nxt
    return _slow_chain(transposed, pi)


def _power_step(pi: FloatArray, moved: FloatArray, iteration: int) -> FloatArray:
    """Step ``iteration`` of the power iteration, given ``moved`` = T'pi.

    Plain steps (``moved``) first: most chains here can stand still (a period without demand), so
    they are aperiodic and settle in half the steps lazy ones take. After ``PLAIN_ITERATIONS``,
    lazy steps ((pi + moved) / 2), which damp the swing of a chain that nearly cycles.
    """
    return moved if iteration < PLAIN_ITERATIONS else 0.5 * (pi + moved)


def _slow_chain(transposed: csr_array, pi: FloatArray) -> FloatArray:
    """The stationary distribution of a chain that the power steps did not settle.

    Chains of up to ``DIRECT_LIMIT`` states are solved directly: a sparse LU of pi (T - I) = 0 with
    the probabilities summing to 1, taken when it satisfies the chain to ``RESIDUAL`` (a nearly
    decomposable chain may give tiny negative entries, which are clipped). Bigger chains, and a
    solve that fails (a chain with two closed classes), go on with lazy steps from ``pi`` for at most
    ``MAX_ITERATIONS`` more steps, the last of them returned if none settles.
    """
    size = transposed.shape[0]
    if size <= DIRECT_LIMIT:
        system = (transposed - identity(size, format="csr")).tolil()
        system[size - 1, :] = 1.0
        rhs = np.zeros(size)
        rhs[-1] = 1.0
        try:
            solved = np.clip(np.asarray(splu(csc_array(system)).solve(rhs), dtype=float), 0.0, None)
        except RuntimeError:  # SuperLU: the system is singular (two closed classes)
            solved = np.zeros(size)
        total = float(solved.sum())
        if np.isfinite(total) and total > 0:
            solved /= total
            if float(np.abs(transposed @ solved - solved).sum()) < RESIDUAL:
                return np.asarray(solved, dtype=float)
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
    size = chain_size(lead_time, order_up_to)
    if size > max_size:
        return None
    if lead_time == 0:  # S available every period: no distribution over 0..S to build (S can be millions)
        return _figures_at(pmf, np.array([1.0]), np.array([order_up_to]))
    key = _memo_key("one", pmf, lead_time, order_up_to, max_size) if size >= MEMO_FROM else None
    if key is not None:
        known, figures = _memo.recall(key)
        if known:
            return figures
    available = _available_distribution(pmf, lead_time, order_up_to)
    figures = None if available is None else _figures(pmf, available, order_up_to)
    if key is not None:
        _memo.keep(key, figures)
    return figures


def _figures(pmf: FloatArray, available: FloatArray, order_up_to: int) -> tuple[float, float]:
    """Fill rate and average closing stock from the stationary distribution of the stock available."""
    return _figures_at(pmf, available, np.arange(order_up_to + 1))


def _figures_at(pmf: FloatArray, weights: FloatArray, units: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Fill rate and average closing stock when ``units`` are available with probabilities ``weights``."""
    mean = float((np.arange(len(pmf)) * pmf).sum())
    # E[(d - a)+] = Σ_{j ≥ a} P(d > j): one pass over the distribution, not a table of a × d (which
    # took gigabytes at a level of 10,000 units)
    beyond = np.cumsum(pmf[::-1])[::-1][1:]  # P(d > j) for j = 0 … K − 1, from the pmf as given
    tail = np.concatenate([np.cumsum(beyond[::-1])[::-1], [0.0]])  # Σ_{i ≥ j} P(d > i), j = 0 … K
    short = tail[np.minimum(units, len(tail) - 1)]  # E[(d - a)+] for each a (0 from the top of the support)
    left = units * float(pmf.sum()) - mean + short  # E[(a - d)+] = a − E[d] + E[(d − a)+]
    fill = 1.0 - float(weights @ short) / mean if mean > 0 else 1.0
    return min(max(fill, 0.0), 1.0), float(weights @ left)


SMALL_CHAIN = 20_000  # transitions; the shapes of up to 512 small and 8 big chains are kept (< 100 MB)


def _structure(lead_time: int, order_up_to: int) -> tuple[npt.NDArray[np.int64], ...]:
    """The chain's shape for L = 1 or 2 and level S, as ``_available_distribution`` builds it:
    (units available per state, state / units served / next state of every transition, then the
    transposed matrix's entry order, row pointers and column indices)."""
    if chain_size(lead_time, order_up_to) <= SMALL_CHAIN:
        return _small_structure(lead_time, order_up_to)
    return _big_structure(lead_time, order_up_to)


@lru_cache(maxsize=512)
def _small_structure(lead_time: int, order_up_to: int) -> tuple[npt.NDArray[np.int64], ...]:
    return _build_structure(lead_time, order_up_to)


@lru_cache(maxsize=8)
def _big_structure(lead_time: int, order_up_to: int) -> tuple[npt.NDArray[np.int64], ...]:
    return _build_structure(lead_time, order_up_to)


def _build_structure(lead_time: int, order_up_to: int) -> tuple[npt.NDArray[np.int64], ...]:
    s = order_up_to
    if lead_time == 1:
        available = s - np.arange(s + 1)
        first = np.zeros(0, dtype=np.int64)
    else:
        first = np.concatenate([np.full(s + 1 - f, f) for f in range(s + 1)])
        second = np.concatenate([np.arange(s + 1 - f) for f in range(s + 1)])
        available = s - first - second
    counts = available + 1
    state = np.repeat(np.arange(len(available)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    served = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    if lead_time == 1:
        target = served
    else:
        offset = np.array([f * (s + 1) - f * (f - 1) // 2 for f in range(s + 1)])
        target = offset[served] + first[state]
    order = np.lexsort((state, target))  # the transposed matrix's entries, row by row as scipy stores them
    indptr = np.concatenate([[0], np.cumsum(np.bincount(target, minlength=len(available)))])
    columns = state[order]
    for array in (available, state, served, target, order, indptr, columns):
        array.setflags(write=False)
    return available, state, served, target, order, indptr, columns


def _stacked_available(pmfs: Sequence[FloatArray], lead_time: int, order_up_to: int) -> list[FloatArray] | None:
    """``_available_distribution`` for several pmfs with the same small chain, in one stacked solve.

    The same matrices and the same LAPACK solve as one by one; None when a chain is singular
    (the caller then goes one by one, which iterates instead).
    """
    s = order_up_to
    available, state, served, target = _structure(lead_time, s)[:4]
    size = len(available)
    prob = _probabilities(pmfs, lead_time, s)
    matrices = np.zeros((len(pmfs), size, size))
    matrices[:, state, target] = prob
    system = matrices.transpose(0, 2, 1) - np.eye(size)
    system[:, -1, :] = 1.0
    rhs = np.zeros((len(pmfs), size, 1))
    rhs[:, -1, 0] = 1.0
    try:
        solved = np.linalg.solve(system, rhs)[:, :, 0]
    except np.linalg.LinAlgError:  # pragma: no cover - a reducible chain
        return None
    out: list[FloatArray] = []
    for row in solved:
        pi = np.clip(row, 0.0, None)
        out.append(_by_available(np.asarray(pi / pi.sum(), dtype=float), lead_time, s))
    return out


def _probabilities(pmfs: Sequence[FloatArray], lead_time: int, order_up_to: int) -> FloatArray:
    """``_transitions``' probabilities for each pmf (one row each), in the order of ``_structure``."""
    s = order_up_to
    available, state, served = _structure(lead_time, s)[:3]
    padded = np.zeros((len(pmfs), s + 1))
    for row, pmf in zip(padded, pmfs, strict=True):
        upto = min(s + 1, len(pmf))
        row[:upto] = pmf[:upto]
    cumulative = np.cumsum(padded, axis=1)[:, :-1]
    at_least = np.clip(1.0 - np.concatenate([np.zeros((len(pmfs), 1)), cumulative], axis=1), 0.0, None)
    return np.asarray(np.where(served == available[state], at_least[:, available[state]], padded[:, served]),
                      dtype=float)


def _by_available(pi: FloatArray, lead_time: int, order_up_to: int) -> FloatArray:
    """The stationary distribution of the chain's states as one of the stock available (0..S)."""
    if lead_time == 1:
        return np.asarray(pi[::-1], dtype=float)
    available = _structure(lead_time, order_up_to)[0]
    return np.asarray(np.bincount(available, weights=pi, minlength=order_up_to + 1), dtype=float)


CHUNK_TRANSITIONS = 2_000_000  # transitions iterated together (memory: about 12 bytes each)


def _iterated_available(chains: Sequence[tuple[FloatArray, int, int]]) -> list[FloatArray]:
    """``_available_distribution`` of chains too big to solve directly, iterated side by side.

    The same power steps as ``_stationary``, on one block-diagonal matrix made of the
    chains' transposed matrices (each row's entries in scipy's order, so every product is the same);
    each chain stops at the iteration where it alone would, and one still moving after the power
    steps goes to ``_slow_chain`` as it would alone, so the results are the same.
    """
    out: list[FloatArray] = []
    start = 0
    while start < len(chains):
        end, total = start, 0
        while end < len(chains) and (end == start or total + chain_size(*chains[end][1:]) <= CHUNK_TRANSITIONS):
            total += chain_size(*chains[end][1:])
            end += 1
        out.extend(_iterate_blocks(chains[start:end]))
        start = end
    return out


def _iterate_blocks(chains: Sequence[tuple[FloatArray, int, int]]) -> list[FloatArray]:
    blocks = []
    for pmf, lead_time, level in chains:
        structure = _structure(lead_time, level)
        prob = _probabilities([pmf], lead_time, level)[0]
        blocks.append((prob[structure[4]], structure[6], structure[5]))
    results: list[FloatArray | None] = [None] * len(chains)
    members = list(range(len(chains)))  # the chains in the matrix, finished or not
    matrix, starts = _block_diagonal([blocks[i] for i in members])
    done = np.zeros(len(members), dtype=bool)
    pi = np.concatenate([np.full(len(b[2]) - 1, 1.0 / (len(b[2]) - 1)) for b in blocks])
    for iteration in range(PLAIN_ITERATIONS + LAZY_ITERATIONS):
        nxt = _power_step(pi, matrix @ pi, iteration)
        change = np.abs(nxt - pi)
        rough = np.add.reduceat(change, starts[:-1])
        for b in np.flatnonzero((rough < 2 * TOLERANCE) & ~done):
            lo, hi = starts[b], starts[b + 1]
            if float(change[lo:hi].sum()) < TOLERANCE:  # the test of ``_stationary``, chain by chain
                results[members[b]] = np.asarray(nxt[lo:hi] / nxt[lo:hi].sum(), dtype=float)
                done[b] = True
        pi = nxt
        if done.all():
            break
        if 2 * int((~done).sum()) <= len(members):  # drop the finished chains from the matrix
            left = np.flatnonzero(~done)
            pi = np.concatenate([pi[starts[b]:starts[b + 1]] for b in left])
            members = [members[b] for b in left]
            matrix, starts = _block_diagonal([blocks[i] for i in members])
            done = np.zeros(len(members), dtype=bool)
    for b in np.flatnonzero(~done):  # still moving: as ``_stationary`` does
        data, columns, indptr = blocks[members[b]]
        size = len(indptr) - 1
        transposed = csr_array((data, columns, indptr), shape=(size, size))
        results[members[b]] = _slow_chain(transposed, pi[starts[b]:starts[b + 1]])
    return [_by_available(r, lt, lv) for r, (_p, lt, lv) in zip(results, chains, strict=True) if r is not None]


def _block_diagonal(blocks: Sequence[tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]]
                    ) -> tuple[csr_array, npt.NDArray[np.int64]]:
    """One CSR matrix with the blocks (data, column indices, row pointers) on its diagonal."""
    sizes = np.array([len(indptr) - 1 for _d, _c, indptr in blocks], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    nnz = np.array([indptr[-1] for _d, _c, indptr in blocks], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(nnz)])
    data = np.concatenate([d for d, _c, _p in blocks])
    columns = np.concatenate([c + starts[b] for b, (_d, c, _p) in enumerate(blocks)])
    pointers = np.concatenate([[0], *[p[1:] + offsets[b] for b, (_d, _c, p) in enumerate(blocks)]])
    total = int(starts[-1])
    return csr_array((data, columns, pointers), shape=(total, total)), starts


def lost_sales_figures_many(
    requests: Sequence[tuple[FloatArray, int, int]], max_size: int = 200_000
) -> list[tuple[float, float] | None]:
    """``lost_sales_figures`` for many (pmf, lead time, level) at once, with the same results.

    Chains small enough to be solved directly (at most ``DENSE_LIMIT`` states) are grouped by
    lead time and level and solved in one stacked linear solve; bigger ones are iterated side by
    side (``_iterated_available``); lead time 0 needs no chain.

    Args:
        requests: (one period's demand pmf, lead time, order-up-to level) each.
        max_size: the most transitions solved (see ``lost_sales_figures``).

    Returns:
        (fill rate, average closing stock) or None per request, in their order.
    """
    out: list[tuple[float, float] | None] = [None] * len(requests)
    groups: dict[tuple[int, int], list[int]] = {}
    iterated: list[int] = []
    keys: dict[int, tuple[str, bytes, int, int, int]] = {}
    for i, (pmf, lead_time, level) in enumerate(requests):
        if level < 0 or lead_time < 0:
            raise ValueError("level and lead time must be 0 or more")
        if lead_time not in (1, 2) or chain_size(lead_time, level) > max_size:
            out[i] = lost_sales_figures(pmf, lead_time, level, max_size)
        elif (level + 1 if lead_time == 1 else (level + 1) * (level + 2) // 2) <= DENSE_LIMIT:
            groups.setdefault((lead_time, level), []).append(i)
        else:
            keys[i] = _memo_key("many", pmf, lead_time, level, max_size)
            known, figures = _memo.recall(keys[i])
            if known:
                out[i] = figures
            else:
                iterated.append(i)
    for (lead_time, level), group in groups.items():
        for start in range(0, len(group), STACK):
            members = group[start:start + STACK]
            _solve_stacked(requests, members, lead_time, level, max_size, out)
    iterated.sort(key=lambda i: (requests[i][1], requests[i][2]))  # chunks of similar chains
    for i, available in zip(iterated, _iterated_available([requests[i] for i in iterated]), strict=True):
        out[i] = _figures(requests[i][0], available, requests[i][2])
        _memo.keep(keys[i], out[i])
    return out


STACK = 1024  # chains solved in one stacked call (at most 1024 x 64 x 64 x 8 bytes = 32 MB)


def _solve_stacked(requests: Sequence[tuple[FloatArray, int, int]], members: list[int], lead_time: int,
                   level: int, max_size: int, out: list[tuple[float, float] | None]) -> None:
    pmfs = [requests[i][0] for i in members]
    stacked = _stacked_available(pmfs, lead_time, level) if len(members) > 1 else None
    for n, i in enumerate(members):
        if stacked is None:
            out[i] = lost_sales_figures(requests[i][0], lead_time, level, max_size)
        else:
            out[i] = _figures(pmfs[n], stacked[n], level)
