"""Network API: parts, lookup, nodes, imports and exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile

from partspool.accounts.permissions import can_manage_node, require_role
from partspool.errors import NotPermitted
from partspool.network import exports, selectors, services

router = Router(tags=["network"])


class PartOut(Schema):
    number: str
    name_zh: str
    name_en: str
    category: str
    unit_cost: float
    safety_critical: bool
    vehicle_models: list[str]


def _part(p: object) -> PartOut:
    return PartOut(
        number=p.number, name_zh=p.name_zh, name_en=p.name_en, category=p.category,  # type: ignore[attr-defined]
        unit_cost=float(p.unit_cost), safety_critical=p.safety_critical,  # type: ignore[attr-defined]
        vehicle_models=list(p.vehicle_models or []),  # type: ignore[attr-defined]
    )


class RelatedPartOut(Schema):
    relation: str
    part: PartOut
    level: str
    conditions: str


class PartDetailOut(Schema):
    part: PartOut
    related: list[RelatedPartOut]


@router.get("/parts", response=list[PartOut], summary="Search parts by number or name")
def parts_search(request: HttpRequest, q: str, limit: int = 20) -> list[PartOut]:
    require_role(request.user)  # type: ignore[arg-type]
    return [_part(p) for p in selectors.part_search(query=q, limit=min(max(limit, 1), 100))]


@router.get("/parts/{number}", response=PartDetailOut, summary="A part with its successors and alternatives")
def part_detail(request: HttpRequest, number: str) -> PartDetailOut:
    require_role(request.user)  # type: ignore[arg-type]
    part = selectors.part_get(number=number)
    return PartDetailOut(
        part=_part(part),
        related=[
            RelatedPartOut(relation=r.relation, part=_part(r.part), level=r.level, conditions=r.conditions)
            for r in selectors.related_parts(part)[1:]
        ],
    )


class DemandPointOut(Schema):
    month: date
    quantity: int


@router.get("/parts/{number}/demand", response=list[DemandPointOut],
            summary="Monthly demand of a part over the nodes you manage (or one node)")
def part_demand(request: HttpRequest, number: str, node: str | None = None,
                months: int = 36) -> list[DemandPointOut]:
    part = selectors.part_get(number=number)
    where = selectors.node_get(code=node) if node else None
    if where is not None and not can_manage_node(request.user, where):  # type: ignore[arg-type]
        raise NotPermitted("node_not_managed", node=where.code)
    series = selectors.demand_series(user=request.user, part=part, node=where,  # type: ignore[arg-type]
                                     months=min(max(months, 1), 120))
    return [DemandPointOut(month=m, quantity=q) for m, q in series]


class ContactOut(Schema):
    name: str
    role: str
    phone: str
    wechat: str
    best_hours: str
    call_policy: str


class LegOut(Schema):
    km: float
    hours: float
    mode: str
    measured: bool


class LookupRowOut(Schema):
    rank: int
    node: str
    node_name: str
    kind: str
    region: str
    city: str
    available: int
    on_hand: int
    reserved: int
    in_transit: int
    confirmed_at: datetime | None
    stale: bool
    leg: LegOut
    reasons: list[str]
    reliability: float | None = None
    contacts: list[ContactOut]


class LookupGroupOut(Schema):
    relation: str
    part: PartOut
    level: str
    conditions: str
    own_available: int
    total_sources: int
    rows: list[LookupRowOut]


class LookupOut(Schema):
    part: str
    origin: str
    groups: list[LookupGroupOut]


class LookupQuery(Schema):
    part: str
    from_node: str | None = None
    min_available: int = 1
    within_km: float | None = None
    region: list[str] | None = None
    limit: int = 50


@router.get("/lookup", response=LookupOut,
            summary="Where is part X right now: every node with it available, ranked")
def lookup(request: HttpRequest, query: Query[LookupQuery]) -> LookupOut:
    result = selectors.network_lookup(
        user=request.user, number=query.part, from_code=query.from_node,  # type: ignore[arg-type]
        min_available=query.min_available, within_km=query.within_km, region_codes=query.region,
        limit=min(max(query.limit, 1), 500),
    )
    # Plain dicts: ninja validates the response once against LookupOut.
    return {  # type: ignore[return-value]
        "part": result.part.number,
        "origin": result.origin.code,
        "groups": [
            {
                "relation": g.related.relation, "part": _part_dict(g.related.part), "level": g.related.level,
                "conditions": g.related.conditions, "own_available": g.own_available,
                "total_sources": g.total_sources,
                "rows": [
                    {
                        "rank": r.rank, "node": r.node.code, "node_name": r.node.name, "kind": r.node.kind,
                        "region": r.node.region.code, "city": r.node.city, "available": r.available,
                        "on_hand": r.on_hand, "reserved": r.reserved, "in_transit": r.in_transit,
                        "confirmed_at": r.confirmed_at, "stale": r.stale,
                        "leg": {"km": round(r.leg.km, 1), "hours": round(r.leg.hours, 2), "mode": r.leg.mode,
                                "measured": r.leg.measured},
                        "reasons": r.reasons, "reliability": r.reliability,
                        "contacts": [_contact_dict(c) for c in r.contacts],
                    }
                    for r in g.rows
                ],
            }
            for g in result.groups
        ],
    }


def _part_dict(p: Any) -> dict[str, Any]:
    return {"number": p.number, "name_zh": p.name_zh, "name_en": p.name_en, "category": p.category,
            "unit_cost": float(p.unit_cost), "safety_critical": p.safety_critical,
            "vehicle_models": list(p.vehicle_models or [])}


def _contact_dict(c: Any) -> dict[str, Any]:
    return {"name": c.name, "role": c.role, "phone": c.phone, "wechat": c.wechat,
            "best_hours": c.best_hours, "call_policy": c.call_policy}


class NodeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str
    region: str
    city_zh: str
    city_en: str
    latitude: float
    longitude: float
    time_zone: str


def _node(n: object) -> NodeOut:
    return NodeOut(
        code=n.code, name_zh=n.name_zh, name_en=n.name_en, kind=n.kind,  # type: ignore[attr-defined]
        region=n.region.code, city_zh=n.city_zh, city_en=n.city_en,  # type: ignore[attr-defined]
        latitude=n.latitude, longitude=n.longitude, time_zone=n.time_zone,  # type: ignore[attr-defined]
    )


@router.get("/nodes", response=list[NodeOut], summary="All nodes of the network")
def nodes(request: HttpRequest) -> list[NodeOut]:
    require_role(request.user)  # type: ignore[arg-type]
    return [_node(n) for n in sorted(selectors.node_index().values(), key=lambda n: n.code)]


class NodeDetailOut(Schema):
    node: NodeOut
    contacts: list[ContactOut]
    lines_in_stock: int
    on_hand: int
    reserved: int
    in_transit: int
    shortages: int
    last_confirmed: datetime | None
    stale: bool


@router.get("/nodes/{code}", response=NodeDetailOut, summary="A node: its stock totals and contacts")
def node_detail(request: HttpRequest, code: str) -> NodeDetailOut:
    require_role(request.user)  # type: ignore[arg-type]
    node = selectors.node_get(code=code)
    summary = selectors.node_summary(node=node)
    return NodeDetailOut(
        node=_node(node),
        contacts=[ContactOut(name=c.name, role=c.role, phone=c.phone, wechat=c.wechat,
                             best_hours=c.best_hours, call_policy=c.call_policy)
                  for c in node.contacts.all()],
        lines_in_stock=summary["lines"], on_hand=summary["on_hand"],  # type: ignore[arg-type]
        reserved=summary["reserved"], in_transit=summary["in_transit"],  # type: ignore[arg-type]
        shortages=summary["shortages"], last_confirmed=summary["confirmed"],  # type: ignore[arg-type]
        stale=summary["stale"],  # type: ignore[arg-type]
    )


class StockLineOut(Schema):
    part: str
    name: str
    on_hand: int
    reserved: int
    in_transit: int
    available: int
    confirmed_at: datetime | None
    recent_demand: int


@router.get("/nodes/{code}/stock", response=list[StockLineOut], summary="A node's stock lines")
def node_stock(request: HttpRequest, code: str, q: str = "", shortages: bool = False,
               limit: int = 200) -> list[StockLineOut]:
    require_role(request.user)  # type: ignore[arg-type]
    node = selectors.node_get(code=code)
    return [
        StockLineOut(part=s.part.number, name=s.part.name, on_hand=s.on_hand, reserved=s.reserved,
                     in_transit=s.in_transit, available=s.available, confirmed_at=s.confirmed_at,
                     recent_demand=s.recent_demand)
        for s in selectors.node_stock(node=node, query=q, only_shortages=shortages,
                                      limit=min(max(limit, 1), 2000))
    ]


class MovementOut(Schema):
    at: datetime
    part: str
    kind: str
    on_hand_before: int
    on_hand_after: int
    reserved_before: int
    reserved_after: int
    in_transit_before: int
    in_transit_after: int
    by: str | None
    reason: str
    import_batch: int | None


@router.get("/nodes/{code}/movements", response=list[MovementOut],
            summary="A node's recorded stock changes, newest first (for those who manage it)")
def node_movements(request: HttpRequest, code: str, part: str | None = None,
                   limit: int = 200) -> list[dict[str, Any]]:
    node = selectors.node_get(code=code)
    part_obj = selectors.part_get(number=part) if part else None
    rows = selectors.node_movements(user=request.user, node=node, part=part_obj,  # type: ignore[arg-type]
                                    limit=min(max(limit, 1), 5000))
    return [
        {"at": m.at, "part": m.stock.part.number, "kind": m.kind, "on_hand_before": m.on_hand_before,
         "on_hand_after": m.on_hand_after, "reserved_before": m.reserved_before,
         "reserved_after": m.reserved_after, "in_transit_before": m.in_transit_before,
         "in_transit_after": m.in_transit_after, "by": m.by.username if m.by else None, "reason": m.reason,
         "import_batch": m.import_batch_id}
        for m in rows
    ]


class ImportOut(Schema):
    kind: str
    rows: int
    counts: dict[str, int]
    changes: list[dict[str, object]]
    batch_id: int | None
    dry_run: bool


@router.post("/imports/{kind}", response=ImportOut,
             summary="Import a CSV or XLSX file (stock, demand, failures, in_transit, distances)",
             description="The whole file is checked first; any bad row rejects it with HTTP 422 and "
             "a list of problems (row, column, code, detail), and nothing is written.")
def import_upload(request: HttpRequest, kind: str, file: File[UploadedFile],
                  dry_run: bool = False) -> ImportOut:
    limit = settings.PARTSPOOL_MAX_UPLOAD_BYTES
    # Never read more than the limit: a larger file is reported as file_too_large by the reader.
    data = file.read(limit + 1)
    report = services.import_file(user=request.user, kind=kind, data=data,  # type: ignore[arg-type]
                                  filename=file.name or "upload", max_bytes=limit, dry_run=dry_run)
    return ImportOut(kind=report.kind, rows=report.rows, counts=report.counts, changes=report.changes,
                     batch_id=report.batch_id, dry_run=report.dry_run)


@router.get("/exports/{kind}", summary="Export a table as XLSX (or CSV: format=csv)", response={200: None})
def export(request: HttpRequest, kind: str, format: str = "xlsx") -> HttpResponse:  # noqa: A002
    return exports.xlsx_response(user=request.user, kind=kind, fmt=format)  # type: ignore[arg-type]


class RegionHealthOut(Schema):
    region: str
    nodes: int
    shortages: int
    stale_nodes: int


class UnavailablePartOut(Schema):
    part: str
    name: str
    recent_demand: int


class HealthOut(Schema):
    regions: list[RegionHealthOut]
    unavailable_count: int
    unavailable_parts: list[UnavailablePartOut]
    stale_nodes: list[str]


@router.get("/health", response=HealthOut, summary="The network's stock health")
def health(request: HttpRequest) -> HealthOut:
    h = selectors.network_health(user=request.user)  # type: ignore[arg-type]
    return HealthOut(
        regions=[RegionHealthOut(region=r.region.code, nodes=r.nodes, shortages=r.shortages,
                                 stale_nodes=r.stale_nodes) for r in h.regions],
        unavailable_count=h.unavailable_count,
        unavailable_parts=[UnavailablePartOut(part=p.number, name=p.name, recent_demand=t)
                           for p, t in h.unavailable_parts],
        stale_nodes=[n.code for n, _last in h.stale_nodes],
    )



