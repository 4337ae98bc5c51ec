"""The SOP clocks of an emergency case (partspool.core.clocks): what is due, done, late or overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partspool.core.clocks import CaseEvents, Clock, ClockCode, ClockRules, ClockState, clocks
from partspool.core.triage import Level, default_grants

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2024, 6, 14, 16, 0, tzinfo=SHANGHAI)  # Friday 4 pm, as in the source
GRANTS = default_grants()
NO_EVENTS = CaseEvents()


def at(minutes: float = 0, hours: float = 0) -> datetime:
    return OPENED + timedelta(minutes=minutes, hours=hours)


def by_code(result: list[Clock]) -> dict[ClockCode, Clock]:
    return {c.code: c for c in result}


def run(now: datetime, level: Level = Level.ONE, events: CaseEvents = NO_EVENTS,
        rules: ClockRules | None = None) -> dict[ClockCode, Clock]:
    return by_code(clocks(OPENED, now, level, GRANTS[level], events, rules))


def test_clocks_come_in_sop_order():
    assert [c.code for c in clocks(OPENED, OPENED, Level.ONE, GRANTS[Level.ONE], NO_EVENTS)] == list(ClockCode)


def test_level_1_due_times_at_opening():
    c = run(OPENED)
    assert c[ClockCode.ASSESS].due_at == at(minutes=5)
    assert c[ClockCode.START_SOURCING].due_at == at(minutes=10)
    assert c[ClockCode.SOURCE_FOUND].due_at == at(hours=2)
    assert c[ClockCode.ARRIVAL].due_at == at(hours=24)
    assert c[ClockCode.CUSTOMER_UPDATE].due_at == at(hours=1)
    assert all(clock.state == ClockState.RUNNING for clock in c.values())
    assert c[ClockCode.ASSESS].minutes_left == 5 and c[ClockCode.ARRIVAL].minutes_left == 24 * 60


def test_level_2_limits_and_two_hour_updates():
    c = run(OPENED, Level.TWO)
    assert c[ClockCode.SOURCE_FOUND].due_at == at(hours=24)
    assert c[ClockCode.ARRIVAL].due_at == at(hours=72)
    assert c[ClockCode.CUSTOMER_UPDATE].due_at == at(hours=2)


def test_level_3_has_no_search_deadline():
    c = run(at(hours=100), Level.THREE)
    found = c[ClockCode.SOURCE_FOUND]
    assert (found.state, found.due_at, found.minutes_left) == (ClockState.NOT_APPLICABLE, None, None)
    assert c[ClockCode.ARRIVAL].due_at == at(hours=168)
    assert c[ClockCode.CUSTOMER_UPDATE].due_at == at(hours=2)


def test_level_3_update_interval_is_a_setting():
    c = run(OPENED, Level.THREE, rules=ClockRules(update_every_hours_level3=24))
    assert c[ClockCode.CUSTOMER_UPDATE].due_at == at(hours=24)
    assert run(OPENED, Level.TWO, rules=ClockRules(update_every_hours_level3=24))[
        ClockCode.CUSTOMER_UPDATE].due_at == at(hours=2)


def test_done_on_time_and_exactly_at_the_due_time():
    events = CaseEvents(assessed_at=at(minutes=3), sourcing_started_at=at(minutes=10))
    c = run(at(minutes=30), events=events)
    assert (c[ClockCode.ASSESS].state, c[ClockCode.ASSESS].done_at) == (ClockState.DONE, at(minutes=3))
    assert c[ClockCode.START_SOURCING].state == ClockState.DONE  # exactly at 10 minutes is on time
    assert c[ClockCode.ASSESS].minutes_left is None


def test_done_late():
    events = CaseEvents(assessed_at=at(minutes=6), source_found_at=at(hours=2, minutes=1),
                        arrived_at=at(hours=25))
    c = run(at(hours=30), events=events)
    assert c[ClockCode.ASSESS].state == ClockState.DONE_LATE
    assert c[ClockCode.SOURCE_FOUND].state == ClockState.DONE_LATE
    assert c[ClockCode.ARRIVAL].state == ClockState.DONE_LATE


def test_running_until_the_due_moment_then_overdue():
    assert run(at(minutes=5))[ClockCode.ASSESS].state == ClockState.RUNNING
    assert run(at(minutes=5))[ClockCode.ASSESS].minutes_left == 0
    late = run(at(minutes=7))[ClockCode.ASSESS]
    assert late.state == ClockState.OVERDUE and late.minutes_left == -2


def test_overdue_search_and_arrival():
    c = run(at(hours=25))
    assert c[ClockCode.SOURCE_FOUND].state == ClockState.OVERDUE
    assert c[ClockCode.SOURCE_FOUND].minutes_left == -23 * 60
    assert c[ClockCode.ARRIVAL].state == ClockState.OVERDUE and c[ClockCode.ARRIVAL].minutes_left == -60


def test_the_next_update_is_due_an_interval_after_the_last_one():
    events = CaseEvents(last_customer_update_at=at(hours=3, minutes=30))
    update = run(at(hours=4), events=events)[ClockCode.CUSTOMER_UPDATE]
    assert update.due_at == at(hours=4, minutes=30) and update.state == ClockState.RUNNING
    assert update.done_at == at(hours=3, minutes=30) and update.minutes_left == 30


def test_a_missed_update_is_overdue_and_counts_down_below_zero():
    events = CaseEvents(last_customer_update_at=at(hours=1))
    update = run(at(hours=3, minutes=15), events=events)[ClockCode.CUSTOMER_UPDATE]
    assert update.state == ClockState.OVERDUE and update.minutes_left == -75


def test_no_update_yet_counts_from_the_opening():
    update = run(at(hours=1, minutes=1), Level.ONE)[ClockCode.CUSTOMER_UPDATE]
    assert update.due_at == at(hours=1) and update.state == ClockState.OVERDUE and update.done_at is None


def test_updates_stop_once_the_part_arrives():
    events = CaseEvents(last_customer_update_at=at(hours=4), arrived_at=at(hours=4, minutes=30))
    update = run(at(hours=10), events=events)[ClockCode.CUSTOMER_UPDATE]
    assert (update.state, update.done_at, update.minutes_left) == (ClockState.DONE, at(hours=4, minutes=30), None)


def test_arrival_after_a_missed_update_ends_the_clock_late():
    events = CaseEvents(last_customer_update_at=at(hours=1), arrived_at=at(hours=5))
    assert run(at(hours=10), events=events)[ClockCode.CUSTOMER_UPDATE].state == ClockState.DONE_LATE


def test_the_sources_friday_evening():
    # Opened 4:00 pm, calls at 4:10, source found 4:30, part on the road 5:30, delivered 9:00 pm.
    events = CaseEvents(assessed_at=at(minutes=4), sourcing_started_at=at(minutes=10),
                        source_found_at=at(minutes=30), last_customer_update_at=at(hours=4, minutes=30),
                        arrived_at=at(hours=5))
    c = run(at(hours=6), events=events)
    assert [c[code].state for code in ClockCode] == [ClockState.DONE] * 5


def test_custom_timers():
    rules = ClockRules(assess_minutes=15, start_sourcing_minutes=30, update_every_hours_level1=0.5,
                       update_every_hours_other=4)
    c = run(OPENED, rules=rules)
    assert c[ClockCode.ASSESS].due_at == at(minutes=15)
    assert c[ClockCode.START_SOURCING].due_at == at(minutes=30)
    assert c[ClockCode.CUSTOMER_UPDATE].due_at == at(minutes=30)
    assert run(OPENED, Level.TWO, rules=rules)[ClockCode.CUSTOMER_UPDATE].due_at == at(hours=4)


@pytest.mark.parametrize("kwargs", [
    {"assess_minutes": 0}, {"start_sourcing_minutes": -1}, {"update_every_hours_level1": 0},
    {"update_every_hours_other": -2}, {"update_every_hours_level3": 0},
])
def test_nonsense_timers_are_refused(kwargs):
    with pytest.raises(ValueError):
        ClockRules(**kwargs)


def test_naive_datetimes_are_refused():
    naive = datetime(2024, 6, 14, 16, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="opened_at"):
        clocks(naive, OPENED, Level.ONE, GRANTS[Level.ONE], NO_EVENTS)
    with pytest.raises(ValueError, match="now"):
        clocks(OPENED, naive, Level.ONE, GRANTS[Level.ONE], NO_EVENTS)
    with pytest.raises(ValueError, match="arrived_at"):
        CaseEvents(arrived_at=naive)


def test_due_times_are_in_the_zone_of_the_opening_and_mix_zones_safely():
    c = run(OPENED.astimezone(UTC) + timedelta(minutes=1))
    assert c[ClockCode.ASSESS].due_at is not None and c[ClockCode.ASSESS].due_at.tzinfo is SHANGHAI
    assert c[ClockCode.ASSESS].minutes_left == 4


def test_limits_are_elapsed_hours_across_a_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    opened = datetime(2024, 3, 30, 12, 0, tzinfo=berlin)  # clocks go forward in the night
    arrival = by_code(clocks(opened, opened, Level.ONE, GRANTS[Level.ONE], NO_EVENTS))[ClockCode.ARRIVAL]
    assert arrival.due_at is not None
    assert arrival.due_at.astimezone(UTC) - opened.astimezone(UTC) == timedelta(hours=24)
    assert arrival.due_at.hour == 13  # 24 elapsed hours later, the wall clock shows 13:00
    assert arrival.minutes_left == 24 * 60


def test_a_step_done_in_the_repeated_autumn_hour_is_judged_by_elapsed_time():
    berlin = ZoneInfo("Europe/Berlin")
    opened = datetime(2024, 10, 27, 2, 20, tzinfo=berlin)  # first 02:20 (summer time)
    second_0224 = datetime(2024, 10, 27, 2, 24, fold=1, tzinfo=berlin)  # an hour and 4 minutes later
    result = by_code(clocks(opened, opened, Level.ONE, GRANTS[Level.ONE], CaseEvents(assessed_at=second_0224)))
    assert result[ClockCode.ASSESS].state == ClockState.DONE_LATE


@given(st.integers(-600, 60 * 200), st.sampled_from(Level))
def test_open_clocks_are_running_exactly_when_minutes_are_left(offset_minutes, level):
    for clock in clocks(OPENED, at(minutes=offset_minutes), level, GRANTS[level], NO_EVENTS):
        if clock.state == ClockState.NOT_APPLICABLE:
            continue
        assert clock.minutes_left is not None
        assert (clock.state == ClockState.RUNNING) == (clock.minutes_left >= 0)
        assert (clock.state == ClockState.OVERDUE) == (clock.minutes_left < 0)
