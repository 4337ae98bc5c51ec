"""Alliance points (partspool.core.alliance): who may borrow, who is served first, the settlements."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.alliance import (
    BorrowDecision,
    MemberQuarter,
    PointsEntry,
    PointsRules,
    Waiting,
    loan_entries,
    may_borrow,
    most_helpful,
    points_after_loan,
    quarter_of,
    quarterly_settlement,
    queue_order,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SHANGHAI)


def lend(member: int, when: datetime) -> PointsEntry:
    return PointsEntry(member_id=member, delta=1, kind="lend", at=when)


def borrow(member: int, when: datetime) -> PointsEntry:
    return PointsEntry(member_id=member, delta=-1, kind="borrow", at=when)


# --- may a member borrow ----------------------------------------------------------------------


def test_member_with_a_balance_of_exactly_zero_may_borrow():
    assert may_borrow(0, p0=False) == BorrowDecision(allowed=True, reason="balance_ok")


def test_member_below_zero_cannot_borrow_except_p0():
    assert may_borrow(-1, p0=False) == BorrowDecision(allowed=False, reason="below_floor")
    assert may_borrow(-1, p0=True) == BorrowDecision(allowed=True, reason="p0_exception")


def test_p0_with_a_good_balance_needs_no_exception():
    assert may_borrow(3, p0=True) == BorrowDecision(allowed=True, reason="balance_ok")


def test_floor_is_a_setting():
    strict = PointsRules(floor=2)
    assert may_borrow(1, p0=False, rules=strict).reason == "below_floor"
    assert may_borrow(2, p0=False, rules=strict).reason == "balance_ok"
    assert may_borrow(-5, p0=False, rules=PointsRules(floor=-5)).allowed


def test_member_at_zero_borrows_once_then_must_lend_before_borrowing_again():
    borrower, lender = 0, 0
    assert may_borrow(borrower, p0=False).allowed
    lender, borrower = points_after_loan(lender, borrower)
    assert (lender, borrower) == (1, -1)
    assert not may_borrow(borrower, p0=False).allowed
    borrower, _other = points_after_loan(borrower, 0)  # it lends once
    assert may_borrow(borrower, p0=False).allowed


def test_negative_point_values_are_refused():
    with pytest.raises(ValueError):
        PointsRules(lend_points=-1)
    with pytest.raises(ValueError):
        PointsRules(borrow_points=-1)


# --- points after a loan ----------------------------------------------------------------------


def test_lending_earns_one_point_and_borrowing_costs_one():
    assert points_after_loan(4, 2) == (5, 1)


def test_points_per_loan_are_settings():
    assert points_after_loan(0, 0, PointsRules(lend_points=2, borrow_points=1)) == (2, -1)


def test_loan_entries_match_points_after_loan():
    lender_entry, borrower_entry = loan_entries(1, 2, T0)
    assert lender_entry == PointsEntry(member_id=1, delta=1, kind="lend", at=T0)
    assert borrower_entry == PointsEntry(member_id=2, delta=-1, kind="borrow", at=T0)


def test_unknown_entry_kind_is_refused():
    with pytest.raises(ValueError):
        PointsEntry(member_id=1, delta=1, kind="gift", at=T0)


loans = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)).filter(lambda p: p[0] != p[1]), max_size=40)


@settings(max_examples=300, deadline=None, database=None)
@given(loans, st.integers(0, 3))
def test_points_are_conserved_when_lending_and_borrowing_are_worth_the_same(pairs, worth):
    rules = PointsRules(lend_points=worth, borrow_points=worth)
    balances = dict.fromkeys(range(1, 6), 0)
    entries: list[PointsEntry] = []
    for lender, borrower in pairs:
        balances[lender], balances[borrower] = points_after_loan(balances[lender], balances[borrower], rules)
        entries.extend(loan_entries(lender, borrower, T0, rules))
    assert sum(balances.values()) == 0
    settled = {row.member_id: row.balance for row in quarterly_settlement(entries, *quarter_of(T0.date()))}
    assert sum(settled.values()) == 0
    assert settled == {member: balances[member] for member in settled}


# --- the order of waiting requests ------------------------------------------------------------


def waiting(request_id: int, *, p0: bool = False, points: int = 0, minutes: int = 0) -> Waiting:
    return Waiting(request_id=request_id, p0=p0, borrower_points=points, created_at=T0 + timedelta(minutes=minutes))


def test_p0_requests_are_served_first_then_by_points():
    queue = [
        waiting(1, points=5, minutes=0),
        waiting(2, p0=True, points=-3, minutes=30),
        waiting(3, points=9, minutes=10),
        waiting(4, p0=True, points=8, minutes=20),
        waiting(5, points=-1, minutes=5),
    ]
    ordered = queue_order(queue)
    assert [(w.request_id, reason) for w, reason in ordered] == [
        (4, "p0"),
        (2, "p0"),
        (3, "points:9"),
        (1, "points:5"),
        (5, "points:-1"),
    ]


def test_p0_requests_are_served_oldest_first_whatever_their_points():
    ordered = queue_order([waiting(1, p0=True, points=10, minutes=5), waiting(2, p0=True, points=-4, minutes=1)])
    assert [w.request_id for w, _ in ordered] == [2, 1]


def test_equal_points_are_served_oldest_first():
    ordered = queue_order([waiting(1, points=2, minutes=9), waiting(2, points=2, minutes=3)])
    assert [w.request_id for w, _ in ordered] == [2, 1]


def test_empty_queue():
    assert queue_order([]) == []


waitings = st.lists(
    st.builds(
        Waiting,
        request_id=st.integers(1, 10_000),
        p0=st.booleans(),
        borrower_points=st.integers(-5, 5),
        created_at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31),  # noqa: DTZ001
                                timezones=st.just(UTC)),
    ),
    max_size=30,
    unique_by=lambda w: w.request_id,
)


@settings(max_examples=300, deadline=None, database=None)
@given(waitings)
def test_queue_order_is_a_permutation(queue):
    ordered = [w for w, _ in queue_order(queue)]
    assert Counter(ordered) == Counter(queue)


@settings(max_examples=300, deadline=None, database=None)
@given(waitings)
def test_queue_order_puts_every_p0_first_and_the_rest_by_points_then_age(queue):
    ordered = queue_order(queue)
    flags = [w.p0 for w, _ in ordered]
    assert flags == sorted(flags, reverse=True)
    p0 = [w.created_at for w, _ in ordered if w.p0]
    assert p0 == sorted(p0)
    rest = [(-w.borrower_points, w.created_at) for w, _ in ordered if not w.p0]
    assert rest == sorted(rest)
    assert all(reason == ("p0" if w.p0 else f"points:{w.borrower_points}") for w, reason in ordered)


@settings(max_examples=200, deadline=None, database=None)
@given(waitings, st.randoms(use_true_random=False))
def test_queue_order_does_not_depend_on_input_order(queue, rnd):
    shuffled = list(queue)
    rnd.shuffle(shuffled)
    assert queue_order(shuffled) == queue_order(queue)


# --- quarters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 4, 1), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 8, 15), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
        (date(2028, 2, 29), (date(2028, 1, 1), date(2028, 3, 31))),
    ],
)
def test_quarter_of(day, expected):
    assert quarter_of(day) == expected


def test_quarterly_settlement_counts_the_quarter_and_carries_the_balance():
    entries = [
        lend(1, at(2025, 12, 20)),  # before the quarter: balance only
        borrow(2, at(2025, 12, 20)),
        lend(1, at(2026, 1, 10)),
        borrow(3, at(2026, 1, 10)),
        lend(2, at(2026, 2, 1)),
        borrow(1, at(2026, 2, 1)),
        PointsEntry(member_id=3, delta=2, kind="adjust", at=at(2026, 3, 31, 23)),
        lend(3, at(2026, 4, 1, 0)),  # after the quarter: ignored
        borrow(4, at(2026, 4, 1, 0)),
    ]
    assert quarterly_settlement(entries, date(2026, 1, 1), date(2026, 3, 31)) == [
        MemberQuarter(member_id=1, lends=1, borrows=1, net=0, balance=1),
        MemberQuarter(member_id=2, lends=1, borrows=0, net=1, balance=0),
        MemberQuarter(member_id=3, lends=0, borrows=1, net=1, balance=1),
    ]


def test_quarterly_settlement_includes_quiet_members_with_their_balance():
    entries = [lend(7, at(2025, 5, 1)), borrow(8, at(2025, 5, 1))]
    assert quarterly_settlement(entries, *quarter_of(date(2026, 1, 1))) == [
        MemberQuarter(member_id=7, lends=0, borrows=0, net=0, balance=1),
        MemberQuarter(member_id=8, lends=0, borrows=0, net=0, balance=-1),
    ]


def test_quarterly_settlement_reads_days_in_the_given_zone():
    # 31 March 17:30 UTC is already 1 April in Shanghai: second quarter there.
    entry = lend(1, datetime(2026, 3, 31, 17, 30, tzinfo=UTC))
    q1 = (date(2026, 1, 1), date(2026, 3, 31))
    assert quarterly_settlement([entry], *q1)[0].lends == 1
    assert quarterly_settlement([entry], *q1, tz=SHANGHAI) == []


def test_quarterly_settlement_refuses_a_reversed_period():
    with pytest.raises(ValueError):
        quarterly_settlement([], date(2026, 3, 31), date(2026, 1, 1))


# --- most helpful -----------------------------------------------------------------------------


def test_most_helpful_ranks_by_lends_then_net_points_then_member_id():
    entries = [
        lend(1, at(2026, 2, 1)), lend(1, at(2026, 3, 1)), borrow(1, at(2026, 4, 1)),
        lend(2, at(2026, 2, 1)), lend(2, at(2026, 3, 1)),
        lend(3, at(2026, 5, 1)), lend(3, at(2026, 6, 1)),
        borrow(4, at(2026, 2, 1)), borrow(4, at(2026, 3, 1)),
        lend(4, at(2025, 6, 1)), lend(4, at(2025, 7, 1)), lend(4, at(2025, 8, 1)),  # last year
        borrow(5, at(2026, 6, 1)),
    ]
    assert most_helpful(entries, 2026) == [(2, 2, 2), (3, 2, 2), (1, 2, 1), (5, 0, -1), (4, 0, -2)]


def test_most_helpful_counts_adjustments_in_net_but_not_as_lends():
    entries = [PointsEntry(member_id=9, delta=5, kind="adjust", at=at(2026, 1, 2)), lend(8, at(2026, 1, 3))]
    assert most_helpful(entries, 2026) == [(8, 1, 1), (9, 0, 5)]


def test_most_helpful_of_a_year_without_entries_is_empty():
    assert most_helpful([lend(1, at(2025, 1, 2))], 2026) == []
