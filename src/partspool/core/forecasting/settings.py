"""Forecasting rules as data: one settings object with the defaults, editable by an admin."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BaselineSettings:
    """The source's rule: weighted moving average × seasonal factor × growth factor.

    Attributes:
        weights: weights of the last periods, most recent first (0.5, 0.3, 0.2 in the source).
        min_seasons: full seasons of history needed before a seasonal factor is used (else 1).
        seasonal_clip: bounds of a seasonal factor (a month with no demand would otherwise be 0).
        growth_clip: bounds of the yearly growth factor (last year's total / the year before).
    """

    weights: tuple[float, ...] = (0.5, 0.3, 0.2)
    min_seasons: int = 2
    seasonal_clip: tuple[float, float] = (0.5, 2.0)
    growth_clip: tuple[float, float] = (0.8, 1.25)


@dataclass(frozen=True)
class ForecastSettings:
    """How methods are run, back-tested, chosen and given intervals.

    Attributes:
        baseline: the baseline rule.
        origins: rolling origins of the back-test used by ``auto`` (each holds out ``horizon`` periods).
        min_train: the shortest history a back-test origin may fit on.
        window_size: periods averaged by ``WindowAverage``.
        tsb_alpha_d: TSB's smoothing of demand sizes.
        tsb_alpha_p: TSB's smoothing of demand probability.
        seasonal_min_seasons: full seasons needed before seasonal methods are tried.
        candidates: the methods ``auto`` may choose from (those whose history allows).
        combine_top: ``auto`` forecasts the median of this many best methods of the back-test (1: the
            winner alone). On the demo-like, the synthetic and the CDNOW sets the median of the top 5
            beat the single winner, whose lead is mostly noise over a few short windows.
        interval: the central coverage of ``lo``/``hi`` (0.8 = an 80% interval).
        short_series: ``error`` (default) or ``fallback``: what ``auto`` does with a series too short to
            back-test (``fallback`` uses ``fallback_method`` and says so in the explanation).
        fallback_method: the method for such series when ``short_series`` is ``fallback``.
        level_uncertainty: κ of the intervals (see ``intervals``).
        chunk_size: series per task handed to an engine worker.
    """

    baseline: BaselineSettings = field(default_factory=BaselineSettings)
    origins: int = 3
    min_train: int = 12
    window_size: int = 12
    tsb_alpha_d: float = 0.1
    tsb_alpha_p: float = 0.1
    seasonal_min_seasons: int = 2
    candidates: tuple[str, ...] = (
        "baseline", "CrostonClassic", "CrostonOptimized", "CrostonSBA", "TSB", "ADIDA", "IMAPA",
        "SESOpt", "WindowAverage", "HistoricAverage", "SeasonalGrowthAverage", "SeasonalNaive",
        "SeasonalWindowAverage",
    )
    combine_top: int = 5
    interval: float = 0.8
    short_series: str = "error"
    fallback_method: str = "HistoricAverage"
    level_uncertainty: float = 0.05
    chunk_size: int = 2000


DEFAULT_SETTINGS = ForecastSettings()
