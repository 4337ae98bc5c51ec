"""Demand per period as a discrete distribution, and the demand over a protection interval.

Spare-parts demand is counted in whole units and is mostly intermittent: many periods with no
demand, a few with one or several units. A level set from a normal approximation overstocks the
slow movers and understocks the lumpy ones, so the stock levels here work on discrete
distributions:

* **Poisson** when the history's variance is close to its mean (dispersion index variance / mean
  at or below ``StockRules.poisson_dispersion_max``);
* **negative binomial** when it is over-dispersed (lumpy or zero-inflated demand), matched on the
  mean and the variance;
* **empirical**, on request: the history's own frequencies, added up period by period by
  convolution (a bootstrap computed exactly instead of by sampling).

The mean is an estimate from a short history, and an underestimated mean costs fill rate. With
``parameter_uncertainty`` on, the variance of the demand over ``k`` periods gets the variance of
the estimated mean added: ``var = d * M + M**2 * d / (m * n)`` for a total mean ``M``, dispersion
``d``, per-period mean ``m`` and ``n`` periods of history. For Poisson demand this is exactly the
predictive distribution of a Poisson rate with a vague gamma prior (a negative binomial). Where the
mean is carried forward at an estimated growth (``shape``), the growth's own uncertainty over the
periods ahead is added to that relative variance too (``DemandModel.growth_uncertainty``).

Seasonality (air-conditioning in summer, wipers in the typhoon season) is recognised when the
history covers at least ``seasonal_min_cycles`` years: the demand per calendar month is tested
against a flat profile (a quasi-Poisson chi-square test that allows for over-dispersion) and, when
significant, monthly indices shrunk towards 1 scale the mean of each upcoming period. Weekly
series use the calendar month of each week, which keeps twelve indices instead of fifty-two.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

FloatArray = npt.NDArray[np.float64]
Family = Literal["auto", "poisson", "negative_binomial", "empirical"]


class Frequency(StrEnum):
    """The length of one period of a demand history."""

    MONTH = "month"
    WEEK = "week"
    DAY = "day"


@dataclass(frozen=True)
class StockRules:
    """How demand is modelled and how stock levels are set (settings with the source's values).

    ``cover_days`` / ``raised_cover_days``: the source's days-of-cover rule, 15 days of average
    demand raised to 30 for the parts that run short. ``cover_rounding``: ``up`` keeps at least one
    unit of a part with any demand (``nearest`` rounds half up). ``days_per_month`` converts monthly
    demand to daily (30.4 = 365 / 12). ``review_periods``: periods between two reviews (the
    protection interval is lead time + review). ``tail_mass``: probability left beyond the largest
    demand the distributions hold. ``window``: periods of history used (None: all).
    ``history_cap``: the demand distributions built from a history stop at this multiple of the
    most it ever asked for over one protection interval (the tail's mass is put there), so no level
    goes above it: one spike of 1,000 in two years would otherwise give a negative binomial so
    skewed that a 95% target asks for twice the spike. 0 turns the cap off.
    ``moderate_dispersion``: where many series are set together (a simulation, a node's or a
    region's policy), each dispersion is moderated towards that of the parts with similar demand
    (``moderation``), once at least ``moderation_min_series`` of them have demand.
    ``project_growth``: there too, the demand of the whole set over its last year against the year
    before (``panel_growth``: like for like, when beyond chance at ``growth_p_value``, clipped to
    ``growth_clip``, from ``growth_min_series`` series) carries each series' mean from the middle of its history to the periods a level
    protects: a network growing 25% a year otherwise runs a flat mean of the past two years a third short.
    ``shape_sample``: series with demand that ``shape.learn_shape`` reads, spread evenly over the set. The
    seasonal profiles are found among the few series whose own season is clear, so a sample finds them or
    not by the luck of its draw: on the demo network, 3,000 of its 9,642 pairs held 31 such series (30 are
    needed) or, without the pairs that never sold, 28. Reading 20,000 takes about 0.6 s there.
    """

    poisson_dispersion_max: float = 1.2
    family: Family = "auto"
    parameter_uncertainty: bool = True
    seasonal: bool = True
    seasonal_min_cycles: int = 2
    seasonal_p_value: float = 0.05
    seasonal_shrinkage: float = 1.0  # pseudo-periods at the flat profile added to each month
    window: int | None = None
    review_periods: int = 1
    cover_days: float = 15.0
    raised_cover_days: float = 30.0
    cover_rounding: Literal["up", "nearest"] = "up"
    days_per_month: float = 30.4
    days_per_week: float = 7.0
    tail_mass: float = 1e-9
    lost_sales_exact: bool = True
    max_chain_size: int = 200_000
    history_cap: float = 1.5
    moderate_dispersion: bool = True
    moderation_min_series: int = 30
    project_growth: bool = True
    pool_shape: bool = True
    shape_sample: int = 20000
    growth_clip: tuple[float, float] = (0.8, 1.3)
    growth_min_series: int = 30
    growth_p_value: float = 0.05
    start_p_value: float = 0.01

    def __post_init__(self) -> None:
        if self.moderation_min_series < 2:
            raise ValueError("moderation_min_series must be at least 2")
        if not 0 < self.growth_clip[0] <= 1 <= self.growth_clip[1] <= 10:
            raise ValueError("growth_clip must hold 1 and lie between 0 and 10")
        if self.shape_sample < self.growth_min_series:
            raise ValueError("shape_sample must be at least growth_min_series")
        if self.growth_min_series < 1:
            raise ValueError("growth_min_series must be at least 1")
        if not 0 <= self.start_p_value < 1:
            raise ValueError("start_p_value must lie in [0, 1)")
        if not 0 < self.growth_p_value < 1:
            raise ValueError("growth_p_value must lie between 0 and 1")
        if not (self.history_cap == 0 or 1 <= self.history_cap <= 100):
            raise ValueError("history_cap must be 0 (off) or between 1 and 100")
        if self.poisson_dispersion_max < 1:
            raise ValueError("poisson_dispersion_max must be at least 1")
        if self.family not in ("auto", "poisson", "negative_binomial", "empirical"):
            raise ValueError(f"unknown demand family {self.family!r}")
        if self.seasonal_min_cycles < 2:
            raise ValueError("seasonal_min_cycles must be at least 2")
        if not 0 < self.seasonal_p_value < 1:
            raise ValueError("seasonal_p_value must lie between 0 and 1")
        if self.seasonal_shrinkage < 0:
            raise ValueError("seasonal_shrinkage must be 0 or more")
        if self.window is not None and self.window < 1:
            raise ValueError("window must be at least 1 period")
        if self.review_periods < 1:
            raise ValueError("review_periods must be at least 1")
        if self.cover_days < 0 or self.raised_cover_days < 0:
            raise ValueError("cover days must be 0 or more")
        if self.cover_rounding not in ("up", "nearest"):
            raise ValueError("cover_rounding must be 'up' or 'nearest'")
        if self.days_per_month <= 0 or self.days_per_week <= 0:
            raise ValueError("days per period must be positive")
        if not 0 < self.tail_mass < 1e-3:
            raise ValueError("tail_mass must lie between 0 and 0.001")
        if self.max_chain_size < 1:
            raise ValueError("max_chain_size must be at least 1")

    def period_days(self, frequency: Frequency) -> float:
        """Days in one period of ``frequency``."""
        return {Frequency.MONTH: self.days_per_month, Frequency.WEEK: self.days_per_week,
                Frequency.DAY: 1.0}[frequency]

    def periods_per_year(self, frequency: Frequency) -> float:
        """Periods of ``frequency`` in a year (12 months, 365.25 / 7 weeks, 365.25 days)."""
        return {Frequency.MONTH: 12.0, Frequency.WEEK: 365.25 / 7, Frequency.DAY: 365.25}[frequency]


@dataclass(frozen=True, eq=False)
class DemandModel:
    """The demand of one series per period, estimated from its history.

    ``mean``: demand per period (the level, before seasonal indices). ``dispersion``: variance /
    mean of one period's demand (1 for Poisson). ``seasonal_index``: twelve factors by calendar
    month averaging 1, or None. ``seasonal_p``: the p-value of the seasonality test (None when not
    tested). ``history``: the demands used (kept for the empirical family). ``own_dispersion`` /
    ``prior_dispersion``: after moderation (``moderation``), the dispersion of the series' own history
    and the one expected of a part with its demand (None when not moderated). ``growth``: a year,
    applied ``growth_lag`` periods before the first period ahead; ``panel_growth``: the set's, when the
    series' growth was read against it (``shape``). ``season_source``: ``own`` when the season is the
    series' own, ``profile`` when it follows one of the set's seasonal profiles (``profile_mass``: how
    likely it follows one rather than none). ``started``: periods with no demand left out at the start
    of the history (``demand_start``: a part that started selling partway through). ``average``: the
    history's plain average when ``mean`` is not it (see ``flat_mean``). ``growth_uncertainty``: the
    relative variance the uncertain growth adds to the mean carried forward (``shape``), part of
    ``mean_uncertainty``. ``split``: periods of this model in one period of its history (1; 30.4 for a
    model of days read from months, see ``cadence``): the history stays in its own periods, and the
    uncertainty of the mean is that of the history it was read from.
    """

    periods: int
    mean: float
    variance: float
    dispersion: float
    family: Literal["poisson", "negative_binomial", "empirical", "none"]
    seasonal_index: tuple[float, ...] | None
    seasonal_p: float | None
    history: tuple[int, ...]
    parameter_uncertainty: bool
    own_dispersion: float | None = None
    prior_dispersion: float | None = None
    growth: float = 1.0
    growth_lag: float = 0.0
    periods_per_year: float = 12.0
    panel_growth: float | None = None
    season_source: Literal["own", "profile"] | None = None
    profile_mass: float = 0.0
    started: int = 0
    average: float | None = None
    growth_uncertainty: float = 0.0
    first_demand: Any = None  # ``first_demand.FirstDemand``: a pair that never sold, its demand read from the network
    split: float = 1.0

    def history_window(self, count: int) -> int:
        """Periods of the history that span ``count`` periods of the model (at least one)."""
        return max(1, math.ceil(count / self.split - 1e-9))

    @property
    def flat_mean(self) -> float:
        """The history's plain average per period (the days-of-cover rule's demand); ``mean`` differs from
        it once season and growth are taken out (``shape``)."""
        return self.mean if self.average is None else self.average

    def period_means(self, months: Sequence[int] | None, count: int) -> list[float]:
        """Mean demand of the next ``count`` periods, seasonal when ``months`` (1-12) are given, and
        grown from the middle of the history (``growth`` a year, ``growth_lag`` periods before the first)."""
        grown = [self.mean * self.growth ** ((self.growth_lag + 1 + k) / self.periods_per_year)
                 for k in range(count)] if self.growth != 1.0 else [self.mean] * count
        if self.seasonal_index is None or months is None:
            return grown
        if len(months) < count:
            raise ValueError(f"{count} calendar months needed, {len(months)} given")
        return [g * self.seasonal_index[int(m) - 1] for g, m in zip(grown, months[:count], strict=False)]

    @property
    def year_ahead_mean(self) -> float:
        """Mean demand per period over the year after the history (``mean`` unless it grows)."""
        if self.growth == 1.0:
            return self.mean
        count = max(int(round(self.periods_per_year)), 1)
        # the mean of mean * g ** ((lag + 1 + k) / p) over k < count, a geometric sum (a model of days has 365)
        step = self.growth ** (1.0 / self.periods_per_year)
        first = self.mean * step ** (self.growth_lag + 1)
        return float(first * (step**count - 1.0) / (step - 1.0) / count) if step != 1.0 else first

    @property
    def mean_uncertainty(self) -> float:
        """Relative variance of the estimated mean (0 when the uncertainty is not modelled)."""
        if not self.parameter_uncertainty or self.mean <= 0 or self.family == "empirical":
            return 0.0
        return self.dispersion / (self.mean * self.split * self.periods) + self.growth_uncertainty

    def describe(self) -> str:
        """One line on the model, e.g. ``negative binomial (dispersion 2.4) from 36 periods``."""
        if self.family == "none":
            return f"no demand in {self.periods} periods"
        if self.first_demand is not None:
            return f"no demand in {self.periods} periods; {self.first_demand.describe()}"
        name = self.family.replace("_", " ")
        text = f"{name}, mean {self.mean:.2f} per period, dispersion {self.dispersion:.2f}"
        if self.own_dispersion is not None and self.prior_dispersion is not None:
            text += (f" (own history {self.own_dispersion:.2f}, parts with similar demand "
                     f"{self.prior_dispersion:.2f})")
        text += f", {self.periods} periods"
        if self.started:
            text += f" from its first demand ({self.started} periods with none before it left out)"
        if self.seasonal_index is not None:
            low, high = min(self.seasonal_index), max(self.seasonal_index)
            text += f", seasonal (monthly index {low:.2f}-{high:.2f}"
            if self.season_source == "profile":
                text += f", following a seasonal profile of the set, {self.profile_mass:.0%} likely)"
            elif self.seasonal_p is not None:
                text += f", p={self.seasonal_p:.3f})"
            else:
                text += ", its own pattern beyond noise)"
        if abs(self.growth - 1.0) >= 0.005 and self.panel_growth is not None:
            text += (f", demand changing x{self.growth:.2f} a year (the set's x{self.panel_growth:.2f}, "
                     f"weighed against this series' own trend), the mean carried {self.growth_lag + 1:.1f} "
                     "periods forward from the middle of the history")
        elif self.growth != 1.0:
            text += (f", demand growing x{self.growth:.2f} a year across the set, the mean carried "
                     f"{self.growth_lag + 1:.1f} periods forward from the middle of the history")
        return text


def panel_growth(histories: Sequence[Any], periods_per_year: float,
                 rules: StockRules | None = None) -> float:
    """Annual growth of a set of demand histories, like for like: the last year's total against the
    year before's, over the series already selling early in the year before (some demand in its first
    half). A series that started later would count a part year as a whole one, and a file padded with
    zeros before a part existed would read as growth; a series that stopped still counts. See
    ``growth_of`` for when it counts as growth at all."""
    rules = rules or StockRules()
    year = int(round(periods_per_year))
    recent: list[float] = []
    before: list[float] = []
    for history in histories:
        y = np.asarray(history, dtype=float)
        if rules.window is not None:
            y = y[-rules.window:]
        if len(y) < 2 * year or not y[-2 * year:-2 * year + year // 2].any():
            continue
        recent.append(float(y[-year:].sum()))
        before.append(float(y[-2 * year:-year].sum()))
    return growth_of(recent, before, rules)


def growth_of(recent: Sequence[float], before: Sequence[float], rules: StockRules | None = None) -> float:
    """The growth of a set from each series' last-year and year-before totals: the ratio of the sums,
    taken only when it is beyond chance (a two-sided test at ``growth_p_value``; its standard error from
    the series' own deviations from the ratio, so lumpy demand counts as the noise it is) and clipped to
    ``growth_clip``. 1 with fewer than ``growth_min_series`` series or no demand the year before: a
    flat network read from two noisy years would otherwise move every level by a point or two."""
    rules = rules or StockRules()
    r = np.asarray(recent, dtype=float)
    b = np.asarray(before, dtype=float)
    if r.size < rules.growth_min_series or b.sum() <= 0:
        return 1.0
    ratio = float(r.sum() / b.sum())
    error = float(np.sqrt(((r - ratio * b) ** 2).sum()) / b.sum())
    if abs(ratio - 1.0) <= float(stats.norm.ppf(1 - rules.growth_p_value / 2)) * error:
        return 1.0
    low, high = rules.growth_clip
    return min(max(ratio, low), high)


def project_growth(models: Sequence[DemandModel], growth: float, periods_per_year: float,
                   ahead: float = 0.0) -> list[DemandModel]:
    """The models with ``growth`` a year applied from the middle of each history to the periods after
    it, starting ``ahead`` periods after the history's end (the models as they are when growth is 1)."""
    if growth == 1.0:
        return list(models)
    return [dataclasses.replace(m, growth=growth, growth_lag=(m.periods - 1) / 2 + ahead,
                                periods_per_year=periods_per_year) if m.mean > 0 and m.family != "empirical"
            else m for m in models]


def demand_family(mean: float, variance: float, n: int,
                  rules: StockRules) -> tuple[Literal["poisson", "negative_binomial", "empirical"], float]:
    """The distribution family of a series with demand (``mean`` > 0) and its dispersion (variance / mean,
    at least 1; 1 for Poisson): empirical or Poisson when the rules say so, Poisson when the dispersion is
    small enough under ``auto``, else negative binomial."""
    dispersion = max(variance / mean, 1.0) if n > 1 else 1.0
    if rules.family == "empirical":
        return "empirical", dispersion
    if rules.family == "poisson" or (rules.family == "auto" and dispersion <= rules.poisson_dispersion_max):
        return "poisson", 1.0
    return "negative_binomial", dispersion


def estimate_demand(
    history: Sequence[float] | npt.NDArray[np.int64] | FloatArray,
    months: Sequence[int] | npt.NDArray[np.int64] | None = None,
    rules: StockRules | None = None,
) -> DemandModel:
    """Estimate the demand distribution of one series from its history.

    Args:
        history: demand per period, oldest first, whole units at or above 0.
        months: calendar month (1-12) of each period, for the seasonal test; None: no seasonality.
        rules: the modelling settings.

    Returns:
        The model: mean, dispersion, the family chosen and the seasonal indices if any.
    """
    rules = rules or StockRules()
    y = np.asarray(history, dtype=float)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("a demand history needs at least one period")
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ValueError("demand must be finite and 0 or more")
    month_arr = None if months is None else np.asarray(months, dtype=np.int64)
    if month_arr is not None and len(month_arr) != len(y):
        raise ValueError("history and months differ in length")
    if rules.window is not None:
        y = y[-rules.window:]
        month_arr = None if month_arr is None else month_arr[-rules.window:]
    started = demand_start(y, rules)
    if started:
        y = y[started:]
        month_arr = None if month_arr is None else month_arr[started:]
    n = len(y)
    mean = float(y.mean())
    counts = tuple(int(round(v)) for v in y)
    if mean <= 0:
        return DemandModel(n, 0.0, 0.0, 1.0, "none", None, None, counts, rules.parameter_uncertainty)
    index, p_value, within = _seasonality(y, month_arr, rules)
    variance = within if index is not None else (float(y.var(ddof=1)) if n > 1 else mean)
    family, dispersion = demand_family(mean, variance, n, rules)
    return DemandModel(n, mean, variance, dispersion, family, index, p_value, counts,
                       rules.parameter_uncertainty, season_source=None if index is None else "own", started=started)


def demand_start(y: FloatArray, rules: StockRules | None = None) -> int:
    """Periods of zeros opening a history when they are too many to be chance: the part started selling
    partway through (0 otherwise). With ``k`` periods of demand spread at random over ``n`` periods, all of
    them falling after the first ``f`` has probability ``((n - f) / n) ** k``; below
    ``StockRules.start_p_value`` the history is taken to begin at its first demand. Counting periods with
    demand rather than units keeps one lumpy order from passing for a steady rate."""
    rules = rules or StockRules()
    nonzero = np.flatnonzero(np.asarray(y) > 0)
    if rules.start_p_value <= 0 or nonzero.size == 0 or nonzero[0] == 0:
        return 0
    n, first = len(y), int(nonzero[0])
    return first if ((n - first) / n) ** nonzero.size < rules.start_p_value else 0


def _seasonality(
    y: FloatArray, months: npt.NDArray[np.int64] | None, rules: StockRules
) -> tuple[tuple[float, ...] | None, float | None, float]:
    """Monthly indices when the history shows a significant season, its p-value, within-month variance."""
    if not rules.seasonal or months is None or len(y) < 12 * rules.seasonal_min_cycles:
        return None, None, 0.0
    if np.any((months < 1) | (months > 12)):
        raise ValueError("calendar months must lie in 1-12")
    mean = float(y.mean())
    present = np.unique(months)
    if len(present) < 12:
        return None, None, 0.0
    totals = np.array([y[months == m].sum() for m in range(1, 13)])
    sizes = np.array([(months == m).sum() for m in range(1, 13)], dtype=float)
    month_means = totals / sizes
    residual = y - month_means[months - 1]
    within = float((residual**2).sum() / max(len(y) - 12, 1))
    dispersion = max(within / mean, 1.0)
    expected = sizes * mean
    chi_square = float((((totals - expected) ** 2) / expected).sum()) / dispersion
    p_value = float(stats.chi2.sf(chi_square, 11))
    if p_value >= rules.seasonal_p_value:
        return None, p_value, 0.0
    k = rules.seasonal_shrinkage
    raw = (totals + k * mean) / ((sizes + k) * mean)
    raw = raw / float(np.average(raw, weights=sizes))
    return tuple(float(v) for v in raw), p_value, within


@dataclass(frozen=True, eq=False)
class ProtectionDemand:
    """The demand a stock level has to cover: over the lead time, and over lead time + review.

    ``pmfs[j]`` is the distribution of the demand in the first ``lead_time + j`` periods after a
    review (j = 0 .. review), index = units. ``period_means[i]`` is the mean of period i + 1.
    ``family`` names the distribution used; ``mean_uncertainty`` the relative variance of the mean.
    ``period_pmf``: one period's demand at the window's average mean, its variance widened so that
    L + R independent periods carry the uncertainty of the mean — for the exact lost-sales chain
    (None: use the backorder bound). ``max_chain_size``: the most transitions of a chain to solve.
    ``cycle_pmfs``: with a review every R > 1 periods and a lead time L < R, the demand of the first
    k = 1 .. L periods after a review and of the first j = 1 .. R - L periods after the order arrives, for the
    exact chain of ``review_cycle`` (each span's mean uncertainty widened so that the two spans of a cycle,
    taken as independent, carry that of the cycle); None: the backorder bound.
    """

    lead_time: int
    review: int
    pmfs: tuple[FloatArray, ...]
    period_means: tuple[float, ...]
    family: str
    dispersion: float
    mean_uncertainty: float
    period_pmf: FloatArray | None = None
    max_chain_size: int = 200_000
    cap: int | None = None  # the distributions were cut here (``StockRules.history_cap``); None: not cut
    cycle_pmfs: tuple[tuple[FloatArray, ...], tuple[FloatArray, ...]] | None = None

    @property
    def lead_time_mean(self) -> float:
        """Mean demand over the lead time."""
        return float(sum(self.period_means[: self.lead_time]))

    @property
    def mean(self) -> float:
        """Mean demand over the protection interval (lead time + review)."""
        return float(sum(self.period_means))

    @property
    def sd(self) -> float:
        """Standard deviation of the demand over the protection interval."""
        pmf = self.pmfs[-1]
        k = np.arange(len(pmf))
        mean = float((k * pmf).sum())
        return float(np.sqrt(max(float((k * k * pmf).sum()) - mean * mean, 0.0)))

    @property
    def review_mean(self) -> float:
        """Mean demand in the review period(s) a level protects (the demand it is to serve)."""
        return float(sum(self.period_means[self.lead_time:]))


def protection_demand(
    model: DemandModel,
    *,
    lead_time: int,
    months: Sequence[int] | None = None,
    rules: StockRules | None = None,
) -> ProtectionDemand:
    """The demand over the protection interval following a review, from a model of the history.

    Args:
        model: the series' demand model.
        lead_time: periods between placing an order and having it on the shelf (0 or more).
        months: calendar months of the periods after the review (for seasonal models).
        rules: the settings (review periods, tail mass).
    """
    rules = rules or StockRules()
    count = lead_time + rules.review_periods
    means = model.period_means(months, count)
    cap = history_cap(model.history, model.history_window(count), rules.history_cap)
    if model.family == "empirical":
        return _empirical_protection(model, lead_time, rules.review_periods, means, rules, cap)
    return _protection(means, lead_time=lead_time, family=model.family, dispersion=model.dispersion,
                       mean_uncertainty=model.mean_uncertainty, rules=rules, cap=cap)


def history_cap(history: Sequence[int], window: int, factor: float) -> int | None:
    """``factor`` × the most ``history`` asked for over any ``window`` consecutive periods, rounded up
    (None when the factor is 0 or the history has no demand)."""
    if factor <= 0 or not len(history):
        return None
    values = np.asarray(history, dtype=float)
    span = min(window, values.size)
    most = float(np.convolve(values, np.ones(span), mode="valid").max())
    return max(1, math.ceil(most * factor - 1e-9)) if most > 0 else None


def _capped(pmf: FloatArray, cap: int | None) -> FloatArray:
    """The distribution with everything above ``cap`` units moved onto ``cap``."""
    if cap is None or len(pmf) <= cap + 1:
        return pmf
    out = np.array(pmf[: cap + 1], dtype=float)
    out[-1] += max(0.0, 1.0 - float(out.sum()))
    return np.asarray(out / out.sum(), dtype=float)


def protection_from_forecast(
    means: Sequence[float] | float,
    *,
    lead_time: int,
    dispersion: float = 1.0,
    mean_cv: float = 0.0,
    rules: StockRules | None = None,
) -> ProtectionDemand:
    """The demand over the protection interval from a forecast (the forecasting module's output).

    Args:
        means: forecast mean per period for the periods after the review (one number: the same
            for each), at least lead time + review of them.
        lead_time: periods between order and arrival.
        dispersion: variance / mean of one period's demand (1: Poisson; more: negative binomial).
        mean_cv: relative standard deviation of the forecast mean itself (its uncertainty).
        rules: the settings (review periods, tail mass).
    """
    rules = rules or StockRules()
    count = lead_time + rules.review_periods
    values = [float(means)] * count if isinstance(means, int | float) else [float(v) for v in means]
    if len(values) < count:
        raise ValueError(f"a forecast for {count} periods is needed, {len(values)} given")
    if any(v < 0 or not np.isfinite(v) for v in values):
        raise ValueError("forecast means must be finite and 0 or more")
    if dispersion < 1:
        dispersion = 1.0  # under-dispersed demand is covered (slightly generously) as Poisson
    family = "poisson" if dispersion == 1.0 and mean_cv == 0 else "negative_binomial"
    return _protection(values[:count], lead_time=lead_time, family=family, dispersion=dispersion,
                       mean_uncertainty=mean_cv**2, rules=rules)


def _check_lead_time(lead_time: int) -> None:
    if lead_time < 0:
        raise ValueError("lead time must be 0 or more periods")


def _protection(
    means: list[float], *, lead_time: int, family: str, dispersion: float, mean_uncertainty: float,
    rules: StockRules, cap: int | None = None,
) -> ProtectionDemand:
    _check_lead_time(lead_time)
    review = rules.review_periods
    cumulative = np.cumsum([0.0, *means])
    pmfs = tuple(
        count_pmf(float(cumulative[lead_time + j]), dispersion, mean_uncertainty, rules.tail_mass, limit=cap)
        for j in range(review + 1)
    )
    period_pmf = None
    if rules.lost_sales_exact and review == 1:
        average = float(np.mean(means))
        period_pmf = count_pmf(average, dispersion, mean_uncertainty * len(means), rules.tail_mass, limit=cap)
    cycle = None
    if rules.lost_sales_exact and review > 1 and lead_time < review:
        cycle = _cycle_pmfs(means[:review], lead_time, dispersion, mean_uncertainty, rules.tail_mass, cap)
    reached = cap if cap is not None and any(len(pmf) > cap for pmf in pmfs) else None  # only a cap that cut
    return ProtectionDemand(lead_time, review, pmfs, tuple(means), family, dispersion, mean_uncertainty,
                            period_pmf, rules.max_chain_size, reached, cycle)


def _cycle_pmfs(means: list[float], lead_time: int, dispersion: float, mean_uncertainty: float, tail_mass: float,
                cap: int | None) -> tuple[tuple[FloatArray, ...], tuple[FloatArray, ...]]:
    """The demand of the first k periods of a review cycle's two spans (before and after the order arrives),
    each span's mean uncertainty u widened to u × (cycle's mean / span's mean): taken as independent, the
    two spans then carry the uncertainty of the cycle's mean (as ``period_pmf`` spreads it over periods)."""
    total = float(sum(means))
    spans = (means[:lead_time], means[lead_time:])
    out = []
    for span in spans:
        mean = float(sum(span))
        widened = mean_uncertainty * total / mean if mean > 0 else 0.0
        cumulative = np.cumsum(span)
        out.append(tuple(count_pmf(float(c), dispersion, widened, tail_mass, limit=cap) for c in cumulative))
    return out[0], out[1]


def _empirical_protection(
    model: DemandModel, lead_time: int, review: int, means: list[float], rules: StockRules,
    cap: int | None = None,
) -> ProtectionDemand:
    _check_lead_time(lead_time)
    counts = np.bincount(np.asarray(model.history, dtype=np.int64))
    single = counts / counts.sum()
    pmfs: list[FloatArray] = []
    current: FloatArray = np.array([1.0])
    for k in range(lead_time + review + 1):
        if k >= lead_time:
            pmfs.append(_capped(_trim(current, rules.tail_mass), cap))
        current = _capped(np.convolve(current, single), cap)
    period_pmf = _capped(single, cap) if rules.lost_sales_exact and review == 1 else None
    reached = cap if cap is not None and any(len(pmf) > cap for pmf in pmfs) else None
    return ProtectionDemand(lead_time, review, tuple(pmfs), tuple(means), "empirical",
                            model.dispersion, 0.0, period_pmf, rules.max_chain_size, reached)


def _trim(pmf: FloatArray, tail_mass: float) -> FloatArray:
    keep = int(np.searchsorted(np.cumsum(pmf), 1.0 - tail_mass)) + 1
    out = np.asarray(pmf[: max(keep, 1)], dtype=float)
    return np.asarray(out / out.sum(), dtype=float)


def count_pmf(mean: float, dispersion: float = 1.0, mean_uncertainty: float = 0.0,
              tail_mass: float = 1e-9, limit: int | None = None) -> FloatArray:
    """The distribution (units 0..K) of a demand with ``mean`` over some periods.

    Variance ``dispersion * mean + mean_uncertainty * mean**2``: Poisson when that equals the
    mean, otherwise a negative binomial with the same mean and variance. Cut where less than
    ``tail_mass`` is left, and renormalised; with ``limit``, never beyond ``limit`` units (the
    mass above is put on ``limit``), which also bounds the work for a very skewed demand.
    """
    if mean <= 0:
        return np.array([1.0])
    variance = dispersion * mean + mean_uncertainty * mean * mean
    if variance <= mean * (1 + 1e-12):  # Poisson: p_k = p_(k-1) * mean / k
        r, q = math.inf, 1.0
        log_p0 = -mean
    else:  # negative binomial (r, q = mean / variance): p_k = p_(k-1) * (k - 1 + r) / k * (1 - q)
        r = mean * mean / (variance - mean)
        q = mean / variance
        log_p0 = r * math.log(q)
    top = int(mean + 12 * math.sqrt(variance)) + 30
    if limit is not None:
        top = max(1, min(top, limit))
    while True:  # the recurrence in logs, extended until less than tail_mass is left beyond it
        k = np.arange(1, top + 1, dtype=float)
        poisson = math.isinf(r)
        log_ratio = math.log(mean) - np.log(k) if poisson else np.log((k - 1 + r) / k) + math.log1p(-q)
        pmf = np.exp(np.concatenate([[log_p0], log_p0 + np.cumsum(log_ratio)]))
        covered = np.cumsum(pmf)
        if covered[-1] >= 1.0 - tail_mass or top > 50_000_000:
            break
        if limit is not None and top >= limit:  # the rest of the tail goes on the limit
            pmf[-1] += max(0.0, 1.0 - float(covered[-1]))
            return np.asarray(pmf / pmf.sum(), dtype=float)
        top = top * 4 if limit is None else min(top * 4, limit)
    keep = int(np.searchsorted(covered, 1.0 - tail_mass)) + 2
    out = pmf[: min(keep, len(pmf))]
    return np.asarray(out / out.sum(), dtype=float)
