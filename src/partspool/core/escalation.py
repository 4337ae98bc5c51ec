"""The overdue ladder for borrowed parts, as dates.

A borrowed part climbs five steps: a week before the due date a reminder to prepare the return,
three days before a friendly reminder, on the due date a formal request, three days late an
escalation to the borrower's superior (the regional coordinator), seven days late a claim for the
parts' full value. Each step happens once. A daily job asks which steps to run today; when the job
ran late, reminders that a later step has overtaken are recorded as skipped rather than sent.

The ladder is for loans that are still out: the caller stops asking once the parts are back.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class Step(StrEnum):
    """A rung of the overdue ladder, in ladder order."""

    PREPARE = "prepare"  # before the due date: prepare the return
    FRIENDLY = "friendly"  # before the due date: friendly reminder
    FORMAL = "formal"  # on the due date: formal request
    ESCALATE = "escalate"  # late: escalate to the borrower's superior / regional coordinator
    CLAIM = "claim"  # late: the borrower owes the parts' full value


# Reminders only make sense before the parts are due; the other steps each have their own
# recipient and consequence, so they are sent even when they come due together.
REMINDERS = frozenset({Step.PREPARE, Step.FRIENDLY})


@dataclass(frozen=True)
class LadderRules:
    """Day offsets of the ladder relative to the due date.

    ``*_days_before`` count back from the due date, ``*_days_after`` forward from it. The steps
    must fall on strictly increasing dates: two steps on the same day would make the earlier one
    pointless (a reminder would always be skipped).
    """

    prepare_days_before: int = 7
    friendly_days_before: int = 3
    formal_days_after: int = 0
    escalate_days_after: int = 3
    claim_days_after: int = 7

    def __post_init__(self) -> None:
        offsets = {
            "prepare_days_before": self.prepare_days_before,
            "friendly_days_before": self.friendly_days_before,
            "formal_days_after": self.formal_days_after,
            "escalate_days_after": self.escalate_days_after,
            "claim_days_after": self.claim_days_after,
        }
        for name, value in offsets.items():
            if value < 0:
                raise ValueError(f"{name} must be 0 or more, got {value}")
        if self.prepare_days_before <= self.friendly_days_before:
            raise ValueError("the prepare reminder must come before the friendly reminder")
        if self.friendly_days_before + self.formal_days_after <= 0:
            raise ValueError("the friendly reminder must come before the formal request")
        if self.escalate_days_after <= self.formal_days_after:
            raise ValueError("the escalation must come after the formal request")
        if self.claim_days_after <= self.escalate_days_after:
            raise ValueError("the claim must come after the escalation")

    def offsets(self) -> tuple[tuple[Step, int], ...]:
        """Each step with its offset in days from the due date (negative before it), in order."""
        return (
            (Step.PREPARE, -self.prepare_days_before),
            (Step.FRIENDLY, -self.friendly_days_before),
            (Step.FORMAL, self.formal_days_after),
            (Step.ESCALATE, self.escalate_days_after),
            (Step.CLAIM, self.claim_days_after),
        )


@dataclass(frozen=True)
class LadderRun:
    """What a run of the ladder job does for one loan: steps to send and steps to record as skipped.

    Both are in ladder order; together they are the steps that came due and were not done yet.
    """

    send: tuple[Step, ...]
    skip: tuple[Step, ...]


def ladder(due: date, rules: LadderRules | None = None) -> list[tuple[Step, date]]:
    """The dates of every step for a loan due on ``due``.

    Args:
        due: the day the borrowed parts are due back.
        rules: the day offsets; the SPEC's defaults when None.

    Returns:
        (step, date) for the five steps, in ladder order (dates strictly increasing).
    """
    rules = rules or LadderRules()
    return [(step, due + timedelta(days=offset)) for step, offset in rules.offsets()]


def steps_to_run(
    due: date,
    today: date,
    done: AbstractSet[Step],
    rules: LadderRules | None = None,
) -> LadderRun:
    """The steps the ladder job should handle today.

    A step is handled once its date has come (date <= today) and it is not in ``done``. A
    reminder (prepare, friendly) overtaken by a later step whose date has also come is skipped,
    not sent: a "prepare the return" message after the friendly reminder's date, or after the due
    date, makes no sense. The formal request, the escalation and the claim are always sent, in
    order, because each has its own recipient and consequence.

    The caller records both ``send`` and ``skip`` in ``done``; a step in ``done`` is never returned
    again, so a second run on the same day handles nothing.

    Args:
        due: the day the borrowed parts are due back.
        today: the day of the run.
        done: steps already sent or skipped for this loan.
        rules: the day offsets; the SPEC's defaults when None.

    Returns:
        The steps to send and the steps to record as skipped, each in ladder order.
    """
    reached = [step for step, day in ladder(due, rules) if day <= today]
    latest = reached[-1] if reached else None
    send: list[Step] = []
    skip: list[Step] = []
    for step in reached:
        if step in done:
            continue
        if step in REMINDERS and step != latest:
            skip.append(step)
        else:
            send.append(step)
    return LadderRun(send=tuple(send), skip=tuple(skip))


def recall_deadline(recalled_at: datetime, hours: int = 24) -> datetime:
    """When recalled parts must be back: ``hours`` after the lender's recall.

    The hours are elapsed time (computed in UTC), so a daylight-saving change cannot stretch or
    shorten the window; the result is in the zone of ``recalled_at``.

    Args:
        recalled_at: the moment of the recall, timezone-aware.
        hours: the return window; 24 in the written commitment.

    Returns:
        The deadline, aware, in the same zone as ``recalled_at``.
    """
    if recalled_at.tzinfo is None or recalled_at.utcoffset() is None:
        raise ValueError("recalled_at must be timezone-aware")
    if hours < 0:
        raise ValueError(f"hours must be 0 or more, got {hours}")
    return (recalled_at.astimezone(UTC) + timedelta(hours=hours)).astimezone(recalled_at.tzinfo)


def days_late(due: date, returned_on: date | None, today: date) -> int:
    """Whole days a loan is (or was) late.

    Args:
        due: the day the parts were due back.
        returned_on: the day they came back, or None while they are still out.
        today: the day of the question, used while the parts are still out.

    Returns:
        Days after ``due`` until the return (or until today while not returned); 0 when on time
        or not yet due.
    """
    until = returned_on if returned_on is not None else today
    return max(0, (until - due).days)
