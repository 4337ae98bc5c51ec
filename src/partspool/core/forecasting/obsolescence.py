"""Has a silent series stopped for good? The chance that demand continues, for ``auto``'s forecasts.

A part whose vehicles leave the roads, or which a newer part number replaces, stops selling; a slow
mover that simply has not sold for a while has not. Smoothing methods cannot tell the two apart:
they keep forecasting a dead part's old rate (stock that will never move, the overstock the source
complains of) or forget a slow mover's. The beta-geometric / beta-Bernoulli model (Fader, Hardie
and Shang, "Customer-base analysis in a discrete-time noncontractual setting", Marketing Science
29(6), 2010) tells them apart from the pattern of the whole panel:

* from its first demand on, a series is "alive" and has demand in each period with probability
  ``p``; before each period it may stop for good with probability ``θ``;
* ``p`` varies between series as Beta(α, β), ``θ`` as Beta(γ, δ).

The four parameters are fitted by maximum likelihood to every series' record of which periods had
demand (``x`` periods with demand after the first, the last of them ``t_x`` periods after the first,
``n`` periods observed after the first). From them, per series, the probability that it is still
alive ``k`` periods after its history ends. Where nothing in the panel stops (γ / (γ + δ) ≈ 0) every
probability is ≈ 1 and forecasts are unchanged; where many series stop, a series silent for much
longer than its own rhythm explains is forecast down in proportion. A silence that the series'
own rate makes likely (a part selling once a year, quiet for eight months) costs it little.

The model reads whole histories. Where the longest history has more than ``WINDOW`` periods (three
years of weeks; daily data), periods are grouped into blocks of ``ceil(longest / WINDOW)`` for the
model alone (a block has demand when any of its periods has), which bounds the work; the chance
for a period ahead is that of the block it falls in.

The stopping shapes are kept at a concentration γ + δ ≥ 1: without that bound, a panel where
nothing stops can be fitted by a sliver of series "stopping right after their first demand", which
would mark a genuine slow mover (one sale, then a long wait) as stopped.

Forecast intervals and lead-time quantiles treat demand as the mixture it then is: nothing with
chance 1 − π, the series' usual distribution otherwise; its variance adds ``(1 − π) · μ`` per unit
of mean to the dispersion index (``μ`` the forecast had the series surely been alive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.special import betaln, expit, logit  # type: ignore[import-untyped]

WINDOW = 156  # model periods at most; longer histories are read in blocks of periods
MIN_SERIES = 30  # series with at least two periods after their first demand needed for a fit
# bounds of (logit mean p, log(α + β), logit mean θ, log(γ + δ)), see ``_params``
_BOUNDS = ((-12.0, 12.0), (-8.0, 14.0), (-14.0, 12.0), (0.0, 16.0))


@dataclass(frozen=True)
class Occurrences:
    """Per series, in model periods (``block`` periods each): ``x`` periods with demand after the
    first, the last of them ``t_x`` periods after the first, ``n`` periods observed after the first
    (−1: the series never had demand); and ``silent``, the data's periods since the last demand (the
    whole length for a series without demand)."""

    x: NDArray[np.int64]
    t_x: NDArray[np.int64]
    n: NDArray[np.int64]
    silent: NDArray[np.int64]
    block: int = 1

    def __len__(self) -> int:
        return int(self.n.size)


def occurrences(values: Sequence[NDArray[np.float64]]) -> Occurrences:
    """The record of which periods had demand, for each series (see the module docstring for blocks)."""
    count = len(values)
    longest = max((v.size for v in values), default=0)
    block = max(1, -(-longest // WINDOW))
    x = np.zeros(count, dtype=np.int64)
    t_x = np.zeros(count, dtype=np.int64)
    n = np.full(count, -1, dtype=np.int64)
    silent = np.zeros(count, dtype=np.int64)
    for i, y in enumerate(values):
        raw = np.flatnonzero(y > 0)
        silent[i] = y.size - 1 - int(raw[-1]) if raw.size else y.size
        if raw.size == 0:
            continue
        if block > 1:  # blocks end with the history; the oldest, partial one is dropped
            whole = y[y.size % block:]
            hits = np.flatnonzero(whole.reshape(-1, block).max(axis=1) > 0)
            periods = whole.size // block
            if hits.size == 0:  # the only demand was in the dropped partial block: as if just before it
                x[i], t_x[i], n[i] = 0, 0, max(periods - 1, 0)
                continue
        else:
            hits, periods = raw, y.size
        first, last = int(hits[0]), int(hits[-1])
        x[i], t_x[i], n[i] = hits.size - 1, last - first, periods - 1 - first
    return Occurrences(x, t_x, n, silent, block)


@dataclass(frozen=True)
class Chances:
    """What a chunk needs to work out its series' chances of still having demand, two numbers a series:
    ``chance(j) = exp(log_base + log B(γ, delta_n + j))`` for model period ``j = 1, 2, …``
    (``log_base`` NaN: the series never had demand, chance 1). ``silent`` (the data's periods since
    the last demand), the panel's ``stop_rate`` (per period of the data) and ``series`` fitted are for
    the explanation."""

    log_base: NDArray[np.float64]
    delta_n: NDArray[np.float64]
    gamma: float
    block: int
    silent: NDArray[np.int64]
    stop_rate: float
    series: int

    def rows(self, a: int, b: int) -> Chances:
        return Chances(self.log_base[a:b], self.delta_n[a:b], self.gamma, self.block, self.silent[a:b],
                       self.stop_rate, self.series)

    def matrix(self, h: int) -> NDArray[np.float64]:
        """Chances for the ``h`` periods ahead, shape ``(series, h)``."""
        blocks = -(-h // self.block)
        j = np.arange(1, blocks + 1, dtype=np.float64)[None, :]
        known = np.isfinite(self.log_base)
        out = np.ones((self.log_base.size, blocks))
        out[known] = np.minimum(1.0, np.exp(self.log_base[known, None]
                                             + betaln(self.gamma, self.delta_n[known, None] + j)))
        return np.repeat(out, self.block, axis=1)[:, :h]


@dataclass(frozen=True)
class Obsolescence:
    """A fitted BG/BB model: ``alpha, beta`` (demand probability), ``gamma, delta`` (stopping)."""

    alpha: float
    beta: float
    gamma: float
    delta: float
    series: int  # series the fit used

    @property
    def stop_rate(self) -> float:
        """The mean chance per model period (``Occurrences.block`` periods) that a series stops for good."""
        return self.gamma / (self.gamma + self.delta)

    def chances(self, occ: Occurrences) -> Chances:
        """Each series' chances of still having demand after its history (see ``Chances``)."""
        log_base = np.full(len(occ), np.nan)
        keep = np.flatnonzero(occ.n >= 0)
        if keep.size:
            x, t_x, n = occ.x[keep], occ.t_x[keep], occ.n[keep]
            a, b, g, d = self.alpha, self.beta, self.gamma, self.delta
            log_l = _log_likelihood((a, b, g, d), _Records.of(x, t_x, n))
            log_base[keep] = betaln(a + x, b + n - x) - betaln(a, b) - betaln(g, d) - log_l
        delta_n = self.delta + np.maximum(occ.n, 0).astype(np.float64)
        per_period = 1.0 - (1.0 - self.stop_rate) ** (1.0 / occ.block)  # the model's periods are blocks
        return Chances(log_base, delta_n, self.gamma, occ.block, occ.silent, per_period, self.series)

    def alive(self, occ: Occurrences, h: int) -> NDArray[np.float64]:
        """P(still alive ``k`` periods after the history), ``k = 1 … h``, shape ``(series, h)``;
        1 for a series that never had demand."""
        return self.chances(occ).matrix(h)


@dataclass(frozen=True)
class _Records:
    """Rows ``(x, t_x, n)`` prepared for repeated likelihoods: the distinct ``(x, t_x)`` pairs, the
    pair of each row, and each row's last term index ``n − t_x − 1`` (−1: no term)."""

    x: NDArray[np.int64]
    t_x: NDArray[np.int64]
    n: NDArray[np.int64]
    pair_x: NDArray[np.int64]
    pair_t: NDArray[np.int64]
    where: NDArray[np.int64]
    upto: NDArray[np.int64]

    @classmethod
    def of(cls, x: NDArray[np.int64], t_x: NDArray[np.int64], n: NDArray[np.int64]) -> _Records:
        pairs, where = np.unique(np.stack([x, t_x]), axis=1, return_inverse=True)
        return cls(x, t_x, n, pairs[0][:, None], pairs[1][:, None], where.reshape(-1), n - t_x - 1)


def _log_likelihood(params: tuple[float, float, float, float], r: _Records) -> NDArray[np.float64]:
    """log L(α, β, γ, δ | x, t_x, n) for each row (Fader, Hardie & Shang 2010, eq. 5).

    L is the chance of still being alive after ``n`` periods with this record, plus for each
    ``i = 0 … n − t_x − 1`` the chance of stopping ``i + 1`` periods after the last demand:
    B(α + x, β + t_x − x + i) / B(α, β) · B(γ + 1, δ + t_x + i) / B(γ, δ). Those terms depend on
    ``(x, t_x)`` and ``i`` only, so they are summed once per distinct pair (cumulatively over ``i``)
    and each row picks its partial sum. Along ``i`` the terms change by whole steps of the beta
    functions' second argument, so they come from cumulative sums of logs over whole numbers.
    """
    a, b, g, d = params
    out: NDArray[np.float64] = (betaln(a + r.x, b + r.n - r.x) - betaln(a, b) + betaln(g, d + r.n)
                                - betaln(g, d)).astype(np.float64)
    span = int(r.upto.max()) + 1
    if span < 1:
        return out
    top = int(r.pair_t.max()) + span + 1
    k = np.arange(top, dtype=np.float64)

    def cum_log(c: float) -> NDArray[np.float64]:  # Σ_{j < k} log(c + j), for k = 0 … top
        return np.concatenate([[0.0], np.cumsum(np.log(c + k))])

    lb, lab, ld, lgd = cum_log(b), cum_log(a + b), cum_log(d), cum_log(g + 1.0 + d)
    px, pt = r.pair_x, r.pair_t
    i = np.arange(span)[None, :]
    gap, t = pt - px, pt
    # log B(α+x, β+gap+i) − log B(α+x, β+gap) = Σ_{j<i} [log(β+gap+j) − log(α+β+t+j)], and alike for γ, δ
    terms = (betaln(a + px, b + gap) - betaln(a, b) + betaln(g + 1.0, d + t) - betaln(g, d)
             + (lb[gap + i] - lb[gap]) - (lab[t + i] - lab[t]) + (ld[t + i] - ld[t]) - (lgd[t + i] - lgd[t]))
    shift = terms.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):  # a partial sum far below the row's largest term: log 0, harmless
        partial = np.log(np.cumsum(np.exp(terms - shift), axis=1)) + shift  # partial[:, j]: log Σ_{i ≤ j}
    has = r.upto >= 0
    out[has] = np.logaddexp(out[has], partial[r.where[has], r.upto[has]])
    return out


def _params(q: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """(α, β, γ, δ) from (logit mean p, log(α + β), logit mean θ, log(γ + δ)): the optimiser works on
    means and concentrations, which are far better conditioned than the four shapes."""
    mean_p, conc_p, mean_t, conc_t = expit(q[0]), np.exp(q[1]), expit(q[2]), np.exp(q[3])
    return (float(mean_p * conc_p), float((1 - mean_p) * conc_p), float(mean_t * conc_t),
            float((1 - mean_t) * conc_t))


def fit(occ: Occurrences) -> Obsolescence | None:
    """Fit the model to the panel by maximum likelihood; ``None`` when fewer than ``MIN_SERIES``
    series can inform it (two periods or more after their first demand).

    Rows with the same record are counted once with their multiplicity, so a large panel costs
    little more than a small one. Two starts (few or many series stopping); the better fit is kept.
    """
    usable = occ.n >= 1
    if int(usable.sum()) < MIN_SERIES:
        return None
    rows = np.stack([occ.x[usable], occ.t_x[usable], occ.n[usable]])
    uniq, counts = np.unique(rows, axis=1, return_counts=True)
    records = _Records.of(uniq[0], uniq[1], uniq[2])
    weight = counts.astype(np.float64) / float(counts.sum())

    def loss(q: NDArray[np.float64]) -> float:
        return -float(weight @ _log_likelihood(_params(q), records))

    rate = float(np.clip((occ.x[usable] / occ.n[usable]).mean(), 0.01, 0.99))
    best = None
    for stop in (0.01, 0.2):
        start = np.array([logit(rate), 0.0, logit(stop), np.log(10.0)])
        found = minimize(loss, start, method="L-BFGS-B", bounds=_BOUNDS)
        if np.isfinite(found.fun) and (best is None or found.fun < best.fun):
            best = found
    if best is None:
        return None
    return Obsolescence(*_params(best.x), series=int(usable.sum()))
