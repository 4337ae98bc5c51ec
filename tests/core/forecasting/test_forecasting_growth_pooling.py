"""The panel's growth inside ``auto``: each series' growth is shrunk toward the panel's, not toward none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from partspool.core.forecasting import backtest, forecast, selection
from partspool.core.forecasting.seasonal import (
    POOL_MIN_SERIES,
    _pool,
    adjustment,
    fit_seasonal_trend,
    forecast_from_fit,
    panel_growth,
    season_groups,
)
from partspool.core.forecasting.selection import auto_trend_rules, candidate_forecasts
from partspool.core.forecasting.settings import DEFAULT_SETTINGS, ForecastSettings

RULES = DEFAULT_SETTINGS.seasonal_trend
POOLED = replace(RULES, for_panel=True)
GROWTH = 12 * np.log(1.02)  # 2% a month, in log growth per year


def growing_panel(n: int, months: int = 36, seed: int = 3) -> np.ndarray:
    """``n`` Poisson series whose rates spread widely and all grow 2% a month."""
    rng = np.random.default_rng(seed)
    rate = np.exp(rng.normal(0.0, 1.0, n))
    t = np.arange(months)
    return rng.poisson(rate[:, None] * 1.02 ** (t - months + 1)).astype(np.float64)


def frame(values: np.ndarray, prefix: str = "S") -> pd.DataFrame:
    n, t = values.shape
    dates = pd.date_range("2023-01-01", periods=t, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat([f"{prefix}{i}" for i in range(n)], t),
                         "ds": np.tile(dates, n), "y": values.reshape(-1)})


def test_pooling_recovers_the_mean_and_the_spread_of_true_growths() -> None:
    rng = np.random.default_rng(0)
    true = rng.normal(0.2, 0.1, 3000)
    v = rng.uniform(0.05, 0.5, 3000) ** 2
    found = _pool(true + rng.normal(0.0, np.sqrt(v)), v)
    assert found.mean == pytest.approx(0.2, abs=0.015)
    assert found.sd == pytest.approx(0.1, abs=0.015)
    alike = _pool(0.2 + rng.normal(0.0, np.sqrt(v)), v)  # every series grows the same
    assert alike.sd < 0.03
    assert alike.mean == pytest.approx(0.2, abs=0.015)


def test_the_opening_demand_no_longer_makes_a_flat_slow_mover_look_shrinking() -> None:
    y = np.random.default_rng(1).poisson(0.3, (600, 36)).astype(np.float64)
    kept = [v for v in y if v.sum() > 0]
    counted = np.mean([fit_seasonal_trend(v, 11, 12, RULES).raw_growth * 12 for v in kept])
    discounted = np.mean([fit_seasonal_trend(v, 11, 12, POOLED).raw_growth * 12 for v in kept])
    assert counted < -0.1  # −15% a year measured on parts that do not change
    assert abs(discounted) < 0.08


def test_the_panel_growth_is_found_and_a_slow_mover_takes_it() -> None:
    values = growing_panel(800)
    priors = panel_growth(tuple(values), np.full(800, 11), 12, 3, 2, POOLED, 2000)
    assert len(priors) == 2 and priors[0] is not None
    assert priors[0].mean == pytest.approx(GROWTH, abs=0.05)
    assert "the panel's +2" in priors[0].describe() and "a year" in priors[0].describe()
    slow = np.random.default_rng(9).poisson(0.4 * 1.02 ** (np.arange(36) - 35)).astype(np.float64)
    own = fit_seasonal_trend(slow, 11, 12, RULES)
    pooled = fit_seasonal_trend(slow, 11, 12, replace(POOLED, trend_mean=priors[0].mean, trend_prior=priors[0].sd))
    assert np.log(pooled.growth) * 12 == pytest.approx(priors[0].mean, abs=0.03)
    assert abs(np.log(own.growth) * 12) < abs(np.log(pooled.growth) * 12)


def test_each_cut_reads_only_the_history_before_it() -> None:
    values = growing_panel(300)
    priors = panel_growth(tuple(values), np.full(300, 11), 12, 3, 3, POOLED, 2000)
    for c in (1, 2):
        cut = tuple(v[: v.size - 3 * c] for v in values)
        alone = panel_growth(cut, np.full(300, (11 - 3 * c) % 12), 12, 3, 1, POOLED, 2000)[0]
        assert priors[c] == alone


def test_too_few_series_pool_nothing() -> None:
    values = growing_panel(POOL_MIN_SERIES - 1)
    assert panel_growth(tuple(values), np.full(len(values), 11), 12, 3, 2, POOLED, 2000) == (None, None)
    result = forecast(frame(values), 3)
    assert result.growth is None
    assert auto_trend_rules(result.settings) == (result.settings.seasonal_trend, False)


def test_auto_pools_by_name_seasonal_trend_does_not() -> None:
    values = growing_panel(120)
    data = frame(values)
    pooled = forecast(data, 3)
    assert pooled.growth is not None and pooled.growth.mean == pytest.approx(GROWTH, abs=0.08)
    assert pooled.settings.growth_priors == ()  # the caller's settings are left as they were
    alone = forecast(data, 3, settings=replace(DEFAULT_SETTINGS, pool_growth=False))
    assert alone.growth is None
    assert not alone.choices["explanation"].str.contains("panel's", regex=False).any()
    with_trend = pooled.choices[pooled.choices["method"].str.contains("SeasonalTrend")]
    assert not with_trend.empty
    assert with_trend["explanation"].str.contains("growth was read against the panel's +2", regex=False).all()
    # in a back-test the named methods run with the run's settings, the panel's priors included: unchanged
    runs = [backtest(data, 3, methods=("SeasonalTrend",), settings=s).detail
            for s in (DEFAULT_SETTINGS, replace(DEFAULT_SETTINGS, pool_growth=False))]
    np.testing.assert_array_equal(runs[0]["SeasonalTrend"].to_numpy(), runs[1]["SeasonalTrend"].to_numpy())
    assert not np.allclose(runs[0]["auto"].to_numpy(), runs[1]["auto"].to_numpy())


def test_auto_fits_its_trend_candidate_under_the_panel_prior() -> None:
    y = growing_panel(1, seed=5)[0]
    settings = replace(DEFAULT_SETTINGS, growth_priors=((0.3, 0.0),))
    found, _ = candidate_forecasts(y, 3, 11, 12, settings, ("SeasonalTrend",))
    rules = replace(RULES, trend_mean=0.3, trend_prior=0.0, for_panel=True)
    expected = forecast_from_fit(fit_seasonal_trend(y, 11, 12, rules), 3, 11, 12)
    np.testing.assert_allclose(found["SeasonalTrend"], expected)
    assert fit_seasonal_trend(y, 11, 12, rules).growth == pytest.approx(np.exp(0.3 / 12))
    plain = forecast_from_fit(fit_seasonal_trend(y, 11, 12, RULES), 3, 11, 12)
    assert not np.allclose(found["SeasonalTrend"], plain)


def test_each_backtest_origin_fits_with_the_prior_of_its_own_cut(monkeypatch) -> None:
    seen: list[tuple[int, float]] = []

    def spy(y, last_cycle, m, rules):
        seen.append((y.size, rules.trend_mean))
        assert rules.season_groups == ((1.0, (1.0 + rules.trend_mean / 100,) * 12),)  # the same cut's profiles
        return fit_seasonal_trend(y, last_cycle, m, rules)

    monkeypatch.setattr(selection, "fit_seasonal_trend", spy)
    y = growing_panel(1, seed=6)[0]
    cuts = DEFAULT_SETTINGS.origins + 2
    settings = replace(DEFAULT_SETTINGS, growth_priors=tuple((float(c), 0.1) for c in range(cuts)),
                       season_priors=tuple(((1.0, (1.0 + c / 100,) * 12),) for c in range(cuts)))
    selection.auto_series(y, 3, 11, 12, settings)
    selection.choose_decay([y] * 40, np.full(40, 11), 3, 12, settings)
    assert {size for size, _ in seen} == {36 - 3 * c for c in range(cuts)}
    for size, mean in seen:  # the prior measured on histories cut as this one was
        assert mean == (36 - size) / 3


def test_a_part_that_sold_once_keeps_its_level() -> None:
    rules = replace(POOLED, trend_mean=0.2, trend_prior=0.0)
    for opening in (1.0, 0.3):  # one unit, or a fraction of one (the panel takes any y ≥ 0)
        y = np.zeros(30)
        y[20] = opening
        fit = fit_seasonal_trend(y, 11, 12, rules)
        assert fit.level > 0 and np.isfinite(fit.level)
        assert fit.growth == pytest.approx(np.exp(0.2 / 12))
        found, _ = candidate_forecasts(y, 3, 11, 12, replace(DEFAULT_SETTINGS, growth_priors=((0.2, 0.0),)),
                                       ("SeasonalTrend",))
        assert (found["SeasonalTrend"] > 0).all()


def test_a_backtest_pools_on_the_training_part_only() -> None:
    values = growing_panel(100)
    result = backtest(frame(values), 3, methods=("SeasonalTrend",))
    training = tuple(v[:-3] for v in values)
    expected = panel_growth(training, np.full(100, 8), 12, 3, 1, POOLED, DEFAULT_SETTINGS.decay_sample)[0]
    assert result.growth is not None and expected is not None
    assert (result.growth.mean, result.growth.sd) == pytest.approx((expected.mean, expected.sd), abs=1e-12)
    assert result.growth.series == expected.series


def test_a_negative_spread_is_refused() -> None:
    with pytest.raises(ValueError, match="standard deviation"):
        ForecastSettings(growth_priors=((0.1, -0.2),))
    with pytest.raises(ValueError, match="standard deviation"):
        ForecastSettings(seasonal_trend=replace(RULES, trend_prior=-1.0))


SUMMER = np.array([0.6, 0.6, 0.7, 0.85, 1.15, 1.9, 2.3, 2.1, 1.3, 0.9, 0.7, 0.6])
WINTER = np.array([2.1, 1.8, 1.2, 0.8, 0.6, 0.5, 0.5, 0.5, 0.6, 0.9, 1.5, 2.0])


def seasonal_panel(n: int, seed: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Poisson series, January first, 36 months: 60% flat, 20% used in summer, 20% in winter."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, size=n, p=(0.6, 0.2, 0.2))
    shapes = np.vstack([np.ones(12), SUMMER, WINTER])[kind][:, np.arange(36) % 12]
    return rng.poisson(np.exp(rng.normal(0.5, 1.0, n))[:, None] * shapes).astype(np.float64), kind


def test_the_panel_seasonal_profiles_are_found() -> None:
    values, _kind = seasonal_panel(1500)
    prior = panel_growth(tuple(values), np.full(1500, 11), 12, 3, 1, POOLED, 2000)[0]
    assert prior is not None and prior.profiles >= 2
    share, flat = prior.groups[0]
    assert flat == (1.0,) * 12 and share == pytest.approx(0.6, abs=0.15)
    profiles = np.array([p for _s, p in prior.groups])
    for truth in (SUMMER, WINTER):  # found (indices average 1), perhaps split in a few alike
        assert np.abs(profiles - truth / truth.mean()).mean(axis=1).min() < 0.1
    assert "seasonal profile(s) found in the panel" in prior.describe()
    off = panel_growth(tuple(values), np.full(1500, 11), 12, 3, 1, POOLED, 2000, seasons=False)[0]
    assert off is not None and off.groups == () and off.profiles == 0


def test_a_slow_mover_takes_the_season_its_months_resemble() -> None:
    values, _kind = seasonal_panel(1500)
    groups = panel_growth(tuple(values), np.full(1500, 11), 12, 3, 1, POOLED, 2000)[0].groups
    slow = np.random.default_rng(21).poisson(0.6 * SUMMER[np.arange(36) % 12]).astype(np.float64)
    own = fit_seasonal_trend(slow, 11, 12, RULES).seasonal
    pooled = fit_seasonal_trend(slow, 11, 12, replace(POOLED, season_groups=groups)).seasonal
    assert np.abs(pooled - SUMMER).sum() < np.abs(own - SUMMER).sum()
    assert pooled[6] > 1.4 and pooled[0] < 0.9  # July high, January low
    # the other candidates are adjusted with that season, though the part's own months fail the test
    slower = np.random.default_rng(23).poisson(0.3 * SUMMER[np.arange(36) % 12]).astype(np.float64)
    adjusted = adjustment(slower, 3, 11, 12, replace(POOLED, season_groups=groups))
    plain = adjustment(slower, 3, 11, 12, POOLED)
    assert adjusted is not None and plain is not None
    assert (plain.history == 1.0).all()  # its own season does not pass the test
    assert np.abs(adjusted.history[:12] - SUMMER).sum() < np.abs(plain.history[:12] - SUMMER).sum()
    assert adjusted.history[6] > adjusted.history[0]


def test_a_flat_panel_keeps_flat_series_flat() -> None:
    """About 4% of flat series pass the season test by chance, and profiles are found among them; a
    series is adjusted for one only where it more likely follows it than the flat profile."""
    values = np.random.default_rng(30).poisson(0.5, (1500, 36)).astype(np.float64)
    groups = panel_growth(tuple(values), np.full(1500, 11), 12, 3, 1, POOLED, 2000)[0].groups
    seasonal = [adjustment(v, 3, 11, 12, replace(POOLED, season_groups=groups)) for v in values[:400]]
    alone = [adjustment(v, 3, 11, 12, POOLED) for v in values[:400]]

    def moved(found: list) -> float:  # share of series adjusted for a season by more than 10% somewhere
        return float(np.mean([a is not None and np.abs(a.history - 1.0).max() > 0.1 for a in found]))

    assert moved(seasonal) <= moved(alone) + 0.03


def test_identical_histories_do_not_break_the_profiles() -> None:
    y = np.random.default_rng(31).poisson(4.0 * SUMMER[np.arange(36) % 12]).astype(np.float64)
    prior = panel_growth(tuple([y] * 40 + [y * 2] * 40), np.full(80, 11), 12, 3, 1, POOLED, 2000)[0]
    assert prior is not None and 1 <= prior.profiles <= 2
    flat_rows = np.ones((40, 12))
    assert season_groups(flat_rows, np.full((40, 12), 0.1), np.ones(40, dtype=bool)) == ()


def test_the_explanation_names_the_profiles_only_where_a_season_was_fitted() -> None:
    profiles = ((0.7, (1.0,) * 12), (0.3, tuple(float(v) for v in SUMMER / SUMMER.mean())))
    settings = replace(DEFAULT_SETTINGS, growth_priors=((0.2, 0.05),) * 6, season_priors=(profiles,) * 6)
    rng = np.random.default_rng(40)
    long_summer = rng.poisson(6.0 * SUMMER[np.arange(36) % 12]).astype(np.float64)
    _forecast, choice = selection.auto_series(long_summer, 3, 11, 12, settings)
    assert "seasonal profile(s) found in the panel" in choice.explanation
    short = rng.poisson(6.0, 20).astype(np.float64)  # under two seasons: no season is fitted at all
    _forecast, choice = selection.auto_series(short, 3, 7, 12, settings)
    assert "seasonal profile" not in choice.explanation
