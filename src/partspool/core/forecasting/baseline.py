"""The source's own forecast: a weighted moving average × a seasonal factor × a growth factor.

For a series ``y_1 … y_n`` with season length ``m`` (12 for months) and weights ``w_0, w_1, w_2``
(0.5, 0.3, 0.2, most recent first):

* **Seasonal factor** ``S(p)`` of cycle position ``p`` (a calendar month): only when the history
  holds at least ``min_seasons`` full seasons. Over the last ``k = ⌊n / m⌋`` full seasons,
  ``S(p) = mean of y in position p / mean of all y``, clipped to ``seasonal_clip``; otherwise 1
  (and 1 everywhere when that window has no demand at all).
* **Level**: the weighted average of the last periods, each first divided by its own seasonal
  factor, ``L = Σ w_i · y_{n−i} / S(p_{n−i})`` (so a summer peak is not counted twice).
* **Growth factor** ``G``: with at least two seasons, the total of the last ``m`` periods over the
  total of the ``m`` before, clipped to ``growth_clip``; otherwise (or when the earlier total is 0) 1.
  It is a yearly factor, compounded per period over the distance from the average's centre
  (``lag = Σ i·w_i``, 0.7 periods with the source's weights) to the forecast period.
* **Forecast** ``h`` periods ahead: ``L · S(p_{n+h}) · G^((h + lag) / m)``.

With fewer periods than weights, the weights of the periods present are rescaled to sum to 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from partspool.core.forecasting.settings import BaselineSettings


@dataclass(frozen=True)
class BaselineParts:
    """The pieces of one baseline forecast, for the explanation."""

    level: float
    seasonal: tuple[float, ...]  # the factor of each forecast period
    growth: float  # the yearly growth factor (1 when not used)
    forecast: tuple[float, ...]


def seasonal_factors(y: NDArray[np.float64], cycle: NDArray[np.int64], m: int,
                     rules: BaselineSettings) -> NDArray[np.float64]:
    """``S(p)`` for p = 0 … m − 1 (all 1 when the history is too short or has no demand)."""
    factors = np.ones(max(m, 1), dtype=np.float64)
    if m <= 1 or y.size < rules.min_seasons * m:
        return factors
    span = (y.size // m) * m
    recent, positions = y[-span:], cycle[-span:]
    overall = float(recent.mean())
    if overall <= 0:
        return factors
    sums = np.bincount(positions, weights=recent, minlength=m)
    counts = np.bincount(positions, minlength=m)
    factors = (sums / np.maximum(counts, 1)) / overall
    return np.clip(factors, *rules.seasonal_clip)


def growth_factor(y: NDArray[np.float64], m: int, rules: BaselineSettings) -> float:
    """Last season's total over the season before, clipped; 1 when it cannot be measured."""
    if m <= 1 or y.size < 2 * m:
        return 1.0
    last, before = float(y[-m:].sum()), float(y[-2 * m:-m].sum())
    if before <= 0:
        return 1.0
    return float(np.clip(last / before, *rules.growth_clip))


def seasonal_context(y: NDArray[np.float64], last_cycle: int, m: int,
                     rules: BaselineSettings) -> tuple[NDArray[np.int64], NDArray[np.float64], float]:
    """Cycle position of every period, the seasonal factors and the yearly growth factor of ``y``."""
    cycle = (last_cycle - np.arange(y.size - 1, -1, -1)) % max(m, 1)
    return cycle, seasonal_factors(y, cycle, m, rules), growth_factor(y, m, rules)


def baseline_parts(y: NDArray[np.float64], h: int, last_cycle: int, m: int, rules: BaselineSettings,
                   context: tuple[NDArray[np.int64], NDArray[np.float64], float] | None = None) -> BaselineParts:
    """The baseline forecast of ``h`` periods with its level, seasonal factors and growth factor."""
    cycle, factors, growth = context or seasonal_context(y, last_cycle, m, rules)
    k = min(len(rules.weights), y.size)
    weights = np.asarray(rules.weights[:k], dtype=np.float64)
    weights = weights / weights.sum()
    latest = y[-1:-k - 1:-1]  # most recent first
    level = float(np.dot(weights, latest / factors[cycle[-1:-k - 1:-1]]))
    lag = float(np.dot(np.arange(k), weights))
    steps = np.arange(1, h + 1, dtype=np.float64)
    future_factors = factors[(last_cycle + np.arange(1, h + 1)) % max(m, 1)]
    per_year = m if m > 1 else 12
    forecast = np.maximum(level * future_factors * growth ** ((steps + lag) / per_year), 0.0)
    return BaselineParts(level, tuple(future_factors.tolist()), growth, tuple(forecast.tolist()))


def baseline(y: NDArray[np.float64], h: int, last_cycle: int, m: int, rules: BaselineSettings,
             context: tuple[NDArray[np.int64], NDArray[np.float64], float] | None = None) -> NDArray[np.float64]:
    """The baseline forecast of ``h`` periods (see the module docstring)."""
    return np.asarray(baseline_parts(y, h, last_cycle, m, rules, context).forecast, dtype=np.float64)


def seasonal_growth_average(y: NDArray[np.float64], h: int, last_cycle: int, m: int, rules: BaselineSettings,
                            window: int,
                            context: tuple[NDArray[np.int64], NDArray[np.float64], float] | None = None,
                            ) -> NDArray[np.float64]:
    """The baseline's seasonal and growth factors on a longer, steadier level.

    The level is the mean of the last ``window`` periods, each divided by its seasonal factor and
    carried forward to today's level with the per-period growth ``G^(1/m)``; the forecast is that
    level × the seasonal factor of the forecast period × the growth to it.
    """
    cycle, factors, growth = context or seasonal_context(y, last_cycle, m, rules)
    per_period = growth ** (1.0 / (m if m > 1 else 12))
    k = min(window, y.size)
    ages = np.arange(k, dtype=np.float64)
    level = float(np.mean(y[-1:-k - 1:-1] / factors[cycle[-1:-k - 1:-1]] * per_period**ages))
    steps = np.arange(1, h + 1, dtype=np.float64)
    forecast: NDArray[np.float64] = level * factors[(last_cycle + np.arange(1, h + 1)) % max(m, 1)] * per_period**steps
    return np.maximum(forecast, 0.0)
