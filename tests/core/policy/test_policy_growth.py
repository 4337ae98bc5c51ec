"""The demand of a growing network carried forward to the periods a level protects (panel_growth /
project_growth), so the levels of a network growing 25% a year do not run a third short."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partspool.core.policy import ServiceLevelPolicy, StockRules, estimate_demand, simulate
from partspool.core.policy.demand import panel_growth, project_growth


def growing(series: int, months: int, monthly: float, seed: int) -> np.ndarray:
    """Poisson demand with means 0.5-8 growing by ``monthly`` a month."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    means = rng.uniform(0.5, 8.0, series)[:, None] * (1 + monthly) ** (t - months + 1)[None, :]
    return rng.poisson(means).astype(float)


def test_the_sets_growth_is_its_last_year_over_the_year_before_clipped():
    counts = growing(200, 36, 0.02, seed=1)
    assert panel_growth(list(counts), 12) == pytest.approx(1.02**12, rel=0.03)
    assert panel_growth(list(growing(200, 36, 0.0, seed=2)), 12) == 1.0  # within chance: no growth at all
    assert panel_growth(list(growing(200, 36, 0.05, seed=3)), 12) == 1.3  # clipped to the rules' 1.3
    assert panel_growth(list(counts[:29]), 12) == 1.0  # fewer than 30 series with two years
    assert panel_growth(list(counts[:, :23]), 12) == 1.0  # none has two years
    assert panel_growth([np.zeros(24)] * 40, 12) == 1.0  # no demand the year before
    with pytest.raises(ValueError, match="growth_clip"):
        StockRules(growth_clip=(1.1, 1.3))
    with pytest.raises(ValueError, match="growth_p_value"):
        StockRules(growth_p_value=0)


def test_a_flat_set_read_from_two_noisy_years_is_not_grown():
    """Lumpy flat demand moves a few percent between two years by chance; that is not growth."""
    for seed in range(5):
        rng = np.random.default_rng(seed)
        counts = rng.negative_binomial(1.0, 1 / 4.0, (300, 36)).astype(float)  # mean 3, very lumpy
        assert panel_growth(list(counts), 12) == 1.0


def test_a_grown_mean_rises_period_by_period_from_the_middle_of_the_history():
    model = estimate_demand([4.0] * 24)
    [grown] = project_growth([model], 1.21, 12)
    means = grown.period_means(None, 3)
    assert means[0] == pytest.approx(4.0 * 1.21 ** (12.5 / 12))  # 11.5 periods to the end, then 1 more
    assert means[2] / means[0] == pytest.approx(1.21 ** (2 / 12))
    assert "growing x1.21 a year" in grown.describe()
    # the year the stock serves: its demand value (for turnover) is next year's, not the history's average
    assert grown.year_ahead_mean == pytest.approx(np.mean(grown.period_means(None, 12)))
    assert grown.year_ahead_mean > 4.0 * 1.21 and model.year_ahead_mean == model.mean
    assert project_growth([model], 1.0, 12)[0] is model
    assert project_growth([estimate_demand([0.0] * 24)], 1.21, 12)[0].growth == 1.0  # nothing to grow


def test_a_growing_network_reaches_its_target_held_out_only_with_growth_carried_forward():
    counts = growing(300, 36, 0.02, seed=4)
    stamps = pd.date_range("2022-01-01", periods=36, freq="MS")
    frame = pd.concat([pd.DataFrame({"unique_id": f"p{i:03d}", "ds": stamps, "y": c}) for i, c in enumerate(counts)])
    flat = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1,
                    rules=StockRules(project_growth=False))
    grown = simulate(frame, holdout=12, policy=ServiceLevelPolicy(0.95), lead_time=1)
    assert flat.fill_rate < 0.93 and grown.fill_rate >= 0.95
    assert "changing x1.2" in grown.details[0].model


def test_a_frame_with_repeated_index_labels_is_read_by_its_rows():
    """Frames concatenated without ignore_index repeat their labels; the rows still count as they are."""
    stamps = pd.date_range("2022-01-01", periods=24, freq="MS")
    parts = [pd.DataFrame({"unique_id": f"p{i}", "ds": stamps, "y": [i + 1] * 24}) for i in range(3)]
    glued = pd.concat(parts)  # index 0..23 three times
    result = simulate(glued, holdout=6, policy=ServiceLevelPolicy(0.95), lead_time=1)
    assert result.series == 3 and result.demanded == 6 * (1 + 2 + 3)


def test_zeros_before_a_part_existed_do_not_read_as_growth():
    """Flat demand, but most series start in the second half of the year before (zero-padded before)."""
    rng = np.random.default_rng(9)
    counts = rng.poisson(5.0, (100, 36)).astype(float)
    counts[:70, :18] = 0.0  # 70 parts appear in month 18 of 36, halfway through the year before
    assert panel_growth(list(counts), 12) == pytest.approx(1.0, abs=0.05)  # the 30 selling all along
    assert panel_growth(list(counts[:60]), 12) == 1.0  # too few series were selling early enough
