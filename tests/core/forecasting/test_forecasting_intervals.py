"""Intervals and lead-time quantiles: calibrated on simulated intermittent demand, coherent for stocking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.forecasting import forecast, lead_time_quantiles, period_quantiles
from partspool.core.forecasting.intervals import integer_quantile, interval, smooth_quantile

MONTHS, AHEAD = 36, 3


def frame_of(values: np.ndarray) -> pd.DataFrame:
    n, t = values.shape
    ds = pd.date_range("2022-01-01", periods=t, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat([f"S{i:04d}" for i in range(n)], t), "ds": np.tile(ds, n),
                         "y": values.reshape(-1)})


def coverage(values: np.ndarray) -> float:
    """Share of the next AHEAD periods inside auto's 80% interval, fitted on the first MONTHS."""
    result = forecast(frame_of(values[:, :MONTHS]), AHEAD)
    actual = values[:, MONTHS:].reshape(-1)
    lo, hi = result.forecasts["lo"].to_numpy(), result.forecasts["hi"].to_numpy()
    return float(np.mean((actual >= lo) & (actual <= hi)))


def test_the_80_percent_interval_covers_about_80_percent_of_poisson_demand():
    rng = np.random.default_rng(11)
    rates = rng.uniform(0.1, 4.0, 300)
    values = rng.poisson(rates[:, None], (300, MONTHS + AHEAD)).astype(float)
    assert 0.70 <= coverage(values) <= 0.90


def test_the_80_percent_interval_covers_about_80_percent_of_lumpy_negative_binomial_demand():
    rng = np.random.default_rng(12)
    n = 300
    occurs = rng.uniform(0.1, 0.7, n)[:, None]  # zero-inflated: demand in 10–70% of months
    size_mean, shape = rng.uniform(1.0, 6.0, n)[:, None], rng.uniform(0.5, 3.0, n)[:, None]
    sizes = rng.negative_binomial(shape, shape / (shape + size_mean), (n, MONTHS + AHEAD))
    values = np.where(rng.random((n, MONTHS + AHEAD)) < occurs, sizes, 0).astype(float)
    assert 0.70 <= coverage(values) <= 0.90


def test_interval_ends_match_the_distribution():
    mean, phi = np.array([0.0, 0.3, 2.0, 10.0]), np.array([1.0, 1.0, 2.5, 1.0])
    lo, hi = interval(mean, phi, 0.8, level_uncertainty=0.0)
    assert lo[0] == hi[0] == 0.0
    assert (lo <= mean).all() and (hi >= mean).all()
    # Poisson(10): P(Y ≤ 13) = 0.865 < 0.9 ≤ P(Y ≤ 14) = 0.917, so the smooth 0.9 quantile is in (13, 14)
    assert 13.0 < hi[3] < 14.0
    assert integer_quantile(np.array([10.0]), 1.0, 0.9)[0] == 14.0
    assert smooth_quantile(np.array([0.3]), 1.0, 0.5)[0] == 0.0


def test_lead_time_quantiles_add_up_the_periods_and_rise_with_the_service_level():
    rng = np.random.default_rng(5)
    values = rng.poisson(2.0, (5, MONTHS)).astype(float)
    result = forecast(frame_of(values), 3, method="HistoricAverage")
    table = lead_time_quantiles(result, 2.5, levels=(0.5, 0.9, 0.95, 0.99))
    per_period = result.forecasts.groupby("unique_id", sort=True)["forecast"].first().to_numpy()
    assert np.allclose(table["mean"], 2.5 * per_period)
    assert (table["variance"] >= table["mean"]).all()
    assert (table["q50"] <= table["q90"]).all() and (table["q90"] <= table["q95"]).all()
    assert (table["q95"] <= table["q99"]).all() and (table["q99"] == np.floor(table["q99"])).all()
    longer = lead_time_quantiles(result, 6, levels=(0.95,))  # beyond the horizon: the last period repeats
    assert np.allclose(longer["mean"], 6 * per_period)
    with pytest.raises(ValueError):
        lead_time_quantiles(result, 0)


def test_period_quantiles_are_the_distribution_behind_lo_and_hi():
    rng = np.random.default_rng(8)
    result = forecast(frame_of(rng.poisson(1.5, (4, MONTHS)).astype(float)), 3)
    table = period_quantiles(result, levels=(0.1, 0.5, 0.9))
    assert np.allclose(table["q10"], result.forecasts["lo"]) and np.allclose(table["q90"], result.forecasts["hi"])
    whole = period_quantiles(result, levels=(0.5, 0.95), whole_units=True)
    assert (whole["q95"] >= whole["q50"]).all() and (whole["q95"] == np.floor(whole["q95"])).all()


@pytest.mark.parametrize("method", ["auto", "SESOpt", "TSB"])
def test_the_forecast_always_lies_inside_its_interval_even_for_a_part_selling_once_a_year(method):
    rng = np.random.default_rng(11)
    rare = rng.poisson(0.08, (40, MONTHS))  # P(0) ≈ 0.92: the 90% quantile is 0 while the mean is not
    lumpy = rng.negative_binomial(0.2, 0.2 / (0.2 + 5.0), (40, MONTHS)).astype(float)  # mean 5, very skewed
    rows = forecast(frame_of(np.vstack([rare, lumpy])), AHEAD, method=method).forecasts
    assert (rows["lo"] <= rows["forecast"]).all() and (rows["forecast"] <= rows["hi"]).all()
    assert (rows["forecast"] > 0).any() and (rows["lo"] >= 0).all()
    lo, hi = interval(np.array([0.1, 3.0]), np.array([1.0, 1.0]))
    assert hi[0] == pytest.approx(0.1) and lo[0] == 0 and hi[1] > 3.0  # raised only where it fell short
