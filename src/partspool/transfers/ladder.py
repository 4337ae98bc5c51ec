"""The overdue ladder, run by ``partspool tick``: each step once, on the borrower's local date."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partspool.core.escalation import LadderRules, Step, ladder, steps_to_run
from partspool.core.transfer_flow import Status
from partspool.transfers.models import Claim, LadderStep, TransferEvent, TransferRequest
from partspool.transfers.notify import node_people, notify

RECALL_OVERDUE = "recall_overdue"


@dataclass
class TickReport:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (transfer number, step)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _messages(transfer: TransferRequest, step: str) -> tuple[str, str]:
    facts = {"number": transfer.number, "part": transfer.part.number, "quantity": transfer.moving_quantity,
             "due": transfer.due_date.isoformat() if transfer.due_date else "—", "lender": transfer.lender.name,
             "borrower": transfer.borrower.name,
             "value": f"¥{transfer.part.unit_cost * transfer.moving_quantity:,.2f}"}
    titles = {
        Step.PREPARE: _("%(number)s is due back on %(due)s: please prepare the return"),
        Step.FRIENDLY: _("Friendly reminder: %(number)s is due back on %(due)s"),
        Step.FORMAL: _("%(number)s is due back today: please return %(quantity)s × %(part)s to %(lender)s"),
        Step.ESCALATE: _("%(number)s is 3 days overdue: %(borrower)s has not returned the parts"),
        Step.CLAIM: _("%(number)s is 7 days overdue: %(borrower)s owes the full value %(value)s"),
        RECALL_OVERDUE: _("%(number)s was recalled and not returned within 24 hours"),
    }
    return titles[step] % facts, _("Part %(part)s × %(quantity)s, lent by %(lender)s.") % facts


def _open_loans():  # type: ignore[no-untyped-def]
    return (TransferRequest.objects.filter(status=Status.RECEIVED, deal__in=["borrow", "swap"],
                                           due_date__isnull=False)
            .select_related("part", "lender", "borrower", "alliance").prefetch_related("ladder"))


def run_tick(*, now: datetime | None = None, rules: LadderRules | None = None) -> TickReport:
    """Send the ladder steps that have come due; safe to run every few minutes, late, or twice."""
    now = now or timezone.now()
    rules = rules or LadderRules()
    report = TickReport()
    for transfer in _open_loans():
        today = now.astimezone(zoneinfo.ZoneInfo(transfer.borrower.time_zone)).date()
        done = frozenset(Step(s.step) for s in transfer.ladder.all() if s.step in Step.__members__.values())
        plan = steps_to_run(transfer.due_date, today, done, rules)
        dates = dict(ladder(transfer.due_date, rules))
        for step in plan.skip:
            if _record(transfer, step, dates[step], sent=False):
                report.skipped.append((transfer.number, step))
        for step in plan.send:
            if _record(transfer, step, dates[step], sent=True):
                _deliver(transfer, step)
                report.sent.append((transfer.number, step))
        if transfer.return_due_at and transfer.return_due_at < now and \
                _record(transfer, RECALL_OVERDUE, today, sent=True):
            _deliver(transfer, RECALL_OVERDUE)
            report.sent.append((transfer.number, RECALL_OVERDUE))
    return report


def _record(transfer: TransferRequest, step: str, day, sent: bool) -> bool:  # type: ignore[no-untyped-def]
    """Claim the step for this run; False when another run already did it (unique key)."""
    try:
        with transaction.atomic():
            LadderStep.objects.create(transfer=transfer, step=step, scheduled_on=day, sent=sent)
    except IntegrityError:
        return False
    return True


def _deliver(transfer: TransferRequest, step: str) -> None:
    title, body = _messages(transfer, step)
    with transaction.atomic():
        if step in (Step.ESCALATE, Step.CLAIM, RECALL_OVERDUE):
            users = node_people(transfer.borrower) + node_people(transfer.borrower, superiors=True)
            users += node_people(transfer.lender)
        else:
            users = node_people(transfer.borrower)
        if step == Step.CLAIM:
            Claim.objects.get_or_create(transfer=transfer, kind=Claim.Kind.FULL_VALUE, defaults={
                "amount": transfer.part.unit_cost * transfer.moving_quantity, "note": title})
        TransferEvent.objects.create(transfer=transfer, action=f"ladder:{step}", from_status=transfer.status,
                                     to_status=transfer.status, by=None, note=title)
        notify(users=users, transfer=transfer, kind=f"ladder_{step}", title=title, body=body)
