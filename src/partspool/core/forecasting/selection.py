"""``auto``: choose per series by a rolling-origin back-test on the series' own history.

For a history of ``n`` periods and horizon ``H``: origins ``k = 1 … K`` (``K`` = ``origins``, fewer
when the history is short) each fit every candidate method on the first ``n − k·H`` periods and
forecast the ``H`` periods after them, which the history holds. Methods are ranked by RMSSE over
those ``K·H`` forecasts (the scale is the series' own, so within a series this is the ranking by
squared error), each origin weighted ``origin_decay^(k−1)`` so that recent behaviour counts most
(a run chooses the decay from its own history: ``choose_decay``). The candidates without a season of
their own run on seasonally adjusted demand (``candidate_forecasts``). The forecast combines the
``combine_top`` best methods refitted on the whole history (one method when ``combine_top`` is 1):
by default a mean weighted by 1 / back-test MSE (see ``settings.combine``). Nothing after the history
is ever looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy import stats  # type: ignore[import-untyped]

from partspool.core.forecasting.methods import min_length, run_methods
from partspool.core.forecasting.metrics import naive_scale
from partspool.core.forecasting.seasonal import (
    ADJUSTED,
    Adjustment,
    TrendFit,
    adjustment,
    fit_seasonal_trend,
    forecast_from_fit,
)
from partspool.core.forecasting.settings import ForecastSettings, SeasonalTrendSettings


@dataclass(frozen=True)
class Choice:
    """Why a series got its forecast.

    Attributes:
        method: what was used: a method, or for a combination ``Weighted[a|b|…]`` (mean weighted by
            1 / back-test MSE, ``settings.combine = "inverse_mse"``), ``Mean[a|b|…]`` or ``Median[a|b|…]``.
        members: the methods combined (one for a single method).
        winner: the best single method of the back-test; ``runner_up`` the second.
        winner_rmsse: its back-test RMSSE (NaN when the history has no scale); ``runner_up_rmsse`` too.
        margin: how much worse the runner-up was, as a fraction (0.05 = 5% higher RMSSE).
        rmsse: the back-test RMSSE of what was used; ``bias`` its mean error per period; ``accuracy``
            its 1 − WAPE (NaN without demand in the held-out periods).
        origins: back-test origins used (0: no back-test, see ``explanation``).
        scores: every candidate's back-test RMSSE, best first (as every RMSSE here, over the
            origins weighted by ``settings.origin_decay``).
        explanation: the same in one sentence.
        weights: the weight of each member in the combination (equal for ``mean``/``median``; empty
            when nothing was back-tested).
        alive: the chance that the series still has demand in the first forecast period, which
            multiplied the forecast (``obsolescence.py``; 1 when not applied).
        adjusted: whether the methods without a season of their own forecast demand adjusted for the
            series' season and growth (``seasonal.adjustment``) by more than a trifle.
    """

    method: str
    members: tuple[str, ...]
    winner: str
    winner_rmsse: float
    runner_up: str | None
    runner_up_rmsse: float
    margin: float
    rmsse: float
    bias: float
    accuracy: float
    origins: int
    scores: tuple[tuple[str, float], ...]
    explanation: str
    weights: tuple[float, ...] = ()
    alive: float = 1.0
    adjusted: bool = False


COMBINATIONS = {"inverse_mse": "Weighted", "mean": "Mean", "median": "Median"}  # settings.combine → label


def origins_for(n: int, h: int, settings: ForecastSettings) -> int:
    """Back-test origins a history of ``n`` periods allows (0: too short for ``auto``)."""
    return max(0, min(settings.origins, (n - settings.min_train) // h))


def auto_min_length(h: int, settings: ForecastSettings) -> int:
    """The shortest history ``auto`` can back-test: one origin with ``min_train`` periods before it."""
    return settings.min_train + h


def _fmt(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.3f}"


def auto_series(y: NDArray[np.float64], h: int, last_cycle: int, m: int,
                settings: ForecastSettings) -> tuple[NDArray[np.float64], Choice]:
    """Back-test the candidates on ``y``, choose, and forecast ``h`` periods.

    Returns the forecasts (≥ 0) and the ``Choice``. Raises ``ValueError`` when the history is too
    short for one back-test origin (see ``auto_min_length``).
    """
    if settings.combine not in COMBINATIONS:
        raise ValueError(f"unknown combination {settings.combine!r}; valid: {', '.join(COMBINATIONS)}")
    n = y.size
    k_max = origins_for(n, h, settings)
    if k_max < 1:
        raise ValueError(f"auto needs at least {auto_min_length(h, settings)} periods, the series has {n}")
    candidates, backtest, actual = backtest_matrix(y, h, last_cycle, m, settings, k_max)
    mse = _origin_mse(backtest, actual, settings.origin_decay, h)
    order = _best_first(mse, np.flatnonzero(np.isfinite(mse)))
    ranked = [candidates[i] for i in order]
    scale = naive_scale(y)
    top = max(settings.combine_top, 1)
    final, adjust = candidate_forecasts(y, h, last_cycle, m, settings, tuple(ranked[: top + 2]))
    members = tuple(a for a in ranked if a in final)[:top]
    if not members:  # every method failed: the history's mean is the last resort
        return np.full(h, float(y.mean())), _fallback_choice("HistoricAverage", "every method failed")
    rows = [candidates.index(a) for a in members]
    weights = combination_weights(mse[rows], settings.combine)
    if len(members) == 1:
        forecast, used, bt = final[members[0]], members[0], backtest[rows[0]]
    else:
        stacked = np.stack([final[a] for a in members])
        label = COMBINATIONS[settings.combine]
        used = label + "[" + "|".join(members) + "]"
        forecast, bt = _mix(stacked, weights, settings.combine), _mix(backtest[rows], weights, settings.combine)
    to_rmsse = (1.0 / scale) if np.isfinite(scale) else float("nan")
    scores = tuple((candidates[i], float(np.sqrt(mse[i] * to_rmsse))) for i in order)
    winner = members[0]
    runner = ranked[1] if len(ranked) > 1 else None
    mse_w = float(mse[candidates.index(winner)])
    mse_r = float(mse[candidates.index(runner)]) if runner else float("nan")
    margin = float(np.sqrt(mse_r / mse_w) - 1.0) if runner and mse_w > 0 else 0.0
    err = bt - actual
    total = float(actual.sum())
    accuracy = 1.0 - float(np.abs(err).sum()) / total if total > 0 else float("nan")
    used_rmsse = float(np.sqrt(float(_origin_mse(bt[None, :], actual, settings.origin_decay, h)[0]) * to_rmsse))
    bias = float(err.mean())
    adjusted = adjust is not None and adjust.notable and any(a in ADJUSTED for a in members)
    choice = Choice(
        method=used, members=members, winner=winner, winner_rmsse=scores[0][1],
        runner_up=runner, runner_up_rmsse=scores[1][1] if runner else float("nan"), margin=margin,
        rmsse=used_rmsse, bias=bias, accuracy=accuracy, origins=k_max, scores=scores,
        explanation=_explain(used, members, scores, runner, margin, k_max, h, used_rmsse, bias, accuracy,
                             len(candidates), settings.combine, weights, settings.origin_decay)
        + (f"; the methods without a season of their own forecast demand adjusted for this series' season "
           f"and growth ({adjust.describe()})" if adjusted and adjust is not None else "")
        + _pooled_note(settings, m, members, adjust if adjusted else None, adjust.fit if adjust is not None else None),
        weights=tuple(float(w) for w in weights), adjusted=adjusted,
    )
    return np.maximum(forecast, 0.0), choice


def _pooled_note(settings: ForecastSettings, m: int, members: tuple[str, ...], adjust: Adjustment | None,
                 fit: TrendFit | None) -> str:
    """The explanation's words on the panel's growth, where it shaped a forecast used."""
    rules, pooled = auto_trend_rules(settings)
    if not pooled:
        return ""
    trend = "SeasonalTrend" in members
    out = ""
    if trend or (adjust is not None and adjust.fit.growth != 1.0):
        per = "a year" if m > 1 and m == settings.periods_per_year else f"per {m if m > 1 else 12} periods"
        mean, sd = settings.growth_priors[0]
        out += (f"; its trend's growth was read against the panel's {100 * np.expm1(mean):+.1f}% {per} (the series' "
                f"growths spread ±{sd:.2f} around it): the fewer this series' own demands, the closer to the panel's")
    seasonal_fit = fit is not None and fit.seasonal_variance is not None and bool(np.isfinite(fit.seasonal_variance).all())
    if fit is not None and seasonal_fit and len(rules.season_groups) > 1 and (
            trend or (adjust is not None and bool((adjust.fit.seasonal != 1.0).any()))):
        out += (f"; its season was read against the {len(rules.season_groups) - 1} seasonal profile(s) found in the "
                f"panel and a flat one ({fit.profile_mass:.0%} likely one of the seasonal ones): the fewer its own "
                f"demands, the closer its season to theirs")
    return out


def backtest_matrix(y: NDArray[np.float64], h: int, last_cycle: int, m: int, settings: ForecastSettings,
                    k_max: int) -> tuple[tuple[str, ...], NDArray[np.float64], NDArray[np.float64]]:
    """The candidates that every origin allows, their back-test forecasts (candidates × ``k_max · h``,
    origin 1 — the latest — first; NaN where a method failed) and the actual demand they forecast."""
    n, season = y.size, max(m, 1)
    shortest = n - k_max * h
    candidates = tuple(a for a in settings.candidates if min_length(a, m, settings) <= shortest)
    backtest = np.full((len(candidates), k_max * h), np.nan)
    actual = np.empty(k_max * h)
    for k in range(1, k_max + 1):
        cut = n - k * h
        window = slice((k - 1) * h, k * h)
        actual[window] = y[cut:cut + h]
        found, _ = candidate_forecasts(y[:cut], h, (last_cycle - k * h) % season, m, settings, candidates, k)
        for row, alias in enumerate(candidates):
            if alias in found:
                backtest[row, window] = found[alias]
    return candidates, backtest, actual


@dataclass(frozen=True)
class DecayChoice:
    """The weighting of the back-test's origins used for a run (``choose_decay``).

    Attributes:
        decay: the ``origin_decay`` used.
        setting: the setting's own ``origin_decay``.
        best: the decay that scored best (``decay`` is the setting's when ``best`` did not beat it
            beyond chance).
        z: the paired test's z of ``best`` against the setting (0 when they are the same).
        scores: per decay tried, the volume-weighted RMSSE of the combination it would have made at
            the latest back-test origin (lower is better).
        series: series of the sample that could be judged; ``effective``: as many equally weighted
            series as their volume weights are worth, ``(Σw)² / Σw²``.
    """

    decay: float
    setting: float
    best: float
    z: float
    scores: tuple[tuple[float, float], ...]
    series: int
    effective: float

    @property
    def switched(self) -> bool:
        return self.decay != self.setting

    def describe(self) -> str:
        listed = ", ".join(f"{d:g}: {v:.4f}" for d, v in self.scores)
        head = f"back-test origins weighted × {self.decay:g} per step back"
        if self.switched:
            why = (f"chosen over the setting's {self.setting:g} (z = {self.z:.1f}, beyond chance at "
                   f"{DECAY_LEVEL:.0%} over {len(self.scores) - 1} alternatives)")
        elif self.best != self.setting:
            why = f"the setting's: {self.best:g} scored lower, but not beyond chance (z = {self.z:.1f})"
        else:
            why = "the setting's, which scored best"
        return (f"{head}, {why}; volume-weighted RMSSE of each weighting at the latest origin on {self.series} series "
                f"(worth {self.effective:.0f} equal ones): {listed}")


DECAY_MIN_SERIES = 30  # series (by their effective count) judged before a run's decay is chosen from its data
DECAY_LEVEL = 0.05  # a decay other than the setting's must beat it at this level, over all the alternatives


def choose_decay(histories: Sequence[NDArray[np.float64]], last_cycles: NDArray[np.int64], h: int, m: int,
                 settings: ForecastSettings) -> DecayChoice | None:
    """Which weighting of the back-test's origins suits this panel (``settings.decay_grid``)?

    Whether a series' recent behaviour says more than its older behaviour differs between panels:
    parts whose demand stops or shifts are best judged on the latest origin, steady seasonal parts
    on all of them. On a fixed, evenly spread sample of the series (``settings.decay_sample``),
    ``auto`` is replayed as it would have run on each history without its last ``h`` periods (the
    same origins and candidates), once per decay, and its combination scored on those ``h``
    periods. The decay whose combinations have the lowest RMSSE weighted by each series' demand
    over the season before wins, provided it beats the setting's own ``origin_decay`` beyond chance:
    a paired, volume-weighted test over the series, one-sided at ``DECAY_LEVEL`` divided among the
    alternatives (Bonferroni), with the small-sample correction of weighted means. Only the history
    is read. ``None`` when the judged series are worth fewer than ``DECAY_MIN_SERIES`` equally
    weighted ones (many parts have no recent demand and weigh nothing).
    """
    count = len(histories)
    picks = np.unique(np.linspace(0, count - 1, min(count, settings.decay_sample)).round().astype(np.int64))
    season = max(m, 1)
    grid = tuple(dict.fromkeys((settings.origin_decay, *settings.decay_grid)))  # the setting is always scored
    errors: list[list[float]] = []  # per series judged: the RMSSE of each decay's combination
    volumes: list[float] = []
    for i in picks:
        y = histories[int(i)]
        k_val = origins_for(y.size - h, h, settings)
        if k_val < 1:
            continue
        k_val += 1  # auto's origins on y[:-h], and the latest origin to judge them on
        candidates, backtest, actual = backtest_matrix(y, h, int(last_cycles[int(i)]), m, settings, k_val)
        cut = y.size - h
        scale = naive_scale(y[:cut])
        if not np.isfinite(scale) or scale <= 0:
            continue
        latest, rest, rest_actual = backtest[:, :h], backtest[:, h:], actual[h:]
        row = []
        for d in grid:
            mse = _origin_mse(rest, rest_actual, d, h)
            usable = np.flatnonzero(np.isfinite(mse) & np.isfinite(latest).all(axis=1))
            if usable.size == 0:
                row.append(np.nan)
                continue
            order = _best_first(mse, usable)[: max(settings.combine_top, 1)]
            combined = _mix(latest[order], combination_weights(mse[order], settings.combine), settings.combine)
            row.append(float(np.sqrt(np.mean((np.maximum(combined, 0.0) - actual[:h]) ** 2) / scale)))
        if np.isfinite(row).all():
            errors.append(row)
            volumes.append(float(y[max(0, cut - (season if season > 1 else 12)):cut].sum()))
    weights = np.asarray(volumes)
    total = float(weights.sum())
    if total <= 0:
        return None
    effective = total**2 / float(weights @ weights)
    if effective < DECAY_MIN_SERIES:
        return None
    table = np.asarray(errors)
    score = weights @ table / total
    scores = tuple((d, float(v)) for d, v in sorted(zip(grid, score, strict=True)))
    best = int(np.argmin(score))
    if best == 0:
        return DecayChoice(grid[0], grid[0], grid[0], 0.0, scores, len(errors), effective)
    # paired differences, volume-weighted; the variance of a weighted mean with its small-sample correction
    share = weights / total
    gain = table[:, 0] - table[:, best]
    mean = float(share @ gain)
    variance = float(share**2 @ (gain - mean) ** 2) / max(1.0 - float(share @ share), 1e-12)
    z = mean / np.sqrt(variance) if variance > 0 else 0.0
    critical = float(stats.norm.ppf(1.0 - DECAY_LEVEL / (len(grid) - 1)))
    decay = grid[best] if z > critical else grid[0]
    return DecayChoice(decay, grid[0], grid[best], float(z), scores, len(errors), effective)


def auto_trend_rules(settings: ForecastSettings, cut: int = 0) -> tuple[SeasonalTrendSettings, bool]:
    """The ``SeasonalTrend`` rules ``auto`` fits with on a history cut by ``cut`` horizons, and whether
    their growth prior is the panel's (``settings.growth_priors``)."""
    if cut >= len(settings.growth_priors):
        return settings.seasonal_trend, False
    mean, sd = settings.growth_priors[cut]
    groups = settings.season_priors[cut] if cut < len(settings.season_priors) else ()
    return replace(settings.seasonal_trend, trend_mean=mean, trend_prior=sd, for_panel=True,
                   season_groups=groups), True


def candidate_forecasts(y: NDArray[np.float64], h: int, last_cycle: int, m: int, settings: ForecastSettings,
                        aliases: tuple[str, ...], cut: int = 0) -> tuple[dict[str, NDArray[np.float64]],
                                                                         Adjustment | None]:
    """``run_methods`` as ``auto`` runs its candidates: with ``settings.adjust``, those without a season
    of their own (``seasonal.ADJUSTED``) forecast ``y`` adjusted for its season and growth, and their
    forecasts are put back on the series' scale. Returns the forecasts and the adjustment used.

    ``SeasonalTrend`` is fitted once for both its own forecast and the adjustment, with the panel's
    growth prior for a history cut by ``cut`` horizons where the run has one (``auto_trend_rules``).
    """
    rules, pooled = auto_trend_rules(settings, cut)
    rest = tuple(a for a in aliases if settings.adjust and a in ADJUSTED)
    trend = "SeasonalTrend" in aliases and min_length("SeasonalTrend", m, settings) <= y.size
    shared = trend and (bool(rest) or pooled)
    plain = tuple(a for a in aliases if a not in rest and not (shared and a == "SeasonalTrend"))
    out = run_methods(y, h, last_cycle, m, settings, plain)
    if not rest and not shared:
        return out, None
    fit = fit_seasonal_trend(y, last_cycle, m, rules)
    if shared:
        out["SeasonalTrend"] = forecast_from_fit(fit, h, last_cycle, m)
    if not rest:
        return {a: out[a] for a in aliases if a in out}, None
    yearly = m <= 1 or m == settings.periods_per_year  # a season of a year (not daily data's week)
    adjust = adjustment(y, h, last_cycle, m, rules, fit, growth_allowed=yearly)
    if adjust is None:
        out.update(run_methods(y, h, last_cycle, m, settings, rest))
        return out, None
    for alias, values in run_methods(y / adjust.history, h, last_cycle, m, settings, rest).items():
        out[alias] = np.maximum(values * adjust.future, 0.0)
    return {a: out[a] for a in aliases if a in out}, adjust


def _origin_mse(backtest: NDArray[np.float64], actual: NDArray[np.float64], decay: float,
                h: int) -> NDArray[np.float64]:
    """Each candidate's back-test MSE, origin k (1 = the latest, first) weighing decay^(k−1); NaN where
    a method missed an origin."""
    weights_t = np.repeat(decay ** np.arange(actual.size // h, dtype=np.float64), h)
    out: NDArray[np.float64] = ((backtest - actual) ** 2) @ (weights_t / weights_t.sum())
    return out


def _best_first(mse: NDArray[np.float64], usable: NDArray[np.int64]) -> NDArray[np.int64]:
    """The usable candidates' rows, lowest MSE first; ties keep the candidates' order."""
    out: NDArray[np.int64] = usable[np.lexsort((usable, mse[usable]))]
    return out


def _mix(rows: NDArray[np.float64], weights: NDArray[np.float64], how: str) -> NDArray[np.float64]:
    """The combination of forecasts (one per row) as ``settings.combine`` says."""
    out: NDArray[np.float64] = np.median(rows, axis=0) if how == "median" else weights @ rows
    return out


def combination_weights(mse: NDArray[np.float64], how: str) -> NDArray[np.float64]:
    """Weights of the combined methods from their back-test MSEs (best first).

    ``inverse_mse``: proportional to 1 / MSE (a method with a perfect back-test takes it all);
    ``mean`` and ``median``: equal (for ``median`` they only describe the members).
    """
    k = mse.size
    if how != "inverse_mse" or k == 1:
        return np.full(k, 1.0 / k)
    # a perfect back-test (MSE 0, e.g. zeros forecast for zeros) shares the weight with its equals only
    inverse = 1.0 / mse if (mse > 0).all() else (mse <= 0).astype(np.float64)
    out: NDArray[np.float64] = inverse / inverse.sum()
    return out


def _explain(used: str, members: tuple[str, ...], scores: tuple[tuple[str, float], ...], runner: str | None,
             margin: float, origins: int, h: int, rmsse: float, bias: float, accuracy: float,
             tried: int, how: str, weights: NDArray[np.float64], decay: float) -> str:
    score_of = dict(scores)
    if how == "inverse_mse" and len(members) > 1:
        listed = ", ".join(f"{a} {_fmt(score_of[a])} (weight {w:.0%})" for a, w in zip(members, weights, strict=True))
    else:
        listed = ", ".join(f"{a} {_fmt(score_of[a])}" for a in members)
    kind = {"median": "median", "mean": "mean"}.get(how, "mean weighted by 1 / back-test MSE")
    head = (f"{kind} of the {len(members)} best of {tried} methods" if len(members) > 1
            else f"{used}, the best of {tried} methods")
    if runner and scores[0][1] == 0 and score_of.get(runner, 0) > 0:  # no relative margin over no error
        behind = f"; runner-up {runner} ({_fmt(score_of[runner])}), behind the best single method {scores[0][0]}, " \
                 "which made no error"
    else:
        behind = f"; runner-up {runner}, {margin:.0%} behind the best single method {scores[0][0]}" if runner else ""
    acc = "n/a" if not np.isfinite(accuracy) else f"{accuracy:.0%}"
    recency = f", each older origin weighted × {decay:g}" if decay != 1 and origins > 1 else ""
    return (f"{head} in a back-test over {origins} origin(s) × {h} period(s){recency} (RMSSE: {listed}){behind}; "
            f"back-test of the forecast used: RMSSE {_fmt(rmsse)}, bias {bias:+.2f} per period, accuracy {acc}")


def _fallback_choice(method: str, why: str) -> Choice:
    nan = float("nan")
    return Choice(method=method, members=(method,), winner=method, winner_rmsse=nan, runner_up=None,
                  runner_up_rmsse=nan, margin=0.0, rmsse=nan, bias=nan, accuracy=nan, origins=0, scores=(),
                  explanation=f"{method}: {why}, so nothing was back-tested")


def fixed_choice(method: str) -> Choice:
    """The ``Choice`` of a series forecast with a method named by the caller."""
    return _fallback_choice(method, "named by the caller")


def fallback_choice(method: str, n: int, needed: int) -> Choice:
    """The ``Choice`` of a series too short to back-test (``short_series = "fallback"``)."""
    return _fallback_choice(method, f"the history has {n} periods and a back-test needs {needed}")
