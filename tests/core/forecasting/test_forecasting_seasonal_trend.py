"""``SeasonalTrend``: our own level × trend × seasonal indices, checked against hand computations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from partspool.core.forecasting import DEFAULT_SETTINGS, forecast, valid_methods
from partspool.core.forecasting.seasonal import fit_seasonal_trend, seasonal_trend

RULES = DEFAULT_SETTINGS.seasonal_trend
PROFILE = np.array([0.6, 0.6, 0.7, 0.85, 1.15, 1.9, 2.3, 2.1, 1.3, 0.9, 0.7, 0.6])  # January first


def test_it_is_a_method_auto_may_choose():
    assert "SeasonalTrend" in valid_methods() and "SeasonalTrend" in DEFAULT_SETTINGS.candidates


def test_flat_demand_is_forecast_flat():
    y = np.full(30, 5.0)
    fit = fit_seasonal_trend(y, 11, 12, RULES)
    assert fit.growth == pytest.approx(1.0) and np.allclose(fit.seasonal, 1.0) and fit.shrink == 0.0
    assert np.allclose(seasonal_trend(y, 3, 11, 12, RULES), 5.0)


def test_no_demand_gives_zero():
    assert np.array_equal(seasonal_trend(np.zeros(30), 3, 11, 12, RULES), np.zeros(3))


def test_trend_is_the_poisson_estimate_shrunk_by_its_evidence():
    # 20 months (too short for seasonal indices): counts growing ~2.5% a month
    y = np.array([5, 4, 6, 5, 6, 5, 7, 6, 6, 7, 6, 8, 7, 6, 8, 7, 8, 9, 7, 9], dtype=float)
    t = np.arange(1 - y.size, 1, dtype=float)

    def neg_loglik(params: np.ndarray) -> float:  # Poisson, μ_t = exp(a + b·t)
        eta = params[0] + params[1] * t
        return float(np.sum(np.exp(eta) - y * eta))

    b_hat = optimize.minimize(neg_loglik, x0=[np.log(y.mean()), 0.0], method="BFGS", tol=1e-12).x[1]
    assert 0.01 < b_hat < np.log(RULES.growth_bounds[1]) / 12  # inside the bounds: the estimate is not clipped
    w = np.exp(b_hat * t)
    information = y.sum() * (np.dot(w, t**2) / w.sum() - (np.dot(w, t) / w.sum()) ** 2)
    phi = max(1.0, np.sum(np.diff(y) ** 2) / (2 * y.sum()))
    tau = RULES.trend_prior / 12
    b = b_hat * tau**2 / (tau**2 + phi / information)
    level = y.sum() / np.exp(b * t).sum()  # the window (24) holds the whole history
    fit = fit_seasonal_trend(y, 7, 12, RULES)
    assert fit.dispersion == pytest.approx(phi)
    assert np.log(fit.growth) == pytest.approx(b, rel=1e-6)
    assert fit.level == pytest.approx(level, rel=1e-6)
    assert np.allclose(seasonal_trend(y, 3, 7, 12, RULES), level * np.exp(b * np.arange(1, 4)), rtol=1e-6)


def test_seasonal_indices_are_shrunk_by_james_stein_and_used_with_two_seasons():
    y = 50.0 * np.tile(PROFILE, 3)  # three Januaries to Decembers, no noise, no growth
    s = PROFILE / PROFILE.mean()
    phi = np.sum(np.diff(y) ** 2) / (2 * y.sum())
    expected_per_month = y.mean() * 3  # what a flat level expects in each calendar month
    keep = 1 - 12 * phi / expected_per_month / np.sum((s - 1) ** 2)
    factors = 1 + keep * (s - 1)
    fit = fit_seasonal_trend(y, 11, 12, RULES)
    # (the hand figures take the growth as exactly 1; the fit finds 1.0002, see below)
    assert fit.shrink == pytest.approx(keep, rel=1e-3) and 0 < keep < 1
    assert np.allclose(fit.seasonal, factors, rtol=5e-3)
    factors = fit.seasonal
    # the trend is fitted with the shrunk indices as offset: next to none here
    g = fit.growth
    assert g == pytest.approx(1.0, abs=1e-3)
    level = y[-24:].sum() / np.sum(np.tile(factors, 2) * g ** np.arange(-23, 1))
    assert np.allclose(seasonal_trend(y, 3, 11, 12, RULES), level * factors[:3] * g ** np.arange(1, 4))
    # one season only: no seasonal indices
    assert np.allclose(fit_seasonal_trend(y[-18:], 11, 12, RULES).seasonal, 1.0)


def test_growth_is_taken_out_of_the_seasonal_indices():
    months = np.arange(36)
    y = np.round(200.0 * PROFILE[months % 12] * 1.02 ** (months - 35))
    fit = fit_seasonal_trend(y, 11, 12, replace(RULES, trend_prior=10.0))  # a loose prior: the data decide
    assert fit.growth == pytest.approx(1.02, abs=0.002)
    # December and January have the same true factor: the fitted indices agree...
    assert fit.seasonal[11] / fit.seasonal[0] == pytest.approx(1.0, abs=0.01)
    assert fit.seasonal[6] == fit.seasonal.max()
    # ...while the source's factors (not detrended) put December 11 months of growth above January
    raw = y.reshape(3, 12).mean(axis=0) / y.mean()
    assert raw[11] / raw[0] == pytest.approx(1.02**11, rel=0.02)


def test_forecast_with_seasonal_trend_by_name():
    months = 30
    ds = pd.date_range("2023-01-01", periods=months, freq="MS")
    frame = pd.DataFrame({"unique_id": "P1", "ds": ds, "y": np.arange(months) % 5})
    result = forecast(frame, 2, method="seasonaltrend")
    assert (result.forecasts["method"] == "SeasonalTrend").all()
    y = frame["y"].to_numpy(dtype=float)
    assert np.allclose(result.forecasts["forecast"], seasonal_trend(y, 2, 5, 12, RULES))
