"""An earlier summer moves a heat part's peak earlier without adding demand; other parts keep theirs."""

from __future__ import annotations

import pytest

from partspool.core.annual_plan import PartHistory, Scenario, annual_plan, summer_earlier

MONTHS = list(range(1, 13)) * 2
#                J    F    M    A    M    J    J     A     S    O    N    D
AC_PROFILE = [2.0, 2.0, 3.0, 4.0, 6.0, 9.0, 14.0, 12.0, 7.0, 4.0, 2.0, 2.0]  # July peak
WIPERS = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 8.0, 8.0, 8.0, 1.0, 0.0, 0.0]  # typhoon season Jul–Sep


def _part(part: str, category: str, last: list[float]) -> PartHistory:
    return PartHistory(part=part, category=category, months=MONTHS, demand=last + last)  # growth 1 from history


def _plan(part: PartHistory, **switches: object):
    (line,) = annual_plan([part], Scenario(parc_growth=0.0, **switches))  # type: ignore[arg-type]
    return line


@pytest.mark.parametrize("shift", [1, 2])
@pytest.mark.parametrize("weight", [1.0, 0.7, 0.0])
def test_an_earlier_summer_keeps_a_heat_parts_annual_total(shift, weight):
    ac = _part("AC-CMP-E01", "air_conditioning", AC_PROFILE)
    base = _plan(ac, seasonal_weight=weight)
    shifted = _plan(ac, seasonal_weight=weight, summer_shift=shift)
    assert shifted.total == pytest.approx(base.total)
    assert shifted.total == pytest.approx(sum(AC_PROFILE), abs=0.01)  # months are rounded to 3 decimals
    assert shifted.months[:3] == base.months[:3] and shifted.months[10:] == base.months[10:]  # winter untouched


@pytest.mark.parametrize("shift", [1, 2])
def test_the_peak_month_moves_earlier_by_the_shift(shift):
    ac = _part("AC-CMP-E01", "air_conditioning", AC_PROFILE)
    shifted = _plan(ac, seasonal_weight=1.0, summer_shift=shift)
    assert shifted.months.index(max(shifted.months)) == 6 - shift  # July → June (1) or May (2)
    assert shifted.months[6 - shift:9 - shift] == pytest.approx(AC_PROFILE[6:9])  # the peak months move as a block
    assert shifted.summer_shift == shift and shifted.factors["summer_shift"] == shift


def test_a_part_outside_the_heat_categories_keeps_its_season():
    wipers = _part("WIP-BLD-F01", "wipers", WIPERS)
    base = _plan(wipers)
    shifted = _plan(wipers, summer_shift=2)
    assert shifted.months == base.months and shifted.total == pytest.approx(sum(WIPERS))  # 33 units, not 40
    assert shifted.summer_shift == 0 and shifted.factors["summer_shift"] == 0
    assert "earlier" not in shifted.explain()


@pytest.mark.parametrize("shift", [1, 2])
def test_heat_waves_raise_the_shifted_hot_months(shift):
    ac = _part("AC-CMP-E01", "air_conditioning", AC_PROFILE)
    calm = _plan(ac, seasonal_weight=1.0, summer_shift=shift)
    hot = _plan(ac, seasonal_weight=1.0, summer_shift=shift, heat_waves=True)
    raised = {m + 1 for m in range(12) if hot.months[m] != pytest.approx(calm.months[m])}
    assert raised == {6 - shift, 7 - shift, 8 - shift}  # Jun–Aug moved earlier with the summer
    for m in raised:
        assert hot.months[m - 1] == pytest.approx(calm.months[m - 1] * 1.25)
    assert max(hot.months) == pytest.approx(14.0 * 1.25)  # the new peak gets the uplift


def test_the_rotation_only_exchanges_months_of_the_season_window():
    profile = [float(m) for m in range(1, 13)]
    assert summer_earlier(profile, 0) == profile
    assert summer_earlier(profile, 1) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 4, 11, 12]
    assert summer_earlier(profile, 2) == [1, 2, 3, 6, 7, 8, 9, 10, 4, 5, 11, 12]


def test_the_reason_mentions_an_earlier_summer():
    from django.utils import translation

    from partspool.planning.explain import plan_reason

    ac = _part("AC-CMP-E01", "air_conditioning", AC_PROFILE)
    with translation.override("en"):
        assert "summer 1 month earlier" in plan_reason(_plan(ac, summer_shift=1))
        assert "summer 2 months earlier" in plan_reason(_plan(ac, summer_shift=2))
        assert "earlier" not in plan_reason(_plan(ac))
        assert "earlier" not in plan_reason(_plan(_part("WIP-BLD-F01", "wipers", WIPERS), summer_shift=2))
    assert "summer 2 months earlier" in _plan(ac, summer_shift=2).explain()
