"""The tables PartsPool imports and exports, with the header spellings centers already use."""

from __future__ import annotations

from partspool.core.tabular import (
    Column,
    Schema,
    ValueProblem,
    parse_date,
    parse_decimal,
    parse_local_datetime,
    parse_month,
    parse_quantity,
    parse_text,
)

NODE_ALIASES = ("node_code", "node", "网点", "网点编码", "服务中心", "中心编码")
PART_ALIASES = ("part", "part_number", "part_no", "配件号", "零件号", "配件编号")

SHIPMENT_STATUSES = {
    "in_transit": "in_transit", "在途": "in_transit", "shipped": "in_transit",
    "received": "received", "已到货": "received", "已收货": "received", "delivered": "received",
    "cancelled": "cancelled", "canceled": "cancelled", "已取消": "cancelled",
}


def parse_shipment_status(value: object) -> str:
    """in_transit / received / cancelled, in English or Chinese."""
    text = str(value).strip().lower()
    if text not in SHIPMENT_STATUSES:
        raise ValueProblem("bad_status", text)
    return SHIPMENT_STATUSES[text]

STOCK = Schema(
    kind="stock",
    columns=(
        Column("node", parse_text, aliases=NODE_ALIASES, reference="node"),
        Column("part", parse_text, aliases=PART_ALIASES, reference="part"),
        Column("on_hand", parse_quantity, aliases=("qty", "在库", "库存", "在库数量", "库存数量")),
        Column(
            "confirmed_at",
            parse_local_datetime,
            required=False,
            aliases=("盘点时间", "确认时间", "counted_at"),
        ),
    ),
    key=("node", "part"),
    node_column="node",
)

DEMAND = Schema(
    kind="demand",
    columns=(
        Column("node", parse_text, aliases=NODE_ALIASES, reference="node"),
        Column("part", parse_text, aliases=PART_ALIASES, reference="part"),
        Column("month", parse_month, aliases=("月份", "period")),
        Column("quantity", parse_quantity, aliases=("demand", "需求", "需求量", "数量")),
    ),
    key=("node", "part", "month"),
    node_column="node",
)

FAILURES = Schema(
    kind="failures",
    columns=(
        Column("node", parse_text, aliases=NODE_ALIASES, reference="node"),
        Column("part", parse_text, aliases=PART_ALIASES, reference="part"),
        Column("batch", parse_text, aliases=("production_batch", "批次", "生产批次")),
        Column("date", parse_date, aliases=("failure_date", "reported_on", "日期", "故障日期")),
        Column("vehicle_model", parse_text, aliases=("model", "车型")),
        Column("quantity", parse_quantity, required=False, aliases=("count", "数量")),
        Column("vin", parse_text, required=False, aliases=("车架号",)),
    ),
    key=("node", "part", "batch", "date", "vehicle_model", "vin"),
    node_column="node",
)

IN_TRANSIT = Schema(
    kind="in_transit",
    columns=(
        Column("shipment", parse_text, aliases=("shipment_no", "运单号", "发运单号")),
        Column("part", parse_text, aliases=PART_ALIASES, reference="part"),
        Column("quantity", parse_quantity, aliases=("qty", "数量")),
        Column("destination", parse_text, aliases=("to_node", "目的地", "收货网点"), reference="node"),
        Column("eta", parse_local_datetime, aliases=("预计到达", "预计到货", "arrival")),
        Column("status", parse_shipment_status, required=False, aliases=("状态",)),
    ),
    key=("shipment", "part"),
)

DISTANCES = Schema(
    kind="distances",
    columns=(
        Column("from_node", parse_text, aliases=("from", "起点"), reference="node"),
        Column("to_node", parse_text, aliases=("to", "终点"), reference="node"),
        Column("km", parse_decimal, aliases=("distance_km", "公里", "距离")),
        Column("hours", parse_decimal, aliases=("lead_time_hours", "时效", "小时")),
    ),
    key=("from_node", "to_node"),
)

SCHEMAS: dict[str, Schema] = {s.kind: s for s in (STOCK, DEMAND, FAILURES, IN_TRANSIT, DISTANCES)}
