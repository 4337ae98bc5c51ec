"""The overdue ladder (partspool.core.escalation): which reminder, request or claim goes out when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.escalation import (
    LadderRules,
    LadderRun,
    Step,
    days_late,
    ladder,
    recall_deadline,
    steps_to_run,
)

DUE = date(2026, 11, 20)
NOTHING_DONE: frozenset[Step] = frozenset()
ALL_STEPS = tuple(Step)


def day(offset: int) -> date:
    """The day ``offset`` days after the due date (negative before it)."""
    return DUE + timedelta(days=offset)


# --- the ladder as dates ----------------------------------------------------------------------


def test_default_ladder_follows_the_spec_week_before_to_week_late():
    assert ladder(DUE) == [
        (Step.PREPARE, date(2026, 11, 13)),
        (Step.FRIENDLY, date(2026, 11, 17)),
        (Step.FORMAL, date(2026, 11, 20)),
        (Step.ESCALATE, date(2026, 11, 23)),
        (Step.CLAIM, date(2026, 11, 27)),
    ]


def test_ladder_is_in_step_order_with_strictly_increasing_dates():
    steps = ladder(DUE)
    assert [s for s, _ in steps] == list(Step)
    dates = [d for _, d in steps]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)


def test_ladder_crosses_month_and_year_ends():
    assert dict(ladder(date(2026, 12, 28)))[Step.CLAIM] == date(2027, 1, 4)
    assert dict(ladder(date(2027, 3, 1)))[Step.PREPARE] == date(2027, 2, 22)


def test_ladder_uses_custom_offsets():
    rules = LadderRules(prepare_days_before=10, friendly_days_before=2, formal_days_after=1,
                        escalate_days_after=5, claim_days_after=14)
    assert [d for _, d in ladder(DUE, rules)] == [day(-10), day(-2), day(1), day(5), day(14)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prepare_days_before": -1},
        {"claim_days_after": -7},
        {"prepare_days_before": 2, "friendly_days_before": 3},
        {"prepare_days_before": 3, "friendly_days_before": 3},
        {"friendly_days_before": 0, "formal_days_after": 0},
        {"escalate_days_after": 0},
        {"formal_days_after": 4, "escalate_days_after": 3},
        {"claim_days_after": 3},
        {"claim_days_after": 2},
    ],
)
def test_inconsistent_ladder_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        LadderRules(**kwargs)


def test_formal_request_may_come_after_the_due_date_if_the_friendly_reminder_is_on_it():
    rules = LadderRules(friendly_days_before=0, formal_days_after=1, escalate_days_after=3)
    assert dict(ladder(DUE, rules))[Step.FRIENDLY] == DUE


# --- which steps run today --------------------------------------------------------------------


def test_nothing_runs_before_the_prepare_date():
    assert steps_to_run(DUE, day(-8), NOTHING_DONE) == LadderRun(send=(), skip=())


def test_prepare_reminder_goes_out_exactly_a_week_before_due():
    assert steps_to_run(DUE, day(-7), NOTHING_DONE) == LadderRun(send=(Step.PREPARE,), skip=())


def test_friendly_reminder_goes_out_exactly_three_days_before_due():
    assert steps_to_run(DUE, day(-3), {Step.PREPARE}) == LadderRun(send=(Step.FRIENDLY,), skip=())


def test_formal_request_goes_out_exactly_on_the_due_date():
    done = {Step.PREPARE, Step.FRIENDLY}
    assert steps_to_run(DUE, DUE, done) == LadderRun(send=(Step.FORMAL,), skip=())


def test_no_escalation_two_days_late():
    done = {Step.PREPARE, Step.FRIENDLY, Step.FORMAL}
    assert steps_to_run(DUE, day(2), done) == LadderRun(send=(), skip=())


def test_escalation_exactly_three_days_late():
    done = {Step.PREPARE, Step.FRIENDLY, Step.FORMAL}
    assert steps_to_run(DUE, day(3), done) == LadderRun(send=(Step.ESCALATE,), skip=())


def test_claim_exactly_seven_days_late_and_not_at_six():
    done = {Step.PREPARE, Step.FRIENDLY, Step.FORMAL, Step.ESCALATE}
    assert steps_to_run(DUE, day(6), done) == LadderRun(send=(), skip=())
    assert steps_to_run(DUE, day(7), done) == LadderRun(send=(Step.CLAIM,), skip=())


def test_running_twice_the_same_day_sends_nothing_the_second_time():
    first = steps_to_run(DUE, DUE, NOTHING_DONE)
    done = frozenset(first.send) | frozenset(first.skip)
    assert steps_to_run(DUE, DUE, done) == LadderRun(send=(), skip=())


def test_nothing_is_left_once_every_step_is_done():
    assert steps_to_run(DUE, day(30), frozenset(Step)) == LadderRun(send=(), skip=())


def test_first_run_three_days_before_due_sends_only_the_friendly_reminder():
    assert steps_to_run(DUE, day(-3), NOTHING_DONE) == LadderRun(send=(Step.FRIENDLY,), skip=(Step.PREPARE,))


def test_late_job_sends_formal_and_escalation_but_skips_stale_reminders():
    run = steps_to_run(DUE, day(4), NOTHING_DONE)
    assert run == LadderRun(send=(Step.FORMAL, Step.ESCALATE), skip=(Step.PREPARE, Step.FRIENDLY))


def test_job_down_for_the_whole_ladder_sends_formal_escalation_and_claim_in_order():
    run = steps_to_run(DUE, day(10), NOTHING_DONE)
    assert run.send == (Step.FORMAL, Step.ESCALATE, Step.CLAIM)
    assert run.skip == (Step.PREPARE, Step.FRIENDLY)


def test_missed_friendly_reminder_is_skipped_once_the_due_date_has_come():
    run = steps_to_run(DUE, DUE, {Step.PREPARE})
    assert run == LadderRun(send=(Step.FORMAL,), skip=(Step.FRIENDLY,))


def test_a_reminder_is_skipped_even_if_the_later_step_was_already_recorded():
    # Someone sent the formal request by hand; the prepare reminder is stale all the same.
    run = steps_to_run(DUE, day(1), {Step.FORMAL})
    assert run == LadderRun(send=(), skip=(Step.PREPARE, Step.FRIENDLY))


def test_done_may_be_a_set_or_a_frozenset():
    assert steps_to_run(DUE, day(-7), set()) == steps_to_run(DUE, day(-7), frozenset())


# --- properties over any sequence of run days -------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)


@st.composite
def ladder_rules(draw: st.DrawFn) -> LadderRules:
    friendly = draw(st.integers(0, 10))
    prepare = friendly + draw(st.integers(1, 10))
    formal = draw(st.integers(0 if friendly > 0 else 1, 5))
    escalate = formal + draw(st.integers(1, 10))
    claim = escalate + draw(st.integers(1, 10))
    return LadderRules(prepare_days_before=prepare, friendly_days_before=friendly,
                       formal_days_after=formal, escalate_days_after=escalate, claim_days_after=claim)


run_days = st.lists(st.integers(-25, 40), max_size=15)


def simulate(rules: LadderRules, offsets: list[int]) -> tuple[list[Step], list[Step]]:
    """Run the job on each day (sorted), recording sends and skips; returns everything handled."""
    done: set[Step] = set()
    sent: list[Step] = []
    skipped: list[Step] = []
    for offset in sorted(offsets):
        run = steps_to_run(DUE, day(offset), done, rules)
        sent.extend(run.send)
        skipped.extend(run.skip)
        done |= set(run.send) | set(run.skip)
    return sent, skipped


@PROPERTY_SETTINGS
@given(ladder_rules(), run_days)
def test_every_step_is_sent_or_skipped_at_most_once_over_any_run_days(rules, offsets):
    sent, skipped = simulate(rules, offsets)
    handled = sent + skipped
    assert len(handled) == len(set(handled))


@PROPERTY_SETTINGS
@given(ladder_rules(), run_days)
def test_formal_escalation_and_claim_are_never_skipped(rules, offsets):
    _sent, skipped = simulate(rules, offsets)
    assert set(skipped) <= {Step.PREPARE, Step.FRIENDLY}


@PROPERTY_SETTINGS
@given(ladder_rules(), run_days)
def test_a_run_on_or_after_the_claim_date_accounts_for_every_step(rules, offsets):
    claim_offset = rules.claim_days_after
    sent, skipped = simulate(rules, [*offsets, claim_offset])
    assert set(sent) | set(skipped) == set(Step)
    assert {Step.FORMAL, Step.ESCALATE, Step.CLAIM} <= set(sent)


@PROPERTY_SETTINGS
@given(ladder_rules(), st.integers(-25, 40), st.sets(st.sampled_from(ALL_STEPS)))
def test_a_run_returns_each_step_at_most_once_in_ladder_order_and_never_a_done_one(rules, offset, done):
    run = steps_to_run(DUE, day(offset), done, rules)
    order = list(Step)
    for part in (run.send, run.skip):
        assert list(part) == sorted(part, key=order.index)
    assert not (set(run.send) | set(run.skip)) & done
    assert not set(run.send) & set(run.skip)
    dates = dict(ladder(DUE, rules))
    assert all(dates[s] <= day(offset) for s in run.send + run.skip)


@PROPERTY_SETTINGS
@given(ladder_rules())
def test_running_every_day_sends_every_step_and_skips_none(rules):
    sent, skipped = simulate(rules, list(range(-rules.prepare_days_before - 2, rules.claim_days_after + 2)))
    assert sent == list(Step)
    assert skipped == []


# --- recall -----------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_recalled_parts_are_due_back_within_24_hours():
    recalled = datetime(2026, 11, 3, 15, 30, tzinfo=SHANGHAI)
    assert recall_deadline(recalled) == datetime(2026, 11, 4, 15, 30, tzinfo=SHANGHAI)


def test_recall_deadline_keeps_the_zone_and_accepts_other_windows():
    recalled = datetime(2026, 11, 3, 15, 30, tzinfo=timezone(timedelta(hours=8)))
    deadline = recall_deadline(recalled, hours=48)
    assert deadline == recalled + timedelta(hours=48)
    assert deadline.utcoffset() == timedelta(hours=8)


def test_recall_deadline_is_24_elapsed_hours_across_a_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    recalled = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)  # clocks go forward the next night
    deadline = recall_deadline(recalled)
    assert deadline.astimezone(UTC) - recalled.astimezone(UTC) == timedelta(hours=24)
    assert deadline.tzinfo is berlin


def test_recall_deadline_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        recall_deadline(datetime(2026, 11, 3, 15, 30))  # noqa: DTZ001 - the naive datetime is the point


def test_recall_deadline_refuses_negative_hours():
    with pytest.raises(ValueError):
        recall_deadline(datetime(2026, 11, 3, tzinfo=UTC), hours=-1)


# --- days late --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("returned_on", "today", "expected"),
    [
        (None, day(-2), 0),  # not yet due
        (None, DUE, 0),  # due today, still out: not late yet
        (None, day(3), 3),  # still out, three days late
        (day(-1), day(10), 0),  # returned early
        (DUE, day(10), 0),  # returned exactly on the due date
        (day(7), day(30), 7),  # returned a week late; today does not matter any more
    ],
)
def test_days_late(returned_on, today, expected):
    assert days_late(DUE, returned_on, today) == expected
