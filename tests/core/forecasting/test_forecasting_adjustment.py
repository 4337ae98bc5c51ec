"""Inside ``auto``, methods without a season of their own forecast demand adjusted for season and growth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from partspool.core.forecasting import DEFAULT_SETTINGS, forecast
from partspool.core.forecasting.methods import run_methods
from partspool.core.forecasting.seasonal import ADJUSTED, adjustment, fit_seasonal_trend
from partspool.core.forecasting.selection import candidate_forecasts

SUMMER = np.array([0.6, 0.6, 0.7, 0.85, 1.15, 1.9, 2.3, 2.1, 1.3, 0.9, 0.7, 0.6])


def frame(values: np.ndarray, start: str = "2023-01-01") -> pd.DataFrame:
    n, months = values.shape
    ds = pd.date_range(start, periods=months, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat([f"AC-{i:03d}" for i in range(n)], months),
                         "ds": np.tile(ds, n), "y": values.reshape(-1)})


def summer_parts(n: int = 60, months: int = 36, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Air-conditioning parts: a strong summer season and 2% growth a month; (counts, true means)."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    mean = rng.uniform(8, 20, n)[:, None] * SUMMER[t % 12][None, :] * 1.02 ** (t - months + 1)
    return rng.poisson(mean).astype(float), mean


def test_the_factors_are_seasonal_trend_s_and_undo_each_other():
    counts, _ = summer_parts(1, months=48)
    y = counts[0]
    last_cycle = (y.size - 1) % 12
    adjust = adjustment(y, 3, last_cycle, 12, DEFAULT_SETTINGS.seasonal_trend)
    fit = fit_seasonal_trend(y, last_cycle, 12, DEFAULT_SETTINGS.seasonal_trend)
    assert adjust is not None and adjust.notable and fit.growth > 1.005 and abs(fit.trend_z) > 2
    # by hand: period at age a (0 = the last) gets S(position) × growth^max(a, 1 − span), span 36 months
    ages = np.arange(1 - y.size, 1)
    expected = fit.seasonal[(last_cycle + ages) % 12] * fit.growth ** np.maximum(ages, -35)
    assert adjust.history == pytest.approx(expected)
    assert adjust.history[0] == pytest.approx(fit.seasonal[(last_cycle + 1 - y.size) % 12] * fit.growth**-35)
    assert adjust.future == pytest.approx(fit.seasonal[(last_cycle + np.arange(1, 4)) % 12] * fit.growth ** np.arange(1, 4))
    assert "seasonal indices" in adjust.describe() and "growth" in adjust.describe()
    found, used = candidate_forecasts(y, 3, last_cycle, 12, DEFAULT_SETTINGS, ("TSB", "SeasonalTrend"))
    assert used is not None
    plain = run_methods(y / adjust.history, 3, last_cycle, 12, DEFAULT_SETTINGS, ("TSB",))["TSB"]
    assert found["TSB"] == pytest.approx(plain * adjust.future)
    # the methods with a season of their own are run as they are
    assert found["SeasonalTrend"] == pytest.approx(
        run_methods(y, 3, last_cycle, 12, DEFAULT_SETTINGS, ("SeasonalTrend",))["SeasonalTrend"])
    assert "SeasonalTrend" not in ADJUSTED and "baseline" not in ADJUSTED


def test_auto_follows_the_coming_summer_and_says_why():
    counts, mean = summer_parts(months=42)
    history = frame(counts[:, :30])  # up to June of the third year: July–September ahead, the peak
    on = forecast(history, 3)
    off = forecast(history, 3, settings=replace(DEFAULT_SETTINGS, adjust=False))
    truth = mean[:, 30:33]
    err_on = ((on.forecasts["forecast"].to_numpy().reshape(-1, 3) - truth) ** 2).mean()
    err_off = ((off.forecasts["forecast"].to_numpy().reshape(-1, 3) - truth) ** 2).mean()
    assert err_on < 0.8 * err_off  # closer to the true means of the peak
    assert on.forecasts["forecast"].sum() > off.forecasts["forecast"].sum()  # the unadjusted methods lag
    assert on.choices["adjusted"].mean() > 0.8
    row = on.choices[on.choices["adjusted"]].iloc[0]
    assert "adjusted for this series' season and growth (seasonal indices" in row["explanation"]


def test_slow_movers_are_left_as_they_are_unless_a_pattern_stands_out():
    """Flat Poisson demand of 0.3 a month: a season or trend must pass a 90% test before demand is
    adjusted for it, so few series are (about one in ten passes by chance), and the forecasts lose
    little for it (on the benchmark's sets, where patterns are real, the unweighted RMSSE is unchanged)."""
    rng = np.random.default_rng(6)
    counts = rng.poisson(0.3, (200, 36)).astype(float)
    settings = replace(DEFAULT_SETTINGS, obsolescence=False)
    on = forecast(frame(counts), 3, settings=settings)
    off = forecast(frame(counts), 3, settings=replace(settings, adjust=False))
    assert on.choices["adjusted"].mean() < 0.2
    error_on = ((on.forecasts["forecast"] - 0.3) ** 2).mean()
    error_off = ((off.forecasts["forecast"] - 0.3) ** 2).mean()
    assert error_on < error_off * 1.05


def test_a_named_method_is_never_adjusted():
    counts, _ = summer_parts(5)
    result = forecast(frame(counts), 3, method="TSB")
    y = counts[0]
    expected = run_methods(y, 3, (y.size - 1) % 12, 12, DEFAULT_SETTINGS, ("TSB",))["TSB"]
    assert result.forecasts["forecast"].to_numpy()[:3] == pytest.approx(expected)
    assert not result.choices["adjusted"].any()


def test_the_reason_shown_in_the_application_says_demand_was_adjusted():
    from django.utils import translation

    from partspool.planning.explain import method_reason

    facts = {"winner": "TSB", "winner_rmsse": 0.8, "runner_up": "ADIDA", "runner_up_rmsse": 0.9, "margin": 0.12,
             "origins": 4, "adjusted": True}
    with translation.override("en"):
        assert "adjusted for this part's season and growth" in method_reason(facts)
        assert "season and growth" not in method_reason({**facts, "adjusted": False})
    with translation.override("zh-hans"):
        assert "按该配件的季节与增长调整" in method_reason(facts)
        assert "。 " not in method_reason(facts) and "。" in method_reason(facts)  # sentences joined without a space
    with translation.override("en"):
        assert ". Methods without" in method_reason(facts)


def test_the_season_test_passes_about_four_in_a_hundred_flat_series():
    """Its level is 90% at most; the cautious dispersion makes it stricter, and that is pinned here."""
    rng = np.random.default_rng(12)
    counts = rng.poisson(5.0, (1500, 36)).astype(float)
    passed = [adjustment(y, 3, 11, 12, DEFAULT_SETTINGS.seasonal_trend).fit.shrink > 0 for y in counts]
    assert 0.01 < np.mean(passed) < 0.08


def test_daily_data_adjusts_for_the_weekday_but_carries_no_growth_ahead():
    rng = np.random.default_rng(3)
    weekday = np.array([1.4, 1.2, 1.0, 1.0, 1.1, 0.7, 0.6])
    days = 400
    counts = rng.poisson(10 * weekday[np.arange(days) % 7][None, :] * np.ones((30, 1))).astype(float)
    history = pd.DataFrame({"unique_id": np.repeat([f"D{i:02d}" for i in range(30)], days),
                            "ds": np.tile(pd.date_range("2025-01-06", periods=days, freq="D"), 30),
                            "y": counts.reshape(-1)})
    result = forecast(history, 60)
    paths = result.forecasts["forecast"].to_numpy().reshape(30, 60)
    assert (paths > 3).all() and (paths < 30).all()  # no growth fitted on three weeks carried two months ahead
    assert result.choices["adjusted"].mean() > 0.5  # the weekday pattern is strong and real


def shifting_and_steady(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """400 parts × 40 months: demand that stops for good or grows fourfold 5 to 12 months before the
    end (a model phased out, a new one's parts), and the same parts' demand without the change."""
    rng = np.random.default_rng(seed)
    n, months = 400, 40
    base = rng.gamma(2, 2, n)
    t = np.arange(months)
    when = rng.integers(months - 12, months - 5, n)
    factor = np.where(rng.random(n) < 0.5, 0.0, 4.0)
    shifting = rng.poisson(base[:, None] * np.where(t[None, :] >= when[:, None], factor[:, None], 1.0))
    steady = rng.poisson(base[:, None] * np.ones((1, months)))
    return shifting.astype(float), steady.astype(float)


def test_each_run_weighs_its_back_test_origins_as_its_own_history_says():
    from partspool.core.forecasting.selection import choose_decay

    shifting, steady = shifting_and_steady()
    cycles = np.full(400, 39 % 12)
    changed = choose_decay(list(shifting), cycles, 3, 12, DEFAULT_SETTINGS)
    assert changed is not None and changed.decay == 0.1 and changed.series >= 390  # a series without demand has no scale
    assert dict(changed.scores)[0.1] < dict(changed.scores)[0.5]
    # where nothing changes, the differences are noise: the setting's own decay stays
    calm = choose_decay(list(steady), cycles, 3, 12, DEFAULT_SETTINGS)
    assert calm is not None and calm.decay == DEFAULT_SETTINGS.origin_decay
    assert calm.best != calm.decay and not calm.switched  # another scored lower, but not beyond chance
    assert "not beyond chance" in calm.describe()
    # the run uses it, says so, and a run that may not choose keeps the setting
    run = forecast(frame(shifting), 3)
    assert run.decay is not None and run.decay.decay == 0.1 and run.decay.switched
    assert run.settings.origin_decay == 0.5  # the caller's settings, unchanged
    assert "each older origin weighted × 0.1" in run.choices.iloc[0]["explanation"]
    assert "chosen over the setting's 0.5" in run.decay.describe()
    fixed = forecast(frame(shifting), 3, settings=replace(DEFAULT_SETTINGS, choose_decay=False))
    assert fixed.decay is None and "each older origin weighted × 0.5" in fixed.choices.iloc[0]["explanation"]
    assert choose_decay(list(shifting[:20]), cycles[:20], 3, 12, DEFAULT_SETTINGS) is None  # too few to judge
    # a setting outside the grid is scored too, and kept unless beaten beyond chance
    own = choose_decay(list(steady), cycles, 3, 12, replace(DEFAULT_SETTINGS, origin_decay=0.4))
    assert own is not None and own.decay == 0.4 and 0.4 in dict(own.scores)


def test_series_without_recent_demand_do_not_count_as_judges():
    """28 parts silent over the last season weigh nothing: 2 parts alone do not choose the run's weighting."""
    from partspool.core.forecasting.selection import choose_decay

    shifting, _ = shifting_and_steady()
    panel = shifting[:30].copy()
    panel[2:, -15:] = 0.0  # nothing in the season before the latest back-test origin, nor after
    assert choose_decay(list(panel), np.full(30, 39 % 12), 3, 12, DEFAULT_SETTINGS) is None


def test_the_back_test_chooses_its_weighting_on_the_training_part_only(monkeypatch):
    from partspool.core.forecasting import api, backtest

    shifting, _ = shifting_and_steady()
    history = frame(shifting)
    seen = {}
    real = api.choose_decay

    def spy(histories, cycles, h, m, settings):
        seen.update(lengths={len(v) for v in histories}, cycles=set(cycles.tolist()))
        return real(histories, cycles, h, m, settings)

    monkeypatch.setattr(api, "choose_decay", spy)
    result = backtest(history, 3, methods=("TSB",))
    assert seen == {"lengths": {37}, "cycles": {(39 - 3) % 12}}
    assert result.decay is not None and result.decay.decay == 0.1
    changed = history.copy()
    held = changed.groupby("unique_id").tail(3).index
    changed.loc[held, "y"] = changed.loc[held, "y"] * 10 + 50  # another future: the same choice, the same forecasts
    again = backtest(changed, 3, methods=("TSB",))
    assert again.decay == result.decay
    assert np.array_equal(again.detail["auto"].to_numpy(), result.detail["auto"].to_numpy())
    direct = forecast(history.drop(index=held), 3)
    assert direct.decay == result.decay
    assert np.allclose(direct.forecasts["forecast"].to_numpy(), result.detail["auto"].to_numpy())


def test_a_bad_decay_grid_is_refused():
    with pytest.raises(ValueError, match="decay_grid"):
        replace(DEFAULT_SETTINGS, decay_grid=(0.5, 1.5))
    with pytest.raises(ValueError, match="decay_grid"):
        replace(DEFAULT_SETTINGS, decay_grid=())
