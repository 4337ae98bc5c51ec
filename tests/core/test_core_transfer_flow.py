"""The transfer life cycle as a state machine: what each side may do, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partspool.core.transfer_flow import (
    FINAL,
    Action,
    Deal,
    InvalidTransition,
    Party,
    Status,
    allowed_actions,
    transition,
)

LENDER, BORROWER = frozenset({Party.LENDER}), frozenset({Party.BORROWER})
BOTH = LENDER | BORROWER


def test_the_borrow_and_return_path():
    status = Status.REQUESTED
    for action, side in [(Action.ACCEPT, LENDER), (Action.SHIP, LENDER), (Action.RECEIVE, BORROWER),
                         (Action.RETURN_SHIP, BORROWER), (Action.RETURN_RECEIVE, LENDER)]:
        status = transition(Deal.BORROW, status, action, side)
    assert status == Status.CLOSED


def test_compensation_is_settled_not_returned():
    assert transition(Deal.COMPENSATION, Status.RECEIVED, Action.SETTLE, LENDER) == Status.CLOSED
    with pytest.raises(InvalidTransition):
        transition(Deal.COMPENSATION, Status.RECEIVED, Action.RETURN_SHIP, BORROWER)


@pytest.mark.parametrize(("status", "action", "side"), [
    (Status.REQUESTED, Action.ACCEPT, BORROWER),  # only the lender accepts
    (Status.REQUESTED, Action.RECEIVE, BORROWER),  # receive before ship
    (Status.ACCEPTED, Action.RECEIVE, BORROWER),
    (Status.RETURN_SHIPPED, Action.RETURN_SHIP, BORROWER),  # return twice
    (Status.SHIPPED, Action.CANCEL, BORROWER),  # too late to cancel
    (Status.RECEIVED, Action.RECALL, BORROWER),  # only the lender recalls
])
def test_illegal_steps_are_refused_with_what_is_allowed(status, action, side):
    with pytest.raises(InvalidTransition) as refused:
        transition(Deal.BORROW, status, action, side)
    assert action not in refused.value.allowed
    assert refused.value.allowed == allowed_actions(Deal.BORROW, status, side)


def test_recall_only_for_borrow_and_return():
    assert Action.RECALL in allowed_actions(Deal.BORROW, Status.RECEIVED, LENDER)
    assert Action.RECALL not in allowed_actions(Deal.SWAP, Status.RECEIVED, LENDER)


@pytest.mark.parametrize("deal", list(Deal))
def test_final_states_allow_nothing(deal):
    for status in FINAL:
        assert allowed_actions(deal, status, BOTH) == ()


@given(st.sampled_from(list(Deal)), st.lists(st.tuples(st.sampled_from(list(Action)),
                                                      st.sampled_from([LENDER, BORROWER])), max_size=12))
def test_any_sequence_either_follows_the_table_or_is_refused(deal, steps):
    status = Status.REQUESTED
    for action, side in steps:
        allowed = allowed_actions(deal, status, side)
        if action in allowed:
            status = transition(deal, status, action, side)
        else:
            with pytest.raises(InvalidTransition):
                transition(deal, status, action, side)
    assert status in set(Status)
