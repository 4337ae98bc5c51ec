"""Each part's season and growth read against the whole network's (the forecasting core's estimates).

A stock level protects the months ahead, so a mean of the past is the wrong figure twice over on a
growing network with seasonal parts:

* **growth**: a parc growing 2% a month runs a flat mean of the past two years a third short
  eighteen months on; one network-wide factor read like for like (``demand.panel_growth``) also reads
  low, since the series it keeps are the ones that sold early in the year before (for a slow mover,
  that alone inflates the year before) and include the parts being superseded;
* **season**: an air-conditioning part that sells twice a year cannot pass a seasonal test on its own
  counts, yet it sells in summer like every other air-conditioning part.

So, on monthly data, the policy uses the forecasting core's ``SeasonalTrend`` (``forecasting.seasonal``):

1. ``learn_shape`` measures each series' trend on a sample of the panel and pools them as a
   random-effects meta-analysis (the panel's growth and how much the parts' true growths differ; no
   growth for any part unless the like-for-like test of ``demand.panel_growth`` finds growth of the
   whole beyond chance), and
   finds the panel's seasonal profiles (``season_groups``: the shapes of the series whose own season
   is clear);
2. ``shape_models`` fits each series with that prior: its growth is its own measurement weighed
   against the panel's by their precisions (a slow mover takes the panel's), and it takes a seasonal
   pattern where its own stands out beyond noise or where it more likely follows one of the panel's
   profiles than the flat one; the mean is then the history's level at its middle, with season and
   growth taken out (a ratio estimate over the whole history), carried forward to the periods a
   level protects.

Weekly and daily data keep the simpler reading (``demand.panel_growth`` and each series' own seasonal
test): the panel's profiles are monthly shapes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from partspool.core.forecasting.seasonal import (
    GrowthPrior,
    TrendFit,
    _season_threshold,
    fit_seasonal_trend,
    panel_growth,
)
from partspool.core.forecasting.settings import SeasonalTrendSettings
from partspool.core.policy.demand import DemandModel, StockRules
from partspool.core.policy.demand import panel_growth as panel_growth_like_for_like

FloatArray = npt.NDArray[np.float64]
SEASON = 12  # monthly data: a season is a year of twelve calendar months


@dataclass(frozen=True)
class PanelShape:
    """What ``learn_shape`` read from a panel.

    ``growth``: the panel's growth a year (``exp`` of the pooled log growth); ``spread``: the standard
    deviation of the parts' true log growths a year around it (0: they all grow alike);
    ``profiles``: the seasonal profiles found beside the flat one, ``(share, twelve indices from
    January)``, the flat one first (empty: none); ``series``: series whose growth was measured.
    """

    growth: float
    spread: float
    profiles: tuple[tuple[float, tuple[float, ...]], ...]
    series: int
    rules: SeasonalTrendSettings

    @property
    def seasonal_profiles(self) -> int:
        """Seasonal profiles found beside the flat one."""
        return max(len(self.profiles) - 1, 0)


def learn_shape(histories: Sequence[Any], last_months: Sequence[int],
                rules: StockRules | None = None) -> PanelShape | None:
    """The panel's growth and seasonal profiles from monthly ``histories`` (oldest first) whose last
    periods fall in the calendar months ``last_months`` (1-12); None when fewer than
    ``StockRules.growth_min_series`` series have a measurable trend (at most ``shape_sample`` read)."""
    rules = rules or StockRules()
    if len(histories) != len(last_months):
        raise ValueError("one last month is needed per history")
    cycles = _cycles(last_months)
    arrays = [np.asarray(h, dtype=np.float64)[-rules.window:] if rules.window else np.asarray(h, dtype=np.float64)
              for h in histories]
    # a series without demand shows no trend or season: left out, so that the sample read is the same
    # whether or not a file lists the pairs that never sold
    kept = [i for i, a in enumerate(arrays) if a.any()]
    arrays, cycles = [arrays[i] for i in kept], cycles[kept]
    if len(arrays) < rules.growth_min_series:
        return None
    base = dataclasses.replace(SeasonalTrendSettings(), for_panel=True)
    prior: GrowthPrior | None = panel_growth(arrays, cycles, SEASON, 1, 1, base, rules.shape_sample,
                                             yearly=True, seasons=True)[0]
    if prior is None or prior.series < rules.growth_min_series:
        return None
    if panel_growth_like_for_like(arrays, SEASON, rules) == 1.0:
        # no growth of the whole beyond chance between the last two years: none for any part. A flat
        # network read from noisy trends would otherwise move every level by a point or two, and the
        # spread cannot be trusted there: the trends' sampling variances run some 15% small, so on
        # stationary panels of a few hundred series a spread is always found
        fitted = dataclasses.replace(base, trend_mean=0.0, trend_prior=0.0, season_groups=prior.groups)
        return PanelShape(1.0, 0.0, prior.groups, prior.series, fitted)
    fitted = dataclasses.replace(base, trend_mean=prior.mean, trend_prior=prior.sd, season_groups=prior.groups)
    return PanelShape(float(np.exp(prior.mean)), float(prior.sd), prior.groups, prior.series, fitted)


def shape_models(models: Sequence[DemandModel], histories: Sequence[Any],
                 last_months: Sequence[int], shape: PanelShape | None, *, ahead: float = 0.0,
                 rules: StockRules | None = None) -> list[DemandModel]:
    """The models with each series' growth and season read against ``shape`` (see the module notes),
    the mean carried from the middle of the history to the periods starting ``ahead`` periods after
    its end. Models without demand or of the empirical family, and every model when ``shape`` is None,
    are returned as they are."""
    rules = rules or StockRules()
    if len(models) != len(histories) or len(models) != len(last_months):
        raise ValueError("models, histories and last months differ in number")
    if shape is None:
        return list(models)
    low, high = rules.growth_clip
    threshold = _season_threshold(SEASON)
    out: list[DemandModel] = []
    for model, history, cycle in zip(models, histories, _cycles(last_months), strict=True):
        y = np.asarray(history, dtype=np.float64)[-model.periods:]  # the periods modelled (window, start)
        if model.mean <= 0 or model.family == "empirical" or y.size != model.periods or not y.any():
            out.append(model)
            continue
        fit = fit_seasonal_trend(y, int(cycle), SEASON, shape.rules)
        own = _stands_out(fit, threshold)
        profile = fit.profile_mass > 0.5 and not own
        seasonal = own or fit.shrink > threshold or profile
        factors = fit.seasonal if seasonal else np.ones(SEASON)
        yearly = float(min(max(fit.growth ** SEASON, low), high))
        per_period = yearly ** (1.0 / SEASON)
        n = y.size
        ages = np.arange(n, dtype=np.float64) - (n - 1) / 2  # from the middle of the history
        positions = (int(cycle) - np.arange(n - 1, -1, -1)) % SEASON
        mean = float(y.sum() / (factors[positions] * per_period**ages).sum())
        index = tuple(float(v) for v in factors) if seasonal else model.seasonal_index
        # the growth's posterior variance (its measurement against the network's spread), carried over the
        # periods from the middle of the history to the first one protected: the projected mean's uncertainty
        tau2 = (shape.rules.trend_prior / SEASON) ** 2
        posterior = 0.0 if tau2 <= 0 else (
            tau2 if not np.isfinite(fit.growth_variance) or fit.growth_variance <= 0
            else 1.0 / (1.0 / tau2 + 1.0 / fit.growth_variance))
        lag = (n - 1) / 2 + ahead + 1
        out.append(dataclasses.replace(
            model, mean=mean, average=model.flat_mean, growth=yearly, growth_lag=(n - 1) / 2 + ahead,
            periods_per_year=float(SEASON),
            seasonal_index=index, panel_growth=shape.growth,
            seasonal_p=model.seasonal_p if model.seasonal_index is not None else None,
            season_source=("profile" if profile else "own") if seasonal else model.season_source,
            profile_mass=float(fit.profile_mass),
            growth_uncertainty=float(posterior * lag * lag) if model.parameter_uncertainty else 0.0))
    return out


def _stands_out(fit: TrendFit, threshold: float) -> bool:
    """Whether the series' own measured season stands out from a flat one beyond noise (the James-Stein
    factor against flat above the test's threshold), whatever profile it was shrunk towards."""
    if fit.raw_seasonal is None or fit.seasonal_variance is None or not np.isfinite(fit.seasonal_variance).all():
        return False
    spread = float(np.dot(fit.raw_seasonal - 1.0, fit.raw_seasonal - 1.0))
    return spread > 0 and 1.0 - float(fit.seasonal_variance.sum()) / spread > threshold


def _cycles(last_months: Sequence[int]) -> npt.NDArray[np.int64]:
    months = np.asarray(last_months, dtype=np.int64)
    if np.any((months < 1) | (months > 12)):
        raise ValueError("calendar months must lie in 1-12")
    return months - 1
