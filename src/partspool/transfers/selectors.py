"""Reads of transfers, alliances and credit records, for pages and API alike."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids, require_role
from partspool.core.alliance import PointsEntry as CorePointsEntry
from partspool.core.alliance import Waiting, most_helpful, quarter_of, quarterly_settlement, queue_order
from partspool.core.reliability import LoanRecord, Reliability, reliability, reliability_all
from partspool.core.transfer_flow import Deal, Party, Status, allowed_actions
from partspool.errors import NotFound, NotPermitted
from partspool.transfers.models import Alliance, AllianceMember, PointsEntry, TransferRequest

if TYPE_CHECKING:
    from partspool.accounts.models import User

OPEN = [Status.REQUESTED, Status.ACCEPTED, Status.SHIPPED, Status.RECEIVED, Status.RETURN_SHIPPED]


def visible_transfers(user: User) -> QuerySet[TransferRequest]:
    """Transfers of the nodes the user manages, plus those of the alliances its nodes belong to."""
    require_role(user)
    rows = (TransferRequest.objects.select_related("part", "lender", "borrower", "swap_part", "alliance", "vouched_by")
            .prefetch_related("co_requesters"))
    managed = managed_node_ids(user)
    if managed is None:
        return rows
    alliances = AllianceMember.objects.filter(node_id__in=managed).values("alliance_id")
    return rows.filter(Q(lender_id__in=managed) | Q(borrower_id__in=managed) | Q(alliance_id__in=alliances))


def transfer_get(*, user: User, transfer_id: int) -> TransferRequest:
    transfer = visible_transfers(user).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound("not_found")
    return transfer


def actions_for(user: User, transfer: TransferRequest) -> tuple[str, ...]:
    from partspool.transfers.services import parties_of

    parties: frozenset[Party] = parties_of(user, transfer)
    return tuple(str(a) for a in allowed_actions(Deal(transfer.deal), Status(transfer.status), parties))


def inbox(*, user: User) -> dict[str, list[TransferRequest]]:
    """What the user's nodes must answer: requests to accept (P0 first, then by points), shipments
    to receive, parts due back."""
    managed = managed_node_ids(user)
    rows = visible_transfers(user).filter(status__in=OPEN)
    mine = (lambda field: rows) if managed is None else (lambda field: rows.filter(**{f"{field}__in": managed}))
    incoming = list(mine("lender_id").filter(status=Status.REQUESTED))
    points = dict(AllianceMember.objects.filter(node_id__in=[t.borrower_id for t in incoming])
                  .values_list("node_id", "points"))
    ordered = queue_order(Waiting(t.pk, t.p0, points.get(t.borrower_id, 0), t.created_at) for t in incoming)
    by_id = {t.pk: t for t in incoming}
    return {
        "to_answer": [by_id[w.request_id] for w, _reason in ordered],
        "to_ship": list(mine("lender_id").filter(status=Status.ACCEPTED)),
        "to_receive": list(mine("borrower_id").filter(status=Status.SHIPPED)),
        "to_return": list(mine("borrower_id").filter(status=Status.RECEIVED, deal__in=[Deal.BORROW, Deal.SWAP])
                          .order_by("due_date")),
        "returning": list(mine("lender_id").filter(status=Status.RETURN_SHIPPED)),
        "my_requests": list(mine("borrower_id").filter(status__in=[Status.REQUESTED, Status.ACCEPTED])),
    }


def loan_records(node_id: int | None = None) -> list[LoanRecord]:
    """Loans that left the lender (shipped or later); only those of one node when ``node_id`` is given."""
    rows = TransferRequest.objects.exclude(status__in=[Status.REQUESTED, Status.DECLINED, Status.CANCELLED,
                                                       Status.ACCEPTED])
    if node_id is not None:
        rows = rows.filter(Q(lender_id=node_id) | Q(borrower_id=node_id))
    rows = rows.values_list(
        "lender_id", "borrower_id", "due_date", "returned_on", "status", "disputed")
    return [LoanRecord(lender_id=l_, borrower_id=b, due=d, returned_on=r, closed=s == Status.CLOSED,
                       disputed=disp, lost=s == Status.LOST) for l_, b, d, r, s, disp in rows]


def reliability_index() -> dict[int, Reliability]:
    """Every node's record as lender and borrower (one query, one pass)."""
    return reliability_all(loan_records(), timezone.localdate())


def node_reliability(node_id: int) -> Reliability | None:
    """One node's record, from its own loans only (None when it has neither lent nor borrowed)."""
    records = loan_records(node_id)
    return reliability(node_id, records, timezone.localdate()) if records else None


RELIABILITY_CACHE_KEY = "partspool:reliability-scores"
RELIABILITY_CACHE_SECONDS = 300


def reliability_scores() -> dict[int, float | None]:
    """node id -> score, cached: the lookup asks on every search, the record changes with transfer steps
    (each step clears the cache when it commits)."""
    scores = cache.get(RELIABILITY_CACHE_KEY)
    if scores is None:
        scores = {node_id: r.score for node_id, r in reliability_index().items()}
        cache.set(RELIABILITY_CACHE_KEY, scores, RELIABILITY_CACHE_SECONDS)
    return scores


def alliance_get(*, user: User, alliance_id: int) -> Alliance:
    require_role(user)
    alliance = Alliance.objects.filter(pk=alliance_id).first()
    if alliance is None:
        raise NotFound("not_found")
    managed = managed_node_ids(user)
    if managed is not None and not alliance.members.filter(node_id__in=managed).exists():
        raise NotPermitted("not_permitted")
    return alliance


def alliances_of(user: User) -> list[Alliance]:
    managed = managed_node_ids(user)
    rows = Alliance.objects.all()
    if managed is not None:
        rows = rows.filter(members__node_id__in=managed).distinct()
    return list(rows)


def _entries(alliance: Alliance) -> list[CorePointsEntry]:
    return [CorePointsEntry(member_id=e.member.node_id, delta=e.delta, kind=e.kind, at=e.at)
            for e in PointsEntry.objects.filter(member__alliance=alliance).select_related("member")]


def alliance_board(*, alliance: Alliance, day: date | None = None) -> dict[str, object]:
    """Members and points, the credit record, the quarter's settlement and the year's ranking."""
    day = day or timezone.localdate()
    members = list(alliance.members.select_related("node").order_by("-points", "node__code"))
    entries = _entries(alliance)
    start, end = quarter_of(day)
    record = list(alliance.transfers.select_related("part", "lender", "borrower").prefetch_related("events")
                  .order_by("-created_at")[:100])
    return {
        "members": members,
        "record": record,
        "quarter": (start, end),
        "settlement": quarterly_settlement(entries, start, end),
        "ranking": most_helpful(entries, day.year),
        "nodes": {m.node_id: m.node for m in members},
    }
