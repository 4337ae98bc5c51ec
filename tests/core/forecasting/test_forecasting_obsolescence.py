"""The obsolescence model: a silent part that has stopped for good is forecast down, a slow mover is not."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from partspool.core.forecasting import (
    DEFAULT_SETTINGS,
    backtest,
    forecast,
    lead_time_quantiles,
    period_quantiles,
)
from partspool.core.forecasting.intervals import integer_quantile, mixture_quantile, smooth_quantile
from partspool.core.forecasting.obsolescence import (
    MIN_SERIES,
    Obsolescence,
    _log_likelihood,
    _Records,
    fit,
    occurrences,
)

PARAMS = [(0.8, 2.5, 0.4, 6.0), (3.0, 1.2, 1.5, 30.0), (0.3, 0.6, 0.05, 0.2)]


def record(seq: tuple[int, ...]) -> tuple[int, int, int]:
    """(x, t_x, n) of a 0/1 sequence whose period 0 is the first demand."""
    hits = [i for i, v in enumerate(seq) if v]
    return len(hits) - 1, hits[-1], len(seq) - 1


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_the_likelihood_is_a_probability_over_every_record(params, n):
    """Every 0/1 pattern of the n periods after a first demand, weighted by its probability, sums to 1."""
    seqs = [(1, *rest) for rest in itertools.product((0, 1), repeat=n)]
    x, t_x, length = (np.array(v) for v in zip(*(record(s) for s in seqs), strict=True))
    total = np.exp(_log_likelihood(params, _Records.of(x, t_x, length))).sum()
    assert total == pytest.approx(1.0, abs=1e-10)


def _alive_by_quadrature(params, x, t_x, n, k):
    """P(alive k periods on), integrating over p and θ directly (no beta-function identities)."""
    a, b, g, d = params
    fp, ft = stats.beta(a, b).pdf, stats.beta(g, d).pdf

    def over_p(power_p, power_q):
        return integrate.quad(lambda p: p**power_p * (1 - p) ** power_q * fp(p), 0, 1, limit=200)[0]

    def over_t(f):
        return integrate.quad(lambda t: f(t) * ft(t), 0, 1, limit=200)[0]

    alive_now = over_p(x, n - x) * over_t(lambda t: (1 - t) ** n)
    stopped = sum(over_p(x, t_x - x + i) * over_t(lambda t, i=i: t * (1 - t) ** (t_x + i)) for i in range(n - t_x))
    alive_later = over_p(x, n - x) * over_t(lambda t: (1 - t) ** (n + k))
    return alive_later / (alive_now + stopped)


@pytest.mark.parametrize("x,t_x,n", [(6, 8, 9), (6, 8, 20), (0, 0, 10), (3, 12, 12)])
def test_the_chance_of_still_selling_matches_a_direct_integration(x, t_x, n):
    model = Obsolescence(1.2, 3.0, 0.7, 9.0, series=100)
    occ = occurrences([np.zeros(1)])  # shape only; replaced below
    occ = type(occ)(np.array([x]), np.array([t_x]), np.array([n]), np.array([n - t_x]))
    got = model.alive(occ, 3)[0]
    for k in (1, 2, 3):
        assert got[k - 1] == pytest.approx(_alive_by_quadrature((1.2, 3.0, 0.7, 9.0), x, t_x, n, k), rel=1e-6)
    assert got[0] >= got[1] >= got[2]


def test_records_start_at_the_first_demand_and_count_the_silence():
    occ = occurrences([np.array([0, 0, 2, 0, 1, 0, 0, 0.0]), np.zeros(5), np.array([4.0, 1, 1])])
    assert occ.x.tolist() == [1, 0, 2] and occ.t_x.tolist() == [2, 0, 2] and occ.n.tolist() == [5, -1, 2]
    assert occ.silent.tolist() == [3, 5, 0]


def simulate(series: int, months: int, params: tuple[float, float, float, float], seed: int = 0) -> np.ndarray:
    """Demand occurrences drawn from the model itself (1 = a period with demand)."""
    a, b, g, d = params
    rng = np.random.default_rng(seed)
    p, theta = rng.beta(a, b, series), rng.beta(g, d, series)
    out = np.zeros((series, months))
    out[:, 0] = 1
    alive = np.ones(series, dtype=bool)
    for t in range(1, months):
        alive &= rng.random(series) >= theta
        out[:, t] = alive & (rng.random(series) < p)
    return out


def test_the_fit_finds_how_often_series_stop():
    truth = (2.0, 3.0, 1.0, 24.0)  # demand in 40% of periods; 4% of series stop each period
    values = simulate(20000, 36, truth)
    model = fit(occurrences(list(values)))
    assert model is not None and model.series == 20000
    assert model.alpha / (model.alpha + model.beta) == pytest.approx(0.4, abs=0.01)
    assert model.stop_rate == pytest.approx(0.04, abs=0.006)


def test_too_few_series_give_no_model():
    values = simulate(MIN_SERIES - 1, 24, (2.0, 3.0, 1.0, 24.0))
    assert fit(occurrences(list(values))) is None


def long_frame(values: np.ndarray, prefix: str = "P") -> pd.DataFrame:
    n, months = values.shape
    ds = pd.date_range("2023-01-01", periods=months, freq="MS")
    return pd.DataFrame({"unique_id": np.repeat([f"{prefix}{i:04d}" for i in range(n)], months),
                         "ds": np.tile(ds, n), "y": values.reshape(-1)})


def parts_with_dead_ones(n: int = 300, months: int = 36, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Monthly demand where 30% of the parts stop for good at some month; (values, stopped)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.0, 1.5, n)[:, None]
    values = rng.poisson(rate * np.ones((1, months))).astype(float)
    stopped = rng.random(n) < 0.3
    when = rng.integers(6, months, n)
    values[stopped[:, None] & (np.arange(months)[None, :] >= when[:, None])] = 0.0
    return values, stopped


def test_a_part_that_stopped_is_forecast_down_and_told_why():
    values, _stopped = parts_with_dead_ones()
    values[0] = 3.0  # sold 3 a month for two years, then nothing for 12 months
    values[0, 24:] = 0.0
    values[1] = 3.0  # sells steadily
    frame = long_frame(values)
    on = forecast(frame, 3)
    off = forecast(frame, 3, settings=replace(DEFAULT_SETTINGS, obsolescence=False))
    assert on.obsolescence is not None and 0.003 < on.obsolescence.stop_rate < 0.03
    first = on.choices.set_index("unique_id")
    assert first.loc["P0000", "alive"] < 0.1
    before = off.forecasts.set_index("unique_id").loc["P0000", "forecast"].to_numpy()
    after = on.forecasts.set_index("unique_id").loc["P0000", "forecast"].to_numpy()
    assert (after <= before * 0.1 + 1e-12).all()
    assert "chance that demand continues (12 period(s) since the last demand" in first.loc["P0000", "explanation"]
    # a part selling every month keeps its forecast but for the panel's small risk of stopping next month
    steady = first.loc["P0001"]
    assert steady["alive"] == pytest.approx(1 - on.obsolescence.stop_rate, abs=0.01)
    assert "chance that demand continues" not in steady["explanation"]
    assert on.forecasts.set_index("unique_id").loc["P0001", "forecast"].to_numpy() == pytest.approx(
        off.forecasts.set_index("unique_id").loc["P0001", "forecast"].to_numpy(), rel=0.05)
    # the interval is the mixture's: nothing if stopped, the usual spread if not
    dead = on.forecasts.set_index("unique_id").loc["P0000"]
    assert (dead["lo"] == 0).all() and (dead["hi"] <= off.forecasts.set_index("unique_id").loc["P0000", "hi"]).all()
    lead = lead_time_quantiles(on, 3).set_index("unique_id")
    assert lead.loc["P0000", "q95"] == 0  # stopped with a chance above 95%: no stock to hold for it
    assert lead.loc["P0001", "q95"] >= 12  # ~9 expected over 3 months of a steady 3 a month


def test_where_nothing_stops_forecasts_stay_as_they_were():
    rng = np.random.default_rng(5)
    values = rng.poisson(rng.gamma(0.6, 1.0, 200)[:, None] * np.ones((1, 36))).astype(float)
    frame = long_frame(values)
    on = forecast(frame, 3)
    off = forecast(frame, 3, settings=replace(DEFAULT_SETTINGS, obsolescence=False))
    assert on.obsolescence is not None and on.obsolescence.stop_rate < 1e-3
    assert np.allclose(on.forecasts["forecast"], off.forecasts["forecast"], rtol=0.01, atol=1e-6)
    assert (on.choices["alive"] > 0.99).all()


def test_a_named_method_and_a_small_panel_are_left_alone():
    values, _ = parts_with_dead_ones(n=MIN_SERIES - 1)
    small = forecast(long_frame(values), 3)
    assert small.obsolescence is None and (small.choices["alive"] == 1.0).all()
    values, _ = parts_with_dead_ones()
    named = forecast(long_frame(values), 3, method="TSB")
    assert named.obsolescence is None and (named.choices["alive"] == 1.0).all()


def test_the_back_test_fits_the_model_on_the_history_before_the_held_out_periods():
    values, _ = parts_with_dead_ones()
    frame = long_frame(values)
    result = backtest(frame, 3, methods=("TSB",))
    history = frame.drop(index=frame.groupby("unique_id").tail(3).index)
    direct = forecast(history, 3)
    assert np.allclose(direct.forecasts["forecast"].to_numpy(), result.detail["auto"].to_numpy())
    assert (direct.choices["alive"] < 0.5).sum() > 10  # the model was at work


def test_the_command_line_says_how_many_series_look_stopped(tmp_path, capsys):
    from partspool.cli import main

    values, _ = parts_with_dead_ones()
    source, out, why = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "why.csv"
    frame = long_frame(values)
    frame["ds"] = frame["ds"].dt.strftime("%Y-%m-%d")
    frame.to_csv(source, index=False)
    assert main(["forecast", "--input", str(source), "--horizon", "3", "--output", str(out),
                 "--choices", str(why)]) == 0
    printed = capsys.readouterr().out
    choices = pd.read_csv(why)
    likely = int((choices["alive"] < 0.5).sum())
    assert likely > 10 and f"{likely} series more likely stopped than not" in printed
    assert re.search(r"obsolescence: \d\.\d\d% of series stop for good per period \(fitted on 29\d series\)", printed)


def test_the_reason_shown_in_the_application_names_the_chance():
    from django.utils import translation

    from partspool.planning.explain import method_reason

    facts = {"winner": "TSB", "winner_rmsse": 0.8, "runner_up": "ADIDA", "runner_up_rmsse": 0.9, "margin": 0.12,
             "origins": 4, "alive": 0.23}
    with translation.override("en"):
        assert "multiplied by 0.23, the chance that this part still has demand" in method_reason(facts)
        assert "still has demand" not in method_reason({**facts, "alive": 0.97})
        assert "still has demand" not in method_reason({**facts, "alive": None})
    with translation.override("zh-hans"):
        assert "再乘以 0.23" in method_reason(facts)


@pytest.mark.parametrize("chance", [0.05, 0.3, 0.7, 0.97])
@pytest.mark.parametrize("alive_mean,phi", [(0.4, 1.0), (3.0, 1.0), (12.0, 2.5)])
def test_mixture_quantiles_are_those_of_the_mixture(chance, alive_mean, phi):
    """Worked out from the mixture's own CDF, (1 − π) + π · F(k), by scanning whole units."""
    counts = np.arange(200)
    if phi == 1.0:
        cdf = stats.poisson.cdf(counts, alive_mean)
    else:
        size = alive_mean / (phi - 1)
        cdf = stats.nbinom.cdf(counts, size, 1 / phi)
    mixed = (1 - chance) + chance * cdf
    mean = np.array([chance * alive_mean])
    for p in (0.1, 0.5, 0.8, 0.9, 0.95, 0.99):
        expected = int(np.argmax(mixed >= p))
        assert mixture_quantile(integer_quantile, mean, phi, p, np.array([chance]))[0] == expected
        smooth = mixture_quantile(smooth_quantile, mean, phi, p, np.array([chance]))[0]
        assert max(expected - 1, 0) <= smooth <= expected


def test_period_quantiles_follow_the_mixture():
    values, _ = parts_with_dead_ones()
    values[0] = 3.0
    values[0, 24:] = 0.0
    result = forecast(long_frame(values), 3)
    table = period_quantiles(result, levels=(0.1, 0.9), whole_units=True).set_index("unique_id")
    assert (table.loc["P0000", "q90"] == 0).all()
    rows = result.forecasts.set_index("unique_id")
    assert np.allclose(period_quantiles(result, levels=(0.1, 0.9)).set_index("unique_id").loc["P0000", "q90"],
                       rows.loc["P0000", "hi"])


def test_long_histories_are_read_in_blocks_and_silence_still_counts():
    """Daily-like series of 500 periods: blocks of 4 periods; the longer the silence, the lower the chance."""
    rng = np.random.default_rng(8)
    values = (rng.random((400, 500)) < 0.3).astype(float)
    stopped = rng.random(400) < 0.3
    values[stopped, 250:] = 0.0
    for row, silent in ((0, 40), (1, 160), (2, 300), (3, 450)):
        values[row] = (np.arange(500) % 25 == 0).astype(float)  # a slow mover: one sale every 25 periods
        values[row, 500 - silent:] = 0.0
    occ = occurrences(list(values))
    last_sale = [max(i for i in range(500 - s) if i % 25 == 0) for s in (40, 160, 300, 450)]
    assert occ.block == 4 and occ.silent[:4].tolist() == [499 - i for i in last_sale]
    model = fit(occ)
    assert model is not None and model.stop_rate > 0.0005
    chances = model.alive(occ, 6)
    assert chances.shape == (400, 6)
    first = chances[:4, 0]
    assert first[0] > first[1] > first[2] >= first[3] and first[3] < 0.01
    assert (chances[:, :4] == chances[:, :1]).all()  # one block: the same chance for its four periods


def test_a_genuine_slow_mover_keeps_its_forecast_where_nothing_stops():
    """Parts selling at rates from one a year to several a month, none stopping: one sale 25 months
    ago, or three a year apart, is what a slow mover does, not a sign of a stopped part."""
    rng = np.random.default_rng(0)
    values = rng.poisson(rng.gamma(0.5, 0.6, 450)[:, None] * np.ones((1, 36))).astype(float)
    values[0] = 0.0
    values[0, 10] = 1.0
    values[1] = 0.0
    values[1, [4, 15, 27]] = 1.0
    occ = occurrences(list(values))
    model = fit(occ)
    assert model is not None and model.stop_rate < 1e-3
    assert (model.alive(occ, 3)[:2] > 0.99).all()


def test_an_interval_always_holds_its_forecast_even_for_a_mixture():
    from partspool.core.forecasting.intervals import interval

    mean = np.array([920.0, 3.0, 0.2])
    lo, hi = interval(mean, 1.0, 0.8, chance=np.array([0.92, 0.3, 0.5]))
    assert (lo <= mean).all() and (mean <= hi).all()
    assert lo[0] == 920.0  # the mixture's 10% quantile (934.6) lies above its mean: the interval reaches down
