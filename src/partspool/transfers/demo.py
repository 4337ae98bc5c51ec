"""Demo transfers: an alliance around 杭州 and loans in every state, made through the services."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F

from partspool.accounts.models import User
from partspool.core.transfer_flow import Deal
from partspool.network.models import Node, Stock
from partspool.transfers import services
from partspool.transfers.models import (
    Alliance,
    AllianceMember,
    Claim,
    IdempotencyKey,
    LadderStep,
    Notification,
    PointsEntry,
    TransferEvent,
    TransferPhoto,
    TransferRequest,
)

MEMBERS = ("SC-HZ01", "SC-SH01", "SC-SH02", "SC-SZ01", "SC-NB01", "SC-NJ01")


def delete_transfers() -> None:
    for model in (Notification, PointsEntry, LadderStep, Claim, TransferPhoto, TransferEvent, IdempotencyKey,
                  TransferRequest, AllianceMember, Alliance):
        model.objects.all().delete()


def _spare_part(lender: Node, skip: set[int]):  # type: ignore[no-untyped-def]
    """A part the lender holds at least two of (not already used), cheapest first."""
    row = (Stock.objects.filter(node=lender, on_hand__gte=F("reserved") + 2).exclude(part_id__in=skip)
           .select_related("part").order_by("part__unit_cost", "part__number").first())
    skip.add(row.part_id)
    return row.part


def load_demo_transfers() -> int:
    """Create the alliance and a handful of loans; returns how many transfers were made."""
    nodes = {n.code: n for n in Node.objects.filter(code__in=MEMBERS)}
    coordinator = User.objects.get(username="east_coord")  # acts for every 华东 node
    alliance = Alliance.objects.create(
        name="华东互助联盟", return_days=7, freight_paid_by="borrower", notice_days=30,
        confidentiality="成员间共享的库存与价格信息仅限联盟内部使用。/ Stock and prices shared in the alliance "
                        "stay inside it.")
    for code in MEMBERS:
        AllianceMember.objects.create(alliance=alliance, node=nodes[code])
    used: set[int] = set()
    soon = services.timezone.localdate() + timedelta(days=7)

    def loan(lender: str, borrower: str, steps: list[str], deal: Deal = Deal.BORROW, reason: str = "") -> TransferRequest:
        part = _spare_part(nodes[lender], used)
        terms = services.Terms(deal=deal, due_date=soon if deal == Deal.BORROW else None, reason=reason)
        t = services.transfer_request(user=coordinator, borrower=nodes[borrower], lender=nodes[lender], part=part,
                                      quantity=1, terms=terms)
        for step in steps:
            kwargs = {"carrier": "顺丰速运", "tracking_no": f"SF{t.pk:010d}"} if "ship" in step else {}
            services.ACTIONS[step](transfer_id=t.pk, user=coordinator, **kwargs)  # type: ignore[index, operator]
        return t

    full = ["accept", "ship", "receive", "return_ship", "return_receive"]
    loan("SC-SZ01", "SC-SH01", full, reason="客户车辆停驶，等待更换")
    loan("SC-HZ01", "SC-NB01", full, reason="企业车队两台车待修")
    overdue = loan("SC-SH02", "SC-SZ01", ["accept", "ship", "receive"], reason="VIP 客户当天提车")
    TransferRequest.objects.filter(pk=overdue.pk).update(due_date=services.timezone.localdate() - timedelta(days=4))
    loan("SC-NJ01", "SC-HZ01", ["accept", "ship"], reason="网约车司机停运，每天损失营收")
    loan("SC-SH01", "SC-HZ01", [], deal=Deal.COMPENSATION, reason="保险公司定损车辆，客户催促")
    loan("SC-HZ01", "SC-SH02", [], reason="试驾车维修")
    return TransferRequest.objects.count()
