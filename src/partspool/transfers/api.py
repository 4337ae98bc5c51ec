"""Transfers API: request (single or split), every step of the life cycle, letters, alliances."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema

from partspool.core.transfer_flow import Action, Deal
from partspool.errors import DomainError, InvalidInput, NotFound
from partspool.network.selectors import node_get, part_get
from partspool.transfers import documents, selectors, services
from partspool.transfers.models import IdempotencyKey, Notification, TransferRequest

router = Router(tags=["transfers"])


def transfer_dict(user: Any, t: TransferRequest, with_events: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": t.pk, "number": t.number, "deal": t.deal, "status": t.status, "part": t.part.number,
        "quantity": t.quantity, "accepted_quantity": t.accepted_quantity, "shipped_quantity": t.shipped_quantity,
        "lender": t.lender.code, "borrower": t.borrower.code, "due_date": t.due_date, "p0": t.p0,
        "swap_part": t.swap_part.number if t.swap_part_id else None, "swap_quantity": t.swap_quantity,
        "alliance": t.alliance_id, "group": t.group or None, "carrier": t.carrier, "tracking_no": t.tracking_no,
        "insured_value": float(t.insured_value) if t.insured_value is not None else None,
        "recalled_at": t.recalled_at, "return_due_at": t.return_due_at, "returned_on": t.returned_on,
        "reason": t.reason, "created_at": t.created_at,
        "vouched_by": t.vouched_by.code if t.vouched_by_id else None,
        "co_requesters": [n.code for n in t.co_requesters.all()], "allowed_actions": list(selectors.actions_for(user, t)),
    }
    if with_events:
        data["events"] = [{"action": e.action, "from_status": e.from_status, "to_status": e.to_status,
                           "by": e.by.username if e.by else None, "at": e.at, "note": e.note, "data": e.data}
                          for e in t.events.select_related("by")]
    return data


def idempotent(request: HttpRequest, run: Callable[[], tuple[int, Any]]) -> HttpResponse:
    """Run a write once per ``Idempotency-Key``: a retry gets the first answer back, nothing twice.

    The key is inserted in the same transaction as the write, so a concurrent retry waits on the
    unique index and then replays the committed answer; a failed write leaves no key behind.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        status, body = run()
        return JsonResponse(body, status=status, safe=False, json_dumps_params={"default": str})
    if len(key) > 100:
        raise InvalidInput("invalid_input")
    user = request.user
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=user, key=key, path=request.path, status_code=0, body={})
            status, body = run()
            record.status_code, record.body = status, json.loads(json.dumps(body, default=str))
            record.save(update_fields=["status_code", "body"])
    except IntegrityError:
        previous = IdempotencyKey.objects.filter(user=user, key=key).first()
        if previous is None:
            raise
        if previous.path != request.path:
            raise DomainError("idempotency_conflict") from None
        response = JsonResponse(previous.body, status=previous.status_code, safe=False)
        response["Idempotent-Replayed"] = "true"
        return response
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"default": str})


class TermsIn(Schema):
    deal: Deal = Deal.BORROW
    due_date: date | None = None
    swap_part: str | None = None
    swap_quantity: int | None = None
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    handling: Decimal = Decimal(0)
    thank_you: Decimal = Decimal(0)
    reason: str = ""
    needed_by: datetime | None = None
    p0: bool = False
    vouched_by: str | None = None


class TransferIn(TermsIn):
    part: str
    quantity: int
    lender: str
    borrower: str | None = None
    co_requesters: list[str] = []  # centers joining a joint escalation


class SplitLineIn(Schema):
    lender: str
    quantity: int


class SplitIn(TermsIn):
    part: str
    borrower: str | None = None
    lines: list[SplitLineIn]


def _terms(data: TermsIn) -> services.Terms:
    return services.Terms(
        deal=data.deal, due_date=data.due_date,
        swap_part=part_get(number=data.swap_part) if data.swap_part else None, swap_quantity=data.swap_quantity,
        freight=data.freight, insurance=data.insurance, handling=data.handling, thank_you=data.thank_you,
        reason=data.reason, needed_by=data.needed_by, p0=data.p0,
        vouched_by=node_get(code=data.vouched_by) if data.vouched_by else None,
    )


def _borrower(request: HttpRequest, code: str | None) -> Any:
    if code:
        return node_get(code=code)
    if request.user.home_node_id:  # type: ignore[union-attr]
        return request.user.home_node  # type: ignore[union-attr]
    raise InvalidInput("no_home_node")


@router.post("/transfers", response={201: dict}, summary="Ask a node for parts (send Idempotency-Key to retry safely)")
def transfer_create(request: HttpRequest, data: TransferIn) -> HttpResponse:
    def run() -> tuple[int, Any]:
        transfer = services.transfer_request(
            user=request.user, borrower=_borrower(request, data.borrower), lender=node_get(code=data.lender),  # type: ignore[arg-type]
            part=part_get(number=data.part), quantity=data.quantity, terms=_terms(data),
            co_requesters=[node_get(code=c) for c in data.co_requesters])
        return 201, transfer_dict(request.user, transfer)

    return idempotent(request, run)


@router.post("/transfers/split", response={201: list[dict]},
             summary="Split one need across several lenders (all requests or none)")
def transfer_split(request: HttpRequest, data: SplitIn) -> HttpResponse:
    def run() -> tuple[int, Any]:
        lines = [(node_get(code=line.lender), line.quantity) for line in data.lines]
        made = services.transfer_request_split(user=request.user, borrower=_borrower(request, data.borrower),  # type: ignore[arg-type]
                                               part=part_get(number=data.part), lines=lines, terms=_terms(data))
        return 201, [transfer_dict(request.user, t) for t in made]

    return idempotent(request, run)


@router.get("/transfers", response=list[dict], summary="Transfers you can see, newest first")
def transfer_list(request: HttpRequest, status: str | None = None, node: str | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:
    rows = selectors.visible_transfers(request.user)  # type: ignore[arg-type]
    if status:
        rows = rows.filter(status=status)
    if node:
        where = node_get(code=node)
        rows = rows.filter(lender=where) | rows.filter(borrower=where)
    return [transfer_dict(request.user, t) for t in rows[: min(max(limit, 1), 500)]]


@router.get("/transfers/{transfer_id}", response=dict, summary="A transfer with its history and what you may do")
def transfer_detail(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    transfer = selectors.transfer_get(user=request.user, transfer_id=transfer_id)  # type: ignore[arg-type]
    return transfer_dict(request.user, transfer, with_events=True)


class ForwardIn(Schema):
    lender: str
    note: str = ""


@router.post("/transfers/{transfer_id}/forward", response={201: dict},
             summary="Introduce the borrower to a center you trust (a new request you vouch for)")
def transfer_forward(request: HttpRequest, transfer_id: int, data: ForwardIn) -> HttpResponse:
    def run() -> tuple[int, Any]:
        selectors.transfer_get(user=request.user, transfer_id=transfer_id)  # type: ignore[arg-type]
        made = services.transfer_forward(transfer_id=transfer_id, user=request.user,  # type: ignore[arg-type]
                                         to_lender=node_get(code=data.lender), note=data.note)
        return 201, transfer_dict(request.user, made)

    return idempotent(request, run)


# Declared before the /{action} route: the first matching path wins.
@router.get("/transfers/{transfer_id}/commitment", response=dict, summary="The written commitment letter")
def commitment(request: HttpRequest, transfer_id: int, lang: str = "zh-hans") -> dict[str, str]:
    transfer = selectors.transfer_get(user=request.user, transfer_id=transfer_id)  # type: ignore[arg-type]
    language = "en" if lang.lower().startswith("en") else "zh-hans"
    text = transfer.commitment_en if language == "en" else transfer.commitment_zh
    return {"language": language, "text": text or documents.commitment_letter(transfer, language)}


class ActionIn(Schema):
    quantity: int | None = None
    reason: str = ""
    note: str = ""
    carrier: str = ""
    tracking_no: str = ""
    inspection_ok: bool = True
    amount: Decimal | None = None


def run_action(user: Any, transfer_id: int, action: Action, data: ActionIn) -> TransferRequest:
    """One life-cycle step with the details it needs (shared by the API and the pages)."""
    selectors.transfer_get(user=user, transfer_id=transfer_id)  # 404 when the user may not see it
    s = services
    calls: dict[Action, Callable[[], TransferRequest]] = {
        Action.ACCEPT: lambda: s.transfer_accept(transfer_id=transfer_id, user=user, quantity=data.quantity),
        Action.DECLINE: lambda: s.transfer_decline(transfer_id=transfer_id, user=user, reason=data.reason),
        Action.CANCEL: lambda: s.transfer_cancel(transfer_id=transfer_id, user=user, reason=data.reason),
        Action.SHIP: lambda: s.transfer_ship(transfer_id=transfer_id, user=user, carrier=data.carrier,
                                             tracking_no=data.tracking_no, quantity=data.quantity, note=data.note),
        Action.RECEIVE: lambda: s.transfer_receive(transfer_id=transfer_id, user=user,
                                                   inspection_ok=data.inspection_ok, note=data.note),
        Action.RECALL: lambda: s.transfer_recall(transfer_id=transfer_id, user=user, reason=data.reason),
        Action.RETURN_SHIP: lambda: s.transfer_return_ship(transfer_id=transfer_id, user=user, carrier=data.carrier,
                                                           tracking_no=data.tracking_no, note=data.note),
        Action.RETURN_RECEIVE: lambda: s.transfer_return_receive(transfer_id=transfer_id, user=user,
                                                                 inspection_ok=data.inspection_ok, note=data.note),
        Action.SETTLE: lambda: s.transfer_settle(transfer_id=transfer_id, user=user,
                                                 amount=data.amount if data.amount is not None else Decimal(-1),
                                                 note=data.note),
        Action.REPORT_LOST: lambda: s.transfer_report_lost(transfer_id=transfer_id, user=user,
                                                           note=data.note or data.reason),
    }
    return calls[action]()


@router.post("/transfers/{transfer_id}/{action}", response=dict,
             summary="A step: accept, decline, cancel, ship, receive, recall, return_ship, return_receive, "
             "settle, report_lost")
def transfer_action(request: HttpRequest, transfer_id: int, action: str, data: ActionIn) -> HttpResponse:
    try:
        step = Action(action)
    except ValueError:
        raise NotFound("not_found") from None

    def run() -> tuple[int, Any]:
        transfer = run_action(request.user, transfer_id, step, data)
        return 200, transfer_dict(request.user, transfer)

    return idempotent(request, run)


class HelpIn(Schema):
    part: str
    quantity: int
    why: str = ""
    deadline: datetime | None = None
    commitments: str = ""
    contact: str = ""
    borrower: str | None = None
    lang: str = "zh-hans"


@router.post("/help-request", response=dict, summary="A ready-to-post help request for the group chat")
def help_request(request: HttpRequest, data: HelpIn) -> dict[str, str]:
    if data.quantity <= 0:
        raise InvalidInput("quantity_not_positive", quantity=data.quantity)
    borrower = _borrower(request, data.borrower)
    text = documents.help_request_message(
        part=part_get(number=data.part), quantity=data.quantity, why=data.why, deadline=data.deadline,
        commitments=data.commitments, contact=data.contact, borrower=borrower,
        language="en" if data.lang.lower().startswith("en") else "zh-hans")
    return {"text": text}


@router.get("/notifications", response=list[dict], summary="Your notifications, newest first")
def notifications(request: HttpRequest, unread: bool = False) -> list[dict[str, Any]]:
    rows = Notification.objects.filter(user=request.user)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [{"id": n.pk, "kind": n.kind, "title": n.title, "body": n.body, "transfer": n.transfer_id,
             "created_at": n.created_at, "read": n.read_at is not None} for n in rows[:200]]


@router.get("/alliances/{alliance_id}", response=dict, summary="An alliance: members, points, credit record")
def alliance_detail(request: HttpRequest, alliance_id: int) -> dict[str, Any]:
    alliance = selectors.alliance_get(user=request.user, alliance_id=alliance_id)  # type: ignore[arg-type]
    board = selectors.alliance_board(alliance=alliance)
    nodes = board["nodes"]
    return {
        "name": alliance.name, "return_days": alliance.return_days, "freight_paid_by": alliance.freight_paid_by,
        "members": [{"node": m.node.code, "points": m.points} for m in board["members"]],  # type: ignore[attr-defined]
        "settlement": [{"node": nodes[q.member_id].code, "lends": q.lends, "borrows": q.borrows,  # type: ignore[index]
                        "net": q.net, "balance": q.balance} for q in board["settlement"]],  # type: ignore[attr-defined]
        "ranking": [{"node": nodes[m].code, "lends": lends, "net": net}  # type: ignore[index]
                    for m, lends, net in board["ranking"]],  # type: ignore[attr-defined]
        "record": [transfer_dict(request.user, t) for t in board["record"]],  # type: ignore[attr-defined]
    }


@router.get("/nodes/{code}/reliability", response=dict, summary="A node's record as lender and borrower")
def node_reliability(request: HttpRequest, code: str) -> dict[str, Any]:
    from partspool.accounts.permissions import require_role

    require_role(request.user)  # type: ignore[arg-type]
    node = node_get(code=code)
    record = selectors.node_reliability(node.id)
    if record is None:
        return {"node": node.code, "score": None, "reasons": [], "loans_given": 0, "loans_taken": 0}
    return {"node": node.code, "score": record.score, "reasons": list(record.reasons),
            "loans_given": record.loans_given, "loans_taken": record.loans_taken,
            "on_time_rate": record.on_time_rate, "avg_days_late": record.avg_days_late,
            "disputes": record.disputes, "overdue_open": record.overdue_open}
