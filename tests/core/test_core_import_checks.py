"""Checking uploads against the import schemas (check_table with core/imports.py).

A file is accepted whole or not at all: every bad row is reported, and no record is handed on
when there is any problem.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core.imports import DEMAND, DISTANCES, FAILURES, IN_TRANSIT, SCHEMAS, STOCK
from partspool.core.tabular import Checked, Problem, Schema, Table, check_table, read_table

KNOWN = {
    "node": ["SC-HZ01", "SC-SH01", "WH-EAST"],
    "part": ["BRK-PAD-F01", "WIP-BLD-01"],
}


def local(*args: int) -> datetime:
    return datetime(*args)  # noqa: DTZ001 (imports read naive local times)


def check(text: str, schema: Schema, allowed: set[str] | None = None, encoding: str = "utf-8",
          known=KNOWN, max_problems: int = 500) -> Checked:
    table = read_table(text.encode(encoding), "upload.csv", 10 * 1024 * 1024)
    return check_table(table, schema, known, allowed, max_problems=max_problems)


def check_xlsx(rows: list[list[object]], schema: Schema) -> Checked:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return check_table(read_table(out.getvalue(), "upload.xlsx", 10 * 1024 * 1024), schema, KNOWN)


def found(checked: Checked) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.code) for p in checked.problems]


def test_every_import_kind_has_a_schema():
    assert set(SCHEMAS) == {"stock", "demand", "failures", "in_transit", "distances"}
    assert SCHEMAS["stock"] is STOCK


# --- a good stock file -----------------------------------------------------------------------------


def test_good_stock_file_gives_records_with_upper_cased_codes_and_row_numbers():
    checked = check(
        "node,part,on_hand,confirmed_at\n"
        "sc-hz01,brk-pad-f01,5,2026-11-03 09:30\n"
        "\n"
        " SC-SH01 ,Wip-Bld-01,\"1,200\",\n",
        STOCK,
    )
    assert checked.ok
    assert checked.problems == []
    assert checked.records == [
        {"node": "SC-HZ01", "part": "BRK-PAD-F01", "on_hand": 5, "confirmed_at": local(2026, 11, 3, 9, 30),
         "_row": 2},
        {"node": "SC-SH01", "part": "WIP-BLD-01", "on_hand": 1200, "confirmed_at": None, "_row": 4},
    ]


def test_known_codes_are_compared_without_regard_to_case():
    known = {"node": ["sc-hz01"], "part": ["brk-pad-f01"]}
    checked = check("node,part,on_hand\nSC-HZ01,Brk-Pad-F01,1\n", STOCK, known=known)
    assert checked.ok
    assert checked.records[0]["node"] == "SC-HZ01"


def test_optional_column_may_be_left_out():
    checked = check("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,5\n", STOCK)
    assert checked.ok
    assert checked.records[0]["confirmed_at"] is None


def test_unknown_extra_columns_and_column_order_do_not_matter():
    checked = check("remark,on_hand,part,node\nhello,5,BRK-PAD-F01,SC-HZ01\n", STOCK)
    assert checked.ok
    assert checked.records == [{"node": "SC-HZ01", "part": "BRK-PAD-F01", "on_hand": 5, "confirmed_at": None,
                                "_row": 2}]


def test_stock_file_with_chinese_headers_saved_as_gb18030():
    checked = check("网点,配件号,库存,盘点时间\r\nSC-HZ01,BRK-PAD-F01,7,2026/11/03 08:00\r\n", STOCK,
                    encoding="gb18030")
    assert checked.ok
    assert checked.records == [{"node": "SC-HZ01", "part": "BRK-PAD-F01", "on_hand": 7,
                                "confirmed_at": local(2026, 11, 3, 8, 0), "_row": 2}]


@pytest.mark.parametrize(
    "header",
    ["网点编码,零件号,在库数量", "服务中心,配件编号,库存数量", "中心编码,part_no,在库", "node_code,part_number,qty"],
)
def test_other_header_spellings_centers_use_for_stock(header):
    checked = check(f"{header}\nSC-HZ01,BRK-PAD-F01,3\n", STOCK)
    assert checked.ok, checked.problems
    assert checked.records[0]["on_hand"] == 3


def test_stock_from_an_xlsx_with_excel_numbers_and_date_cells():
    checked = check_xlsx([["网点", "配件号", "库存", "盘点时间"],
                          ["SC-HZ01", "BRK-PAD-F01", 12.0, local(2026, 11, 3, 8, 0)]], STOCK)
    assert checked.ok
    assert checked.records[0]["on_hand"] == 12
    assert checked.records[0]["confirmed_at"] == local(2026, 11, 3, 8, 0)


# --- problems ------------------------------------------------------------------------------------


def test_missing_required_column_is_reported_on_the_header_row():
    checked = check("node,part\nSC-HZ01,BRK-PAD-F01\n", STOCK)
    assert found(checked) == [(1, "on_hand", "missing_column")]
    assert checked.records == []
    assert not checked.ok


def test_every_missing_column_is_reported():
    checked = check("remark\nhello\n", STOCK)
    assert found(checked) == [(1, "node", "missing_column"), (1, "part", "missing_column"),
                              (1, "on_hand", "missing_column")]


def test_unknown_node_and_unknown_part():
    checked = check("node,part,on_hand\nSC-XX99,BRK-PAD-F01,1\nSC-HZ01,NOPE-1,1\n", STOCK)
    assert checked.problems == [Problem(2, "node", "unknown_node", "SC-XX99"),
                                Problem(3, "part", "unknown_part", "NOPE-1")]
    assert checked.records == []


@pytest.mark.parametrize(
    ("quantity", "code"),
    [("-1", "negative"), ("2.5", "fractional"), ("abc", "not_a_number"), ("5件", "not_a_number")],
)
def test_bad_quantity_is_reported_with_row_and_column(quantity, code):
    checked = check(f"node,part,on_hand\nSC-HZ01,BRK-PAD-F01,1\nSC-SH01,BRK-PAD-F01,{quantity}\n", STOCK)
    assert found(checked) == [(3, "on_hand", code)]
    assert checked.records == []


def test_empty_required_cell_and_short_row_are_missing_values():
    checked = check("node,part,on_hand\nSC-HZ01,,1\nSC-SH01,BRK-PAD-F01\n", STOCK)
    assert found(checked) == [(2, "part", "missing_value"), (3, "on_hand", "missing_value")]


def test_every_bad_row_is_reported_not_just_the_first():
    checked = check(
        "node,part,on_hand,confirmed_at\n"
        "SC-HZ01,BRK-PAD-F01,-1,\n"  # 2
        "SC-HZ01,WIP-BLD-01,3,\n"  # 3 good
        "SC-SH01,BRK-PAD-F01,2.5,\n"  # 4
        "SC-XX99,BRK-PAD-F01,1,\n"  # 5
        "WH-EAST,BRK-PAD-F01,abc,\n"  # 6
        "WH-EAST,WIP-BLD-01,1,yesterday\n",  # 7
        STOCK,
    )
    assert found(checked) == [
        (2, "on_hand", "negative"),
        (4, "on_hand", "fractional"),
        (5, "node", "unknown_node"),
        (6, "on_hand", "not_a_number"),
        (7, "confirmed_at", "bad_date"),
    ]
    assert checked.records == []


def test_several_problems_in_one_row_are_all_reported():
    checked = check("node,part,on_hand\nSC-XX99,NOPE-1,-4\n", STOCK)
    assert found(checked) == [(2, "node", "unknown_node"), (2, "part", "unknown_part"),
                              (2, "on_hand", "negative")]


def test_duplicate_key_names_the_earlier_row():
    checked = check(
        "node,part,on_hand\nSC-HZ01,BRK-PAD-F01,1\nSC-SH01,BRK-PAD-F01,2\nsc-hz01,brk-pad-f01,3\n", STOCK
    )
    [problem] = checked.problems
    assert (problem.row, problem.column, problem.code) == (4, "node, part", "duplicate_key")
    assert "SC-HZ01" in problem.detail and "BRK-PAD-F01" in problem.detail
    assert "row 2" in problem.detail
    assert checked.records == []


def test_node_not_permitted_for_the_uploader():
    checked = check("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,1\nSC-SH01,BRK-PAD-F01,2\nsc-hz01,WIP-BLD-01,2\n",
                    STOCK, allowed={"SC-HZ01"})
    assert checked.problems == [Problem(3, "node", "node_not_permitted", "SC-SH01")]
    assert checked.records == []


def test_permitted_nodes_only_file_is_accepted():
    checked = check("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,1\nsc-hz01,WIP-BLD-01,2\n", STOCK,
                    allowed={"SC-HZ01"})
    assert checked.ok
    assert [r["node"] for r in checked.records] == ["SC-HZ01", "SC-HZ01"]


def test_unknown_node_is_reported_as_unknown_not_as_not_permitted():
    checked = check("node,part,on_hand\nSC-XX99,BRK-PAD-F01,1\n", STOCK, allowed={"SC-HZ01"})
    assert found(checked) == [(2, "node", "unknown_node")]


def test_problems_stop_after_the_limit_with_a_marker():
    rows = "".join(f"SC-HZ01,BRK-PAD-F01,-{i}\n" for i in range(1, 30))
    checked = check("node,part,on_hand\n" + rows, STOCK, max_problems=10)
    assert len(checked.problems) == 11
    assert checked.problems[-1] == Problem(None, None, "too_many_problems", "10")
    assert checked.records == []


def test_nan_quantity_cell_is_a_row_problem_not_a_crash():
    table = Table(header=["node", "part", "on_hand"], rows=[(2, ["SC-HZ01", "BRK-PAD-F01", float("nan")])])
    checked = check_table(table, STOCK, KNOWN)
    assert found(checked) == [(2, "on_hand", "not_a_number")]


# --- accept whole or nothing: property ------------------------------------------------------------

BAD_VALUES = {"-1": "negative", "2.5": "fractional", "abc": "not_a_number", "": "missing_value"}


@st.composite
def stock_uploads(draw):
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        node = draw(st.sampled_from(["SC-HZ01", "sc-sh01", "WH-EAST", "SC-XX99"]))
        part = draw(st.sampled_from(["BRK-PAD-F01", "wip-bld-01", "NOPE-1"]))
        quantity = draw(st.sampled_from(["0", "3", "1,200", "12.0", *BAD_VALUES]))
        rows.append((node, part, quantity))
    return rows


@settings(max_examples=200, deadline=None, database=None)
@given(stock_uploads())
def test_records_only_when_no_problem_and_every_bad_row_reported(rows):
    text = "node,part,on_hand\n" + "".join(f"{n},{p},{q}\n" for n, p, q in rows)
    checked = check(text, STOCK)

    expected_bad: set[int] = set()
    first_row_of: dict[tuple[str, str], int] = {}
    for number, (node, part, quantity) in enumerate(rows, start=2):
        bad = node == "SC-XX99" or part == "NOPE-1" or quantity in BAD_VALUES
        if bad:
            expected_bad.add(number)
            continue
        key = (node.upper(), part.upper())
        if key in first_row_of:
            expected_bad.add(number)
        else:
            first_row_of[key] = number

    assert {p.row for p in checked.problems} == expected_bad
    assert checked.ok == (not expected_bad)
    if expected_bad:
        assert checked.records == []
    else:
        assert [r["_row"] for r in checked.records] == list(range(2, len(rows) + 2))
        for record in checked.records:
            assert record["node"] == record["node"].upper() and record["part"] == record["part"].upper()
            assert isinstance(record["on_hand"], int)


# --- demand ------------------------------------------------------------------------------------------


def test_demand_months_in_every_spelling():
    checked = check(
        "node,part,month,quantity\n"
        "SC-HZ01,BRK-PAD-F01,2026-11,4\n"
        "SC-HZ01,BRK-PAD-F01,2026/12,5\n"
        "SC-HZ01,BRK-PAD-F01,2027年1月,6\n"
        "SC-HZ01,BRK-PAD-F01,2027-02-15,7\n",
        DEMAND,
    )
    assert checked.ok
    assert [(r["month"], r["quantity"]) for r in checked.records] == [
        (date(2026, 11, 1), 4), (date(2026, 12, 1), 5), (date(2027, 1, 1), 6), (date(2027, 2, 1), 7)]


def test_demand_month_as_a_date_cell_in_xlsx():
    checked = check_xlsx([["网点", "配件号", "月份", "需求量"],
                          ["SC-HZ01", "BRK-PAD-F01", local(2026, 11, 1), 4],
                          ["SC-SH01", "BRK-PAD-F01", "2026年11月", 2]], DEMAND)
    assert checked.ok, checked.problems
    assert [r["month"] for r in checked.records] == [date(2026, 11, 1), date(2026, 11, 1)]


def test_unparseable_month_is_a_bad_date():
    checked = check("node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,November,4\nSC-HZ01,BRK-PAD-F01,2026-13,4\n",
                    DEMAND)
    assert found(checked) == [(2, "month", "bad_date"), (3, "month", "bad_date")]


def test_same_month_spelled_two_ways_is_a_duplicate():
    checked = check("node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,2026-11,4\nSC-HZ01,BRK-PAD-F01,2026年11月,5\n",
                    DEMAND)
    assert found(checked) == [(3, "node, part, month", "duplicate_key")]
    assert "row 2" in checked.problems[0].detail


def test_demand_for_a_node_not_permitted():
    checked = check("node,part,month,quantity\nSC-SH01,BRK-PAD-F01,2026-11,4\n", DEMAND, allowed={"SC-HZ01"})
    assert found(checked) == [(2, "node", "node_not_permitted")]


# --- failures ------------------------------------------------------------------------------------


def test_failure_reports_with_chinese_headers():
    checked = check(
        "网点,配件号,批次,故障日期,车型,数量,车架号\n"
        "SC-HZ01,BRK-PAD-F01,B2026-07,2026年11月3日,Model A,2,LVSHFFAL0NF000001\n"
        "SC-HZ01,BRK-PAD-F01,B2026-07,2026-11-04,Model A,,\n",
        FAILURES,
    )
    assert checked.ok, checked.problems
    first, second = checked.records
    assert (first["batch"], first["date"], first["vehicle_model"], first["quantity"], first["vin"]) == (
        "B2026-07", date(2026, 11, 3), "Model A", 2, "LVSHFFAL0NF000001")
    assert (second["quantity"], second["vin"]) == (None, None)


def test_failure_with_an_impossible_date_or_fractional_count():
    checked = check(
        "node,part,batch,date,vehicle_model,quantity\n"
        "SC-HZ01,BRK-PAD-F01,B1,2026-02-30,Model A,1\n"
        "SC-HZ01,BRK-PAD-F01,B1,2026-02-27,Model A,2.5\n",
        FAILURES,
    )
    assert found(checked) == [(2, "date", "bad_date"), (3, "quantity", "fractional")]


# --- in transit ------------------------------------------------------------------------------------


def test_in_transit_with_chinese_headers_and_statuses():
    checked = check(
        "运单号,配件号,数量,收货网点,预计到达,状态\n"
        "SF1001,BRK-PAD-F01,3,sc-hz01,2026-11-05 10:00,在途\n"
        "SF1002,BRK-PAD-F01,1,SC-SH01,2026/11/02,已到货\n"
        "SF1003,WIP-BLD-01,2,WH-EAST,2026-11-06 08:00,已取消\n"
        "SF1004,WIP-BLD-01,2,WH-EAST,2026-11-06 08:00,\n",
        IN_TRANSIT,
    )
    assert checked.ok, checked.problems
    assert [(r["shipment"], r["destination"], r["status"]) for r in checked.records] == [
        ("SF1001", "SC-HZ01", "in_transit"), ("SF1002", "SC-SH01", "received"),
        ("SF1003", "WH-EAST", "cancelled"), ("SF1004", "WH-EAST", None)]
    assert checked.records[0]["eta"] == local(2026, 11, 5, 10, 0)
    assert checked.records[1]["eta"] == local(2026, 11, 2, 0, 0)


def test_in_transit_unknown_status_destination_and_eta():
    checked = check(
        "shipment,part,quantity,destination,eta,status\n"
        "SF1,BRK-PAD-F01,3,SC-HZ01,2026-11-05 10:00,丢失\n"
        "SF2,BRK-PAD-F01,3,SC-XX99,2026-11-05 10:00,在途\n"
        "SF3,BRK-PAD-F01,3,SC-HZ01,next week,在途\n"
        "SF1,BRK-PAD-F01,3,SC-HZ01,2026-11-05 10:00,在途\n",  # SF1 again, but row 2 was bad
        IN_TRANSIT,
    )
    assert found(checked) == [(2, "status", "bad_status"), (3, "destination", "unknown_node"),
                              (4, "eta", "bad_date")]


def test_in_transit_same_shipment_and_part_twice_is_a_duplicate():
    checked = check(
        "shipment,part,quantity,destination,eta\n"
        "SF1,BRK-PAD-F01,3,SC-HZ01,2026-11-05 10:00\n"
        "SF1,WIP-BLD-01,3,SC-HZ01,2026-11-05 10:00\n"
        "SF1,brk-pad-f01,1,SC-HZ01,2026-11-05 10:00\n",
        IN_TRANSIT,
    )
    assert found(checked) == [(4, "shipment, part", "duplicate_key")]


# --- distances -----------------------------------------------------------------------------------


def test_distance_matrix_with_chinese_headers():
    checked = check("起点,终点,公里,时效\nSC-SH01,sc-hz01,176.5,3.5\nSC-HZ01,SC-SH01,\"1,176\",20\n", DISTANCES)
    assert checked.ok, checked.problems
    assert checked.records == [
        {"from_node": "SC-SH01", "to_node": "SC-HZ01", "km": Decimal("176.5"), "hours": Decimal("3.5"), "_row": 2},
        {"from_node": "SC-HZ01", "to_node": "SC-SH01", "km": Decimal("1176"), "hours": Decimal("20"), "_row": 3},
    ]


def test_distance_matrix_problems():
    checked = check(
        "from_node,to_node,km,hours\n"
        "SC-SH01,SC-HZ01,-5,3\n"
        "SC-SH01,SC-XX99,10,1\n"
        "SC-SH01,WH-EAST,far,1\n"
        "SC-HZ01,SC-SH01,170,3\n"
        "sc-hz01,sc-sh01,171,3\n",
        DISTANCES,
    )
    assert found(checked) == [(2, "km", "negative"), (3, "to_node", "unknown_node"), (4, "km", "not_a_number"),
                              (6, "from_node, to_node", "duplicate_key")]
    assert checked.records == []
