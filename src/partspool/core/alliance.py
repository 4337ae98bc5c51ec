"""Alliance points and the order in which waiting requests are served.

In a mutual-aid alliance (互助联盟) lending once earns a point and borrowing once costs one. A
member below zero must lend before it borrows again, except for a P0 request (a public-opinion
crisis), which every member supports unconditionally. Non-urgent requests are served in order of
points. Points are settled each quarter, and once a year members are ranked by the help they gave.

Entry days are read in the zone of each entry's ``at`` unless a ``tz`` is given: pass the alliance's
local zone (Asia/Shanghai) so that a loan at 01:00 on 1 April belongs to the second quarter.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

LEND = "lend"
BORROW = "borrow"
ADJUST = "adjust"
ENTRY_KINDS = frozenset({LEND, BORROW, ADJUST})


@dataclass(frozen=True)
class PointsRules:
    """Points earned by lending, the cost of borrowing, and the balance below which a member must lend first."""

    lend_points: int = 1
    borrow_points: int = 1  # a cost: subtracted from the borrower's balance
    floor: int = 0  # a balance below this blocks borrowing (except P0)

    def __post_init__(self) -> None:
        if self.lend_points < 0 or self.borrow_points < 0:
            raise ValueError("lend_points and borrow_points must be 0 or more")


@dataclass(frozen=True)
class BorrowDecision:
    """Whether a member may borrow, with a stable reason code.

    ``reason`` is one of ``balance_ok``, ``p0_exception`` or ``below_floor``.
    """

    allowed: bool
    reason: str


@dataclass(frozen=True)
class Waiting:
    """A request waiting for a lender: whether it is P0, the borrower's points and when it was made."""

    request_id: int
    p0: bool
    borrower_points: int
    created_at: datetime


@dataclass(frozen=True)
class PointsEntry:
    """One change to a member's points: ``lend``, ``borrow`` or ``adjust`` (set by an admin)."""

    member_id: int
    delta: int
    kind: str
    at: datetime

    def __post_init__(self) -> None:
        if self.kind not in ENTRY_KINDS:
            raise ValueError(f"unknown points entry kind {self.kind!r}; expected {sorted(ENTRY_KINDS)}")


@dataclass(frozen=True)
class MemberQuarter:
    """A member's quarter: lends and borrows in it, net points in it, and the balance at its end."""

    member_id: int
    lends: int
    borrows: int
    net: int
    balance: int


def may_borrow(balance: int, p0: bool, rules: PointsRules | None = None) -> BorrowDecision:
    """Whether a member with ``balance`` points may borrow.

    Args:
        balance: the member's current points.
        p0: True for a P0 request (public-opinion crisis), which members support unconditionally.
        rules: points settings; the SPEC's defaults when None.

    Returns:
        Allowed with ``balance_ok`` when the balance is at or above the floor; allowed with
        ``p0_exception`` when below it but P0; otherwise refused with ``below_floor``.
    """
    rules = rules or PointsRules()
    if balance >= rules.floor:
        return BorrowDecision(allowed=True, reason="balance_ok")
    if p0:
        return BorrowDecision(allowed=True, reason="p0_exception")
    return BorrowDecision(allowed=False, reason="below_floor")


def points_after_loan(
    lender_balance: int, borrower_balance: int, rules: PointsRules | None = None
) -> tuple[int, int]:
    """Balances once a loan completes: the lender earns, the borrower pays.

    Args:
        lender_balance: the lender's points before.
        borrower_balance: the borrower's points before.
        rules: points settings; the SPEC's defaults when None.

    Returns:
        (lender's new balance, borrower's new balance).
    """
    rules = rules or PointsRules()
    return lender_balance + rules.lend_points, borrower_balance - rules.borrow_points


def loan_entries(
    lender_id: int, borrower_id: int, at: datetime, rules: PointsRules | None = None
) -> tuple[PointsEntry, PointsEntry]:
    """The two points entries a completed loan writes, consistent with :func:`points_after_loan`.

    Args:
        lender_id: the member that lent.
        borrower_id: the member that borrowed.
        at: when the loan completed (aware).
        rules: points settings; the SPEC's defaults when None.

    Returns:
        (the lender's ``lend`` entry, the borrower's ``borrow`` entry).
    """
    rules = rules or PointsRules()
    return (
        PointsEntry(member_id=lender_id, delta=rules.lend_points, kind=LEND, at=at),
        PointsEntry(member_id=borrower_id, delta=-rules.borrow_points, kind=BORROW, at=at),
    )


def _serving_key(w: Waiting) -> tuple[int, int, datetime, int]:
    if w.p0:
        return (0, 0, w.created_at, w.request_id)
    return (1, -w.borrower_points, w.created_at, w.request_id)


def queue_order(waiting: Iterable[Waiting]) -> list[tuple[Waiting, str]]:
    """The order in which waiting requests are served.

    P0 requests first, oldest first; then the others by the borrower's points, highest first, and
    oldest first among equal points. The request id breaks the remaining ties so the order is
    stable.

    Args:
        waiting: the requests waiting for a lender (``created_at`` aware).

    Returns:
        Every request once, in serving order, each with its reason code: ``p0`` or ``points:<n>``.
    """
    ordered = sorted(waiting, key=_serving_key)
    return [(w, "p0" if w.p0 else f"points:{w.borrower_points}") for w in ordered]


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter that contains ``day``.

    Returns:
        (first day, last day) of the quarter.
    """
    first_month = 3 * ((day.month - 1) // 3) + 1
    last_month = first_month + 2
    last_day = calendar.monthrange(day.year, last_month)[1]
    return date(day.year, first_month, 1), date(day.year, last_month, last_day)


def _day(at: datetime, tz: tzinfo | None) -> date:
    return (at.astimezone(tz) if tz is not None else at).date()


def quarterly_settlement(
    entries: Iterable[PointsEntry],
    quarter_start: date,
    quarter_end: date,
    tz: tzinfo | None = None,
) -> list[MemberQuarter]:
    """Each member's points for a quarter (or any period of whole days).

    Args:
        entries: points entries of the alliance, any order, any period.
        quarter_start: first day of the period.
        quarter_end: last day of the period, included.
        tz: the zone in which an entry's day is read; the entry's own zone when None.

    Returns:
        One row per member with any entry up to ``quarter_end``, sorted by member id: lends and
        borrows counted in the period, the net change in the period (adjustments included) and the
        balance at the period's end (all entries up to and including ``quarter_end``).
    """
    if quarter_end < quarter_start:
        raise ValueError("quarter_end is before quarter_start")
    lends: dict[int, int] = defaultdict(int)
    borrows: dict[int, int] = defaultdict(int)
    net: dict[int, int] = defaultdict(int)
    balance: dict[int, int] = defaultdict(int)
    for entry in entries:
        day = _day(entry.at, tz)
        if day > quarter_end:
            continue
        balance[entry.member_id] += entry.delta
        if day < quarter_start:
            continue
        net[entry.member_id] += entry.delta
        if entry.kind == LEND:
            lends[entry.member_id] += 1
        elif entry.kind == BORROW:
            borrows[entry.member_id] += 1
    return [
        MemberQuarter(
            member_id=member_id,
            lends=lends[member_id],
            borrows=borrows[member_id],
            net=net[member_id],
            balance=balance[member_id],
        )
        for member_id in sorted(balance)
    ]


def most_helpful(
    entries: Iterable[PointsEntry], year: int, tz: tzinfo | None = None
) -> list[tuple[int, int, int]]:
    """The yearly "most helpful" ranking.

    Args:
        entries: points entries of the alliance, any period.
        year: the calendar year ranked.
        tz: the zone in which an entry's day is read; the entry's own zone when None.

    Returns:
        (member id, lends in the year, net points in the year) for every member with an entry in
        the year: most lends first, then highest net points, then lowest member id.
    """
    lends: dict[int, int] = defaultdict(int)
    net: dict[int, int] = defaultdict(int)
    for entry in entries:
        if _day(entry.at, tz).year != year:
            continue
        net[entry.member_id] += entry.delta
        if entry.kind == LEND:
            lends[entry.member_id] += 1
    rows = [(member_id, lends[member_id], net[member_id]) for member_id in net]
    rows.sort(key=lambda row: (-row[1], -row[2], row[0]))
    return rows
