"""Imports are all-or-nothing with every problem named; good files report what changed (SPEC C1)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partspool.errors import ImportRejected, NotPermitted
from partspool.network.models import (
    DemandRecord,
    DistanceOverride,
    FailureReport,
    ImportBatch,
    InTransitShipment,
    Node,
    Stock,
    StockMovement,
)
from partspool.network.services import import_file
from tests.conftest import login

LIMIT = 1024 * 1024


def _csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _state():
    """Everything an import could touch, to prove a rejected file changed nothing."""
    return (
        sorted(Stock.objects.values_list("node_id", "part_id", "on_hand", "reserved", "in_transit",
                                         "confirmed_at")),
        StockMovement.objects.count(), DemandRecord.objects.count(), FailureReport.objects.count(),
        InTransitShipment.objects.count(), DistanceOverride.objects.count(), ImportBatch.objects.count(),
    )


def _import(user, kind, data, filename="file.csv", **kw):
    return import_file(user=user, kind=kind, data=data, filename=filename, max_bytes=LIMIT, **kw)


def _problems(excinfo):
    return {(p["row"], p["column"], p["code"]) for p in excinfo.value.data["problems"]}


def test_good_stock_file_sets_on_hand_records_movements_and_reports_changes(stocked):
    manager = stocked.users["manager"]
    report = _import(manager, "stock", _csv("""
node,part,on_hand,confirmed_at
SC-HZ01,BRK-PAD-F01,4,2026-11-20 08:30
SC-HZ01,WIP-BLD-01,12,
"""))
    assert report.counts == {"updated": 1, "created": 1}
    assert {"node": "SC-HZ01", "part": "BRK-PAD-F01", "before": 0, "after": 4} in report.changes
    stock = Stock.objects.get(node=stocked.nodes["SC-HZ01"], part=stocked.parts["F01"])
    assert stock.on_hand == 4
    # Local time of the node (Asia/Shanghai, UTC+8) stored in UTC.
    assert stock.confirmed_at.isoformat() == "2026-11-20T00:30:00+00:00"
    moves = StockMovement.objects.filter(stock__node=stocked.nodes["SC-HZ01"]).order_by("id")
    assert [(m.on_hand_before, m.on_hand_after, m.by_id) for m in moves] == [(0, 4, manager.id),
                                                                            (0, 12, manager.id)]
    assert moves[0].import_batch.rows == 2
    assert "row 2" in moves[0].reason


def test_reimporting_the_same_counts_only_confirms(stocked):
    manager = stocked.users["manager"]
    _import(manager, "stock", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,4"))
    moves = StockMovement.objects.count()
    report = _import(manager, "stock", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,4"))
    assert report.counts == {"confirmed": 1}
    assert StockMovement.objects.count() == moves


BAD_STOCK_FILES = [
    ("node,part,on_hand\nSC-XX99,BRK-PAD-F01,3", {(2, "node", "unknown_node")}),
    ("node,part,on_hand\nSC-HZ01,NOPE-1,3", {(2, "part", "unknown_part")}),
    ("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,-3", {(2, "on_hand", "negative")}),
    ("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,2.5", {(2, "on_hand", "fractional")}),
    ("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,lots", {(2, "on_hand", "not_a_number")}),
    ("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,\n", {(2, "on_hand", "missing_value")}),
    ("node,part\nSC-HZ01,BRK-PAD-F01", {(1, "on_hand", "missing_column")}),
    ("node,part,on_hand,confirmed_at\nSC-HZ01,BRK-PAD-F01,3,yesterday",
     {(2, "confirmed_at", "bad_date")}),
    ("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,3\nsc-hz01,brk-pad-f01,4",
     {(3, "node, part", "duplicate_key")}),
]


@pytest.mark.parametrize(("content", "expected"), BAD_STOCK_FILES)
def test_bad_stock_file_is_rejected_whole_with_row_column_and_problem(stocked, content, expected):
    # A good row first: it must not be written either.
    good_first = content.replace("\n", "\nSC-HZ01,WIP-BLD-01,7\n", 1) if "on_hand\n" in content else content
    before = _state()
    with pytest.raises(ImportRejected) as excinfo:
        _import(stocked.users["manager"], "stock", _csv(good_first))
    problems = _problems(excinfo)
    for row, column, code in expected:
        shifted = row + 1 if good_first != content and row > 1 else row
        assert (shifted, column, code) in problems
    assert _state() == before


def test_every_bad_row_is_listed_not_only_the_first(stocked):
    with pytest.raises(ImportRejected) as excinfo:
        _import(stocked.users["manager"], "stock", _csv("""
node,part,on_hand
SC-HZ01,NOPE,1
SC-HZ01,BRK-PAD-F01,-1
SC-HZ01,WIP-BLD-01,1.5
"""))
    assert _problems(excinfo) == {(2, "part", "unknown_part"), (3, "on_hand", "negative"),
                                  (4, "on_hand", "fractional")}
    assert excinfo.value.data["count"] == 3


def test_on_hand_below_reserved_is_rejected(stocked):
    before = _state()
    with pytest.raises(ImportRejected) as excinfo:
        _import(stocked.users["coordinator"], "stock", _csv("node,part,on_hand\nSC-SZ01,BRK-PAD-F01,0"))
    assert _problems(excinfo) == {(2, "on_hand", "below_reserved")}
    assert _state() == before


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"x" * (LIMIT + 1), "big.csv", "file_too_large"),
        (b"", "empty.csv", "empty_file"),
        (b"%PDF-1.4\x00\x01binary", "report.pdf", "not_a_spreadsheet"),
        (b"\x00\x01\x02garbage", "stock.csv", "not_a_spreadsheet"),
        (b"PK\x03\x04not really a zip", "stock.xlsx", "not_a_spreadsheet"),
        (b"node,part,on_hand\n", "stock.docx", "not_a_spreadsheet"),
    ],
)
def test_unreadable_files_are_rejected_with_the_reason(stocked, data, filename, code):
    before = _state()
    with pytest.raises(ImportRejected) as excinfo:
        _import(stocked.users["manager"], "stock", data, filename=filename)
    assert [p["code"] for p in excinfo.value.data["problems"]] == [code]
    assert _state() == before


def test_manager_may_not_import_another_centers_stock(stocked):
    before = _state()
    with pytest.raises(ImportRejected) as excinfo:
        _import(stocked.users["manager"], "stock", _csv("node,part,on_hand\nSC-SH01,BRK-PAD-F01,1"))
    assert _problems(excinfo) == {(2, "node", "node_not_permitted")}
    assert _state() == before


def test_coordinator_imports_for_the_whole_region_only(stocked):
    report = _import(stocked.users["coordinator"], "stock",
                     _csv("node,part,on_hand\nSC-SH01,BRK-PAD-F01,6\nSC-NB01,BRK-PAD-F01,2"))
    assert report.counts == {"updated": 2}
    with pytest.raises(ImportRejected):
        _import(stocked.users["coordinator"], "stock", _csv("node,part,on_hand\nSC-GZ01,BRK-PAD-F01,1"))


@pytest.mark.parametrize("role", ["manager", "coordinator"])
def test_only_the_supply_chain_uploads_in_transit_and_distances(stocked, role):
    with pytest.raises(NotPermitted):
        _import(stocked.users[role], "in_transit",
                _csv("shipment,part,quantity,destination,eta\nS1,BRK-PAD-F01,5,SC-HZ01,2026-12-01"))
    with pytest.raises(NotPermitted):
        _import(stocked.users[role], "distances", _csv("from_node,to_node,km,hours\nSC-SH01,SC-HZ01,180,4"))


def test_user_without_role_imports_nothing(stocked):
    with pytest.raises(NotPermitted):
        _import(stocked.users["norole"], "stock", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,1"))


def test_in_transit_upload_sets_stock_in_transit_and_follows_status(stocked):
    planner = stocked.users["planner"]
    report = _import(planner, "in_transit", _csv("""
shipment,part,quantity,destination,eta
SHP-001,BRK-PAD-F01,5,SC-HZ01,2026-12-01 10:00
SHP-002,BRK-PAD-F01,3,SC-HZ01,2026-12-03
"""))
    assert report.counts["created"] == 2
    stock = Stock.objects.get(node=stocked.nodes["SC-HZ01"], part=stocked.parts["F01"])
    assert stock.in_transit == 8
    _import(planner, "in_transit", _csv("""
运单号,配件号,数量,目的地,预计到达,状态
SHP-001,BRK-PAD-F01,5,SC-HZ01,2026-12-01 10:00,已到货
"""))
    stock.refresh_from_db()
    assert stock.in_transit == 3
    assert StockMovement.objects.filter(stock=stock, kind="in_transit").count() == 2


def test_demand_history_upserts_by_month(stocked):
    manager = stocked.users["manager"]
    report = _import(manager, "demand", _csv("""
网点,配件号,月份,数量
SC-HZ01,BRK-PAD-F01,2026-09,4
SC-HZ01,BRK-PAD-F01,2026年10月,0
"""))
    assert report.counts == {"created": 2}
    report = _import(manager, "demand", _csv("node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,2026/09,6"))
    assert report.counts == {"updated": 1}
    assert report.changes == [{"node": "SC-HZ01", "part": "BRK-PAD-F01", "month": "2026-09-01",
                               "before": 4, "after": 6}]
    with pytest.raises(ImportRejected) as excinfo:
        _import(manager, "demand", _csv("node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,2026-13,1"))
    assert _problems(excinfo) == {(2, "month", "bad_date")}


def test_failure_reports_from_xlsx_and_duplicates_in_file(stocked):
    manager = stocked.users["manager"]
    data = _xlsx([
        ["node", "part", "batch", "date", "vehicle_model", "quantity"],
        ["SC-HZ01", "BRK-PAD-F01", "B2408-17", "2026-11-02", "Model A", 2],
        ["SC-HZ01", "BRK-PAD-F01", "B2408-17", "2026-11-03", "Model A", None],
    ])
    report = _import(manager, "failures", data, filename="failures.xlsx")
    assert report.counts == {"created": 2}
    assert sorted(FailureReport.objects.values_list("quantity", flat=True)) == [1, 2]
    again = _import(manager, "failures", data, filename="failures.xlsx")
    assert again.counts == {"unchanged": 2}
    dup = _xlsx([
        ["node", "part", "batch", "date", "vehicle_model"],
        ["SC-HZ01", "BRK-PAD-F01", "B1", "2026-11-02", "Model A"],
        ["SC-HZ01", "BRK-PAD-F01", "B1", "2026-11-02", "Model A"],
    ])
    with pytest.raises(ImportRejected) as excinfo:
        _import(manager, "failures", dup, filename="dup.xlsx")
    assert (3, "node, part, batch, date, vehicle_model, vin", "duplicate_key") in _problems(excinfo)


def test_dry_run_checks_and_writes_nothing(stocked):
    before = _state()
    report = _import(stocked.users["manager"], "stock", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,4"),
                     dry_run=True)
    assert report.dry_run and report.counts == {"updated": 1}
    assert _state() == before


def test_exported_stock_can_be_imported_again(stocked):
    from partspool.network.exports import export_xlsx

    planner = stocked.users["planner"]
    content = export_xlsx(user=planner, kind="stock")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("node", "part", "on_hand", "reserved", "in_transit", "available", "confirmed_at")
    assert len(rows) == 1 + Stock.objects.count()
    report = _import(planner, "stock", content, filename="partspool-stock.xlsx")
    assert report.counts == {"confirmed": Stock.objects.count()}


def test_manager_exports_only_own_center(stocked):
    from partspool.network.exports import export_xlsx

    content = export_xlsx(user=stocked.users["manager"], kind="stock")
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1:]
    assert {r[0] for r in rows} == {"SC-HZ01"}
    with pytest.raises(NotPermitted):
        export_xlsx(user=stocked.users["manager"], kind="distances")


# --- through the API and the page ---------------------------------------------------------------


def test_api_import_returns_422_with_problems_and_changes_nothing(stocked):
    client = login(stocked.users["manager"])
    before = _state()
    upload = SimpleUploadedFile("s.csv", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,-1"))
    response = client.post("/api/imports/stock", {"file": upload})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["details"]["problems"] == [{"row": 2, "column": "on_hand", "code": "negative",
                                            "detail": "-1"}]
    assert _state() == before


def test_api_import_good_file(stocked):
    client = login(stocked.users["manager"])
    upload = SimpleUploadedFile("s.csv", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,2"))
    response = client.post("/api/imports/stock", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["counts"] == {"updated": 1}


def test_api_import_unknown_kind_and_forbidden_kind(stocked):
    client = login(stocked.users["manager"])
    upload = SimpleUploadedFile("s.csv", b"a,b\n1,2\n")
    assert client.post("/api/imports/nonsense", {"file": upload}).status_code == 404
    upload = SimpleUploadedFile("s.csv", b"a,b\n1,2\n")
    assert client.post("/api/imports/in_transit", {"file": upload}).status_code == 403


def test_import_page_shows_the_problem_table(stocked):
    client = login(stocked.users["manager"])
    upload = SimpleUploadedFile("s.csv", _csv("node,part,on_hand\nSC-HZ01,NOPE,1\nSC-HZ01,BRK-PAD-F01,x"))
    page = client.post("/imports/", {"kind": "stock", "file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 422
    assert "unknown part" in text and "not a number" in text and "Nothing was imported" in text


def test_import_page_reports_what_changed(stocked):
    client = login(stocked.users["manager"])
    upload = SimpleUploadedFile("s.csv", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,3"))
    page = client.post("/imports/", {"kind": "stock", "file": upload}, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert page.status_code == 200 and "<html" not in text
    assert "BRK-PAD-F01" in text and "Imported" in text


def test_import_page_requires_csrf(stocked):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(stocked.users["manager"])
    upload = SimpleUploadedFile("s.csv", _csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,3"))
    assert client.post("/imports/", {"kind": "stock", "file": upload}).status_code == 403
    assert client.post("/api/imports/stock", {"file": upload}).status_code in (401, 403)


def test_command_line_import_and_export(stocked, tmp_path, capsys):
    from partspool.cli import main

    good = tmp_path / "stock.csv"
    good.write_bytes(_csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,5"))
    assert main(["import", "stock", str(good), "--as", "hz_manager"]) == 0
    assert "updated 1" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("node,part,on_hand\nSC-HZ01,BRK-PAD-F01,-5"))
    before = _state()
    assert main(["import", "stock", str(bad), "--as", "hz_manager"]) == 1
    err = capsys.readouterr().err
    assert "negative" in err and "on_hand" in err
    assert _state() == before
    out = tmp_path / "out.xlsx"
    assert main(["export", "stock", str(out), "--as", "hz_manager"]) == 0
    assert out.read_bytes().startswith(b"PK")


def test_command_line_export_to_csv_and_as_series(stocked, tmp_path, capsys):
    """A .csv file gets CSV (re-importable, UTF-8 with a BOM); --series gives what partspool forecast
    reads; a wrong ending, --series of another table or a month not over are refused, nothing written."""
    import pandas as pd

    from partspool.cli import main
    from partspool.core.policy import read_demand_frame
    from partspool.planning.selectors import last_complete_month, months_back

    end = last_complete_month()
    manager = stocked.users["manager"]
    _import(manager, "demand", _csv(f"node,part,month,quantity\nSC-HZ01,BRK-PAD-F01,{months_back(end, 2):%Y-%m},4\n"
                                    f"SC-HZ01,BRK-PAD-F01,{end:%Y-%m},2"))
    out = tmp_path / "stock.csv"
    assert main(["export", "stock", str(out), "--as", "hz_manager"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfnode,part,on_hand,reserved,in_transit,available,confirmed_at\r\n")
    before = sorted(Stock.objects.values_list("node_id", "part_id", "on_hand", "reserved", "in_transit"))
    assert main(["import", "stock", str(out), "--as", "hz_manager"]) == 0  # re-imports: a count that confirms
    assert sorted(Stock.objects.values_list("node_id", "part_id", "on_hand", "reserved", "in_transit")) == before
    demand = tmp_path / "demand.csv"
    assert main(["export", "demand", str(demand), "--as", "hz_manager"]) == 0
    assert f"SC-HZ01,BRK-PAD-F01,{end:%Y-%m},2" in demand.read_text(encoding="utf-8-sig")

    series = tmp_path / "series.csv"
    assert main(["export", "demand", str(series), "--series", "--months", "6", "--as", "hz_manager"]) == 0
    frame = pd.read_csv(series)
    assert list(frame.columns) == ["unique_id", "ds", "y"]
    ours = frame[frame["unique_id"] == "SC-HZ01|BRK-PAD-F01"]
    # zeros filled in from 杭州's first record on; the months before any record are not sales of nothing
    assert ours["y"].tolist() == [4, 0, 2]
    assert ours["ds"].iloc[-1] == f"{end:%Y-%m}-01"
    assert len(read_demand_frame(frame).series) == frame["unique_id"].nunique()
    links = tmp_path / "links.csv"
    from partspool.network.models import Supersession

    Supersession.objects.update(effective_on=months_back(end, 1))
    assert main(["export", "demand", str(series), "--series", "--supersessions", str(links), "--as", "planner"]) == 0
    lines = links.read_text().splitlines()
    assert lines[0] == "old,new,effective"
    assert f"SC-HZ01|BRK-PAD-F01,SC-HZ01|BRK-PAD-F02,{months_back(end, 1):%Y-%m-%d}" in lines
    from partspool.cli_policy import read_links

    assert {(link.old, link.new) for link in read_links(links)} >= {("SC-HZ01|BRK-PAD-F01", "SC-HZ01|BRK-PAD-F02")}
    assert main(["export", "demand", str(series), "--series", "--as", "hz_manager"]) == 0
    assert main(["export", "demand", str(series), "--series", "--supersessions", str(links), "--as", "hz_manager"]) == 0
    assert {line.split("|")[0] for line in links.read_text().splitlines()[1:]} == {"SC-HZ01"}  # the manager's node only
    capsys.readouterr()
    # --served: a warehouse's series is the demand it serves (its region's), as its levels are set from
    assert main(["export", "demand", str(series), "--series", "--served", "--months", "6", "--as", "planner"]) == 0
    served = pd.read_csv(series)
    assert main(["export", "demand", str(series), "--series", "--months", "6", "--as", "planner"]) == 0
    own = pd.read_csv(series)
    own["node"] = own["unique_id"].str.split("|").str[0]
    region = set(Node.objects.filter(region__code="EAST").values_list("code", flat=True))
    pads = own[own["unique_id"].str.endswith("|BRK-PAD-F01") & own["node"].isin(region)].groupby("ds")["y"].sum()
    wh = served[served["unique_id"] == "WH-EAST|BRK-PAD-F01"].set_index("ds")["y"]
    assert pads.sum() > 0 and wh.to_dict() == pads.to_dict()
    def centers(frame):  # a service center serves its own demand: its series are the same either way
        return sorted(map(tuple, frame.loc[frame["unique_id"].str.startswith("SC-"), ["unique_id", "ds", "y"]].values))

    assert centers(served) == centers(own) and centers(own)
    capsys.readouterr()

    for argv, says in ((["export", "stock", str(tmp_path / "x.txt")], "must end in .xlsx or .csv"),
                       (["export", "stock", str(tmp_path / "x.csv"), "--series"], "--series writes demand"),
                       (["export", "demand", str(tmp_path / "x.xlsx"), "--series"], "--series writes demand"),
                       (["export", "demand", str(tmp_path / "x.csv"), "--supersessions", "l.csv"], "goes with --series"),
                       (["export", "demand", str(tmp_path / "x.csv"), "--served"], "--served goes with --series"),
                       (["export", "demand", str(tmp_path / "x.csv"), "--series", "--months", "0"], "--months 0"),
                       (["export", "demand", str(tmp_path / "x.csv"), "--series", "--end", "2999-01"], "2999-01")):
        assert main([*argv, "--as", "hz_manager"]) == 1
        assert says in capsys.readouterr().err
        assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.xlsx").exists()


def test_export_as_csv_through_the_page_and_the_api(stocked):
    client = login(stocked.users["manager"])
    page = client.get("/exports/stock.csv")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/csv")
    assert 'filename="partspool-stock.csv"' in page["Content-Disposition"]
    lines = page.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "node,part,on_hand,reserved,in_transit,available,confirmed_at"
    assert {line.split(",")[0] for line in lines[1:]} <= {"SC-HZ01"}  # only the manager's center
    api = client.get("/api/exports/stock", {"format": "csv"})
    assert api.status_code == 200 and api.content == page.content
    bad = client.get("/api/exports/stock", {"format": "pdf"})
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_format" and "pdf" in bad.json()["message"]
    assert "/exports/stock.csv" in client.get("/imports/").content.decode()


def test_csv_export_defuses_formulas_and_re_imports_them_unchanged(stocked, tmp_path):
    from partspool.cli import main

    manager = stocked.users["manager"]
    _import(manager, "failures", _csv("""
node,part,batch,date,vehicle_model,quantity,vin
SC-HZ01,BRK-PAD-F01,=1+1,2026-10-02,ET7,1,-LFV123
SC-HZ01,BRK-PAD-F01,@SUM(A1),2026-10-03,ET7,1,+LFV456
SC-HZ01,BRK-PAD-F01,'B2401,2026-10-04,ET7,1,LFV789
"""))
    out = tmp_path / "failures.csv"
    assert main(["export", "failures", str(out), "--as", "hz_manager"]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text and "'-LFV123" in text and "\r\n" in out.read_bytes().decode("utf-8-sig")
    before = sorted(FailureReport.objects.values_list("batch", "vin"))
    assert ("=1+1", "-LFV123") in before and ("'B2401", "LFV789") in before
    report = _import(manager, "failures", out.read_bytes())
    assert sorted(FailureReport.objects.values_list("batch", "vin")) == before  # the same reports, not new ones
    assert report.counts.get("created", 0) == 0


def test_problems_name_the_column_as_the_file_spells_it(stocked):
    with pytest.raises(ImportRejected) as excinfo:
        _import(stocked.users["manager"], "stock", _csv("网点,配件号,库存\nSC-HZ01,BRK-PAD-F01,-2\nSC-HZ01,XX,1"))
    assert _problems(excinfo) == {(2, "库存", "negative"), (3, "配件号", "unknown_part")}
