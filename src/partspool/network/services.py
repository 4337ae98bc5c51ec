"""Every write to the network's data. Each function is one transaction; stock rows are locked
in primary-key order and changed with F() expressions; every stock change is a movement."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from partspool.accounts.permissions import managed_node_ids, require_import
from partspool.core.imports import SCHEMAS
from partspool.core.tabular import FileRejected, Problem, check_table, read_table
from partspool.errors import ImportRejected, InsufficientStock, InvalidInput, NotFound, NotPermitted
from partspool.network.models import (
    DemandRecord,
    DistanceOverride,
    FailureReport,
    ImportBatch,
    InTransitShipment,
    Node,
    Part,
    Stock,
    StockMovement,
)
from partspool.network.signals import demand_changed

if TYPE_CHECKING:
    from partspool.accounts.models import User


def _snapshot(stock: Stock) -> dict[str, int]:
    return {"on_hand": stock.on_hand, "reserved": stock.reserved, "in_transit": stock.in_transit}


def _movement(
    stock: Stock, before: dict[str, int], *, kind: str, by: User | None, reason: str,
    batch: ImportBatch | None = None,
) -> StockMovement:
    return StockMovement(
        stock=stock, kind=kind, by=by, reason=reason[:300], import_batch=batch,
        on_hand_before=before["on_hand"], on_hand_after=stock.on_hand,
        reserved_before=before["reserved"], reserved_after=stock.reserved,
        in_transit_before=before["in_transit"], in_transit_after=stock.in_transit,
    )


def _positive(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("quantity_not_positive", quantity=quantity)


def stock_reserve(*, node: Node, part: Part, quantity: int, by: User | None, reason: str) -> Stock:
    """Reserve units for a deal. Refuses when fewer than ``quantity`` are available."""
    _positive(quantity)
    with transaction.atomic():
        stock = Stock.objects.select_for_update().filter(node=node, part=part).first()
        if stock is None or stock.on_hand - stock.reserved < quantity:
            raise InsufficientStock(
                part=part.number, node=node.code, requested=quantity,
                available=0 if stock is None else stock.on_hand - stock.reserved,
            )
        before = _snapshot(stock)
        # The row is locked; the condition in the UPDATE is a second guard, not the check.
        changed = Stock.objects.filter(
            pk=stock.pk, on_hand__gte=F("reserved") + quantity
        ).update(reserved=F("reserved") + quantity)
        if changed != 1:
            raise InsufficientStock(part=part.number, node=node.code, requested=quantity,
                                    available=before["on_hand"] - before["reserved"])
        stock.refresh_from_db()
        _movement(stock, before, kind=StockMovement.Kind.RESERVE, by=by, reason=reason).save()
        return stock


def stock_release(*, node: Node, part: Part, quantity: int, by: User | None, reason: str) -> Stock:
    """Release reserved units (a deal was declined or cancelled)."""
    _positive(quantity)
    with transaction.atomic():
        stock = Stock.objects.select_for_update().filter(node=node, part=part).first()
        if stock is None or stock.reserved < quantity:
            raise InvalidInput("invalid_input")
        before = _snapshot(stock)
        Stock.objects.filter(pk=stock.pk).update(reserved=F("reserved") - quantity)
        stock.refresh_from_db()
        _movement(stock, before, kind=StockMovement.Kind.RELEASE, by=by, reason=reason).save()
        return stock


@dataclass(frozen=True)
class StockChange:
    """Deltas to apply to one node's stock of one part."""

    node: Node
    part: Part
    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0


def stock_apply(*, changes: list[StockChange], by: User | None, reason: str,
                kind: str = StockMovement.Kind.TRANSFER) -> list[Stock]:
    """Apply several stock changes at once (a shipment leaves one node and travels to another).

    All rows are locked in primary-key order (no deadlock between two transfers crossing), every
    result is checked before anything is written, and each change is a movement. Refuses with
    InsufficientStock when a quantity would go negative or reserved would exceed on hand.
    """
    merged: dict[tuple[int, int], StockChange] = {}
    for c in changes:  # one change per row, so each row is read and written once
        old = merged.get((c.node.id, c.part.id))
        merged[(c.node.id, c.part.id)] = c if old is None else StockChange(
            c.node, c.part, old.on_hand + c.on_hand, old.reserved + c.reserved, old.in_transit + c.in_transit)
    changes = list(merged.values())
    with transaction.atomic():
        for change in changes:
            if change.on_hand >= 0 and change.in_transit >= 0:
                Stock.objects.get_or_create(node=change.node, part=change.part)
        keys = {(c.node.id, c.part.id) for c in changes}
        rows = {
            (s.node_id, s.part_id): s
            for s in Stock.objects.select_for_update()
            .filter(node_id__in={k[0] for k in keys}, part_id__in={k[1] for k in keys})
            .order_by("pk")
            if (s.node_id, s.part_id) in keys
        }
        planned = []
        for change in changes:
            stock = rows.get((change.node.id, change.part.id))
            on_hand = (stock.on_hand if stock else 0) + change.on_hand
            reserved = (stock.reserved if stock else 0) + change.reserved
            in_transit = (stock.in_transit if stock else 0) + change.in_transit
            if stock is None or min(on_hand, reserved, in_transit) < 0 or reserved > on_hand:
                available = 0 if stock is None else stock.on_hand - stock.reserved
                raise InsufficientStock(part=change.part.number, node=change.node.code,
                                        requested=abs(change.on_hand or change.reserved or change.in_transit),
                                        available=available)
            planned.append((stock, on_hand, reserved, in_transit))
        for stock, on_hand, reserved, in_transit in planned:
            before = _snapshot(stock)
            stock.on_hand, stock.reserved, stock.in_transit = on_hand, reserved, in_transit
            stock.save(update_fields=["on_hand", "reserved", "in_transit"])
            _movement(stock, before, kind=kind, by=by, reason=reason).save()
        return [p[0] for p in planned]


def stock_count(*, user: User, node: Node, part: Part, on_hand: int, reason: str,
                confirmed_at: datetime | None = None) -> Stock:
    """Record a counted on-hand quantity for one node and part (a manual correction)."""
    if not isinstance(on_hand, int) or on_hand < 0:
        raise InvalidInput("quantity_not_positive", quantity=on_hand)
    managed = managed_node_ids(user)
    if managed is not None and node.id not in managed:
        raise NotPermitted("node_not_managed", node=node.code)
    with transaction.atomic():
        stock, _created = Stock.objects.select_for_update().get_or_create(node=node, part=part)
        if on_hand < stock.reserved:
            raise InsufficientStock(part=part.number, node=node.code, requested=stock.reserved,
                                    available=on_hand)
        before = _snapshot(stock)
        stock.on_hand = on_hand
        stock.confirmed_at = confirmed_at or timezone.now()
        stock.save(update_fields=["on_hand", "confirmed_at"])
        _movement(stock, before, kind=StockMovement.Kind.ADJUST, by=user, reason=reason).save()
        return stock


# --- imports ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    kind: str
    rows: int
    counts: dict[str, int]
    changes: list[dict[str, Any]] = field(default_factory=list)  # the first changed rows
    batch_id: int | None = None
    dry_run: bool = False


MAX_CHANGES_SHOWN = 200


def _aware(value: datetime | None, tz_name: str) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=zoneinfo.ZoneInfo(tz_name))


def import_file(*, user: User, kind: str, data: bytes, filename: str, max_bytes: int,
                dry_run: bool = False) -> ImportReport:
    """Check a whole file, then apply it in one transaction, or reject it and change nothing.

    Raises:
        NotPermitted: the role may not import this kind.
        ImportRejected: with ``problems`` (row, column, code, detail) for every bad row.
    """
    if kind not in SCHEMAS:
        raise NotFound("unknown_kind", kind=kind)
    require_import(user, kind)
    schema = SCHEMAS[kind]
    try:
        table = read_table(data, filename, max_bytes)
    except FileRejected as rejected:
        raise _rejected([rejected.problem]) from None
    managed = managed_node_ids(user)
    nodes = {n.code: n for n in Node.objects.all()}
    allowed = None if managed is None else {code for code, n in nodes.items() if n.id in managed}
    part_numbers = Part.objects.values_list("number", flat=True)
    checked = check_table(table, schema, {"node": nodes.keys(), "part": part_numbers}, allowed)
    if not checked.ok:
        raise _rejected(checked.problems)
    apply = _APPLY[kind]
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind=kind, filename=filename[:255], by=user,
                                           rows=len(checked.records))
        report = apply(checked.records, nodes, user, batch)
        batch.summary = report.counts
        batch.save(update_fields=["summary"])
        report.batch_id = batch.pk
        if dry_run:
            report.dry_run = True
            report.batch_id = None
            transaction.set_rollback(True)
    return report


def _rejected(problems: list[Problem]) -> ImportRejected:
    return ImportRejected(
        count=len([p for p in problems if p.code != "too_many_problems"]),
        problems=[{"row": p.row, "column": p.column, "code": p.code, "detail": p.detail} for p in problems],
    )


def _parts_by_number(records: list[dict[str, Any]]) -> dict[str, Part]:
    return {p.number: p for p in Part.objects.filter(number__in={r["part"] for r in records})}


def _apply_stock(records: list[dict[str, Any]], nodes: dict[str, Node], user: User,
                 batch: ImportBatch) -> ImportReport:
    parts = _parts_by_number(records)
    now = timezone.now()
    wanted = {(nodes[r["node"]].id, parts[r["part"]].id) for r in records}
    # Create the missing rows first so every row can be locked in primary-key order.
    existing = set(
        Stock.objects.filter(node_id__in={n for n, _ in wanted}, part_id__in={p for _, p in wanted})
        .values_list("node_id", "part_id")
    )
    Stock.objects.bulk_create(
        [Stock(node_id=n, part_id=p) for n, p in wanted - existing], ignore_conflicts=True
    )
    locked = {
        (s.node_id, s.part_id): s
        for s in Stock.objects.select_for_update().filter(
            node_id__in={n for n, _ in wanted}, part_id__in={p for _, p in wanted}
        ).order_by("pk")
        if (s.node_id, s.part_id) in wanted
    }
    counts: Counter[str] = Counter()
    changes, movements, problems, dirty = [], [], [], []
    for record in records:
        node, part = nodes[record["node"]], parts[record["part"]]
        stock = locked[(node.id, part.id)]
        if record["on_hand"] < stock.reserved:
            problems.append(Problem(record["_row"], "on_hand", "below_reserved",
                                    f"{node.code} / {part.number}: {record['on_hand']} < {stock.reserved}"))
            continue
        before = _snapshot(stock)
        created = (node.id, part.id) not in existing
        stock.on_hand = record["on_hand"]
        stock.confirmed_at = _aware(record.get("confirmed_at"), node.time_zone) or now
        dirty.append(stock)
        if created:
            counts["created"] += 1
        elif before["on_hand"] != stock.on_hand:
            counts["updated"] += 1
        else:
            counts["confirmed"] += 1
        if created or before["on_hand"] != stock.on_hand:
            movements.append(_movement(stock, before, kind=StockMovement.Kind.COUNT, by=user,
                                       reason=f"import {batch.filename} row {record['_row']}", batch=batch))
            if len(changes) < MAX_CHANGES_SHOWN:
                changes.append({"node": node.code, "part": part.number,
                                "before": before["on_hand"], "after": stock.on_hand})
    if problems:
        raise _rejected(problems)
    Stock.objects.bulk_update(dirty, ["on_hand", "confirmed_at"], batch_size=2000)
    StockMovement.objects.bulk_create(movements, batch_size=2000)
    return ImportReport("stock", len(records), dict(counts), changes)


def _apply_demand(records: list[dict[str, Any]], nodes: dict[str, Node], user: User,
                  batch: ImportBatch) -> ImportReport:
    parts = _parts_by_number(records)
    keys = {(nodes[r["node"]].id, parts[r["part"]].id, r["month"]) for r in records}
    existing = {
        (d.node_id, d.part_id, d.month): d
        for d in DemandRecord.objects.filter(
            node_id__in={k[0] for k in keys}, part_id__in={k[1] for k in keys},
            month__in={k[2] for k in keys},
        )
    }
    counts: Counter[str] = Counter()
    new, changed, changes = [], [], []
    for r in records:
        key = (nodes[r["node"]].id, parts[r["part"]].id, r["month"])
        old = existing.get(key)
        if old is None:
            new.append(DemandRecord(node_id=key[0], part_id=key[1], month=key[2], quantity=r["quantity"]))
            counts["created"] += 1
        elif old.quantity != r["quantity"]:
            if len(changes) < MAX_CHANGES_SHOWN:
                changes.append({"node": r["node"], "part": r["part"], "month": r["month"].isoformat(),
                                "before": old.quantity, "after": r["quantity"]})
            old.quantity = r["quantity"]
            changed.append(old)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    DemandRecord.objects.bulk_create(new, batch_size=2000)
    DemandRecord.objects.bulk_update(changed, ["quantity"], batch_size=2000)
    if new or changed:
        demand_changed.send(sender=DemandRecord, keys={(d.node_id, d.month) for d in (*new, *changed)})
    return ImportReport("demand", len(records), dict(counts), changes)


def _apply_failures(records: list[dict[str, Any]], nodes: dict[str, Node], user: User,
                    batch: ImportBatch) -> ImportReport:
    parts = _parts_by_number(records)

    def key_of(node_id: int, part_id: int, r: dict[str, Any]) -> tuple[Any, ...]:
        return (node_id, part_id, r["batch"], r["date"], r["vehicle_model"], r.get("vin") or "")

    existing = {
        (f.node_id, f.part_id, f.batch, f.reported_on, f.vehicle_model, f.vin): f
        for f in FailureReport.objects.filter(
            node_id__in={nodes[r["node"]].id for r in records},
            part_id__in={p.id for p in parts.values()},
            reported_on__in={r["date"] for r in records},
        )
    }
    counts: Counter[str] = Counter()
    new, changed = [], []
    for r in records:
        node, part = nodes[r["node"]], parts[r["part"]]
        quantity = 1 if r.get("quantity") is None else r["quantity"]
        if quantity < 1:
            raise _rejected([Problem(r["_row"], "quantity", "quantity_not_positive", str(quantity))])
        old = existing.get(key_of(node.id, part.id, r))
        if old is None:
            new.append(FailureReport(node=node, part=part, batch=r["batch"], reported_on=r["date"],
                                     vehicle_model=r["vehicle_model"], quantity=quantity,
                                     vin=r.get("vin") or "", import_batch=batch))
            counts["created"] += 1
        elif old.quantity != quantity:
            old.quantity = quantity
            changed.append(old)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    FailureReport.objects.bulk_create(new, batch_size=2000)
    FailureReport.objects.bulk_update(changed, ["quantity"], batch_size=2000)
    return ImportReport("failures", len(records), dict(counts), [])


def _apply_in_transit(records: list[dict[str, Any]], nodes: dict[str, Node], user: User,
                      batch: ImportBatch) -> ImportReport:
    parts = _parts_by_number(records)
    existing = {
        (s.shipment_no, s.part_id): s
        for s in InTransitShipment.objects.filter(
            shipment_no__in={r["shipment"] for r in records}, part_id__in={p.id for p in parts.values()}
        )
    }
    touched: set[tuple[int, int]] = set()
    counts: Counter[str] = Counter()
    new, changed = [], []
    for r in records:
        node, part = nodes[r["destination"]], parts[r["part"]]
        eta = _aware(r["eta"], node.time_zone)
        status = r.get("status") or InTransitShipment.Status.IN_TRANSIT
        old = existing.get((r["shipment"], part.id))
        touched.add((node.id, part.id))
        if old is None:
            new.append(InTransitShipment(shipment_no=r["shipment"], part=part, destination=node,
                                         quantity=r["quantity"], eta=eta, status=status))
            counts["created"] += 1
            continue
        touched.add((old.destination_id, part.id))
        if (old.destination_id, old.quantity, old.eta, old.status) != (node.id, r["quantity"], eta, status):
            old.destination, old.quantity, old.eta, old.status = node, r["quantity"], eta, status
            changed.append(old)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    InTransitShipment.objects.bulk_create(new, batch_size=2000)
    InTransitShipment.objects.bulk_update(changed, ["destination", "quantity", "eta", "status"],
                                          batch_size=2000)
    counts["stock_rows_changed"] = _refresh_in_transit(touched, user, batch)
    return ImportReport("in_transit", len(records), dict(counts), [])


def _refresh_in_transit(pairs: set[tuple[int, int]], user: User, batch: ImportBatch) -> int:
    """Set Stock.in_transit of each (node, part) to the sum of its open shipment lines."""
    if not pairs:
        return 0
    node_ids, part_ids = {n for n, _ in pairs}, {p for _, p in pairs}
    totals = {
        (row["destination_id"], row["part_id"]): row["total"]
        for row in InTransitShipment.objects.filter(
            destination_id__in=node_ids, part_id__in=part_ids, status=InTransitShipment.Status.IN_TRANSIT
        ).values("destination_id", "part_id").annotate(total=Sum("quantity"))
    }
    existing = set(Stock.objects.filter(node_id__in=node_ids, part_id__in=part_ids)
                   .values_list("node_id", "part_id"))
    Stock.objects.bulk_create([Stock(node_id=n, part_id=p) for n, p in pairs - existing],
                              ignore_conflicts=True)
    changed, movements = [], []
    for stock in Stock.objects.select_for_update().filter(node_id__in=node_ids, part_id__in=part_ids).order_by("pk"):
        key = (stock.node_id, stock.part_id)
        if key not in pairs or stock.in_transit == totals.get(key, 0):
            continue
        before = _snapshot(stock)
        stock.in_transit = totals.get(key, 0)
        changed.append(stock)
        movements.append(_movement(stock, before, kind=StockMovement.Kind.IN_TRANSIT, by=user,
                                   reason=f"import {batch.filename}", batch=batch))
    Stock.objects.bulk_update(changed, ["in_transit"], batch_size=2000)
    StockMovement.objects.bulk_create(movements, batch_size=2000)
    return len(changed)


def _apply_distances(records: list[dict[str, Any]], nodes: dict[str, Node], user: User,
                     batch: ImportBatch) -> ImportReport:
    counts: Counter[str] = Counter()
    existing = {(d.from_node_id, d.to_node_id): d for d in DistanceOverride.objects.all()}
    new, changed = [], []
    for r in records:
        key = (nodes[r["from_node"]].id, nodes[r["to_node"]].id)
        if key[0] == key[1]:
            raise _rejected([Problem(r["_row"], "to_node", "same_node", r["to_node"])])
        old = existing.get(key)
        if old is None:
            new.append(DistanceOverride(from_node_id=key[0], to_node_id=key[1], km=r["km"], hours=r["hours"]))
            counts["created"] += 1
        elif (old.km, old.hours) != (r["km"], r["hours"]):
            old.km, old.hours = r["km"], r["hours"]
            changed.append(old)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    DistanceOverride.objects.bulk_create(new, batch_size=2000)
    DistanceOverride.objects.bulk_update(changed, ["km", "hours"], batch_size=2000)
    return ImportReport("distances", len(records), dict(counts), [])


_APPLY = {
    "stock": _apply_stock,
    "demand": _apply_demand,
    "failures": _apply_failures,
    "in_transit": _apply_in_transit,
    "distances": _apply_distances,
}

