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
  ``b``); during the fit it is kept within ``growth_bounds`` per season. Inside ``auto`` the prior is
  the panel's (``panel_growth``): its mean ``μ`` and spread ``τ``, and ``b ← (b·τ² + μ·φ/I_b) / (τ² + φ/I_b)``.
* **Level** ``L``: the ratio estimate over the last ``window`` periods,
  ``L = Σ y / Σ S(p_t)·exp(b·t)``, so a step (a supersession) shows within a window.
* **Forecast** ``j`` periods ahead: ``L · S(p_{n+j}) · exp(b·j)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy import stats  # type: ignore[import-untyped]

from partspool.core.forecasting.settings import SeasonalTrendSettings


@dataclass(frozen=True)
class TrendFit:
    """The fitted pieces of one series (for the explanation and the tests)."""

    level: float
    growth: float  # per period, exp(b)
    seasonal: NDArray[np.float64]  # S(p) for p = 0 … m − 1 (all 1 when not used)
    shrink: float  # the James–Stein factor kept of the seasonal pattern (0: flat, 1: as measured)
    dispersion: float
    trend_z: float = 0.0  # the measured log growth over its standard error, before shrinking
    raw_growth: float = 0.0  # the measured log growth per period, before shrinking
    growth_variance: float = float("inf")  # its sampling variance (φ / I_b; infinite: not measured)


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
    if rules.for_panel and span == y.size - int(nonzero[0]):
        # the period that opens the span holds a demand by construction: it says when, not how much
        z = z.copy()
        z[0] = max(z[0] - 1.0, 0.0)
    total = float(z.sum())
    if total <= 0 and rules.for_panel and y[-min(rules.window, y.size):].sum() > 0:
        # nothing measured after the opening demand: the panel's growth, and the level it implies
        return _level_only(y, last_cycle, m, rules, rules.trend_mean / per_season)
    if total <= 0:  # no demand in the fitted span (only long before it)
        return TrendFit(0.0, 1.0, flat, 0.0, 1.0)
    t = np.arange(1 - span, 1, dtype=np.float64)
    t2 = t * t
    target = float(np.dot(z, t)) / total  # the demand-weighted mean time the fit must match
    seasonal = m > 1 and span >= rules.min_seasons * m
    low, high = (float(np.log(g)) / per_season for g in rules.growth_bounds)
    b, phi, keep = 0.0, 1.0, 0.0
    factors, cycle = flat, np.zeros(span, dtype=np.int64)
    measured_phi = 1.0
    if span > 2:  # φ from one-step differences: a smooth season or trend barely inflates it
        diffs = np.diff(z)
        measured_phi = max(0.1, float(np.dot(diffs, diffs)) / (2.0 * total))
        phi = max(1.0, measured_phi)
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
    tau, prior = rules.trend_prior / per_season, rules.trend_mean / per_season
    trend_z = b * np.sqrt(info / phi) if info > 0 else 0.0
    measured, variance = b, (measured_phi if rules.for_panel else phi) / info if info > 0 else float("inf")
    # the normal posterior mean, the measurement and the prior's mean weighed by their precisions (nothing
    # measured: the prior's mean)
    b = (b * tau**2 + prior * variance) / (tau**2 + variance) if np.isfinite(variance) else prior
    level = _level(y, last_cycle, season, rules, factors, b)
    return TrendFit(level, float(np.exp(b)), factors, keep if seasonal else 0.0, phi, float(trend_z), float(measured),
                    float(variance))


def _level(y: NDArray[np.float64], last_cycle: int, season: int, rules: SeasonalTrendSettings,
           factors: NDArray[np.float64], b: float) -> float:
    """The level over the last window, zeros before the first demand included (starting the window
    at the first demand would overstate a slow mover that has just sold once)."""
    k = min(rules.window, y.size)
    ages = np.arange(1 - k, 1, dtype=np.float64)
    positions = (last_cycle + np.arange(1 - k, 1)) % season
    shape = factors[positions] * np.exp(b * ages)
    return float(y[-k:].sum()) / float(shape.sum())


def _level_only(y: NDArray[np.float64], last_cycle: int, m: int, rules: SeasonalTrendSettings,
                b: float) -> TrendFit:
    """A fit with nothing measured but the level: flat season, growth ``b`` (the prior's)."""
    flat = np.ones(max(m, 1), dtype=np.float64)
    level = _level(y, last_cycle, max(m, 1), rules, flat, b)
    return TrendFit(level, float(np.exp(b)), flat, 0.0, 1.0, 0.0, 0.0, float("inf"))


def seasonal_trend(y: NDArray[np.float64], h: int, last_cycle: int, m: int,
                   rules: SeasonalTrendSettings) -> NDArray[np.float64]:
    """The ``SeasonalTrend`` forecast of ``h`` periods (≥ 0)."""
    return forecast_from_fit(fit_seasonal_trend(y, last_cycle, m, rules), h, last_cycle, m)


def forecast_from_fit(fit: TrendFit, h: int, last_cycle: int, m: int) -> NDArray[np.float64]:
    """The ``SeasonalTrend`` forecast of ``h`` periods from its fitted pieces."""
    steps = np.arange(1, h + 1)
    future = fit.seasonal[(last_cycle + steps) % max(m, 1)]
    out: NDArray[np.float64] = np.maximum(fit.level * future * fit.growth**steps, 0.0)
    return out


# auto's candidates without a season or trend of their own; inside ``auto`` they forecast demand
# adjusted for the series' season and growth (``adjustment``). By name they stay as they are.
ADJUSTED = frozenset({"TSB", "ADIDA", "IMAPA", "SESOpt", "WindowAverage", "HistoricAverage", "CrostonClassic",
                      "CrostonOptimized", "CrostonSBA"})
NOTABLE = 0.02  # an adjustment that moves no period by more than this is left out of the explanation
SIGNIFICANCE = 0.9  # the level at which a season or a trend must stand out before demand is adjusted for it
_TREND_Z = float(stats.norm.ppf(0.5 + SIGNIFICANCE / 2))  # two-sided


@dataclass(frozen=True)
class Adjustment:
    """Factors of season × growth for each period of a history (``history``) and the ``h`` after it
    (``future``), from ``SeasonalTrend``'s estimates; ``fit`` the estimates themselves."""

    history: NDArray[np.float64]
    future: NDArray[np.float64]
    fit: TrendFit

    @property
    def notable(self) -> bool:
        """Whether any period moves by more than ``NOTABLE``."""
        return bool(max(np.abs(self.history - 1.0).max(), np.abs(self.future - 1.0).max()) > NOTABLE)

    def describe(self) -> str:
        s = self.fit.seasonal
        season = (f"seasonal indices {float(s.min()):.2f}–{float(s.max()):.2f}" if self.fit.shrink > 0
                  else "no significant season")
        growth = (f"growth {100 * (self.fit.growth - 1):+.1f}% a period" if self.fit.growth != 1.0
                  else "no significant growth")
        return f"{season}, {growth}"


def adjustment(y: NDArray[np.float64], h: int, last_cycle: int, m: int, rules: SeasonalTrendSettings,
               fit: TrendFit | None = None, growth_allowed: bool = True) -> Adjustment | None:
    """The season × growth factors ``SeasonalTrend`` estimates for ``y`` (``None``: no demand).

    The methods without a season of their own then forecast ``y / history`` and their forecasts are
    multiplied by ``future``: the classical seasonal adjustment of forecasting practice (the M3 and
    M4 competitions' benchmarks deseasonalise so), with factors shrunk toward flat and no growth as
    the evidence is thin, so a slow mover is left practically as it is. The growth is applied over
    the span it was estimated on, and ahead for at most as many periods as that span (older periods
    are adjusted as the oldest of it). ``fit``: ``fit_seasonal_trend``'s result for the same history,
    when the caller has it already. ``growth_allowed``: ``False`` where the season is not a year
    (daily data, whose "season" is a week: a growth fitted over three weeks must not be carried
    months ahead); only the weekly pattern then adjusts. Whether a growth adjusts is the series' own
    evidence (its measured growth must stand out from none); how much, the fit's estimate, which
    inside ``auto`` is shrunk toward the panel's growth (``panel_growth``). Adjusting every slow mover
    for the panel's growth, without the test, cost the demo-like set 1.9 points of RMSSE over the
    last 3 months.
    """
    fit = fit or fit_seasonal_trend(y, last_cycle, m, rules)
    if fit.level <= 0:
        return None
    n, season = y.size, max(m, 1)
    # a pattern no larger than noise would make could only add noise: each part must pass its test
    seasonal = fit.seasonal if fit.shrink > _season_threshold(season) else np.ones(season)
    growth = fit.growth if growth_allowed and abs(fit.trend_z) > _TREND_Z else 1.0
    span = min(n, rules.shape_seasons * (m if m > 1 else 12))
    ages = np.arange(1 - n, 1)
    history = seasonal[(last_cycle + ages) % season] * growth ** np.maximum(ages, 1 - span)
    steps = np.arange(1, h + 1)
    future = seasonal[(last_cycle + steps) % season] * growth ** np.minimum(steps, span)
    used = TrendFit(fit.level, growth, seasonal, fit.shrink if seasonal is fit.seasonal else 0.0, fit.dispersion,
                    fit.trend_z, fit.raw_growth, fit.growth_variance)
    return Adjustment(history.astype(np.float64), future.astype(np.float64), used)


@cache
def _season_threshold(season: int) -> float:
    """The James–Stein factor above which a seasonal pattern is significant at ``SIGNIFICANCE``.

    The factor is ``1 − noise / spread``; with no season, ``spread / noise`` is about χ²(m − 1) / m
    (``noise`` sums m variances, the deviations from their mean keep m − 1 degrees of freedom), so
    the pattern stands out when that ratio exceeds its ``SIGNIFICANCE`` quantile. The dispersion is
    measured cautiously (at least 1, from one-step differences), so the test is if anything stricter:
    on flat Poisson series about 4% of patterns pass by chance, not 10%.
    """
    if season < 2:
        return 1.0
    ratio = float(stats.chi2.ppf(SIGNIFICANCE, season - 1)) / season
    return 1.0 - 1.0 / ratio


POOL_MIN_SERIES = 30  # series with a measured growth needed before a panel's growth is estimated


@dataclass(frozen=True)
class GrowthPrior:
    """The panel's growth (``panel_growth``): the prior on a series' log growth per season.

    Attributes:
        mean: the panel's mean log growth per season.
        sd: how much the series' true growths spread around it (0: they all grow alike).
        series: series whose growth was measured.
        per_season: periods in a season (the unit of ``mean`` and ``sd``); ``yearly``: whether that is a
            year (monthly and weekly data; on daily data a season is a week).
    """

    mean: float
    sd: float
    series: int
    per_season: int = 12
    yearly: bool = True

    @property
    def percent(self) -> float:
        """The panel's growth per season, in percent."""
        return float(100.0 * (np.exp(self.mean) - 1.0))

    def describe(self) -> str:
        per = "a year" if self.yearly else f"per {self.per_season} periods"
        return (f"each series' trend growth read against the panel's {self.percent:+.1f}% {per} (the series' true "
                f"growths spread ±{self.sd:.2f} in log growth around it, measured on {self.series} series): the "
                f"fewer a series' own demands, the closer its growth to the panel's")


def panel_growth(histories: Sequence[NDArray[np.float64]], last_cycles: NDArray[np.int64], m: int, h: int,
                 cuts: int, rules: SeasonalTrendSettings, sample: int,
                 yearly: bool = True) -> tuple[GrowthPrior | None, ...]:
    """The panel's growth, as a prior for each series' own, for the histories cut by ``0, h … (cuts − 1)·h``.

    A slow mover's few counts barely show its growth, but the parts of one network grow with the
    same vehicle parc. So, on up to ``sample`` series spread evenly over the panel, the growth
    ``SeasonalTrend`` measures (``b_i``, with sampling variance ``v_i``) is pooled as in a
    random-effects meta-analysis: the spread of the true growths ``τ²`` is the Paule–Mandel estimate
    (``Σ (b_i − μ)² / (v_i + τ²) = k − 1``; 0 when the measurements scatter no more than their noise)
    and the mean ``μ`` weighs each series by ``1 / (v_i + τ²)``. Each series' growth is then its
    posterior mean under ``N(μ, τ²)`` (``fit_seasonal_trend``): a well-measured growth stays its own,
    a noisy one takes the panel's. ``None`` for a cut with fewer than ``POOL_MIN_SERIES`` measured
    series. Only the histories before each cut are read. ``yearly``: whether a season is a year (for
    the description; a season is ``m`` periods, or 12 where the data has no season).
    """
    count = len(histories)
    picks = np.unique(np.linspace(0, count - 1, min(count, sample)).round().astype(np.int64))
    per_season = m if m > 1 else 12
    season = max(m, 1)
    out: list[GrowthPrior | None] = []
    for c in range(cuts):
        b, v = [], []
        for i in picks:
            y = histories[int(i)]
            n = y.size - c * h
            if n < 3:
                continue
            fit = fit_seasonal_trend(y[:n], (int(last_cycles[int(i)]) - c * h) % season, m, rules)
            if np.isfinite(fit.growth_variance) and fit.growth_variance > 0:
                b.append(fit.raw_growth * per_season)
                v.append(fit.growth_variance * per_season**2)
        found = _pool(np.asarray(b), np.asarray(v)) if len(b) >= POOL_MIN_SERIES else None
        out.append(None if found is None else replace(found, per_season=per_season, yearly=yearly))
    return tuple(out)


def _pool(b: NDArray[np.float64], v: NDArray[np.float64]) -> GrowthPrior:
    """Paule–Mandel: the ``τ²`` at which the weighted scatter equals its degrees of freedom (bisection)."""
    k = b.size

    def mean(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        return float(w @ b / w.sum())

    def excess(tau2: float) -> float:
        return float((((b - mean(tau2)) ** 2) / (v + tau2)).sum()) - (k - 1)

    low, high = 0.0, float(np.var(b)) + float(np.median(v))
    if excess(low) <= 0:
        return GrowthPrior(mean(0.0), 0.0, k)
    while excess(high) > 0:  # the scatter falls as τ² grows: find a τ² above the root
        low, high = high, 2.0 * high
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if excess(mid) > 0 else (low, mid)
    tau2 = 0.5 * (low + high)
    return GrowthPrior(mean(tau2), float(np.sqrt(tau2)), k)
