"""``auto``: chosen per series by back-test on its own history, explained, and the same on every engine."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from partspool.core.forecasting import DEFAULT_SETTINGS, backtest, forecast
from partspool.core.forecasting.metrics import naive_scale
from partspool.core.forecasting.selection import auto_series, candidate_forecasts


def demand(n: int = 40, months: int = 36, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    rate = rng.gamma(1.5, 1.0, n)[:, None] * (1 + 0.8 * (t % 12 >= 5) * (t % 12 <= 7) * (rng.random(n) < 0.3)[:, None])
    values = np.where(rng.random((n, months)) < 0.6, rng.poisson(rate / 0.6), 0).astype(float)
    ds = pd.date_range("2023-01-01", periods=months, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat([f"P{i:03d}" for i in range(n)], months),
                         "ds": np.tile(ds, n), "y": values.reshape(-1)})


def test_auto_forecasts_every_series_with_its_choice_and_reasons():
    result = forecast(demand(), 3)
    assert list(result.forecasts.columns) == ["unique_id", "ds", "forecast", "method", "lo", "hi"]
    assert len(result.forecasts) == 40 * 3
    assert (result.forecasts["forecast"] >= 0).all()
    assert (result.forecasts["lo"] <= result.forecasts["forecast"] + 1e-9).all()
    assert (result.forecasts["hi"] >= result.forecasts["lo"]).all()
    row = result.choices.iloc[0]
    assert row["method"].startswith("Weighted[") and row["winner"] in row["method"]
    assert row["runner_up"] and row["runner_up"] != row["winner"]
    assert row["margin"] >= 0 and row["origins"] == 4
    assert row["winner_rmsse"] <= row["runner_up_rmsse"]
    assert row["weights"].startswith(row["winner"] + " ")
    explanation = result.explanation(row["unique_id"])
    assert "back-test over 4 origin(s)" in explanation and row["runner_up"] in explanation
    assert "weight" in explanation


def test_auto_weights_the_top_methods_by_inverse_back_test_mse():
    y = demand(1)["y"].to_numpy()
    combined, choice = auto_series(y, 3, 11, 12, DEFAULT_SETTINGS)
    assert len(choice.members) == 5 and choice.method == "Weighted[" + "|".join(choice.members) + "]"
    assert [a for a, _ in choice.scores[:5]] == list(choice.members)
    # by hand: weights ∝ 1 / MSE ∝ 1 / RMSSE² (one scale per series), the forecast their weighted mean
    inverse = np.array([1.0 / v**2 for _, v in choice.scores[:5]])
    assert np.allclose(choice.weights, inverse / inverse.sum())
    final, _ = candidate_forecasts(y, 3, 11, 12, DEFAULT_SETTINGS, choice.members)  # as auto runs them
    assert np.allclose(combined, sum(w * final[a] for a, w in zip(choice.members, choice.weights, strict=True)))
    alone, single = auto_series(y, 3, 11, 12, replace(DEFAULT_SETTINGS, combine_top=1))
    assert single.method == single.winner == choice.winner and single.members == (choice.winner,)
    assert single.weights == (1.0,) and alone.shape == combined.shape == (3,)


@pytest.mark.parametrize(("how", "label", "combine"), [("median", "Median[", np.median), ("mean", "Mean[", np.mean)])
def test_auto_median_and_mean_combinations(how, label, combine):
    y = demand(1)["y"].to_numpy()
    forecast_, choice = auto_series(y, 3, 11, 12, replace(DEFAULT_SETTINGS, combine=how))
    assert choice.method.startswith(label) and np.allclose(choice.weights, 0.2)
    final, _ = candidate_forecasts(y, 3, 11, 12, DEFAULT_SETTINGS, choice.members)  # as auto runs them
    assert np.allclose(forecast_, combine(np.stack([final[a] for a in choice.members]), axis=0))


def test_an_unknown_combination_is_refused():
    with pytest.raises(ValueError, match="unknown combination"):
        auto_series(demand(1)["y"].to_numpy(), 3, 11, 12, replace(DEFAULT_SETTINGS, combine="mode"))


def test_back_test_weights_recent_origins_more():
    y = demand(1, months=36, seed=4)["y"].to_numpy()
    h, settings = 3, replace(DEFAULT_SETTINGS, candidates=("WindowAverage", "HistoricAverage"))
    _, choice = auto_series(y, h, 11, 12, settings)
    assert choice.origins == 4
    # by hand: origin k (1 = latest) fits on y[:36 − 3k], weight 0.5^(k−1)
    squared, weights = [], []
    for k in range(1, 5):
        cut = y.size - k * h
        found, _ = candidate_forecasts(y[:cut], h, (11 - k * h) % 12, 12, settings, ("HistoricAverage",))
        squared.append(np.mean((found["HistoricAverage"] - y[cut:cut + h]) ** 2))
        weights.append(0.5 ** (k - 1))
    expected = np.sqrt(np.dot(weights, squared) / np.sum(weights) / naive_scale(y))
    assert dict(choice.scores)["HistoricAverage"] == pytest.approx(expected)
    _, flat = auto_series(y, h, 11, 12, replace(settings, origin_decay=1.0))
    assert dict(flat.scores)["HistoricAverage"] == pytest.approx(np.sqrt(np.mean(squared) / naive_scale(y)))


def test_auto_never_looks_at_what_it_forecasts():
    frame = demand(20)
    result = backtest(frame, 3, methods=("TSB",))
    held_out = frame.groupby("unique_id").tail(3).index
    changed = frame.copy()
    changed.loc[held_out, "y"] = 1000.0  # different futures must not change the back-test forecasts
    again = backtest(changed, 3, methods=("TSB",))
    assert np.array_equal(result.detail["auto"].to_numpy(), again.detail["auto"].to_numpy())
    # and the back-test's auto forecast is what forecast() gives on the history alone
    history = frame.drop(index=held_out)
    direct = forecast(history, 3).forecasts
    assert np.allclose(direct["forecast"].to_numpy(), result.detail["auto"].to_numpy())


def test_backtest_reports_every_method_and_auto():
    result = backtest(demand(30), 3)
    summary = result.summary.set_index("method")
    assert "auto" in summary.index and "baseline" in summary.index and "CrostonSBA" in summary.index
    assert set(summary.columns) >= {"mae", "rmse", "rmsse", "wrmsse", "bias", "accuracy", "coverage", "seconds"}
    assert summary.loc["auto", "series"] == 30
    assert all(math.isfinite(v) for v in summary.loc["auto", ["mae", "rmse", "rmsse", "bias", "accuracy"]])


def test_short_series_fall_back_when_asked():
    frame = pd.concat([demand(2), demand(1, months=8, seed=9).assign(unique_id="NEW")], ignore_index=True)
    result = forecast(frame, 3, settings=replace(DEFAULT_SETTINGS, short_series="fallback"))
    new = result.choices.set_index("unique_id").loc["NEW"]
    assert new["method"] == "HistoricAverage" and new["origins"] == 0
    assert "8 periods" in new["explanation"]


def test_chunks_and_processes_do_not_change_the_numbers():
    frame = demand(450)
    one = forecast(frame, 3, workers=1)
    many = forecast(frame, 3, workers=2, settings=replace(DEFAULT_SETTINGS, chunk_size=100))
    pd.testing.assert_frame_equal(one.forecasts, many.forecasts)
    pd.testing.assert_frame_equal(one.choices, many.choices)


def test_the_dask_engine_gives_the_same_results_as_local():
    distributed = pytest.importorskip("distributed")
    frame = demand(60)
    settings = replace(DEFAULT_SETTINGS, chunk_size=20)
    local = forecast(frame, 3, settings=settings, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = forecast(frame, 3, engine="dask", settings=settings, workers=2, client=client)
    pd.testing.assert_frame_equal(local.forecasts, on_dask.forecasts)
    pd.testing.assert_frame_equal(local.choices, on_dask.choices)
