"""Every write of a transfer: one transaction each, the transfer row locked, stock moved with it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partspool.accounts.permissions import can_manage_node, require_role
from partspool.core.alliance import PointsRules, may_borrow
from partspool.core.escalation import recall_deadline
from partspool.core.reliability import LoanRecord, first_deal_cap
from partspool.core.transfer_flow import Action, Deal, InvalidTransition, Party, Status, transition
from partspool.errors import DomainError, InsufficientStock, InvalidInput, NotPermitted
from partspool.network.models import Node, Part, Stock
from partspool.network.services import StockChange, stock_apply
from partspool.transfers import documents
from partspool.transfers.models import (
    AllianceMember,
    Claim,
    PointsEntry,
    TransferEvent,
    TransferRequest,
)
from partspool.transfers.notify import node_people, notify
from partspool.transfers.selectors import RELIABILITY_CACHE_KEY

if TYPE_CHECKING:
    from partspool.accounts.models import User


class TransitionRefused(DomainError):
    status = 409
    code = "invalid_transition"


def parties_of(user: User, transfer: TransferRequest) -> frozenset[Party]:
    """The sides of the transfer the user may act for."""
    sides = set()
    if can_manage_node(user, transfer.lender):
        sides.add(Party.LENDER)
    if can_manage_node(user, transfer.borrower):
        sides.add(Party.BORROWER)
    return frozenset(sides)


def loan_history(lender: Node, borrower: Node) -> list[LoanRecord]:
    return loans_to(borrower.id, {lender.id})


def loans_to(borrower_id: int, lender_ids: set[int]) -> list[LoanRecord]:
    """The borrower's loans (made, not merely asked) from these lenders, as reliability records."""
    rows = TransferRequest.objects.filter(borrower_id=borrower_id, lender_id__in=lender_ids).exclude(
        status__in=[Status.REQUESTED, Status.DECLINED, Status.CANCELLED])
    return [
        LoanRecord(lender_id=r.lender_id, borrower_id=r.borrower_id, due=r.due_date, returned_on=r.returned_on,
                   closed=r.status == Status.CLOSED, disputed=r.disputed, lost=r.status == Status.LOST)
        for r in rows
    ]


def shared_alliance_member(lender: Node, borrower: Node) -> tuple[AllianceMember, AllianceMember] | None:
    """The two memberships when both nodes belong to one alliance (the first such alliance)."""
    lender_members = {m.alliance_id: m for m in AllianceMember.objects.filter(node=lender)}
    for member in AllianceMember.objects.filter(node=borrower, alliance_id__in=lender_members):
        return lender_members[member.alliance_id], member
    return None


@dataclass(frozen=True)
class Terms:
    """What the borrower proposes; which fields matter depends on the deal."""

    deal: Deal
    due_date: date | None = None
    swap_part: Part | None = None
    swap_quantity: int | None = None
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    handling: Decimal = Decimal(0)
    thank_you: Decimal = Decimal(0)
    reason: str = ""
    needed_by: datetime | None = None
    p0: bool = False
    vouched_by: Node | None = None


def _check_terms(terms: Terms, part: Part, today: date) -> None:
    if terms.deal == Deal.BORROW and (terms.due_date is None or terms.due_date <= today):
        raise InvalidInput("due_date_required")
    if terms.deal == Deal.SWAP:
        if terms.swap_part is None or not terms.swap_quantity or terms.swap_quantity <= 0:
            raise InvalidInput("swap_terms_required")
        if terms.swap_part.id == part.id:
            raise InvalidInput("swap_same_part")
        if terms.due_date is None or terms.due_date <= today:
            raise InvalidInput("due_date_required")
    for amount in (terms.freight, terms.insurance, terms.handling, terms.thank_you):
        if amount < 0:
            raise InvalidInput("negative_amount")


def transfer_request(*, user: User, borrower: Node, lender: Node, part: Part, quantity: int, terms: Terms,
                     group: str = "", co_requesters: list[Node] | None = None) -> TransferRequest:
    """Ask ``lender`` for parts. Checks the stock is there now, trust caps and alliance points."""
    require_role(user)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("quantity_not_positive", quantity=quantity)
    if not can_manage_node(user, borrower):
        raise NotPermitted("node_not_managed", node=borrower.code)
    if lender.id == borrower.id:
        raise InvalidInput("same_node")
    _check_terms(terms, part, timezone.localdate())
    if terms.deal == Deal.JOINT and lender.kind == Node.Kind.SERVICE_CENTER:
        raise InvalidInput("joint_needs_warehouse")
    available = Stock.objects.filter(node=lender, part=part).values_list(F("on_hand") - F("reserved"), flat=True)
    available_now = next(iter(available), 0)
    if available_now < quantity:
        raise InsufficientStock(part=part.number, node=lender.code, requested=quantity, available=available_now)
    # Trust between centers grows with their record; the brand's own warehouses lend without a cap.
    cap = (first_deal_cap(lender.id, borrower.id, loan_history(lender, borrower))
           if lender.kind == Node.Kind.SERVICE_CENTER else None)
    if cap is not None and quantity > cap and not terms.p0 and terms.deal != Deal.JOINT:
        raise InvalidInput("first_deal_cap", cap=cap, lender=lender.code)
    members = shared_alliance_member(lender, borrower)
    if members is not None:
        decision = may_borrow(members[1].points, terms.p0, PointsRules())
        if not decision.allowed:
            raise NotPermitted("below_floor", points=members[1].points)
    with transaction.atomic():
        transfer = TransferRequest.objects.create(
            deal=terms.deal, part=part, quantity=quantity, lender=lender, borrower=borrower, requested_by=user,
            reason=terms.reason, needed_by=terms.needed_by, due_date=terms.due_date, swap_part=terms.swap_part,
            swap_quantity=terms.swap_quantity, freight=terms.freight, insurance=terms.insurance,
            handling=terms.handling, thank_you=terms.thank_you, p0=terms.p0, vouched_by=terms.vouched_by,
            alliance=members[0].alliance if members else None, group=group,
        )
        if co_requesters:
            if terms.deal != Deal.JOINT:
                raise InvalidInput("joint_only")
            transfer.co_requesters.set([n for n in co_requesters if n.id != borrower.id])
        _event(transfer, "request", "", Status.REQUESTED, user, terms.reason,
               **({"joined_by": [n.code for n in co_requesters]} if co_requesters else {}))
        notify(users=node_people(lender), transfer=transfer, kind="request",
               title=_("%(borrower)s asks for %(quantity)s × %(part)s") % {
                   "borrower": borrower.name, "quantity": quantity, "part": part.number},
               body=_("Reason: %(reason)s") % {"reason": terms.reason or "—"})
    return transfer


def transfer_forward(*, transfer_id: int, user: User, to_lender: Node, note: str = "") -> TransferRequest:
    """The asked node cannot help and introduces the borrower to a center it trusts (second degree):
    a new request to that center, marked as vouched for by the node that forwarded it."""
    with transaction.atomic():
        original = TransferRequest.objects.select_for_update(of=("self",)).select_related(
            "lender", "borrower", "part", "swap_part").get(pk=transfer_id)
        if Party.LENDER not in parties_of(user, original) or original.status != Status.REQUESTED:
            raise NotPermitted("not_permitted")
        if to_lender.id in (original.lender_id, original.borrower_id):
            raise InvalidInput("same_node")
        terms = Terms(deal=Deal(original.deal), due_date=original.due_date, swap_part=original.swap_part,
                      swap_quantity=original.swap_quantity, freight=original.freight, insurance=original.insurance,
                      handling=original.handling, thank_you=original.thank_you, reason=original.reason,
                      needed_by=original.needed_by, p0=original.p0, vouched_by=original.lender)
        forwarded = transfer_request(user=original.requested_by, borrower=original.borrower, lender=to_lender,
                                     part=original.part, quantity=original.quantity, terms=terms,
                                     group=original.group or f"fwd-{original.pk}")
        _event(original, "forward", original.status, original.status, user, note, to=to_lender.code,
               forwarded_as=forwarded.number)
        _event(forwarded, "introduced", Status.REQUESTED, Status.REQUESTED, user, note,
               vouched_by=original.lender.code)
        return forwarded


def transfer_request_split(*, user: User, borrower: Node, part: Part, lines: list[tuple[Node, int]],
                           terms: Terms) -> list[TransferRequest]:
    """One need split across several lenders: all requests are made, or none."""
    if not lines:
        raise InvalidInput("invalid_input")
    group = uuid.uuid4().hex[:12]
    with transaction.atomic():
        return [transfer_request(user=user, borrower=borrower, lender=lender, part=part, quantity=qty,
                                 terms=terms, group=group) for lender, qty in lines]


def _event(transfer: TransferRequest, action: str, source: str, target: str, user: User | None,
           note: str = "", **data: Any) -> TransferEvent:
    transaction.on_commit(lambda: cache.delete(RELIABILITY_CACHE_KEY))  # the credit record changed
    return TransferEvent.objects.create(transfer=transfer, action=action, from_status=source, to_status=target,
                                        by=user, note=note, data=data)


def _step(transfer_id: int, user: User | None, action: Action,
          parties: frozenset[Party] | None = None) -> tuple[TransferRequest, Status]:
    """Lock the transfer and check the step; returns it with the status the step leads to."""
    transfer = (TransferRequest.objects.select_for_update(of=("self",))
                .select_related("part", "lender", "borrower", "swap_part", "alliance").get(pk=transfer_id))
    if parties is None:
        if user is None:
            raise NotPermitted("not_permitted")
        require_role(user)
        parties = parties_of(user, transfer)
        if not parties:
            raise NotPermitted("not_a_party", transfer=transfer.number)
    try:
        target = transition(Deal(transfer.deal), Status(transfer.status), action, parties)
    except InvalidTransition as refused:
        labels = action_labels()
        raise TransitionRefused(
            "invalid_transition", action=labels[action], status=transfer.get_status_display(),
            allowed=", ".join(labels[a] for a in refused.allowed) or "—",
            action_code=str(action), status_code=transfer.status,
            allowed_codes=[str(a) for a in refused.allowed],
        ) from None
    return transfer, target


def action_labels() -> dict[str, str]:
    """The steps as the user reads them, in the active language."""
    return {
        "accept": _("Accept (reserve the parts)"), "decline": _("Decline"), "cancel": _("Cancel"),
        "ship": _("Ship"), "receive": _("Receive"), "recall": _("Recall (return within 24 h)"),
        "return_ship": _("Send back"), "return_receive": _("Receive the return"),
        "settle": _("Confirm payment and close"), "report_lost": _("Report lost or damaged"),
    }


def _notify_other_side(transfer: TransferRequest, acting: Party, kind: str, title: str, body: str = "") -> None:
    node = transfer.borrower if acting == Party.LENDER else transfer.lender
    notify(users=node_people(node), transfer=transfer, kind=kind, title=title, body=body)


def transfer_accept(*, transfer_id: int, user: User, quantity: int | None = None) -> TransferRequest:
    """The lender accepts (all or part of the quantity); the units are reserved at that moment."""
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.ACCEPT)
        accepted = transfer.quantity if quantity is None else quantity
        if isinstance(accepted, bool) or accepted <= 0 or accepted > transfer.quantity:
            raise InvalidInput("accept_quantity", quantity=accepted, asked=transfer.quantity)
        stock_apply(changes=[StockChange(transfer.lender, transfer.part, reserved=accepted)], by=user,
                    reason=f"{transfer.number} accepted")
        transfer.status, transfer.accepted_quantity = target, accepted
        # The letter is written from the accepted deal and kept with the transfer.
        transfer.commitment_zh = documents.commitment_letter(transfer, "zh-hans")
        transfer.commitment_en = documents.commitment_letter(transfer, "en")
        transfer.save(update_fields=["status", "accepted_quantity", "commitment_zh", "commitment_en",
                                     "updated_at"])
        _event(transfer, Action.ACCEPT, Status.REQUESTED, target, user, quantity=accepted)
        _notify_other_side(transfer, Party.LENDER, "accepted",
                           _("%(lender)s accepted %(number)s: %(quantity)s × %(part)s") % {
                               "lender": transfer.lender.name, "number": transfer.number,
                               "quantity": accepted, "part": transfer.part.number})
    return transfer


def transfer_decline(*, transfer_id: int, user: User, reason: str) -> TransferRequest:
    if not reason.strip():
        raise InvalidInput("reason_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.DECLINE)
        transfer.status = target
        transfer.save(update_fields=["status", "updated_at"])
        _event(transfer, Action.DECLINE, Status.REQUESTED, target, user, reason.strip())
        _notify_other_side(transfer, Party.LENDER, "declined",
                           _("%(lender)s declined %(number)s") % {"lender": transfer.lender.name,
                                                                 "number": transfer.number}, reason.strip())
    return transfer


def transfer_cancel(*, transfer_id: int, user: User, reason: str) -> TransferRequest:
    if not reason.strip():
        raise InvalidInput("reason_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.CANCEL)
        source = transfer.status
        if source == Status.ACCEPTED:
            stock_apply(changes=[StockChange(transfer.lender, transfer.part,
                                             reserved=-(transfer.accepted_quantity or 0))],
                        by=user, reason=f"{transfer.number} cancelled")
        transfer.status = target
        transfer.save(update_fields=["status", "updated_at"])
        _event(transfer, Action.CANCEL, source, target, user, reason.strip())
        acting = Party.BORROWER if Party.BORROWER in parties_of(user, transfer) else Party.LENDER
        _notify_other_side(transfer, acting, "cancelled",
                           _("%(number)s was cancelled") % {"number": transfer.number}, reason.strip())
    return transfer


def transfer_ship(*, transfer_id: int, user: User, carrier: str, tracking_no: str,
                  quantity: int | None = None, note: str = "") -> TransferRequest:
    """The lender ships: the units leave its stock and travel, insured at unit cost × quantity."""
    if not carrier.strip() or not tracking_no.strip():
        raise InvalidInput("carrier_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.SHIP)
        accepted = transfer.accepted_quantity or 0
        shipped = accepted if quantity is None else quantity
        if isinstance(shipped, bool) or shipped <= 0 or shipped > accepted:
            raise InvalidInput("ship_quantity", quantity=shipped, accepted=accepted)
        stock_apply(changes=[
            StockChange(transfer.lender, transfer.part, on_hand=-shipped, reserved=-accepted),
            StockChange(transfer.borrower, transfer.part, in_transit=shipped),
        ], by=user, reason=f"{transfer.number} shipped")
        transfer.status, transfer.shipped_quantity = target, shipped
        transfer.carrier, transfer.tracking_no = carrier.strip(), tracking_no.strip()
        transfer.insured_value = transfer.part.unit_cost * shipped
        transfer.save(update_fields=["status", "shipped_quantity", "carrier", "tracking_no", "insured_value",
                                     "updated_at"])
        _event(transfer, Action.SHIP, Status.ACCEPTED, target, user, note, carrier=transfer.carrier,
               tracking_no=transfer.tracking_no, quantity=shipped, insured_value=str(transfer.insured_value))
        _notify_other_side(transfer, Party.LENDER, "shipped",
                           _("%(number)s shipped: %(carrier)s %(tracking)s") % {
                               "number": transfer.number, "carrier": transfer.carrier,
                               "tracking": transfer.tracking_no})
    return transfer


def transfer_receive(*, transfer_id: int, user: User, inspection_ok: bool = True,
                     note: str = "") -> TransferRequest:
    """The borrower receives and inspects; the parts enter its stock."""
    if not inspection_ok and not note.strip():
        raise InvalidInput("inspection_note_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.RECEIVE)
        qty = transfer.shipped_quantity or 0
        stock_apply(changes=[StockChange(transfer.borrower, transfer.part, on_hand=qty, in_transit=-qty)],
                    by=user, reason=f"{transfer.number} received")
        transfer.status, transfer.inspection_ok = target, inspection_ok
        transfer.disputed = transfer.disputed or not inspection_ok
        transfer.save(update_fields=["status", "inspection_ok", "disputed", "updated_at"])
        _event(transfer, Action.RECEIVE, Status.SHIPPED, target, user, note, inspection_ok=inspection_ok)
        _notify_other_side(transfer, Party.BORROWER, "received",
                           _("%(borrower)s received %(number)s") % {"borrower": transfer.borrower.name,
                                                                    "number": transfer.number}, note)
    return transfer


def transfer_recall(*, transfer_id: int, user: User, reason: str) -> TransferRequest:
    """The lender needs the parts back: the borrower must return them within 24 hours."""
    if not reason.strip():
        raise InvalidInput("reason_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.RECALL)
        if transfer.recalled_at is not None:
            raise TransitionRefused("already_recalled", number=transfer.number)
        now = timezone.now()
        transfer.recalled_at, transfer.return_due_at = now, recall_deadline(now)
        transfer.save(update_fields=["recalled_at", "return_due_at", "updated_at"])
        _event(transfer, Action.RECALL, transfer.status, target, user, reason.strip(),
               return_due_at=transfer.return_due_at.isoformat())
        _notify_other_side(transfer, Party.LENDER, "recalled",
                           _("%(lender)s recalls %(number)s: return within 24 hours") % {
                               "lender": transfer.lender.name, "number": transfer.number}, reason.strip())
    return transfer


def transfer_return_ship(*, transfer_id: int, user: User, carrier: str, tracking_no: str,
                         note: str = "") -> TransferRequest:
    """The borrower sends the parts back (or, for a swap, the parts given in exchange)."""
    if not carrier.strip() or not tracking_no.strip():
        raise InvalidInput("carrier_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.RETURN_SHIP)
        part, qty = _return_leg(transfer)
        stock_apply(changes=[StockChange(transfer.borrower, part, on_hand=-qty),
                             StockChange(transfer.lender, part, in_transit=qty)],
                    by=user, reason=f"{transfer.number} return shipped")
        transfer.status = target
        transfer.return_carrier, transfer.return_tracking_no = carrier.strip(), tracking_no.strip()
        transfer.save(update_fields=["status", "return_carrier", "return_tracking_no", "updated_at"])
        _event(transfer, Action.RETURN_SHIP, Status.RECEIVED, target, user, note, carrier=carrier.strip(),
               tracking_no=tracking_no.strip(), part=part.number, quantity=qty)
        _notify_other_side(transfer, Party.BORROWER, "return_shipped",
                           _("%(number)s is on its way back: %(carrier)s %(tracking)s") % {
                               "number": transfer.number, "carrier": carrier.strip(),
                               "tracking": tracking_no.strip()})
    return transfer


def _return_leg(transfer: TransferRequest) -> tuple[Part, int]:
    if transfer.deal == Deal.SWAP:
        assert transfer.swap_part is not None and transfer.swap_quantity
        return transfer.swap_part, transfer.swap_quantity
    return transfer.part, transfer.shipped_quantity or 0


def transfer_return_receive(*, transfer_id: int, user: User, inspection_ok: bool = True,
                            note: str = "") -> TransferRequest:
    """The lender gets its parts back: the loan completes, points and credit record follow."""
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.RETURN_RECEIVE)
        part, qty = _return_leg(transfer)
        stock_apply(changes=[StockChange(transfer.lender, part, on_hand=qty, in_transit=-qty)],
                    by=user, reason=f"{transfer.number} returned")
        transfer.status, transfer.returned_on = target, timezone.localdate()
        transfer.disputed = transfer.disputed or not inspection_ok
        transfer.save(update_fields=["status", "returned_on", "disputed", "updated_at"])
        _event(transfer, Action.RETURN_RECEIVE, Status.RETURN_SHIPPED, target, user, note,
               inspection_ok=inspection_ok)
        _complete_loan(transfer)
        _notify_other_side(transfer, Party.LENDER, "closed",
                           _("%(number)s is complete: thank you") % {"number": transfer.number})
    return transfer


def transfer_settle(*, transfer_id: int, user: User, amount: Decimal, note: str = "") -> TransferRequest:
    """The lender confirms the compensation was paid; the deal closes."""
    if amount < 0:
        raise InvalidInput("negative_amount")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.SETTLE)
        transfer.status, transfer.settled_amount, transfer.returned_on = target, amount, timezone.localdate()
        transfer.save(update_fields=["status", "settled_amount", "returned_on", "updated_at"])
        _event(transfer, Action.SETTLE, Status.RECEIVED, target, user, note, amount=str(amount))
        _complete_loan(transfer)
        _notify_other_side(transfer, Party.LENDER, "closed",
                           _("%(number)s is settled: %(amount)s") % {"number": transfer.number,
                                                                    "amount": f"¥{amount:,.2f}"})
    return transfer


def transfer_report_lost(*, transfer_id: int, user: User, note: str) -> TransferRequest:
    """Lost or damaged in transit: the travelling units leave the books and an insurance claim opens."""
    if not note.strip():
        raise InvalidInput("reason_required")
    with transaction.atomic():
        transfer, target = _step(transfer_id, user, Action.REPORT_LOST)
        source = transfer.status
        if source == Status.SHIPPED:
            part, qty, node = transfer.part, transfer.shipped_quantity or 0, transfer.borrower
        else:
            (part, qty), node = _return_leg(transfer), transfer.lender
        stock_apply(changes=[StockChange(node, part, in_transit=-qty)], by=user,
                    reason=f"{transfer.number} lost in transit")
        transfer.status, transfer.disputed = target, True
        transfer.save(update_fields=["status", "disputed", "updated_at"])
        Claim.objects.create(transfer=transfer, kind=Claim.Kind.INSURANCE, amount=part.unit_cost * qty,
                             note=note.strip())
        _event(transfer, Action.REPORT_LOST, source, target, user, note.strip())
        for node_ in (transfer.lender, transfer.borrower):
            notify(users=node_people(node_), transfer=transfer, kind="lost",
                   title=_("%(number)s lost or damaged in transit: insurance claim opened") % {
                       "number": transfer.number}, body=note.strip())
    return transfer


def _complete_loan(transfer: TransferRequest) -> None:
    """+1 point to the lender, −1 to the borrower, once per loan, when both are alliance members."""
    if transfer.alliance_id is None:
        return
    rules = PointsRules()
    members = {m.node_id: m for m in AllianceMember.objects.select_for_update().filter(
        alliance_id=transfer.alliance_id, node_id__in=[transfer.lender_id, transfer.borrower_id]).order_by("pk")}
    for node_id, delta, kind in ((transfer.lender_id, rules.lend_points, "lend"),
                                 (transfer.borrower_id, -rules.borrow_points, "borrow")):
        member = members.get(node_id)
        if member is None:
            continue
        _entry, created = PointsEntry.objects.get_or_create(member=member, transfer=transfer, kind=kind,
                                                            defaults={"delta": delta})
        if created:
            AllianceMember.objects.filter(pk=member.pk).update(points=F("points") + delta)


ACTIONS = {
    Action.ACCEPT: transfer_accept,
    Action.DECLINE: transfer_decline,
    Action.CANCEL: transfer_cancel,
    Action.SHIP: transfer_ship,
    Action.RECEIVE: transfer_receive,
    Action.RECALL: transfer_recall,
    Action.RETURN_SHIP: transfer_return_ship,
    Action.RETURN_RECEIVE: transfer_return_receive,
    Action.SETTLE: transfer_settle,
    Action.REPORT_LOST: transfer_report_lost,
}
