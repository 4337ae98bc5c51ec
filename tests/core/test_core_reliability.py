"""The credit record (partspool.core.reliability): each node as lender and borrower, and the first-deal cap."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.reliability import (
    LoanRecord,
    Reliability,
    ReliabilityRules,
    first_deal_cap,
    is_on_time,
    reliability,
    reliability_all,
)

TODAY = date(2026, 11, 20)
DUE = date(2026, 11, 10)
LENDER, BORROWER, OTHER = 1, 2, 3


def loan(
    lender: int = LENDER,
    borrower: int = BORROWER,
    *,
    due: date | None = DUE,
    back: int | None = None,
    closed: bool | None = None,
    disputed: bool = False,
    lost: bool = False,
) -> LoanRecord:
    """A loan due on ``due``, returned ``back`` days after it (negative: early; None: still out)."""
    returned = None if back is None or due is None else due + timedelta(days=back)
    is_closed = (returned is not None or lost) if closed is None else closed
    return LoanRecord(lender_id=lender, borrower_id=borrower, due=due, returned_on=returned,
                      closed=is_closed, disputed=disputed, lost=lost)


# --- on time, late, overdue, lost -------------------------------------------------------------


def test_return_exactly_on_the_due_date_is_on_time():
    record = reliability(BORROWER, [loan(back=0)], TODAY)
    assert (record.returned_on_time, record.returned_late) == (1, 0)
    assert record.on_time_rate == 1.0
    assert is_on_time(loan(back=0))


def test_return_a_day_after_the_due_date_is_late():
    record = reliability(BORROWER, [loan(back=1)], TODAY)
    assert (record.returned_on_time, record.returned_late) == (0, 1)
    assert record.avg_days_late == 1.0
    assert not is_on_time(loan(back=1))


def test_open_loan_past_its_due_date_is_overdue_and_late_as_of_today():
    record = reliability(BORROWER, [loan(back=None)], TODAY)
    assert record.overdue_open == 1
    assert record.on_time_rate == 0.0
    assert record.avg_days_late == 10.0
    assert "overdue:1" in record.reasons


def test_open_loan_due_today_is_not_judged_yet():
    record = reliability(BORROWER, [loan(due=TODAY, back=None)], TODAY)
    assert record.overdue_open == 0
    assert record.on_time_rate is None
    assert record.loans_taken == 1
    assert "on_time:none" in record.reasons


def test_lost_loan_counts_as_not_returned_on_time():
    record = reliability(BORROWER, [loan(back=0), loan(lost=True)], TODAY)
    assert record.lost == 1
    assert record.on_time_rate == 0.5
    assert "lost:1" in record.reasons
    assert not is_on_time(loan(back=0, lost=True))


def test_loan_without_due_date_counts_but_is_not_judged():
    record = reliability(BORROWER, [loan(due=None)], TODAY)
    assert record.loans_taken == 1
    assert record.on_time_rate is None


def test_loan_closed_without_a_return_is_not_judged():
    record = reliability(BORROWER, [loan(back=None, closed=True)], TODAY)
    assert (record.returned_on_time, record.returned_late, record.overdue_open, record.lost) == (0, 0, 0, 0)
    assert record.on_time_rate is None


def test_average_days_late_covers_late_returns_and_overdue_loans():
    records = [loan(back=2), loan(back=3), loan(back=-1), loan(due=TODAY - timedelta(days=5), back=None)]
    record = reliability(BORROWER, records, TODAY)
    assert record.avg_days_late == pytest.approx((2 + 3 + 5) / 3)
    assert record.on_time_rate == 0.25
    assert record.reasons[:3] == ("on_time:1/4", "late_avg:3.3d", "overdue:1")


# --- the score and its reasons ----------------------------------------------------------------


def test_node_that_never_lent_or_borrowed_has_no_score():
    record = reliability(OTHER, [loan()], TODAY)
    assert record.score is None
    assert record.on_time_rate is None
    assert (record.loans_given, record.loans_taken) == (0, 0)


def test_perfect_borrower_that_never_lent_scores_80():
    record = reliability(BORROWER, [loan(back=0)] * 5, TODAY)
    assert record.score == pytest.approx(80.0)
    assert record.reasons == ("on_time:5/5", "disputes:0", "help_given:0")


def test_lender_earns_full_help_marks_at_the_help_target():
    records = [loan(LENDER, 10 + i, back=0) for i in range(10)]
    assert reliability(LENDER, records, TODAY).score == pytest.approx(100.0)
    assert reliability(LENDER, records[:7], TODAY).score == pytest.approx(60 + 20 + 20 * 0.7)
    assert reliability(LENDER, records * 2, TODAY).score == pytest.approx(100.0)


def test_lender_that_never_borrowed_is_not_penalised_for_on_time_returns():
    record = reliability(LENDER, [loan(back=5)], TODAY)
    assert record.on_time_rate is None
    assert record.score == pytest.approx(60 + 20 + 2)


def test_disputes_count_against_both_sides():
    records = [loan(back=0, disputed=True), loan(back=0)]
    lender = reliability(LENDER, records, TODAY)
    borrower = reliability(BORROWER, records, TODAY)
    assert lender.disputes == borrower.disputes == 1
    assert "disputes:1" in lender.reasons
    assert borrower.score == pytest.approx(60 + 20 * 0.5)


def test_reasons_for_a_mixed_record():
    records = [loan(back=0), loan(back=0), loan(back=0), loan(back=0), loan(back=5, disputed=True)]
    records += [loan(BORROWER, 10 + i, back=0) for i in range(7)]
    record = reliability(BORROWER, records, TODAY)
    assert record.reasons == ("on_time:4/5", "late_avg:5.0d", "disputes:1", "help_given:7")
    assert record.score == pytest.approx(100 * (0.6 * 0.8 + 0.2 * (1 - 1 / 12) + 0.2 * 0.7))


def test_custom_weights_change_the_score():
    rules = ReliabilityRules(on_time_weight=1.0, no_dispute_weight=0.0, help_weight=0.0)
    assert reliability(BORROWER, [loan(back=0), loan(back=1)], TODAY, rules).score == pytest.approx(50.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"on_time_weight": 0.7},
        {"on_time_weight": -0.2, "no_dispute_weight": 0.6, "help_weight": 0.6},
        {"help_target": 0},
        {"first_deal_cap": 0},
        {"trusted_after": -1},
    ],
)
def test_inconsistent_reliability_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        ReliabilityRules(**kwargs)


def test_a_node_cannot_lend_to_itself():
    with pytest.raises(ValueError):
        loan(LENDER, LENDER)


# --- all nodes at once ------------------------------------------------------------------------


def test_reliability_all_covers_every_node_that_appears():
    records = [loan(1, 2, back=0), loan(2, 3, back=4), loan(4, 1, back=None)]
    result = reliability_all(records, TODAY)
    assert set(result) == {1, 2, 3, 4}
    assert result[1].loans_given == 1 and result[1].loans_taken == 1 and result[1].overdue_open == 1
    assert result[3].returned_late == 1


def test_reliability_all_covers_300_nodes_in_one_call():
    records = [loan(i, (i * 7 + 1) % 300, back=(i % 5) - 2) for i in range(300) for _ in range(20)
               if i != (i * 7 + 1) % 300]
    result = reliability_all(records, TODAY)
    assert len(result) == 300


@st.composite
def loan_records(draw: st.DrawFn) -> LoanRecord:
    lender = draw(st.integers(1, 6))
    borrower = draw(st.integers(1, 6).filter(lambda n: n != lender))
    some_day = st.dates(date(2026, 10, 1), date(2026, 12, 31))
    return LoanRecord(lender_id=lender, borrower_id=borrower, due=draw(st.none() | some_day),
                      returned_on=draw(st.none() | some_day), closed=draw(st.booleans()),
                      disputed=draw(st.booleans()), lost=draw(st.booleans()))


records_strategy = st.lists(loan_records(), max_size=40)


@settings(max_examples=300, deadline=None, database=None)
@given(records_strategy)
def test_reliability_all_agrees_with_reliability_node_by_node(records):
    everyone = reliability_all(records, TODAY)
    for node_id, record in everyone.items():
        assert record == reliability(node_id, records, TODAY)


@settings(max_examples=300, deadline=None, database=None)
@given(records_strategy)
def test_scores_stay_between_0_and_100_and_rates_between_0_and_1(records):
    for record in reliability_all(records, TODAY).values():
        assert isinstance(record, Reliability)
        assert record.score is not None and 0.0 <= record.score <= 100.0
        assert record.on_time_rate is None or 0.0 <= record.on_time_rate <= 1.0
        judged = record.returned_on_time + record.returned_late + record.overdue_open + record.lost
        assert judged <= record.loans_taken
        assert record.avg_days_late >= 0.0
        assert record.disputes <= record.loans_given + record.loans_taken


@settings(max_examples=300, deadline=None, database=None)
@given(records_strategy)
def test_every_loan_is_given_once_and_taken_once(records):
    everyone = reliability_all(records, TODAY).values()
    assert sum(r.loans_given for r in everyone) == sum(r.loans_taken for r in everyone) == len(records)


# --- trust grows with the record --------------------------------------------------------------


def test_first_loan_between_two_centers_is_capped_at_one_unit():
    assert first_deal_cap(LENDER, BORROWER, []) == 1


def test_cap_lifts_once_the_borrower_returned_a_loan_on_time_to_this_lender():
    assert first_deal_cap(LENDER, BORROWER, [loan(back=0)]) is None


def test_cap_stays_after_late_lost_or_open_loans():
    history = [loan(back=1), loan(lost=True), loan(back=None), loan(due=None)]
    assert first_deal_cap(LENDER, BORROWER, history) == 1


def test_trust_is_between_these_two_centers_and_in_this_direction():
    history = [loan(OTHER, BORROWER, back=0), loan(BORROWER, LENDER, back=0)]
    assert first_deal_cap(LENDER, BORROWER, history) == 1


def test_cap_settings_are_data():
    rules = ReliabilityRules(first_deal_cap=2, trusted_after=2)
    assert first_deal_cap(LENDER, BORROWER, [loan(back=0)], rules) == 2
    assert first_deal_cap(LENDER, BORROWER, [loan(back=0), loan(back=-1)], rules) is None
    assert first_deal_cap(LENDER, BORROWER, [], ReliabilityRules(trusted_after=0)) is None
