"""Accuracy measures: RMSSE (M5-style), MAE, RMSE, bias and the SPEC's accuracy = 1 − WAPE.

* **RMSSE** of one series: ``sqrt(mean((forecast − actual)²) / scale)``, where ``scale`` is the
  mean squared one-step naive difference of the series' history from its first demand on (the M5
  competition's scaling; leading zeros before a part existed do not count). A series whose history
  never changes has no scale and no RMSSE. Over many series: the plain mean (``rmsse``) and the mean
  weighted by each series' demand in its last ``m`` periods of history (``wrmsse``, M5's weighting
  with units in place of money).
* **Bias**: mean of ``forecast − actual`` per period (positive = over-forecast).
* **Accuracy**: ``1 − Σ|forecast − actual| / Σ actual`` (SPEC C4; may be negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def naive_scale(y: NDArray[np.float64]) -> float:
    """Mean squared one-step difference of the history from its first non-zero value (NaN if none)."""
    nonzero = np.flatnonzero(y)
    start = int(nonzero[0]) if nonzero.size else 0
    tail = y[start:]
    if tail.size < 2:
        return float("nan")
    scale = float(np.mean(np.diff(tail) ** 2))
    return scale if scale > 0 else float("nan")


def rmsse(forecast: NDArray[np.float64], actual: NDArray[np.float64], scale: float) -> float:
    """RMSSE of one series (NaN without a scale)."""
    if not np.isfinite(scale) or scale <= 0:
        return float("nan")
    return float(np.sqrt(np.mean((forecast - actual) ** 2) / scale))


def accuracy(forecast: NDArray[np.float64], actual: NDArray[np.float64]) -> float:
    """``1 − WAPE``; NaN when there was no actual demand at all."""
    total = float(np.sum(actual))
    if total <= 0:
        return float("nan")
    return 1.0 - float(np.sum(np.abs(forecast - actual))) / total


@dataclass(frozen=True)
class Scores:
    """Accuracy of one method over many series and periods."""

    series: int
    periods: int
    mae: float
    rmse: float
    rmsse: float
    wrmsse: float
    bias: float
    accuracy: float
    coverage: float  # share of actuals inside the 80% interval (NaN when not measured)

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def score(forecast: NDArray[np.float64], actual: NDArray[np.float64], scales: NDArray[np.float64],
          weights: NDArray[np.float64], lo: NDArray[np.float64] | None = None,
          hi: NDArray[np.float64] | None = None) -> Scores:
    """Scores of forecasts ``(series, periods)`` against actuals of the same shape.

    Args:
        forecast: the forecasts; rows that are all NaN (method not available) are left out.
        actual: what happened.
        scales: the RMSSE scale of each series (NaN: no RMSSE for that series).
        weights: each series' recent demand, for the weighted RMSSE.
        lo: lower ends of the 80% intervals (optional).
        hi: upper ends of the 80% intervals (optional).
    """
    rows = np.isfinite(forecast).all(axis=1)
    f, a = forecast[rows], actual[rows]
    err = f - a
    n_series, n_periods = int(rows.sum()), int(err.size)
    if n_series == 0:
        nan = float("nan")
        return Scores(0, 0, nan, nan, nan, nan, nan, nan, nan)
    per_series = np.sqrt(np.mean(err**2, axis=1) / scales[rows])
    ok = np.isfinite(per_series)
    w = weights[rows][ok]
    total = float(a.sum())
    coverage = float("nan")
    if lo is not None and hi is not None:
        coverage = float(np.mean((a >= lo[rows]) & (a <= hi[rows])))
    return Scores(
        series=n_series,
        periods=n_periods,
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        rmsse=float(per_series[ok].mean()) if ok.any() else float("nan"),
        wrmsse=float(np.sum(per_series[ok] * w) / w.sum()) if ok.any() and w.sum() > 0 else float("nan"),
        bias=float(np.mean(err)),
        accuracy=1.0 - float(np.abs(err).sum()) / total if total > 0 else float("nan"),
        coverage=coverage,
    )
