"""``SeasonalTrend``: a log-linear trend × seasonal indices fitted to counts, shrunk by the evidence.

The baseline's factors (``baseline.py``) are the source's rule and stay as they are. This is our
own estimate of the same three things — level, seasonal factors, growth — made to hold up on short,
noisy histories. Over the history from its first demand on (at most ``shape_seasons`` seasons),
demand is modelled as counts with mean

    μ_t = L · exp(b · t) · S(p_t)            (t = 0 at the last period, t < 0 before)

* **Trend** ``b`` (log growth per period) and **seasonal indices** ``S`` are the Poisson maximum
  likelihood estimates, found by alternating the two closed-form steps: given ``b``,
  ``S(p) = Σ_p y / Σ_p exp(b·t)`` scaled to mean 1 (a ratio to the trend, so growth does not leak
  into the months late in the history); given ``S``, one Newton step on ``b`` (the profile
  likelihood is concave in ``b``).
* **Shrinkage by the evidence**: a month's index rests on its counts. With ``E_p`` the demand the
  trend alone expects in position ``p`` and ``φ`` the over-dispersion, ``S(p)`` has noise variance
  ``≈ φ / E_p``. The indices are pulled toward 1 by the positive-part James–Stein factor
  ``B = max(0, 1 − Σ_p φ/E_p / Σ_p (S(p) − 1)²)``: a strong, well-backed pattern is kept, a
  pattern no larger than its noise is flattened. ``φ`` is measured from one-step differences of
  the counts, ``Σ (y_t − y_{t−1})² / (2 Σ y)`` (at least 1): a deliberately cautious figure, since a
  real season inflates it a little, so a pattern must clearly stand out to be kept (measuring it on
  deseasonalised counts instead kept too much noise: see ``bench/data/README.md``). Seasonal
  indices are used only with ``min_seasons`` full seasons of history (else all 1). The growth is
  shrunk toward none the same way, with a normal prior of standard deviation ``trend_prior`` on
  the log growth per season: ``b ← b · τ² / (τ² + φ / I_b)`` (``I_b`` the Fisher information of
  ``b``); during the fit it is kept within ``growth_bounds`` per season.
* **Level** ``L``: the ratio estimate over the last ``window`` periods,
  ``L = Σ y / Σ S(p_t)·exp(b·t)``, so a step (a supersession) shows within a window.
* **Forecast** ``j`` periods ahead: ``L · S(p_{n+j}) · exp(b·j)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from partspool.core.forecasting.settings import SeasonalTrendSettings


@dataclass(frozen=True)
class TrendFit:
    """The fitted pieces of one series (for the explanation and the tests)."""

    level: float
    growth: float  # per period, exp(b)
    seasonal: NDArray[np.float64]  # S(p) for p = 0 … m − 1 (all 1 when not used)
    shrink: float  # the James–Stein factor kept of the seasonal pattern (0: flat, 1: as measured)
    dispersion: float


def fit_seasonal_trend(y: NDArray[np.float64], last_cycle: int, m: int,
                       rules: SeasonalTrendSettings) -> TrendFit:
    """Fit level, growth and seasonal indices to ``y`` (see the module docstring).

    Written with few, whole-array numpy calls: it runs four times per series in ``auto``.
    """
    season = max(m, 1)
    flat = np.ones(season, dtype=np.float64)
    nonzero = np.flatnonzero(y)
    if nonzero.size == 0:
        return TrendFit(0.0, 1.0, flat, 0.0, 1.0)
    per_season = m if m > 1 else 12
    span = min(y.size - int(nonzero[0]), rules.shape_seasons * per_season)
    z = y[-span:]
    total = float(z.sum())
    if total <= 0:  # no demand in the fitted span (only long before it)
        return TrendFit(0.0, 1.0, flat, 0.0, 1.0)
    t = np.arange(1 - span, 1, dtype=np.float64)
    t2 = t * t
    target = float(np.dot(z, t)) / total  # the demand-weighted mean time the fit must match
    seasonal = m > 1 and span >= rules.min_seasons * m
    low, high = (float(np.log(g)) / per_season for g in rules.growth_bounds)
    b, phi, keep = 0.0, 1.0, 0.0
    factors, cycle = flat, np.zeros(span, dtype=np.int64)
    if span > 2:  # φ from one-step differences: a smooth season or trend barely inflates it
        diffs = np.diff(z)
        phi = max(1.0, float(np.dot(diffs, diffs)) / (2.0 * total))
    if seasonal:
        cycle = (last_cycle + np.arange(1 - span, 1)) % season
        counts = np.bincount(cycle, minlength=season).astype(np.float64)
        sums = np.bincount(cycle, weights=z, minlength=season)
    for _ in range(rules.iterations if seasonal else 20):
        trend = np.exp(b * t)
        if seasonal:
            expected = np.bincount(cycle, weights=trend, minlength=season)
            level = total / float(expected.sum())
            raw = sums / (level * expected)
            raw /= float(np.dot(raw, counts)) / span  # indices average 1 over the periods
            spread = float(np.dot(raw - 1.0, raw - 1.0))
            noise = phi / level * float(np.sum(1.0 / expected))  # Σ_p φ / E_p
            keep = max(0.0, 1.0 - noise / spread) if spread > 0 else 0.0
            factors = np.minimum(np.maximum(1.0 + keep * (raw - 1.0), rules.seasonal_bounds[0]),
                                 rules.seasonal_bounds[1])
            w = factors[cycle] * trend
        else:
            w = trend
        # one Newton step of the profile Poisson likelihood in b (concave, so this converges)
        sum_w = float(w.sum())
        mean_t = float(np.dot(w, t)) / sum_w
        var_t = float(np.dot(w, t2)) / sum_w - mean_t * mean_t
        if var_t <= 1e-12:
            break
        step = (target - mean_t) / var_t
        b = min(max(b + step, low), high)  # bounded: one burst cannot run off
        if not seasonal and abs(step) < 1e-10:
            break
    w = factors[cycle] * np.exp(b * t)  # the information about b at the estimate
    sum_w = float(w.sum())
    mean_t = float(np.dot(w, t)) / sum_w
    info = total * max(float(np.dot(w, t2)) / sum_w - mean_t * mean_t, 0.0)
    tau = rules.trend_prior / per_season
    b = b * tau**2 / (tau**2 + phi / info) if info > 0 else 0.0
    # the level over the last window, zeros before the first demand included (starting the window
    # at the first demand would overstate a slow mover that has just sold once)
    k = min(rules.window, y.size)
    ages = np.arange(1 - k, 1, dtype=np.float64)
    positions = (last_cycle + np.arange(1 - k, 1)) % season
    shape = factors[positions] * np.exp(b * ages)
    level = float(y[-k:].sum()) / float(shape.sum())
    return TrendFit(level, float(np.exp(b)), factors, keep if seasonal else 0.0, phi)


def seasonal_trend(y: NDArray[np.float64], h: int, last_cycle: int, m: int,
                   rules: SeasonalTrendSettings) -> NDArray[np.float64]:
    """The ``SeasonalTrend`` forecast of ``h`` periods (≥ 0)."""
    fit = fit_seasonal_trend(y, last_cycle, m, rules)
    steps = np.arange(1, h + 1)
    future = fit.seasonal[(last_cycle + steps) % max(m, 1)]
    out: NDArray[np.float64] = np.maximum(fit.level * future * fit.growth**steps, 0.0)
    return out
