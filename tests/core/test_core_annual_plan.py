"""The annual plan: base from last year, growth, the out-of-warranty cohort, heat waves, recalls."""

from __future__ import annotations

import pytest

from partspool.core.annual_plan import PartHistory, Scenario, annual_plan, history_growth

MONTHS = list(range(1, 13)) * 2


def _part(part="BRK-PAD-F01", category="brakes", before=10.0, last=None):
    last = last or [12.0] * 12
    return PartHistory(part=part, category=category, months=MONTHS, demand=[before] * 12 + last)


def test_base_case_follows_last_year_times_the_historys_growth():
    (line,) = annual_plan([_part()])
    assert line.growth == pytest.approx(1.2)  # 144 / 120
    assert line.months == pytest.approx([12 * 1.2] * 12)
    assert line.total == pytest.approx(172.8) and line.change == pytest.approx(0.2)
    assert "growth ×1.200" in line.explain()


def test_seasonal_month_is_smoothed_toward_the_mean():
    last = [0.0] * 12
    last[6] = 12.0  # all of last year's demand in July
    (line,) = annual_plan([_part(last=last)], Scenario(parc_growth=0.0))
    assert line.months[6] == pytest.approx(0.7 * 12 + 0.3 * 1)  # weight 0.7 toward July, 0.3 toward the mean
    assert line.months[0] == pytest.approx(0.3 * 1)
    assert line.total == pytest.approx(12)


def test_switches_growth_lower_cohort_heat_and_recall():
    ac = _part("AC-CMP-E01", "air_conditioning")
    pads = _part()
    s = Scenario(parc_growth=0.10, growth_lower=True, cohort_share=0.2, heat_waves=True,
                 recall_parts=frozenset({"AC-CMP-E01"}), recall_units=24)
    lines = {line.part: line for line in annual_plan([ac, pads], s)}
    assert lines["BRK-PAD-F01"].growth == pytest.approx(1.05)
    assert lines["BRK-PAD-F01"].months[0] == pytest.approx(12 * 1.05 * (1 + 0.2 * 0.3))
    assert lines["AC-CMP-E01"].cohort == 0  # not a wear part
    assert lines["AC-CMP-E01"].months[6] == pytest.approx(12 * 1.05 * 1.25 + 2)
    assert lines["AC-CMP-E01"].months[0] == pytest.approx(12 * 1.05 + 2)


def test_bad_settings_and_history_are_refused():
    with pytest.raises(ValueError, match="12 months"):
        PartHistory(part="X", category="brakes", months=[1, 2], demand=[1.0, 2.0])
    with pytest.raises(ValueError, match="0 or more"):
        PartHistory(part="X", category="brakes", months=list(range(1, 13)), demand=[-1.0] * 12)
    with pytest.raises(ValueError):
        Scenario(summer_shift=3)
    with pytest.raises(ValueError):
        Scenario(cohort_share=1.5)
    assert history_growth([], (0.8, 1.3)) == 1.0


def test_an_earlier_summer_moves_the_peak_a_month_earlier():
    last = [1.0] * 12
    last[6] = 13.0  # July peak
    ac = _part("AC-CMP-E01", "air_conditioning", last=last)  # only a heat category's summer comes earlier
    (line,) = annual_plan([ac], Scenario(parc_growth=0.0, summer_shift=1, seasonal_weight=1.0))
    assert line.months[5] == pytest.approx(13.0)  # June now has July's profile


def test_a_growth_held_within_the_limits_is_said_with_what_the_history_showed():
    from partspool.core.annual_plan import PartHistory, Scenario, annual_plan

    history = [PartHistory(part="P1", category="brakes", months=[*range(1, 13), *range(1, 13)],
                           demand=[10.0] * 12 + [20.0] * 12)]
    line = annual_plan(history, Scenario())[0]
    assert line.growth == 1.3 and line.growth_measured == 2.0
    assert "growth ×1.300 (the history's ×2.000, held within the plan's limits)" in line.explain()
    steady = annual_plan([PartHistory(part="P1", category="brakes", months=[*range(1, 13), *range(1, 13)],
                                      demand=[10.0] * 12 + [11.0] * 12)], Scenario())[0]
    assert steady.growth_measured is None and "held" not in steady.explain()
    assert annual_plan(history, Scenario(parc_growth=0.1))[0].growth_measured is None  # a scenario's own growth
