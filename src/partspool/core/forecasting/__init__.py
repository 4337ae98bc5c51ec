"""Demand forecasting (C4): methods for intermittent demand, back-testing, choice and intervals.

Entry points (all take a long frame ``unique_id, ds, y``):

* ``forecast(frame, horizon, method="auto", engine="local")`` → ``ForecastResult`` with
  ``forecasts`` (``unique_id, ds, forecast, method, lo, hi``) and ``choices`` (per series: what was
  used, the back-test winner, runner-up and margin, the chance it still sells, and an explanation),
  plus what was decided for the whole run (the obsolescence model, the back-test's weighting).
* ``backtest(frame, horizon)`` → ``BacktestResult``: MAE, RMSE, RMSSE, bias, accuracy (1 − WAPE) and
  interval coverage of every method and of ``auto`` on the last ``horizon`` periods.
* ``lead_time_quantiles(result, lead_time)`` → total demand over a lead time: mean, variance,
  interval and whole-unit quantiles for safety stock; ``period_quantiles(result)`` per period.
"""

from partspool.core.forecasting.api import (
    CHOICE_COLUMNS,
    FORECAST_COLUMNS,
    BacktestResult,
    ForecastResult,
    backtest,
    canonical_method,
    forecast,
    lead_time_quantiles,
    period_quantiles,
    valid_methods,
)
from partspool.core.forecasting.engines import ENGINES
from partspool.core.forecasting.errors import ForecastInputError
from partspool.core.forecasting.panel import Frequency, Panel, read_panel
from partspool.core.forecasting.selection import Choice
from partspool.core.forecasting.settings import (
    DEFAULT_SETTINGS,
    BaselineSettings,
    ForecastSettings,
    SeasonalTrendSettings,
)

__all__ = [
    "CHOICE_COLUMNS", "DEFAULT_SETTINGS", "ENGINES", "FORECAST_COLUMNS", "BacktestResult", "BaselineSettings",
    "Choice", "ForecastInputError", "ForecastResult", "ForecastSettings", "Frequency", "Panel", "backtest",
    "SeasonalTrendSettings", "canonical_method", "forecast", "lead_time_quantiles", "period_quantiles",
    "read_panel", "valid_methods",
]
