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
  indices are used only with ``min_seasons`` full seasons of history (else all 1). Inside ``auto``
  the indices are shrunk instead toward the panel's seasonal profiles as likely to have produced
  them (``season_groups``). The growth is
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
    raw_seasonal: NDArray[np.float64] | None = None  # the measured indices, before shrinking (seasonal fits)
    seasonal_variance: NDArray[np.float64] | None = None  # their sampling variances (φ / E_p)
    profile_mass: float = 0.0  # with the panel's profiles: how likely the series follows one other than flat


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
    grouped = len(rules.season_groups) > 1 and len(rules.season_groups[0][1]) == season
    raw, variance, mass = flat, np.full(season, np.inf), 0.0
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
            variance = np.asarray(phi / (level * expected), dtype=np.float64)  # of each position's index: φ / E_p
            centre, mass = _group_centre(raw, variance, rules.season_groups) if grouped else (flat, 0.0)
            spread = float(np.dot(raw - centre, raw - centre))
            noise = float(variance.sum())
            keep = max(0.0, 1.0 - noise / spread) if spread > 0 else 0.0
            factors = np.minimum(np.maximum(centre + keep * (raw - centre), rules.seasonal_bounds[0]),
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
    measured, growth_variance = b, (measured_phi if rules.for_panel else phi) / info if info > 0 else float("inf")
    # the normal posterior mean, the measurement and the prior's mean weighed by their precisions (nothing
    # measured: the prior's mean)
    b = (b * tau**2 + prior * growth_variance) / (tau**2 + growth_variance) if np.isfinite(growth_variance) else prior
    level = _level(y, last_cycle, season, rules, factors, b)
    return TrendFit(level, float(np.exp(b)), factors, keep if seasonal else 0.0, phi, float(trend_z), float(measured),
                    float(growth_variance), raw, variance, mass)


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
        season = (f"seasonal indices {float(s.min()):.2f}–{float(s.max()):.2f}" if bool((s != 1.0).any())
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
    months ahead); only the weekly pattern then adjusts. Where the season was fitted against the
    panel's seasonal profiles (``season_groups``), it is also used when the series more likely follows
    one of them than the flat one (``TrendFit.profile_mass`` > 0.5): a slow mover's own history
    cannot pass the test, but the profile it resembles can carry its season, while a flat slow mover
    stays flat. Whether a growth adjusts is the series' own
    evidence (its measured growth must stand out from none); how much, the fit's estimate, which
    inside ``auto`` is shrunk toward the panel's growth (``panel_growth``). Adjusting every slow mover
    for the panel's growth, without the test, cost the demo-like set 1.5 points of RMSSE over the
    last 3 months.
    """
    fit = fit or fit_seasonal_trend(y, last_cycle, m, rules)
    if fit.level <= 0:
        return None
    n, season = y.size, max(m, 1)
    # a pattern no larger than noise would make could only add noise: each part must pass its test
    # a season is used where the series' own pattern stands out from its prior centre, or where the
    # series more likely follows one of the panel's seasonal profiles than the flat one
    passes = fit.shrink > _season_threshold(season) or fit.profile_mass > 0.5
    seasonal = fit.seasonal if passes else np.ones(season)
    growth = fit.growth if growth_allowed and abs(fit.trend_z) > _TREND_Z else 1.0
    span = min(n, rules.shape_seasons * (m if m > 1 else 12))
    ages = np.arange(1 - n, 1)
    history = seasonal[(last_cycle + ages) % season] * growth ** np.maximum(ages, 1 - span)
    steps = np.arange(1, h + 1)
    future = seasonal[(last_cycle + steps) % season] * growth ** np.minimum(steps, span)
    used = replace(fit, growth=growth, seasonal=seasonal, shrink=fit.shrink if seasonal is fit.seasonal else 0.0)
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
        groups: the panel's seasonal profiles (``season_groups``): ``(share, indices)`` pairs, the
            first flat; empty where too few series have a season of their own to find any.
    """

    mean: float
    sd: float
    series: int
    per_season: int = 12
    yearly: bool = True
    groups: tuple[tuple[float, tuple[float, ...]], ...] = ()

    @property
    def percent(self) -> float:
        """The panel's growth per season, in percent."""
        return float(100.0 * (np.exp(self.mean) - 1.0))

    @property
    def profiles(self) -> int:
        """Seasonal profiles found beside the flat one."""
        return max(len(self.groups) - 1, 0)

    def describe(self) -> str:
        per = "a year" if self.yearly else f"per {self.per_season} periods"
        seasons = (f"; each season read against {self.profiles} seasonal profile(s) found in the panel beside a flat "
                   f"one" if self.profiles else "")
        return (f"each series' trend growth read against the panel's {self.percent:+.1f}% {per} (the series' true "
                f"growths spread ±{self.sd:.2f} in log growth around it, measured on {self.series} series): the "
                f"fewer a series' own demands, the closer its growth to the panel's{seasons}")


def panel_growth(histories: Sequence[NDArray[np.float64]], last_cycles: NDArray[np.int64], m: int, h: int,
                 cuts: int, rules: SeasonalTrendSettings, sample: int,
                 yearly: bool = True, seasons: bool = True) -> tuple[GrowthPrior | None, ...]:
    """The panel's growth, as a prior for each series' own, for the histories cut by ``0, h … (cuts − 1)·h``.

    A slow mover's few counts barely show its growth, but the parts of one network grow with the
    same vehicle parc. So, on up to ``sample`` series spread evenly over the panel, the growth
    ``SeasonalTrend`` measures (``b_i``, with sampling variance ``v_i``) is pooled as in a
    random-effects meta-analysis: the spread of the true growths ``τ²`` is the Paule–Mandel estimate
    (``Σ (b_i − μ)² / (v_i + τ²) = k − 1``; 0 when the measurements scatter no more than their noise)
    and the mean ``μ`` weighs each series by ``1 / (v_i + τ²)``. Each series' growth is then its
    posterior mean under ``N(μ, τ²)`` (``fit_seasonal_trend``): the better measured a series' growth
    and the wider the spread, the more it keeps its own; where the series grow alike (``τ`` = 0) every
    series takes the panel's. ``None`` for a cut with fewer than ``POOL_MIN_SERIES`` measured
    series. Only the histories before each cut are read. ``yearly``: whether a season is a year (for
    the description; a season is ``m`` periods, or 12 where the data has no season).

    The same fits give the panel's seasonal profiles (``season_groups``, on the series whose own
    season passes its test), kept in ``GrowthPrior.groups`` when ``seasons`` is on.
    """
    count = len(histories)
    picks = np.unique(np.linspace(0, count - 1, min(count, sample)).round().astype(np.int64))
    per_season = m if m > 1 else 12
    season = max(m, 1)
    out: list[GrowthPrior | None] = []
    for c in range(cuts):
        b, v = [], []
        shapes, noises, clear = [], [], []
        for i in picks:
            y = histories[int(i)]
            n = y.size - c * h
            if n < 3:
                continue
            fit = fit_seasonal_trend(y[:n], (int(last_cycles[int(i)]) - c * h) % season, m, rules)
            if np.isfinite(fit.growth_variance) and fit.growth_variance > 0:
                b.append(fit.raw_growth * per_season)
                v.append(fit.growth_variance * per_season**2)
            if fit.seasonal_variance is not None and np.isfinite(fit.seasonal_variance).all():
                shapes.append(fit.raw_seasonal)
                noises.append(fit.seasonal_variance)
                clear.append(fit.shrink > _season_threshold(season))  # a season of its own, beyond noise
        found = _pool(np.asarray(b), np.asarray(v)) if len(b) >= POOL_MIN_SERIES else None
        groups = (season_groups(np.asarray(shapes), np.asarray(noises), np.asarray(clear))
                  if seasons and sum(clear) >= POOL_MIN_SERIES else ())
        out.append(None if found is None else replace(found, per_season=per_season, yearly=yearly, groups=groups))
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


def _group_centre(raw: NDArray[np.float64], variance: NDArray[np.float64],
                  groups: tuple[tuple[float, tuple[float, ...]], ...]) -> tuple[NDArray[np.float64], float]:
    """The seasonal profile a series' indices are shrunk toward: the panel's profiles (``groups``, the
    flat one first, each with its share of the panel) averaged by how likely each is to have produced
    ``raw``; and the probability that it is one other than the flat one."""
    profiles = np.array([p for _w, p in groups])
    share = np.array([w for w, _p in groups])
    chi = _chi(raw[None, :], variance[None, :], profiles)[0]
    log_post = np.log(np.maximum(share, 1e-12)) - 0.5 * chi
    post = np.exp(log_post - log_post.max())
    post /= post.sum()
    out: NDArray[np.float64] = post @ profiles
    return out, float(1.0 - post[0])


def _chi(raw: NDArray[np.float64], variance: NDArray[np.float64],
         centres: NDArray[np.float64]) -> NDArray[np.float64]:
    """χ² of each row of ``raw`` (sampling variances ``variance``) against each centre: rows × centres."""
    out: NDArray[np.float64] = (((raw[:, None, :] - centres[None]) ** 2) / variance[:, None, :]).sum(axis=2)
    return out


GROUP_MAX = 6  # seasonal profiles (beside a flat one) a panel is searched for


def season_groups(all_raw: NDArray[np.float64], all_variance: NDArray[np.float64], clear: NDArray[np.bool_],
                  seed: int = 0) -> tuple[tuple[float, tuple[float, ...]], ...]:
    """The panel's seasonal profiles ("group seasonal indices", Withycombe 1989; Dekker, van Donselaar &
    Ouwehand 2004 for slow-moving parts): parts used in the same season — air-conditioning in summer,
    batteries in the cold — share its shape, which a slow mover's few counts cannot show.

    A flat profile and up to ``GROUP_MAX`` more, found by k-means on the measured indices (rows of
    ``all_raw``, with their sampling variances) of the series whose own season is clear (``clear``),
    each distance weighted by the index's precision; the number of profiles is the one with the
    lowest BIC (χ² + parameters × ln series). Each profile's share of the panel is then estimated
    over every series (EM, profiles held), since most series have no clear season of their own.
    Returns ``(share, indices)`` pairs, the flat one first (empty when none is found beyond it);
    ``fit_seasonal_trend`` shrinks each series' indices toward the profiles as likely to have
    produced them. About 4% of flat series pass the season test by chance, so noise profiles are
    found too; they take a small share, and a series is adjusted for a profile only when it more
    likely follows one than the flat profile (``adjustment``)."""
    raw, variance = all_raw[clear], all_variance[clear]
    n, m = raw.shape
    precision = 1.0 / variance
    flat = np.ones((1, m))
    rng = np.random.default_rng(seed)

    def fit_k(k: int) -> tuple[float, NDArray[np.float64], NDArray[np.int64]]:
        centres = flat
        for _ in range(k):  # k-means++: each new centre drawn far from the ones so far
            d = _chi(raw, variance, centres).min(axis=1)
            if not d.sum() > 0:  # every series sits on a centre already: no more to find
                break
            centres = np.vstack([centres, raw[rng.choice(n, p=d / d.sum())]])
        k = centres.shape[0] - 1
        for _ in range(25):
            assign = _chi(raw, variance, centres).argmin(axis=1)
            moved = centres.copy()
            for j in range(1, k + 1):
                members = assign == j
                if members.any():
                    moved[j] = (raw[members] * precision[members]).sum(axis=0) / precision[members].sum(axis=0)
            if np.allclose(moved, centres):
                break
            centres = moved
        d = _chi(raw, variance, centres)
        return float(d.min(axis=1).sum()) + k * m * float(np.log(n)), centres, d.argmin(axis=1)

    best = min((fit_k(k) for k in range(min(GROUP_MAX, n - 1) + 1)), key=lambda r: r[0])
    _bic, centres, _assign = best
    if centres.shape[0] == 1:  # nothing beyond flat: a series' season is shrunk toward flat, as without groups
        return ()
    # the shares over every series (most have no season of their own to cluster): a few EM steps
    chi = _chi(all_raw, all_variance, centres)
    share = np.full(centres.shape[0], 1.0 / centres.shape[0])
    for _ in range(50):
        log_post = np.log(share)[None, :] - 0.5 * chi
        post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        share = (post.sum(axis=0) + 1.0) / (post.shape[0] + centres.shape[0])
    return tuple((float(w), tuple(float(v) for v in row)) for w, row in zip(share, centres, strict=True))
