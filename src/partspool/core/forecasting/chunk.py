"""The unit of work an engine runs: forecast (or back-test) one chunk of series.

A chunk's result depends only on its own series and on what the caller worked out on the whole
panel beforehand (the obsolescence model's chances, ``ChunkTask.chances``), so any split of the series
into chunks, on any engine, gives the same numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from partspool.core.forecasting.intervals import dispersion, interval
from partspool.core.forecasting.methods import run_methods, statsforecast_model
from partspool.core.forecasting.metrics import naive_scale
from partspool.core.forecasting.obsolescence import Chances
from partspool.core.forecasting.selection import (
    Choice,
    auto_min_length,
    auto_series,
    fallback_choice,
    fixed_choice,
)
from partspool.core.forecasting.settings import ForecastSettings

AUTO = "auto"


@dataclass(frozen=True)
class ChunkTask:
    """Series to forecast with ``method`` (or, with ``backtest`` set, to back-test on their last
    ``horizon`` periods with each method in ``backtest`` plus ``auto``; an empty tuple: ``auto`` alone)."""

    ids: tuple[str, ...]
    values: tuple[NDArray[np.float64], ...]
    last_cycle: NDArray[np.int64]
    season_length: int
    horizon: int
    method: str
    settings: ForecastSettings
    backtest: tuple[str, ...] | None = None
    chances: Chances | None = None  # for ``auto``: of each series still having demand (rows as ``ids``)


def _with_chances(chances: Chances | None, forecast: NDArray[np.float64],
                  choices: list[Choice]) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """``auto``'s forecasts times each series' chances of still having demand, those chances (for the
    intervals: see ``intervals.mixture_quantile``), and the choices updated (in place) to say so."""
    if chances is None:
        return forecast, None
    chance = chances.matrix(forecast.shape[1])
    for i, choice in enumerate(choices):
        first = float(chance[i, 0])
        why = ""
        if first < NOTED:
            why = (f"; × {first:.2f} in the first period, the chance that demand continues "
                   f"({int(chances.silent[i])} period(s) since the last demand; obsolescence model fitted on "
                   f"{chances.series} series: {chances.stop_rate:.2%} of series stop for good per period)")
        choices[i] = replace(choice, alive=first, explanation=choice.explanation + why)
    return forecast * chance, chance


NOTED = 0.9  # a chance below this is named in the explanation (a steady seller's 1–2% is not)


@dataclass(frozen=True)
class ChunkForecast:
    ids: tuple[str, ...]
    forecast: NDArray[np.float64]  # (series, horizon)
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    dispersion: NDArray[np.float64]
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class ChunkBacktest:
    ids: tuple[str, ...]
    actual: NDArray[np.float64]  # (series, horizon)
    scales: NDArray[np.float64]
    weights: NDArray[np.float64]
    forecasts: dict[str, NDArray[np.float64]]  # method -> (series, horizon), NaN where not available
    lo: dict[str, NDArray[np.float64]]
    hi: dict[str, NDArray[np.float64]]
    methods_used: tuple[str, ...]  # what auto used per series
    seconds: dict[str, float] = field(default_factory=dict)


def forecast_one(y: NDArray[np.float64], h: int, last_cycle: int, m: int, method: str,
                 settings: ForecastSettings) -> tuple[NDArray[np.float64], Choice]:
    """Forecast one series with ``method`` (``auto`` or a method name)."""
    if method == AUTO:
        needed = auto_min_length(h, settings)
        if y.size < needed:
            if settings.short_series != "fallback":
                raise ValueError(f"auto needs at least {needed} periods, the series has {y.size}")
            found = run_methods(y, h, last_cycle, m, settings, (settings.fallback_method,))
            values = found.get(settings.fallback_method, np.full(h, float(y.mean())))
            return values, fallback_choice(settings.fallback_method, y.size, needed)
        return auto_series(y, h, last_cycle, m, settings)
    found = run_methods(y, h, last_cycle, m, settings, (method,))
    if method not in found:
        raise ValueError(f"{method} cannot forecast a series of {y.size} periods")
    return found[method], fixed_choice(method)


def _run_forecast(task: ChunkTask) -> ChunkForecast:
    n, h, s = len(task.ids), task.horizon, task.settings
    forecast = np.empty((n, h))
    phi = np.empty(n)
    choices = []
    for i, y in enumerate(task.values):
        forecast[i], choice = forecast_one(y, h, int(task.last_cycle[i]), task.season_length, task.method, s)
        phi[i] = dispersion(y)
        choices.append(choice)
    forecast, chance = _with_chances(task.chances if task.method == AUTO else None, forecast, choices)
    lo, hi = interval(forecast, phi[:, None], s.interval, s.level_uncertainty, chance=chance)
    return ChunkForecast(task.ids, forecast, lo, hi, phi, tuple(choices))


def _run_backtest(task: ChunkTask) -> ChunkBacktest:
    n, h, m, s = len(task.ids), task.horizon, task.season_length, task.settings
    chosen = task.backtest or ()
    methods = (*chosen, AUTO)
    forecasts = {a: np.full((n, h), np.nan) for a in methods}
    actual = np.empty((n, h))
    scales, weights, phi = np.empty(n), np.empty(n), np.empty(n)
    seconds: dict[str, float] = {}
    statsforecast_model("TSB", m, s)  # load statsforecast before anything is timed
    choices: list[Choice] = []
    for i, y in enumerate(task.values):
        train, cycle = y[:-h], (int(task.last_cycle[i]) - h) % max(m, 1)
        actual[i] = y[-h:]
        scales[i] = naive_scale(train)
        weights[i] = float(train[-max(m, 1):].sum()) if m > 1 else float(train[-12:].sum())
        phi[i] = dispersion(train)
        found = run_methods(train, h, cycle, m, s, chosen, timings=seconds)
        for alias, values in found.items():
            forecasts[alias][i] = values
        started = time.perf_counter()
        forecasts[AUTO][i], choice = forecast_one(train, h, cycle, m, AUTO, s)
        seconds[AUTO] = seconds.get(AUTO, 0.0) + time.perf_counter() - started
        choices.append(choice)
    forecasts[AUTO], chance = _with_chances(task.chances, forecasts[AUTO], choices)
    lo, hi = {}, {}
    for alias, values in forecasts.items():
        lo[alias], hi[alias] = interval(np.nan_to_num(values), phi[:, None], s.interval, s.level_uncertainty,
                                        chance=chance if alias == AUTO else None)
    used = tuple(c.method for c in choices)
    return ChunkBacktest(task.ids, actual, scales, weights, forecasts, lo, hi, used, seconds)


def run_chunk(task: ChunkTask) -> ChunkForecast | ChunkBacktest:
    """Run one task (picklable, so process pools and dask workers can call it)."""
    return _run_backtest(task) if task.backtest is not None else _run_forecast(task)
