"""Each node's record as a lender and a borrower (the credit record, 信用档案).

A node is judged as a borrower on its returns: on time when the parts came back on or before the
due date; late when after it; an open loan past its due date is overdue, and late as of today; a
lost loan counts as not returned on time. As a lender it is credited with the help it gave.
Disputes count against both sides of the loan. The score (0-100) weighs on-time returns, the
share of loans without dispute and the help given; it feeds the ranking of sources and the
center credit score.

Records are loans that actually went out (shipped). A loan without a due date (a swap, a cost
compensation) or closed without a return date and not lost (settled another way) is counted as a
loan but not judged on time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LoanRecord:
    """One loan between two nodes, as far as the credit record needs it."""

    lender_id: int
    borrower_id: int
    due: date | None
    returned_on: date | None
    closed: bool
    disputed: bool = False
    lost: bool = False

    def __post_init__(self) -> None:
        if self.lender_id == self.borrower_id:
            raise ValueError(f"node {self.lender_id} cannot lend to itself")


@dataclass(frozen=True)
class ReliabilityRules:
    """Score weights (summing to 1) and the small-first-deal settings."""

    on_time_weight: float = 0.6
    no_dispute_weight: float = 0.2
    help_weight: float = 0.2
    help_target: int = 10  # loans given that earn full marks for help
    first_deal_cap: int = 1  # units allowed on a loan between two nodes without a record
    trusted_after: int = 1  # on-time returns from the borrower to the lender before the cap lifts

    def __post_init__(self) -> None:
        weights = (self.on_time_weight, self.no_dispute_weight, self.help_weight)
        if any(w < 0 for w in weights):
            raise ValueError("score weights must be 0 or more")
        if not math.isclose(sum(weights), 1.0, abs_tol=1e-9):
            raise ValueError(f"score weights must sum to 1, got {sum(weights)}")
        if self.help_target < 1:
            raise ValueError("help_target must be at least 1")
        if self.first_deal_cap < 1:
            raise ValueError("first_deal_cap must be at least 1")
        if self.trusted_after < 0:
            raise ValueError("trusted_after must be 0 or more")


@dataclass(frozen=True)
class Reliability:
    """A node's record with its score and the reasons for it.

    ``on_time_rate`` is on-time returns over judged loans (on time, late, overdue and lost), None
    while nothing can be judged. ``avg_days_late`` averages late returns and overdue open loans
    (as of today). ``score`` is None when the node has neither lent nor borrowed.
    """

    node_id: int
    loans_given: int
    loans_taken: int
    returned_on_time: int
    returned_late: int
    overdue_open: int
    lost: int
    on_time_rate: float | None
    avg_days_late: float
    disputes: int
    score: float | None
    reasons: tuple[str, ...]


def is_on_time(record: LoanRecord) -> bool:
    """True when the parts came back on or before the due date (and were not lost)."""
    return (
        not record.lost
        and record.due is not None
        and record.returned_on is not None
        and record.returned_on <= record.due
    )


@dataclass
class _Tally:
    given: int = 0
    taken: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    lost: int = 0
    days_late: int = 0
    disputes: int = 0

    def add_borrowed(self, record: LoanRecord, today: date) -> None:
        self.taken += 1
        if record.lost:
            self.lost += 1
        elif record.due is None:
            pass
        elif record.returned_on is not None:
            if record.returned_on <= record.due:
                self.on_time += 1
            else:
                self.late += 1
                self.days_late += (record.returned_on - record.due).days
        elif not record.closed and today > record.due:
            self.overdue += 1
            self.days_late += (today - record.due).days


def _finish(node_id: int, tally: _Tally, rules: ReliabilityRules) -> Reliability:
    judged = tally.on_time + tally.late + tally.overdue + tally.lost
    on_time_rate = tally.on_time / judged if judged else None
    late_count = tally.late + tally.overdue
    avg_days_late = tally.days_late / late_count if late_count else 0.0
    loans = tally.given + tally.taken
    reasons = [f"on_time:{tally.on_time}/{judged}" if judged else "on_time:none"]
    if late_count:
        reasons.append(f"late_avg:{avg_days_late:.1f}d")
    if tally.overdue:
        reasons.append(f"overdue:{tally.overdue}")
    if tally.lost:
        reasons.append(f"lost:{tally.lost}")
    reasons.append(f"disputes:{tally.disputes}")
    reasons.append(f"help_given:{tally.given}")
    score: float | None = None
    if loans:
        # Nothing to judge yet (only lent, or loans not yet due) is no evidence of lateness: full marks.
        on_time_part = 1.0 if on_time_rate is None else on_time_rate
        no_dispute_part = 1.0 - tally.disputes / loans
        help_part = min(1.0, tally.given / rules.help_target)
        score = 100.0 * (
            rules.on_time_weight * on_time_part
            + rules.no_dispute_weight * no_dispute_part
            + rules.help_weight * help_part
        )
    return Reliability(
        node_id=node_id,
        loans_given=tally.given,
        loans_taken=tally.taken,
        returned_on_time=tally.on_time,
        returned_late=tally.late,
        overdue_open=tally.overdue,
        lost=tally.lost,
        on_time_rate=on_time_rate,
        avg_days_late=avg_days_late,
        disputes=tally.disputes,
        score=score,
        reasons=tuple(reasons),
    )


def reliability_all(
    records: Iterable[LoanRecord], today: date, rules: ReliabilityRules | None = None
) -> dict[int, Reliability]:
    """The record of every node that appears in ``records``, in one pass.

    Args:
        records: loans between nodes (any order).
        today: the day of the question; open loans past their due date are overdue as of today.
        rules: score weights; the SPEC's defaults when None.

    Returns:
        node id -> its reliability, for every lender and borrower in ``records``.
    """
    rules = rules or ReliabilityRules()
    tallies: dict[int, _Tally] = {}
    for record in records:
        lender = tallies.setdefault(record.lender_id, _Tally())
        borrower = tallies.setdefault(record.borrower_id, _Tally())
        lender.given += 1
        borrower.add_borrowed(record, today)
        if record.disputed:
            lender.disputes += 1
            borrower.disputes += 1
    return {node_id: _finish(node_id, tally, rules) for node_id, tally in tallies.items()}


def reliability(
    node_id: int, records: Iterable[LoanRecord], today: date, rules: ReliabilityRules | None = None
) -> Reliability:
    """One node's record as a lender and a borrower.

    Args:
        node_id: the node judged.
        records: loans between nodes; those not involving ``node_id`` are ignored.
        today: the day of the question; open loans past their due date are overdue as of today.
        rules: score weights; the SPEC's defaults when None.

    Returns:
        The node's counts, on-time rate, average days late, disputes, score (None when it has
        neither lent nor borrowed) and reason codes (``on_time:4/5``, ``late_avg:2.5d``,
        ``overdue:1``, ``lost:1``, ``disputes:1``, ``help_given:7``).
    """
    rules = rules or ReliabilityRules()
    tally = _Tally()
    for record in records:
        if record.lender_id == node_id:
            tally.given += 1
        elif record.borrower_id == node_id:
            tally.add_borrowed(record, today)
        else:
            continue
        if record.disputed:
            tally.disputes += 1
    return _finish(node_id, tally, rules)


def first_deal_cap(
    lender_id: int,
    borrower_id: int,
    records: Iterable[LoanRecord],
    rules: ReliabilityRules | None = None,
) -> int | None:
    """The most units ``lender_id`` should lend ``borrower_id`` on the next loan.

    Trust grows with the record: between two nodes without history the first loan is small, and
    the cap lifts once the borrower has returned ``trusted_after`` loans on time to this lender.

    Args:
        lender_id: the node asked to lend.
        borrower_id: the node asking.
        records: loans between nodes (any).
        rules: cap settings; the SPEC's defaults when None.

    Returns:
        None when there is no cap, otherwise ``rules.first_deal_cap``.
    """
    rules = rules or ReliabilityRules()
    on_time = sum(
        1 for r in records if r.lender_id == lender_id and r.borrower_id == borrower_id and is_on_time(r)
    )
    return None if on_time >= rules.trusted_after else rules.first_deal_cap
