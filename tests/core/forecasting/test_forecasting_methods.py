"""The methods: the source's baseline checked by hand, and statsforecast's models giving their own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.forecasting import BaselineSettings, ForecastInputError, backtest, forecast
from partspool.core.forecasting.baseline import baseline, baseline_parts, seasonal_growth_average
from partspool.core.forecasting.methods import METHODS, run_methods
from partspool.core.forecasting.settings import DEFAULT_SETTINGS

RULES = BaselineSettings()
YEAR_1 = [2, 2, 2, 2, 2, 4, 4, 4, 2, 2, 2, 2]  # January first; summer peak June–August
YEAR_2 = [3, 3, 3, 3, 3, 5, 5, 5, 3, 3, 3, 3]


def test_baseline_by_hand_with_two_seasons_of_history():
    y = np.array(YEAR_1 + YEAR_2, dtype=float)
    # overall mean 72 / 24 = 3; ordinary months average 2.5 → factor 2.5 / 3, summer 4.5 / 3 = 1.5
    ordinary, summer = 2.5 / 3, 1.5
    # level: the last three months (Oct, Nov, Dec = 3 each), deseasonalised, weighted 0.5 / 0.3 / 0.2
    level = 0.5 * 3 / ordinary + 0.3 * 3 / ordinary + 0.2 * 3 / ordinary
    assert level == pytest.approx(3.6)
    # growth: 42 / 30 = 1.4 per year, clipped to 1.25; centre of the average 0.7 months back
    growth = 1.25
    expected = [level * ordinary * growth ** ((h + 0.7) / 12) for h in (1, 2, 3, 4, 5, 6)]
    expected[5] = level * summer * growth ** ((6 + 0.7) / 12)  # June
    parts = baseline_parts(y, 6, last_cycle=11, m=12, rules=RULES)
    assert parts.level == pytest.approx(level)
    assert parts.growth == pytest.approx(growth)
    assert parts.seasonal == pytest.approx((ordinary,) * 5 + (summer,))
    assert np.allclose(parts.forecast, expected)


def test_baseline_without_two_seasons_is_the_plain_weighted_average():
    y = np.array([0, 4, 0, 1, 2, 6], dtype=float)
    assert np.allclose(baseline(y, 3, last_cycle=5, m=12, rules=RULES), [0.5 * 6 + 0.3 * 2 + 0.2 * 1] * 3)


def test_baseline_with_two_periods_rescales_the_weights():
    y = np.array([2.0, 4.0])
    assert baseline(y, 1, 1, 12, RULES)[0] == pytest.approx((0.5 * 4 + 0.3 * 2) / 0.8)


def test_seasonal_factors_are_clipped_and_growth_unused_without_demand_the_year_before():
    y = np.array([0.0] * 12 + [0.0] * 11 + [6.0])  # all demand in one December
    parts = baseline_parts(y, 1, last_cycle=11, m=12, rules=RULES)
    assert parts.growth == 1.0  # the earlier year had no demand: nothing to compare with
    assert parts.seasonal == (RULES.seasonal_clip[0],)  # January's factor 0 is clipped to 0.5


def test_seasonal_growth_average_by_hand():
    y = np.array(YEAR_1 + YEAR_2, dtype=float)
    ordinary, summer, g = 2.5 / 3, 1.5, 1.25 ** (1 / 12)
    factors = [ordinary] * 5 + [summer] * 3 + [ordinary] * 4
    recent = list(reversed(YEAR_2))  # December first, age 0
    level = np.mean([v / factors[(11 - age) % 12] * g**age for age, v in enumerate(recent)])
    got = seasonal_growth_average(y, 2, last_cycle=11, m=12, rules=RULES, window=12)
    assert np.allclose(got, [level * ordinary * g, level * ordinary * g**2])


def _statsforecast_numbers(frame: pd.DataFrame, h: int) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        CrostonClassic,
        CrostonOptimized,
        CrostonSBA,
        HistoricAverage,
        SeasonalNaive,
        SeasonalWindowAverage,
        SimpleExponentialSmoothingOptimized,
        WindowAverage,
    )

    models = {
        "CrostonClassic": CrostonClassic(), "CrostonOptimized": CrostonOptimized(), "CrostonSBA": CrostonSBA(),
        "TSB": TSB(alpha_d=0.1, alpha_p=0.1), "ADIDA": ADIDA(), "IMAPA": IMAPA(),
        "SESOpt": SimpleExponentialSmoothingOptimized(), "WindowAverage": WindowAverage(window_size=12),
        "HistoricAverage": HistoricAverage(), "SeasonalNaive": SeasonalNaive(season_length=12),
        "SeasonalWindowAverage": SeasonalWindowAverage(season_length=12, window_size=2),
    }
    out = StatsForecast(models=list(models.values()), freq="MS", n_jobs=1).forecast(df=frame, h=h)
    out = out.reset_index() if "unique_id" not in out.columns else out
    renamed = dict(zip([c for c in out.columns if c not in ("unique_id", "ds")], models, strict=True))
    return out.rename(columns=renamed)


def test_the_wrapped_models_give_statsforecasts_own_numbers():
    rng = np.random.default_rng(7)
    months = 30
    ds = pd.date_range("2022-01-01", periods=months, freq="MS")
    values = np.where(rng.random((6, months)) < 0.4, rng.poisson(3.0, (6, months)), 0).astype(float)
    values[5] = 0.0  # a series with no demand at all
    values[4, :20] = 0.0
    frame = pd.DataFrame({"unique_id": np.repeat([f"P{i}" for i in range(6)], months),
                          "ds": np.tile(ds, 6), "y": values.reshape(-1)})
    theirs = _statsforecast_numbers(frame, 3)
    for alias in theirs.columns.drop(["unique_id", "ds"]):
        ours = forecast(frame, 3, method=alias).forecasts
        assert (ours["method"] == alias).all()
        assert np.allclose(ours["forecast"].to_numpy(), theirs[alias].to_numpy(), rtol=1e-12, atol=1e-12), alias


def test_every_method_is_registered_with_a_description():
    assert set(DEFAULT_SETTINGS.candidates) <= set(METHODS)
    assert all(info.description for info in METHODS.values())


def test_forecasts_are_never_negative_and_methods_that_cannot_run_are_left_out():
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(1, 40))
        y = rng.choice([0.0, 0.0, 0.0, 1.0, 5.0, 40.0], size=n)
        found = run_methods(y, 4, int(rng.integers(0, 12)), 12, DEFAULT_SETTINGS, tuple(METHODS))
        assert all((values >= 0).all() and values.shape == (4,) for values in found.values())
        assert ("SeasonalNaive" in found) == (n >= 24)
        assert ("WindowAverage" in found) == (n >= 12)


def test_windows_and_smoothing_mean_the_same_months_on_weekly_data():
    weekly = DEFAULT_SETTINGS.for_periods(52)
    assert DEFAULT_SETTINGS.for_periods(12) is DEFAULT_SETTINGS
    assert (weekly.window_size, weekly.seasonal_trend.window) == (52, 104)
    # TSB's 0.1 a month: what it keeps of old demand after 13 weeks is what it keeps after 3 months
    assert (1 - weekly.tsb_alpha_p) ** 13 == pytest.approx((1 - 0.1) ** 3, rel=1e-12)
    quarterly = DEFAULT_SETTINGS.for_periods(4)
    assert (quarterly.window_size, quarterly.seasonal_trend.window) == (4, 8)
    assert quarterly.tsb_alpha_d == pytest.approx(1 - 0.9**3)
    daily, yearly = DEFAULT_SETTINGS.for_periods(365), DEFAULT_SETTINGS.for_periods(1)
    assert (daily.window_size, yearly.window_size, yearly.seasonal_trend.window) == (365, 1, 2)
    assert 0 < daily.tsb_alpha_p < weekly.tsb_alpha_p < 0.1 < yearly.tsb_alpha_p < 1
    # the back-test and the source's baseline stay in periods
    assert (weekly.min_train, weekly.origins, weekly.baseline) == (12, 4, DEFAULT_SETTINGS.baseline)
    # settings already scaled are not scaled again, and can be scaled back
    assert weekly.for_periods(52) is weekly and weekly.periods_per_year == 52
    back = weekly.for_periods(12)
    assert (back.window_size, back.seasonal_trend.window) == (12, 24) and back.tsb_alpha_d == pytest.approx(0.1)


@pytest.mark.parametrize("bad", [{"window_size": 0}, {"tsb_alpha_d": 0.0}, {"tsb_alpha_p": 1.5},
                                 {"periods_per_year": 0}])
def test_settings_that_cannot_work_are_refused(bad):
    import dataclasses

    with pytest.raises(ValueError):
        dataclasses.replace(DEFAULT_SETTINGS, **bad)


def test_a_weekly_series_is_forecast_with_statsforecasts_models_at_the_weekly_constants():
    from statsforecast.models import TSB, WindowAverage

    rng = np.random.default_rng(5)
    y = np.where(rng.random(80) < 0.3, rng.poisson(2.0, 80), 0).astype(float)
    frame = pd.DataFrame({"unique_id": "W", "ds": pd.date_range("2024-01-01", periods=80, freq="7D"), "y": y})
    weekly = DEFAULT_SETTINGS.for_periods(52)
    tsb = forecast(frame, 4, method="TSB")
    assert tsb.settings.tsb_alpha_d == weekly.tsb_alpha_d
    expected = TSB(alpha_d=weekly.tsb_alpha_d, alpha_p=weekly.tsb_alpha_p).forecast(y=y, h=4)["mean"]
    assert np.allclose(tsb.forecasts["forecast"], expected, rtol=1e-12)
    window = forecast(frame, 4, method="WindowAverage").forecasts["forecast"]
    assert np.allclose(window, WindowAverage(window_size=52).forecast(y=y, h=4)["mean"]) and window.iloc[0] == y[-52:].mean()
    again = forecast(frame, 4, method="TSB", settings=tsb.settings)  # a result's settings can be reused
    assert np.allclose(again.forecasts["forecast"], tsb.forecasts["forecast"], rtol=1e-12)
    held = backtest(frame, 4, methods=("TSB",))  # the back-test scales the same way
    expected = TSB(alpha_d=weekly.tsb_alpha_d, alpha_p=weekly.tsb_alpha_p).forecast(y=y[:-4], h=4)["mean"]
    assert np.allclose(held.detail["TSB"], expected, rtol=1e-12)
    short = frame.head(40)  # under a year of weeks: WindowAverage needs 52 and says so
    with pytest.raises(ForecastInputError, match="at least 52"):
        forecast(short, 2, method="WindowAverage")
