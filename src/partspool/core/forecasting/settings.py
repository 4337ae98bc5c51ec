"""Forecasting rules as data: one settings object with the defaults, editable by an admin."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

MONTHS_PER_YEAR = 12


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
class SeasonalTrendSettings:
    """Our own estimates of level, growth and seasonality (``SeasonalTrend``, see ``seasonal.py``).

    Attributes:
        window: months behind the level (the same span in the data's periods, see
            ``ForecastSettings.for_periods``).
        shape_seasons: seasons of history (at most) the trend and the seasonal indices are fitted on.
        min_seasons: full seasons needed before seasonal indices are estimated (else all 1).
        trend_prior: standard deviation of the prior on the log growth per season (0.15: growth
            of ±16% a year is unremarkable); the measured growth is shrunk toward ``trend_mean`` as it
            is noisier.
        trend_mean: the prior's mean log growth per season (0: none). ``auto`` replaces both with the
            panel's own growth and spread (``ForecastSettings.growth_priors``).
        for_panel: the rules of a fit under the panel's prior (``auto`` sets it with ``trend_mean``):
            where the fitted span starts at the series' first demand, that opening period is left out
            (it holds a demand by construction: it says when the series began, not its rate; counted,
            it made slow movers look as if shrinking, −49% a year measured on the slowest tenth of the
            demo-like panel where every part grew 27%), and the growth's sampling variance uses the
            measured dispersion without its floor of 1 (the floor overstated the noise of every
            measurement, and so understated how much the true growths differ).
        season_groups: the panel's seasonal profiles, ``(share, indices)`` with the flat one first
            (``seasonal.season_groups``; ``auto`` sets them): a series' indices are shrunk toward the
            profiles as likely to have produced them, not toward flat. Empty: toward flat.
    """

    window: int = 24
    shape_seasons: int = 3
    min_seasons: int = 2
    trend_prior: float = 0.15
    trend_mean: float = 0.0
    for_panel: bool = False
    season_groups: tuple[tuple[float, tuple[float, ...]], ...] = ()
    growth_bounds: tuple[float, float] = (0.5, 2.0)
    seasonal_bounds: tuple[float, float] = (0.1, 5.0)
    iterations: int = 3


@dataclass(frozen=True)
class ForecastSettings:
    """How methods are run, back-tested, chosen and given intervals.

    Attributes:
        baseline: the baseline rule.
        seasonal_trend: the rules of ``SeasonalTrend``.
        origins: rolling origins of the back-test used by ``auto`` (each holds out ``horizon`` periods).
        origin_decay: weight of each older origin relative to the one after it in the back-test's MSE
            (1: all equal; 0.5: the latest origin counts as much as all the older ones together), so
            that a series whose behaviour has changed is judged mostly on its recent past.
        choose_decay: choose ``origin_decay`` for each run from ``decay_grid`` by how well each
            weighting would have combined at the latest back-test origin (``selection.choose_decay``),
            judged on ``decay_sample`` series spread evenly over the panel; ``origin_decay`` is used
            when this is off, when too few series can be judged, and on ties.
        min_train: the shortest history a back-test origin may fit on (periods).
        window_size: months averaged by ``WindowAverage`` (and behind ``SeasonalGrowthAverage``'s level).
        tsb_alpha_d: TSB's smoothing of demand sizes, per month.
        tsb_alpha_p: TSB's smoothing of demand probability, per month.

        seasonal_min_seasons: full seasons needed before seasonal methods are tried.
        candidates: the methods ``auto`` may choose from (those whose history allows). One of each
            family: near-duplicates (the Croston variants beside TSB, IMAPA beside ADIDA) would fill the
            top of the ranking with one idea and tilt the combination toward it; the seasonal-naive
            methods are rarely among the best on intermittent series. All stay available by name.
        combine_top: ``auto`` combines this many best methods of the back-test (1: the winner alone).
            Over a few short windows the winner's lead is mostly noise, so a combination beats it.
        combine: how the ``combine_top`` forecasts are combined: ``inverse_mse`` (default: a mean
            weighted by 1 / back-test MSE, so a method that clearly did better counts more),
            ``mean`` or ``median``.
        interval: the central coverage of ``lo``/``hi`` (0.8 = an 80% interval).
        short_series: ``error`` (default) or ``fallback``: what ``auto`` does with a series too short to
            back-test (``fallback`` uses ``fallback_method`` and says so in the explanation).
        fallback_method: the method for such series when ``short_series`` is ``fallback``.
        level_uncertainty: κ of the intervals (see ``intervals``).
        chunk_size: series per task handed to an engine worker.
        adjust: inside ``auto``, run the methods without a season of their own (TSB, ADIDA, SES, the
            averages, the Croston family) on demand adjusted for the series' season and growth as
            ``SeasonalTrend`` estimates them, and put their forecasts back on the series' scale
            (``seasonal.adjustment``); by name they stay as they are.
        pool_growth: inside ``auto``, shrink each series' growth toward the panel's rather than toward
            none: the parts of one network grow with the same vehicle parc, so a slow mover's growth,
            which its own counts barely show, is best read off the panel (empirical Bayes:
            ``seasonal.panel_growth``). ``SeasonalTrend`` by name keeps its own prior.
        pool_seasons: inside ``auto`` (with ``pool_growth``), shrink each series' seasonal indices toward
            the panel's seasonal profiles rather than toward flat (``seasonal.season_groups``): parts
            used in the same season share its shape. ``SeasonalTrend`` by name keeps flat.
        season_priors: set per run with ``growth_priors``: the panel's seasonal profiles for each cut.
        growth_priors: set per run by ``auto`` when ``pool_growth`` is on (callers leave it empty):
            the panel's prior on the log growth per season, ``(mean, standard deviation)``, for
            histories cut by 0, ``h``, ``2h`` … periods (the forecast, then each back-test origin).
            Empty, or past its end: each series' own prior (``seasonal_trend``).
        obsolescence: multiply ``auto``'s forecasts by the chance that each series still has demand
            (``obsolescence.py``: a model of which series stop for good, fitted on the whole panel; it
            leaves forecasts as they are where nothing in the panel stops). Named methods never are.
        periods_per_year: the periods the windows and smoothing constants are stated in (12: months,
            the defaults). ``for_periods`` rescales them to the data's periods and records it here, so
            settings already rescaled are not rescaled twice.

    Windows and smoothing constants mean the same span of calendar time whatever the data's periods:
    on weekly data ``WindowAverage`` averages 52 weeks and TSB smooths by 0.024 a week, not 12 weeks
    and 0.1 a week, which would forget a slow mover's demand four times faster. The back-test
    (``origins`` of ``horizon`` periods, ``min_train``) and the source's baseline (the last 3
    periods) stay in periods.
    """

    baseline: BaselineSettings = field(default_factory=BaselineSettings)
    seasonal_trend: SeasonalTrendSettings = field(default_factory=SeasonalTrendSettings)
    origins: int = 4
    origin_decay: float = 0.5
    choose_decay: bool = True
    decay_grid: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
    decay_sample: int = 2000
    min_train: int = 12
    window_size: int = 12
    tsb_alpha_d: float = 0.1
    tsb_alpha_p: float = 0.1
    seasonal_min_seasons: int = 2
    candidates: tuple[str, ...] = (
        "baseline", "TSB", "ADIDA", "SESOpt", "WindowAverage", "HistoricAverage", "SeasonalGrowthAverage",
        "SeasonalTrend",
    )
    combine_top: int = 5
    combine: str = "inverse_mse"
    interval: float = 0.8
    short_series: str = "error"
    fallback_method: str = "HistoricAverage"
    level_uncertainty: float = 0.05
    chunk_size: int = 2000
    adjust: bool = True
    pool_growth: bool = True
    pool_seasons: bool = True
    growth_priors: tuple[tuple[float, float], ...] = ()
    season_priors: tuple[tuple[tuple[float, tuple[float, ...]], ...], ...] = ()
    obsolescence: bool = True
    periods_per_year: int = MONTHS_PER_YEAR

    def __post_init__(self) -> None:
        if self.window_size < 1 or self.seasonal_trend.window < 1:
            raise ValueError("windows must be at least one period")
        if not (0 < self.tsb_alpha_d <= 1 and 0 < self.tsb_alpha_p <= 1):
            raise ValueError("TSB's smoothing constants must be in (0, 1]")
        if self.periods_per_year < 1:
            raise ValueError("periods_per_year must be at least 1")
        if not self.decay_grid or not all(0 < d <= 1 for d in self.decay_grid) or self.decay_sample < 1:
            raise ValueError("decay_grid must hold decays in (0, 1] and decay_sample must be at least 1")
        if self.seasonal_trend.trend_prior < 0 or any(sd < 0 for _mean, sd in self.growth_priors):
            raise ValueError("the growth prior's standard deviation must not be negative")
        for groups in (*self.season_priors, self.seasonal_trend.season_groups):
            if groups and (len({len(p) for _share, p in groups}) != 1 or any(share <= 0 for share, _p in groups)):
                raise ValueError("seasonal profiles must share one length and have positive shares")

    def for_periods(self, per_year: int) -> ForecastSettings:
        """These settings for data with ``per_year`` periods a year (unchanged if already so).

        A window of ``w`` periods becomes ``w × per_year / periods_per_year`` periods (at least 1)
        and a smoothing constant ``α`` per period becomes ``1 − (1 − α)^(periods_per_year / per_year)``,
        so that what a method remembers covers the same months at any frequency. Calling it again
        with the same ``per_year`` changes nothing.
        """
        if per_year == self.periods_per_year:
            return self
        factor = per_year / self.periods_per_year

        def span(months: int) -> int:
            return max(1, round(months * factor))

        def alpha(per_month: float) -> float:
            return float(1.0 - (1.0 - per_month) ** (1.0 / factor))

        return replace(self, window_size=span(self.window_size), tsb_alpha_d=alpha(self.tsb_alpha_d),
                       tsb_alpha_p=alpha(self.tsb_alpha_p),
                       seasonal_trend=replace(self.seasonal_trend, window=span(self.seasonal_trend.window)),
                       periods_per_year=per_year)


DEFAULT_SETTINGS = ForecastSettings()
