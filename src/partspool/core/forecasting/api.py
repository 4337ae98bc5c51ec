"""The forecasting core's entry points: ``forecast``, ``backtest`` and ``lead_time_quantiles``."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from numpy.typing import NDArray

from partspool.core.forecasting.chunk import AUTO, ChunkBacktest, ChunkForecast, ChunkTask
from partspool.core.forecasting.engines import ENGINES, chunk_bounds, default_workers, run_tasks
from partspool.core.forecasting.errors import ForecastInputError
from partspool.core.forecasting.intervals import (
    alive_mean,
    integer_quantile,
    lead_time_spread,
    mixture_quantile,
    smooth_quantile,
)
from partspool.core.forecasting.methods import is_seasonal, method_names, min_length, resolve
from partspool.core.forecasting.metrics import Scores, score
from partspool.core.forecasting.obsolescence import Chances, Obsolescence, fit, occurrences
from partspool.core.forecasting.panel import Frequency, Panel, read_panel
from partspool.core.forecasting.seasonal import GrowthPrior, panel_growth
from partspool.core.forecasting.selection import DecayChoice, auto_min_length, choose_decay
from partspool.core.forecasting.settings import DEFAULT_SETTINGS, ForecastSettings

MAX_HORIZON = 520  # periods: ten years of weeks (a longer one is a typing error, and would exhaust memory)
FORECAST_COLUMNS = ("unique_id", "ds", "forecast", "method", "lo", "hi")
CHOICE_COLUMNS = ("unique_id", "method", "winner", "winner_rmsse", "runner_up", "runner_up_rmsse", "margin",
                  "rmsse", "bias", "accuracy", "origins", "dispersion", "scores", "weights", "alive", "adjusted", "explanation")


def valid_methods() -> tuple[str, ...]:
    """Names ``method`` accepts: ``auto`` and every single method."""
    return (AUTO, *method_names())


def canonical_method(name: str) -> str:
    """The canonical spelling of a method name (case-insensitive); ``ForecastInputError`` if unknown."""
    if name.strip().lower() == AUTO:
        return AUTO
    try:
        return resolve(name)
    except KeyError:
        raise ForecastInputError("unknown_method", f"unknown method {name!r}; valid methods: "
                                 f"{', '.join(valid_methods())}",
                                 params={"method": name, "valid": list(valid_methods())}) from None


@dataclass(frozen=True)
class ForecastResult:
    """Forecasts with their intervals, and per series the choice and its reasons.

    Attributes:
        forecasts: one row per series and future period: ``unique_id, ds, forecast, method, lo, hi``
            (``forecast`` ≥ 0; ``lo``/``hi`` the central ``settings.interval`` interval).
        choices: one row per series (columns ``CHOICE_COLUMNS``): what was used, the back-test
            winner, runner-up and margin, the back-test RMSSE, bias and accuracy of what was used,
            the dispersion index behind the intervals, every candidate's back-test RMSSE (``scores``,
            best first, as text), the weight of each combined method (``weights``, as text), the
            chance that the series still has demand (``alive``, 1 where not applied), whether the
            methods without a season ran on seasonally adjusted demand (``adjusted``) and the
            explanation sentence.
        frequency: the inferred frequency of the periods.
        horizon, method: what was asked; settings: the rules used (scaled to the data's periods).
        seconds: wall-clock time of the run.
        obsolescence: the model of which series stop, fitted on the panel (``None``: not used, or
            too few series to fit it); ``chances``: each series' chances of still having demand, which
            multiplied the forecasts (the quantile functions below need them); ``decay``: the
            weighting of the back-test's origins used for the run and why (``None``: not chosen,
            ``settings.origin_decay``; ``settings`` stay as the caller gave them); ``growth``: the
            panel's growth toward which ``auto`` shrank each series' own (``None``: not pooled).
    """

    forecasts: pd.DataFrame
    choices: pd.DataFrame
    frequency: Frequency
    horizon: int
    method: str
    settings: ForecastSettings
    seconds: float
    obsolescence: Obsolescence | None = None
    chances: Chances | None = None
    decay: DecayChoice | None = None
    growth: GrowthPrior | None = None

    def explanation(self, unique_id: str) -> str:
        """Why the series got its forecast."""
        row = self.choices.loc[self.choices["unique_id"] == unique_id]
        if row.empty:
            raise KeyError(unique_id)
        return str(row["explanation"].iloc[0])


@dataclass(frozen=True)
class BacktestResult:
    """Scores of each method and of ``auto`` on the last ``horizon`` periods of every series.

    Attributes:
        summary: one row per method: ``method, series, periods, mae, rmse, rmsse, wrmsse, bias,
            accuracy, coverage, seconds`` (``seconds``: compute time summed over workers; ``auto``'s
            includes its work on the whole panel: obsolescence fit, growth pooling, decay choice).
        detail: one row per series and held-out period: ``unique_id, ds, actual`` and a column per method.
        auto_methods: per series, what ``auto`` used (``unique_id, method``).
        seconds: wall-clock time of the run.
        decay: the weighting of the back-test's origins ``auto`` used, chosen on the training part
            (``None``: the setting's); ``growth``: the panel's growth ``auto`` pooled toward, measured
            on the training part.
    """

    summary: pd.DataFrame
    detail: pd.DataFrame
    auto_methods: pd.DataFrame
    scores: dict[str, Scores]
    horizon: int
    frequency: Frequency
    seconds: float
    decay: DecayChoice | None = None
    growth: GrowthPrior | None = None


def _check_horizon(horizon: int) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or not 1 <= horizon <= MAX_HORIZON:
        raise ForecastInputError("bad_horizon", f"horizon must be a whole number from 1 to {MAX_HORIZON}, "
                                 f"got {horizon!r}", params={"horizon": horizon, "most": MAX_HORIZON})
    return int(horizon)


def _check_length(panel: Panel, needed: int, why: str, **purpose: Any) -> None:
    """Refuse a panel with a series shorter than ``needed``; ``why`` says what needs them (``purpose``:
    the same as figures, for the error's ``params``)."""
    lengths = panel.lengths()
    short = np.flatnonzero(lengths < needed)
    if short.size:
        i = int(short[0])
        more = f" (and {short.size - 1} more series)" if short.size > 1 else ""
        raise ForecastInputError("too_short", f"series {panel.ids[i]!r} has {int(lengths[i])} periods; {why} "
                                 f"needs at least {needed}{more}", unique_id=panel.ids[i],
                                 params={"series": panel.ids[i], "periods": int(lengths[i]), "needed": needed,
                                         "more": int(short.size - 1), **purpose})


def _tasks(panel: Panel, horizon: int, method: str, settings: ForecastSettings, workers: int,
           backtest: tuple[str, ...] | None = None, chances: Chances | None = None) -> list[ChunkTask]:
    return [
        ChunkTask(ids=panel.ids[a:b], values=panel.values[a:b], last_cycle=panel.last_cycle[a:b],
                  season_length=panel.freq.season_length, horizon=horizon, method=method, settings=settings,
                  backtest=backtest, chances=chances.rows(a, b) if chances is not None else None)
        for a, b in chunk_bounds(len(panel), settings.chunk_size, workers)
    ]


def _chances(histories: tuple[NDArray[np.float64], ...],
              settings: ForecastSettings) -> tuple[Obsolescence | None, Chances | None]:
    """The obsolescence model fitted on these histories and each one's chances (``None``: off, or
    too few series to fit)."""
    if not settings.obsolescence:
        return None, None
    occ = occurrences(histories)
    model = fit(occ)
    if model is None:
        return None, None
    return model, model.chances(occ)


def forecast(frame: pd.DataFrame, horizon: int, method: str = AUTO, engine: str = "local", *,
             settings: ForecastSettings = DEFAULT_SETTINGS, workers: int | None = None,
             client: Any = None) -> ForecastResult:
    """Forecast every series of a long frame ``unique_id, ds, y`` ``horizon`` periods ahead.

    Args:
        frame: the demand history (see ``panel.read_panel`` for what is checked).
        horizon: periods to forecast.
        method: ``auto`` (choose per series by back-test) or a method name (``valid_methods()``).
        engine: ``local`` (processes on this machine) or ``dask`` (a dask.distributed client).
        settings: the rules (defaults: ``DEFAULT_SETTINGS``), stated for monthly data; windows and
            smoothing constants are scaled to the data's periods (``ForecastSettings.for_periods``).
        workers: processes for ``local`` / workers of a dask cluster made for the call (default: cores).
        client: a dask ``Client`` to use with ``engine="dask"`` (default: the current one, else a
            local cluster made and closed for the call).

    Returns:
        A ``ForecastResult``.

    Raises:
        ForecastInputError: bad input, an unknown method or engine, or a series too short.
    """
    started = time.perf_counter()
    horizon = _check_horizon(horizon)
    method = canonical_method(method)
    if engine not in ENGINES:
        raise ForecastInputError("unknown_engine", f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}",
                                 params={"engine": engine, "valid": list(ENGINES)})
    panel = read_panel(frame)
    settings = settings.for_periods(panel.freq.periods_per_year)  # windows and smoothing in calendar time
    m = panel.freq.season_length
    if method == AUTO:
        if settings.short_series != "fallback":
            _check_length(panel, auto_min_length(horizon, settings),
                          f"auto with horizon {horizon} ({settings.min_train} to fit and {horizon} to test)",
                          purpose="auto", horizon=horizon, min_train=settings.min_train)
    elif is_seasonal(method) and m <= 1:
        raise ForecastInputError("no_season", f"{method} repeats the demand of one season ago, but "
                                 f"{panel.freq.name} data has no season; choose auto or a method without a "
                                 "season (e.g. TSB, SESOpt, HistoricAverage)",
                                 params={"method": method, "frequency": panel.freq.name})
    else:
        _check_length(panel, min_length(method, m, settings), f"{method} on {panel.freq.name} data",
                      purpose="method", method=method, frequency=panel.freq.name)
    workers = workers or default_workers()
    model, chances = _chances(panel.values, settings) if method == AUTO else (None, None)
    growth, used = _growth(panel.values, panel.last_cycle, horizon, m, settings) if method == AUTO else (None, settings)
    decay, used = _decay(panel.values, panel.last_cycle, horizon, m, used) if method == AUTO else (None, used)
    results = run_tasks(_tasks(panel, horizon, method, used, workers, chances=chances), engine, workers, client)
    chunks = [r for r in results if isinstance(r, ChunkForecast)]
    result = _assemble(panel, chunks, horizon, method, settings, time.perf_counter() - started, model, chances)
    # ``settings`` stay the caller's: the decay and the growth prior used are in ``decay`` and ``growth``
    return replace(result, decay=decay, growth=growth)


def _growth(histories: tuple[NDArray[np.float64], ...], last_cycles: NDArray[np.int64], horizon: int, m: int,
            settings: ForecastSettings) -> tuple[GrowthPrior | None, ForecastSettings]:
    """The panel's growth prior and seasonal profiles for ``auto`` (``seasonal.panel_growth``) at the
    forecast and at every back-test origin (the decay choice's included), and the settings carrying them."""
    if not settings.pool_growth:
        return None, settings
    cuts = settings.origins + 2  # auto's origins, and the one more the decay choice replays on
    rules = replace(settings.seasonal_trend, for_panel=True)  # as auto fits each series with the prior
    yearly = m > 1 and m == settings.periods_per_year
    priors = panel_growth(histories, last_cycles, m, horizon, cuts, rules, settings.decay_sample, yearly,
                          seasons=settings.pool_seasons)
    found: list[tuple[float, float]] = []
    groups: list[tuple[tuple[float, tuple[float, ...]], ...]] = []
    for prior in priors:  # a cut without enough series ends the list: from there each series' own prior
        if prior is None:
            break
        found.append((prior.mean, prior.sd))
        groups.append(prior.groups)
    return priors[0], replace(settings, growth_priors=tuple(found), season_priors=tuple(groups))


def _decay(histories: tuple[NDArray[np.float64], ...], last_cycles: NDArray[np.int64], horizon: int, m: int,
           settings: ForecastSettings) -> tuple[DecayChoice | None, ForecastSettings]:
    """The back-test's weighting of origins chosen for these histories, and the settings using it."""
    if not settings.choose_decay:
        return None, settings
    decay = choose_decay(histories, last_cycles, horizon, m, settings)
    return decay, settings if decay is None else replace(settings, origin_decay=decay.decay)


def _assemble(panel: Panel, chunks: list[ChunkForecast], horizon: int, method: str, settings: ForecastSettings,
              seconds: float, model: Obsolescence | None = None, chances: Chances | None = None) -> ForecastResult:
    n = len(panel)
    values = np.concatenate([c.forecast for c in chunks]) if chunks else np.empty((0, horizon))
    lo = np.concatenate([c.lo for c in chunks]) if chunks else values
    hi = np.concatenate([c.hi for c in chunks]) if chunks else values
    choices = [choice for c in chunks for choice in c.choices]
    used = np.array([c.method for c in choices], dtype=object)
    dates = panel.future(horizon)  # each series in its own date style
    forecasts = pd.DataFrame({
        "unique_id": np.repeat(np.array(panel.ids, dtype=object), horizon),
        "ds": pd.to_datetime(dates.reshape(-1)),
        "forecast": values.reshape(-1),
        "method": np.repeat(used, horizon),
        "lo": lo.reshape(-1),
        "hi": hi.reshape(-1),
    })
    phi = np.concatenate([c.dispersion for c in chunks]) if chunks else np.empty(0)
    table = pd.DataFrame({
        "unique_id": list(panel.ids),
        "method": used,
        "winner": [c.winner for c in choices],
        "winner_rmsse": [c.winner_rmsse for c in choices],
        "runner_up": [c.runner_up for c in choices],
        "runner_up_rmsse": [c.runner_up_rmsse for c in choices],
        "margin": [c.margin for c in choices],
        "rmsse": [c.rmsse for c in choices],
        "bias": [c.bias for c in choices],
        "accuracy": [c.accuracy for c in choices],
        "origins": [c.origins for c in choices],
        "dispersion": phi,
        "scores": ["; ".join(f"{a} {v:.3f}" for a, v in c.scores) for c in choices],
        "weights": ["; ".join(f"{a} {w:.3f}" for a, w in zip(c.members, c.weights, strict=False)) for c in choices],
        "alive": [c.alive for c in choices],
        "adjusted": [c.adjusted for c in choices],
        "explanation": [c.explanation for c in choices],
    }, index=pd.RangeIndex(n))
    return ForecastResult(forecasts, table, panel.freq, horizon, method, settings, seconds, model, chances)


def backtest(frame: pd.DataFrame, horizon: int, methods: tuple[str, ...] | None = None, engine: str = "local", *,
             settings: ForecastSettings = DEFAULT_SETTINGS, workers: int | None = None,
             client: Any = None) -> BacktestResult:
    """Hold out the last ``horizon`` periods of every series and score each method and ``auto`` on them.

    Every method (``auto``'s own back-test included) sees only the periods before the held-out ones.
    A single method is scored on the series whose training part it can forecast; ``auto`` on all.

    Args:
        frame: the demand history ``unique_id, ds, y``.
        horizon: periods held out.
        methods: the single methods to score beside ``auto`` (default: all).
        engine, settings, workers, client: as for ``forecast``.

    Raises:
        ForecastInputError: bad input, an unknown method, or a series shorter than ``auto`` needs
            after the held-out periods.
    """
    started = time.perf_counter()
    horizon = _check_horizon(horizon)
    # each method once, however it is spelt; ``auto`` is always scored, so naming it adds nothing
    chosen = tuple(dict.fromkeys(canonical_method(a) for a in (methods or method_names())
                                 if a.strip().lower() != AUTO))
    if engine not in ENGINES:
        raise ForecastInputError("unknown_engine", f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}",
                                 params={"engine": engine, "valid": list(ENGINES)})
    panel = read_panel(frame)
    settings = settings.for_periods(panel.freq.periods_per_year)
    needed = horizon + auto_min_length(horizon, settings)
    _check_length(panel, needed, f"a back-test with horizon {horizon} ({horizon} held out, then "
                  f"{settings.min_train} to fit and {horizon} to test for auto)",
                  purpose="backtest", horizon=horizon, min_train=settings.min_train)
    workers = workers or default_workers()
    training = tuple(v[:-horizon] for v in panel.values)  # what auto may look at: the training part only
    panel_started = time.perf_counter()  # auto's work on the whole panel, counted in auto's seconds
    _model, chances = _chances(training, settings)
    m = panel.freq.season_length
    cycles = (panel.last_cycle - horizon) % max(m, 1)
    growth, settings = _growth(training, cycles, horizon, m, settings)
    decay, settings = _decay(training, cycles, horizon, m, settings)
    panel_seconds = time.perf_counter() - panel_started
    tasks = _tasks(panel, horizon, AUTO, settings, workers, backtest=chosen, chances=chances)
    chunks = [r for r in run_tasks(tasks, engine, workers, client) if isinstance(r, ChunkBacktest)]
    result = _assemble_backtest(panel, chunks, (*chosen, AUTO), horizon, time.perf_counter() - started,
                                panel_seconds)
    return replace(result, decay=decay, growth=growth)


def _assemble_backtest(panel: Panel, chunks: list[ChunkBacktest], methods: tuple[str, ...], horizon: int,
                       seconds: float, panel_seconds: float = 0.0) -> BacktestResult:
    def cat(get: Any) -> NDArray[np.float64]:
        return np.concatenate([get(c) for c in chunks]) if chunks else np.empty((0, horizon))

    actual, scales, weights = cat(lambda c: c.actual), cat(lambda c: c.scales), cat(lambda c: c.weights)
    rows, scores = [], {}
    for alias in methods:
        fc = cat(lambda c, a=alias: c.forecasts[a])
        sc = score(fc, actual, scales, weights, cat(lambda c, a=alias: c.lo[a]), cat(lambda c, a=alias: c.hi[a]))
        scores[alias] = sc
        spent = sum(c.seconds.get(alias, 0.0) for c in chunks) + (panel_seconds if alias == AUTO else 0.0)
        rows.append({"method": alias, **sc.as_dict(), "seconds": spent})
    held = panel.last_dates(horizon)  # the real dates held out, not ones rebuilt from the last
    detail = pd.DataFrame({
        "unique_id": np.repeat(np.array(panel.ids, dtype=object), horizon),
        "ds": pd.to_datetime(held.reshape(-1)),
        "actual": actual.reshape(-1),
        **{alias: cat(lambda c, a=alias: c.forecasts[a]).reshape(-1) for alias in methods},
    })
    auto_methods = pd.DataFrame({"unique_id": list(panel.ids),
                                 "method": [m for c in chunks for m in c.methods_used]})
    return BacktestResult(pd.DataFrame(rows), detail, auto_methods, scores, horizon, panel.freq, seconds)


def lead_time_quantiles(result: ForecastResult, lead_time: float,
                        levels: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)) -> pd.DataFrame:
    """Distribution of total demand over a lead time, per series (for safety stock).

    Args:
        result: a ``forecast`` result.
        lead_time: periods (may be fractional: 1.5 = a period and a half); beyond the horizon the
            last forecast period is repeated.
        levels: probabilities for the quantiles.

    Returns:
        One row per series: ``unique_id, lead_time, mean, variance, lo, hi`` (the central
        ``settings.interval`` interval, smooth ends) and ``q50, q80 …`` — the smallest whole quantity
        not exceeded with that probability (a reorder point at that service level).
    """
    if lead_time <= 0:
        raise ForecastInputError("bad_lead_time", f"lead_time must be > 0, got {lead_time!r}",
                                 params={"lead_time": lead_time})
    h = result.horizon
    paths = result.forecasts["forecast"].to_numpy(dtype=np.float64).reshape(-1, h)
    steps = np.arange(int(np.ceil(lead_time)))
    weights = np.minimum(1.0, lead_time - steps)  # the last period may count in part
    phi = result.choices["dispersion"].to_numpy(dtype=np.float64)
    spread = lead_time_spread(phi, lead_time, result.settings.level_uncertainty)
    share = None
    if result.chances is None:
        mean = (paths[:, np.minimum(steps, h - 1)] * weights[None, :]).sum(axis=1)
    else:  # a mixture: nothing if the series has stopped (one fate for the whole lead time), else its demand
        chance = result.chances.matrix(max(h, steps.size))
        alive = alive_mean(paths, chance[:, :h])[:, np.minimum(steps, h - 1)] * weights[None, :]
        mean = (alive * chance[:, steps]).sum(axis=1)
        alive_total = alive.sum(axis=1)
        share = np.divide(mean, alive_total, out=np.ones_like(mean), where=alive_total > 0)
    tail = (1.0 - result.settings.interval) / 2.0

    def quantile(how: Any, p: float) -> NDArray[np.float64]:
        return how(mean, spread, p) if share is None else mixture_quantile(how, mean, spread, p, share)

    hi = np.maximum(quantile(smooth_quantile, 1.0 - tail), mean)  # as ``interval``: lo ≤ mean ≤ hi
    # the mixture's variance: the count's, plus what stopping or not adds
    variance = spread * mean if share is None else spread * mean + (1.0 - share) * mean * alive_total
    out = pd.DataFrame({
        "unique_id": result.choices["unique_id"].to_numpy(),
        "lead_time": float(lead_time),
        "mean": mean,
        "variance": variance,
        "lo": np.minimum(quantile(smooth_quantile, tail), mean),  # as ``interval``: lo ≤ mean ≤ hi
        "hi": hi,
    })
    for p in levels:
        out[f"q{round(p * 100):d}"] = quantile(integer_quantile, p)
    return out


def period_quantiles(result: ForecastResult, levels: tuple[float, ...] = (0.1, 0.5, 0.9),
                     whole_units: bool = False) -> pd.DataFrame:
    """Quantiles of demand in each forecast period (the distribution behind ``lo``/``hi``; ``hi`` is
    this distribution's upper quantile raised to the forecast where it falls below it).

    Args:
        result: a ``forecast`` result.
        levels: probabilities.
        whole_units: ``True`` for the smallest whole quantity reaching each probability (for
            stocking); ``False`` (default) for the smooth quantiles ``lo``/``hi`` are made of.

    Returns:
        ``unique_id, ds, forecast`` and one column ``q10``, ``q50`` … per level.
    """
    h = result.horizon
    mean = result.forecasts["forecast"].to_numpy(dtype=np.float64)
    phi = np.repeat(result.choices["dispersion"].to_numpy(dtype=np.float64), h)
    spread = phi * (1.0 + result.settings.level_uncertainty)
    how = integer_quantile if whole_units else smooth_quantile
    chance = None if result.chances is None else result.chances.matrix(h).reshape(-1)  # as in the interval
    out = result.forecasts[["unique_id", "ds", "forecast"]].copy()
    for p in levels:
        out[f"q{round(p * 100):d}"] = (how(mean, spread, p) if chance is None
                                       else mixture_quantile(how, mean, spread, p, chance))
    return out

