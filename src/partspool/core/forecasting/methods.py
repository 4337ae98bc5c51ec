"""The forecasting methods: the baseline, our own seasonal methods and statsforecast's models.

``baseline`` is the source's rule (``baseline.py``); ``SeasonalGrowthAverage`` and ``SeasonalTrend``
(``seasonal.py``) are ours.

Each method maps one history to ``h`` mean forecasts. The statsforecast models are called as
statsforecast ships them (``Model().forecast(y=…, h=…)["mean"]``), so their numbers are
statsforecast's own; the only thing added is the floor at 0.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from partspool.core.forecasting.baseline import baseline, seasonal_context, seasonal_growth_average
from partspool.core.forecasting.seasonal import seasonal_trend
from partspool.core.forecasting.settings import ForecastSettings


@dataclass(frozen=True)
class MethodInfo:
    """A method's name, what it is, and whether it needs seasons of history."""

    alias: str
    description: str
    seasonal: bool = False


METHODS: Mapping[str, MethodInfo] = {
    info.alias: info for info in (
        MethodInfo("baseline", "weighted moving average 0.5/0.3/0.2 × seasonal factor × growth factor"),
        MethodInfo("CrostonClassic", "Croston: smoothed demand size / smoothed interval (α = 0.1)"),
        MethodInfo("CrostonOptimized", "Croston with optimised smoothing of sizes and intervals"),
        MethodInfo("CrostonSBA", "Croston with the Syntetos–Boylan bias correction (× 0.95)"),
        MethodInfo("TSB", "Teunter–Syntetos–Babai: smoothed demand probability × smoothed size"),
        MethodInfo("ADIDA", "aggregate to the mean interval, smooth, disaggregate"),
        MethodInfo("IMAPA", "ADIDA over several aggregation levels, averaged"),
        MethodInfo("SESOpt", "simple exponential smoothing with optimised α"),
        MethodInfo("WindowAverage", "mean of the last window of periods"),
        MethodInfo("HistoricAverage", "mean of the whole history"),
        MethodInfo("SeasonalGrowthAverage", "mean of the last window, deseasonalised and growth-adjusted, "
                   "× seasonal factor × growth"),
        MethodInfo("SeasonalTrend", "level of the last window × log-linear trend × seasonal indices, fitted to "
                   "the counts and shrunk toward flat and no growth as the demand behind them is thin"),
        MethodInfo("SeasonalNaive", "the same period one season ago", seasonal=True),
        MethodInfo("SeasonalWindowAverage", "mean of the same period in the last two seasons", seasonal=True),
    )
}


def method_names() -> tuple[str, ...]:
    """Every single method, in a stable order."""
    return tuple(METHODS)


def resolve(name: str) -> str:
    """The canonical name of a method (case-insensitive); raises ``KeyError`` for an unknown one."""
    lowered = {alias.lower(): alias for alias in METHODS}
    return lowered[name.strip().lower()]


def is_seasonal(alias: str) -> bool:
    """Whether the method repeats a season (it cannot run on data without one, such as yearly)."""
    return METHODS[alias].seasonal


def min_length(alias: str, m: int, settings: ForecastSettings) -> int:
    """The shortest history the method forecasts from."""
    if METHODS[alias].seasonal:
        return max(settings.seasonal_min_seasons, 2) * m if m > 1 else 1 << 30
    if alias == "WindowAverage":
        return settings.window_size
    return 1


@cache
def _models(m: int, window: int, alpha_d: float, alpha_p: float) -> dict[str, Any]:
    from statsforecast import models as sf

    found: dict[str, Any] = {
        "CrostonClassic": sf.CrostonClassic(),
        "CrostonOptimized": sf.CrostonOptimized(),
        "CrostonSBA": sf.CrostonSBA(),
        "TSB": sf.TSB(alpha_d=alpha_d, alpha_p=alpha_p),
        "ADIDA": sf.ADIDA(),
        "IMAPA": sf.IMAPA(),
        "SESOpt": sf.SimpleExponentialSmoothingOptimized(),
        "WindowAverage": sf.WindowAverage(window_size=window),
        "HistoricAverage": sf.HistoricAverage(),
    }
    if m > 1:
        found["SeasonalNaive"] = sf.SeasonalNaive(season_length=m)
        found["SeasonalWindowAverage"] = sf.SeasonalWindowAverage(season_length=m, window_size=2)
    return found


def _min_lengths(m: int, settings: ForecastSettings) -> dict[str, int]:
    # cached on what the lengths depend on, not on the whole settings: a run's own settings (its decay,
    # its panel's growth) would otherwise add an entry per run to a long-lived worker's cache
    return _lengths(m, settings.seasonal_min_seasons, settings.window_size)


@cache
def _lengths(m: int, min_seasons: int, window: int) -> dict[str, int]:
    rules = ForecastSettings(seasonal_min_seasons=min_seasons, window_size=window)
    return {alias: min_length(alias, m, rules) for alias in METHODS}


def statsforecast_model(alias: str, m: int, settings: ForecastSettings) -> Any:
    """The statsforecast model object behind a method (for tests and for calling it directly)."""
    return _models(m, settings.window_size, settings.tsb_alpha_d, settings.tsb_alpha_p)[alias]


def run_methods(y: NDArray[np.float64], h: int, last_cycle: int, m: int, settings: ForecastSettings,
                aliases: tuple[str, ...], timings: dict[str, float] | None = None) -> dict[str, NDArray[np.float64]]:
    """Forecast ``h`` periods with each method in ``aliases`` that the history allows.

    Returns a mapping alias → forecasts (≥ 0); a method whose history is too short, or which fails
    or gives a non-finite number, is left out. ``timings`` (optional) accumulates seconds per method.
    """
    if timings is not None:
        out_timed: dict[str, NDArray[np.float64]] = {}
        for alias in aliases:
            started = time.perf_counter()
            out_timed.update(run_methods(y, h, last_cycle, m, settings, (alias,)))
            timings[alias] = timings.get(alias, 0.0) + time.perf_counter() - started
        return out_timed
    models = _models(m, settings.window_size, settings.tsb_alpha_d, settings.tsb_alpha_p)
    shortest = _min_lengths(m, settings)
    out: dict[str, NDArray[np.float64]] = {}
    n = y.size
    croston: NDArray[np.float64] | None = None
    context = None
    for alias in aliases:
        if n < shortest[alias]:
            continue
        if alias == "SeasonalTrend":
            out[alias] = seasonal_trend(y, h, last_cycle, m, settings.seasonal_trend)
            continue
        if alias in ("baseline", "SeasonalGrowthAverage"):
            context = context or seasonal_context(y, last_cycle, m, settings.baseline)
            out[alias] = (baseline(y, h, last_cycle, m, settings.baseline, context) if alias == "baseline" else
                          seasonal_growth_average(y, h, last_cycle, m, settings.baseline, settings.window_size,
                                                  context))
            continue
        if alias == "CrostonSBA" and croston is not None:
            # statsforecast's CrostonSBA is CrostonClassic × 0.95; reuse it rather than refit
            values = croston * 0.95
        else:
            try:
                values = np.asarray(models[alias].forecast(y=y, h=h)["mean"], dtype=np.float64)
            except (ValueError, ZeroDivisionError, FloatingPointError, IndexError):
                continue
            if alias == "CrostonClassic":
                croston = values
        if values.shape != (h,) or not np.isfinite(values).all():
            continue
        out[alias] = np.maximum(values, 0.0)
    return out
