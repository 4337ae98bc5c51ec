"""The life cycle of a transfer between two nodes, as a state machine that refuses illegal steps.

    requested --accept--> accepted --ship--> shipped --receive--> received
        |  \\--decline--> declined            |  \\--report_lost--> lost
        \\--cancel--> cancelled  <--cancel--/  |
    received: borrow / swap  --return_ship--> return_shipped --return_receive--> closed
              compensation   --settle--> closed
              borrow         --recall--> received (return due within 24 h)
    return_shipped --report_lost--> lost

Stock moves with the steps (the services do that): reserved at acceptance, out of the lender's
stock and into the borrower's in-transit when shipped, into the borrower's stock when received.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Deal(StrEnum):
    BORROW = "borrow"  # 先借后还: returned by a due date
    SWAP = "swap"  # 配件互换: parts of another number go back
    COMPENSATION = "compensation"  # 成本补偿: the borrower pays costs
    JOINT = "joint"  # 联合申请: several centers ask the supply chain together


class Status(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    RECEIVED = "received"
    RETURN_SHIPPED = "return_shipped"
    CLOSED = "closed"
    LOST = "lost"


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    SHIP = "ship"
    RECEIVE = "receive"
    RECALL = "recall"
    RETURN_SHIP = "return_ship"
    RETURN_RECEIVE = "return_receive"
    SETTLE = "settle"
    REPORT_LOST = "report_lost"


class Party(StrEnum):
    LENDER = "lender"
    BORROWER = "borrower"


FINAL = frozenset({Status.DECLINED, Status.CANCELLED, Status.CLOSED, Status.LOST})
RETURNING_DEALS = frozenset({Deal.BORROW, Deal.SWAP})


@dataclass(frozen=True)
class Step:
    action: Action
    by: Party
    source: Status
    target: Status
    deals: frozenset[Deal] = frozenset(Deal)


STEPS: tuple[Step, ...] = (
    Step(Action.ACCEPT, Party.LENDER, Status.REQUESTED, Status.ACCEPTED),
    Step(Action.DECLINE, Party.LENDER, Status.REQUESTED, Status.DECLINED),
    Step(Action.CANCEL, Party.BORROWER, Status.REQUESTED, Status.CANCELLED),
    Step(Action.CANCEL, Party.BORROWER, Status.ACCEPTED, Status.CANCELLED),
    Step(Action.CANCEL, Party.LENDER, Status.ACCEPTED, Status.CANCELLED),
    Step(Action.SHIP, Party.LENDER, Status.ACCEPTED, Status.SHIPPED),
    Step(Action.RECEIVE, Party.BORROWER, Status.SHIPPED, Status.RECEIVED),
    Step(Action.REPORT_LOST, Party.BORROWER, Status.SHIPPED, Status.LOST),
    Step(Action.REPORT_LOST, Party.LENDER, Status.SHIPPED, Status.LOST),
    Step(Action.RECALL, Party.LENDER, Status.RECEIVED, Status.RECEIVED, frozenset({Deal.BORROW})),
    Step(Action.RETURN_SHIP, Party.BORROWER, Status.RECEIVED, Status.RETURN_SHIPPED, RETURNING_DEALS),
    Step(Action.RETURN_RECEIVE, Party.LENDER, Status.RETURN_SHIPPED, Status.CLOSED, RETURNING_DEALS),
    Step(Action.REPORT_LOST, Party.LENDER, Status.RETURN_SHIPPED, Status.LOST, RETURNING_DEALS),
    Step(Action.REPORT_LOST, Party.BORROWER, Status.RETURN_SHIPPED, Status.LOST, RETURNING_DEALS),
    Step(Action.SETTLE, Party.LENDER, Status.RECEIVED, Status.CLOSED,
         frozenset({Deal.COMPENSATION, Deal.JOINT})),
)


class InvalidTransition(Exception):
    """A step that the life cycle does not allow; says what would be allowed instead."""

    def __init__(self, action: Action, status: Status, party: Party | None,
                 allowed: tuple[Action, ...]) -> None:
        super().__init__(f"{action} not allowed in {status} by {party}")
        self.action, self.status, self.party, self.allowed = action, status, party, allowed


def allowed_actions(deal: Deal, status: Status, parties: frozenset[Party]) -> tuple[Action, ...]:
    """What the given parties may do now, in the order of the life cycle.

    Args:
        deal: the deal type.
        status: the current status.
        parties: the sides the acting user stands for (both for a user who manages both nodes).

    Returns:
        Distinct actions, lender's and borrower's as applicable.
    """
    seen: list[Action] = []
    for step in STEPS:
        if step.source == status and deal in step.deals and step.by in parties and step.action not in seen:
            seen.append(step.action)
    return tuple(seen)


def transition(deal: Deal, status: Status, action: Action, parties: frozenset[Party]) -> Status:
    """The status after ``action``, or InvalidTransition naming what is allowed.

    Args:
        deal: the deal type.
        status: the current status.
        action: what is asked.
        parties: the sides the acting user stands for.

    Returns:
        The new status.
    """
    for step in STEPS:
        if step.source == status and step.action == action and deal in step.deals and step.by in parties:
            return step.target
    party = next(iter(parties)) if len(parties) == 1 else None
    raise InvalidTransition(action, status, party, allowed_actions(deal, status, parties))
