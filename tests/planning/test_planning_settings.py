"""Planning settings a planner changes (ABC cut-offs, class targets, accuracy and KPI targets) and the
monthly forecast review's trend and PDF, through the API, the pages and the command line."""

from __future__ import annotations

import openpyxl
import pytest

from partspool.planning.demo import date_on_time
from partspool.planning.models import ForecastRun, PlanningSettings
from partspool.planning.selectors import last_complete_month, month_add
from tests.conftest import login

JSON = "application/json"


def _patch(client, body):
    return client.patch("/api/planning-settings", body, content_type=JSON)


def test_defaults_are_the_source_values_until_a_planner_changes_them(history):
    body = login(history.users["manager"]).get("/api/planning-settings").json()
    assert (body["abc_a_cut"], body["abc_b_cut"], body["service_a"], body["accuracy_a"], body["kpi_turnover"]) == (
        0.70, 0.95, 0.95, 0.80, 5.0)
    assert body["updated_by"] is None and not PlanningSettings.objects.exists()


def test_a_planner_moves_the_abc_cut_and_the_classes_follow(history):
    planner = login(history.users["planner"])
    before = planner.get("/api/abc").json()
    assert before["a_cut"] == 0.70 and before["counts"]["A"] == 1
    response = _patch(planner, {"abc_a_cut": 0.99, "abc_b_cut": 1.0})
    assert response.status_code == 200, response.content
    assert response.json()["updated_by"] == "planner"
    after = planner.get("/api/abc").json()
    assert after["a_cut"] == 0.99 and after["counts"]["A"] > before["counts"]["A"]
    assert "99%" in planner.get("/planning/abc/").content.decode()


def test_targets_reach_the_kpis_the_policy_and_the_review(history):
    planner = login(history.users["planner"])
    assert _patch(planner, {"kpi_turnover": 7.5, "service_a": 0.98, "days_a": 2, "accuracy_b": 0.6}).status_code == 200
    kpis = {k["name"]: k for k in planner.get("/api/kpis").json()}
    assert kpis["turnover"]["target"] == 7.5
    page = planner.get("/planning/abc/").content.decode()
    assert "98%" in page
    review = planner.get("/api/forecast-review").json()
    assert review["targets"] == {"A": 0.80, "B": 0.6}
    assert next(c for c in review["by_class"] if c["abc_class"] == "B")["target"] == 0.6


def test_the_surplus_margin_the_rebalancing_distance_and_the_annual_factors_are_settings(history):
    planner = login(history.users["planner"])
    moves = planner.get("/api/rebalance?region=EAST").json()["moves"]
    assert moves and min(m["km"] for m in moves) > 100  # 苏州 to 上海 is about 110 km by road
    wear = planner.get("/api/annual-plan?growth=0&cohort=30").json()["lines"]
    pads = next(x for x in wear if x["part"] == "BRK-PAD-F01")
    assert "+9.0%" in pads["why"]  # 30% of the parc × the source's 30% more use
    assert _patch(planner, {"rebalance_max_km": 100, "annual_cohort_uplift": 0.5}).status_code == 200
    assert planner.get("/api/rebalance?region=EAST").json()["moves"] == []  # no move is that short
    assert planner.get("/api/rebalance?region=EAST&max_km=500").json()["moves"]  # unless asked for one
    pads = next(x for x in planner.get("/api/annual-plan?growth=0&cohort=30").json()["lines"]
                if x["part"] == "BRK-PAD-F01")
    assert "+15.0%" in pads["why"]

    def spare() -> int:
        rows = planner.get("/api/stock-policy?node=SC-SZ01").json()["suggestions"]
        return next((s["surplus"] for s in rows if s["part"] == "BRK-PAD-F02"), 0)

    assert spare() == 3  # 4 on the shelf, level 0, one unit kept
    assert _patch(planner, {"surplus_margin_units": 4}).status_code == 200
    assert spare() == 0 and planner.get("/api/rebalance?region=EAST&max_km=500").json()["moves"] == []
    page = planner.get("/planning/settings/").content.decode()
    assert "Longest rebalancing move, km" in page and "Annual plan: extra use of wear parts" in page


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"abc_a_cut": 0.97, "abc_b_cut": 0.9}, "abc_cuts"),
        ({"abc_a_cut": 0}, "abc_cuts"),
        ({"abc_a_cut": 1.5}, "setting_invalid"),
        ({"service_b": 0}, "setting_invalid"),
        ({"service_c": -0.1}, "setting_invalid"),
        ({"kpi_turnover": "fast"}, "setting_not_number"),
        ({"kpi_nps": "NaN"}, "setting_not_number"),
        ({"days_a": -3}, "setting_invalid"),
        ({"abc_basis": "weight"}, "setting_invalid"),
        ({"colour": "blue"}, "unknown_setting"),
        ({"days_a": 2.7}, "setting_not_whole"),
        ({"kpi_turnover": True}, "setting_not_number"),
        ({"rebalance_max_km": -1}, "setting_invalid"),
        ({"surplus_margin_units": -2}, "setting_invalid"),
        ({"surplus_margin_share": 1.5}, "setting_invalid"),
        ({"annual_cohort_uplift": 9}, "setting_invalid"),
        ({"annual_seasonal_weight": "inf"}, "setting_not_number"),
    ],
)
def test_bad_settings_are_named_and_change_nothing(history, body, code):
    planner = login(history.users["planner"])
    assert _patch(planner, {"kpi_turnover": 6}).status_code == 200
    response = _patch(planner, {"kpi_turnover": 9, **body})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert planner.get("/api/planning-settings").json()["kpi_turnover"] == 6


def test_only_the_supply_chain_changes_settings(history):
    for who in ("manager", "coordinator"):
        client = login(history.users[who])
        assert _patch(client, {"abc_a_cut": 0.5}).status_code == 403
        assert client.post("/planning/settings/", {"abc_a_cut": "0.5"}).status_code == 403
        # a form that changes nothing is refused too, not answered "nothing was changed"
        assert client.post("/planning/settings/", {"abc_a_cut": "0.7", "shown_abc_a_cut": "0.7"}).status_code == 403
        page = client.get("/planning/settings/").content.decode()
        assert "disabled" in page and "Save settings" not in page
    assert not PlanningSettings.objects.exists()
    assert login(history.users["norole"]).get("/api/planning-settings").status_code == 403


def test_the_settings_page_saves_a_whole_form(history):
    planner = login(history.users["planner"])
    page = planner.get("/planning/settings/").content.decode()
    assert 'name="abc_a_cut"' in page and "csrfmiddlewaretoken" in page
    response = planner.post("/planning/settings/", {"abc_basis": "value", "abc_a_cut": "0.8", "abc_b_cut": "0.96",
                                                    "kpi_nps": "60"})
    assert response.status_code == 200 and "Settings saved." in response.content.decode()
    saved = PlanningSettings.objects.get()
    assert (saved.abc_basis, saved.abc_a_cut, saved.kpi_nps) == ("value", 0.8, 60)
    assert login(history.users["planner"]).get("/api/abc").json()["basis"] == "value"
    bad = planner.post("/planning/settings/", {"abc_a_cut": "0.99", "abc_b_cut": "0.5"})
    assert bad.status_code == 400 and PlanningSettings.objects.get().abc_a_cut == 0.8


def _runs(client, ends):
    for end in ends:
        response = client.post("/api/forecast-runs", {"history_end": f"{end:%Y-%m}", "horizon": 2}, content_type=JSON)
        assert response.status_code == 201, response.content
        date_on_time(ForecastRun.objects.get(pk=response.json()["id"]))


def test_review_trend_follows_each_month_with_the_latest_earlier_forecast(history):
    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -4), month_add(end, -2)])
    review = planner.get(f"/api/forecast-review?month={end:%Y-%m}").json()
    months = [r["month"] for r in review["trend"]]
    assert months == [f"{month_add(end, -k):%Y-%m}-01" for k in (3, 2, 1, 0)]  # months the runs covered
    last = review["trend"][-1]
    assert last["accuracy"] == pytest.approx(review["accuracy"])
    assert last["series"] == sum(c["series"] for c in review["by_class"])
    page = planner.get(f"/planning/review/?month={end:%Y-%m}").content.decode()
    assert 'id="trend"' in page and "plotly" in page


def test_review_as_pdf_from_page_api_and_command_line(history, tmp_path, capsys):
    from partspool.cli import main

    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    month = f"{month_add(end, -1):%Y-%m}"
    for url in (f"/planning/review/?month={month}&format=pdf", f"/api/forecast-review.pdf?month={month}"):
        response = planner.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and b"NotoSansSC" in response.content  # Chinese font embedded
        assert f"partspool-forecast-review-{month}.pdf" in response["Content-Disposition"]
    xlsx = planner.get(f"/api/forecast-review.xlsx?month={month}")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    out = tmp_path / "review.pdf"
    assert main(["forecast-review", "--as", "planner", "--month", month, "--pdf", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF") and "已写入" in capsys.readouterr().out  # Chinese unless --lang en
    assert main(["forecast-review", "--as", "planner", "--month", "May"]) == 1
    assert main(["forecast-review", "--as", "planner", "--month", month]) == 0
    assert '"trend"' in capsys.readouterr().out
    assert ForecastRun.objects.count() == 1


def test_a_manager_reviews_only_the_own_center(history):
    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    review = login(history.users["manager"]).get(f"/api/forecast-review?month={month_add(end, -1):%Y-%m}").json()
    assert {n["node"] for n in review["by_node"]} == {"SC-HZ01"}
    assert {m["node"] for m in review["misses"]} <= {"SC-HZ01"}


def test_a_parts_class_in_the_review_is_the_same_whoever_reads_it(history):
    """上海 sells far more of the revised pads than anything else: network-wide they are the A part and the
    old pads B, though at 杭州 alone the old pads would be A. The review classes by the network's ABC, so
    杭州's misses carry the same class for its manager as for the planner."""
    from partspool.network.models import DemandRecord
    from partspool.planning.policy import abc_for

    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    month = month_add(end, -1)
    DemandRecord.objects.create(node=history.nodes["SC-SH01"], part=history.parts["F02"], month=month_add(end, -3),
                                quantity=600)
    network = {r.key: str(r.abc_class) for r in abc_for(list(history.nodes.values()), end=month)[0].rows}
    own = {r.key: str(r.abc_class) for r in abc_for([history.nodes["SC-HZ01"]], end=month)[0].rows}
    assert network["BRK-PAD-F01"] != own["BRK-PAD-F01"]  # the case this test is about
    seen = {}
    for who in ("planner", "manager"):
        review = login(history.users[who]).get(f"/api/forecast-review?month={month:%Y-%m}").json()
        seen[who] = {m["part"]: m["abc_class"] for m in review["misses"] if m["node"] == "SC-HZ01"}
    assert seen["planner"] == seen["manager"] and seen["manager"]
    assert all(klass == network[part] for part, klass in seen["manager"].items())
    page = login(history.users["manager"]).get(f"/planning/review/?month={month:%Y-%m}").content.decode()
    assert 'id="classes-from"' in page


def test_managers_write_why_a_forecast_missed_and_it_reaches_the_review(history, tmp_path):
    planner, hz = login(history.users["planner"]), login(history.users["manager"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    month = f"{month_add(end, -1):%Y-%m}"
    body = {"month": month, "node": "sc-hz01", "part": "BRK-PAD-F01", "cause": "热浪提前，季节性系数偏低",
            "action": "已调整季节性系数"}
    response = hz.put("/api/forecast-review/notes", body, content_type=JSON)
    assert response.status_code == 200, response.content
    review = hz.get(f"/api/forecast-review?month={month}").json()
    noted = next(m for m in review["misses"] if m["part"] == "BRK-PAD-F01")
    assert (noted["cause"], noted["action"], noted["noted_by"]) == (body["cause"], body["action"], "hz_manager")
    page = hz.get(f"/planning/review/?month={month}").content.decode()
    assert "已调整季节性系数" in page and 'class="review-note"' in page
    from openpyxl import load_workbook

    xlsx = tmp_path / "review.xlsx"
    xlsx.write_bytes(hz.get(f"/api/forecast-review.xlsx?month={month}").content)
    rows = [row for sheet in load_workbook(xlsx).worksheets for row in sheet.values]
    assert any(body["cause"] in row and body["action"] in row for row in rows)
    # the page form saves and returns to the misses; both empty deletes
    response = hz.post("/planning/review/note/", {"month": month, "node": "SC-HZ01", "part": "BRK-PAD-F01",
                                                  "cause": "", "action": ""})
    assert response.status_code == 302 and response["Location"].endswith("#misses")
    from partspool.planning.models import ReviewNote

    assert not ReviewNote.objects.exists()


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("manager", {"node": "SC-SH01"}, 403, "node_not_managed"),
        ("manager", {"part": "NOPE-1"}, 404, "unknown_part"),
        ("manager", {"node": "SC-XX99"}, 404, "unknown_node"),
        ("manager", {"cause": "x" * 301}, 400, "text_too_long"),
        ("manager", {"month": "2100-01"}, 400, "review_month_open"),
        ("manager", {"month": "June"}, 400, "invalid_month"),
        ("norole", {}, 403, "no_role"),
        ("manager", {}, 400, "review_note_no_forecast"),  # no run has forecast that month
    ],
)
def test_bad_review_notes_are_named_and_store_nothing(history, who, body, status, code):
    from partspool.planning.models import ReviewNote

    month = f"{month_add(last_complete_month(), -1):%Y-%m}"
    full = {"month": month, "node": "SC-HZ01", "part": "BRK-PAD-F01", "cause": "正常波动", **body}
    response = login(history.users[who]).put("/api/forecast-review/notes", full, content_type=JSON)
    assert response.status_code == status and response.json()["code"] == code
    assert not ReviewNote.objects.exists()


def test_abc_from_the_command_line_follows_the_settings(history, tmp_path, capsys):
    from partspool.cli import main

    assert _patch(login(history.users["planner"]), {"abc_a_cut": 0.5}).status_code == 200
    out = tmp_path / "abc.xlsx"
    assert main(["abc", "--as", "planner", "--xlsx", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "A up to 50%" in printed and "wrote" in printed and out.stat().st_size > 0
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][-1] == "Why" and "cumulative" in sheet.cell(2, 7).value
    assert main(["abc", "--as", "planner", "--xlsx", str(out)]) == 0  # Chinese by default, as the review
    printed = capsys.readouterr().out
    assert "A up to" not in printed and "50%" in printed
    sheet = openpyxl.load_workbook(out).active
    why = sheet.cell(2, 7).value
    assert any("\u4e00" <= ch <= "\u9fff" for ch in why) and "cumulative" not in why
    assert main(["abc", "--as", "hz_manager", "--node", "SC-SH01"]) == 2  # not the manager's node
    assert main(["abc", "--as", "planner", "--month", "13-2026"]) == 1
    from partspool.planning.selectors import last_complete_month, month_add

    capsys.readouterr()
    open_month = f"{month_add(last_complete_month(), 1):%Y-%m}"  # not over: part of its demand is still to come
    assert main(["abc", "--as", "planner", "--month", open_month, "--lang", "en"]) == 1
    assert open_month in capsys.readouterr().err


def test_the_admin_edits_the_same_row_with_the_same_checks(history):
    admin = login(history.users["admin"])
    assert admin.get("/admin/planning/planningsettings/add/").status_code == 200
    from partspool.planning.rules import EDITABLE

    fields = {f: getattr(PlanningSettings(), f) for f in EDITABLE}
    bad = admin.post("/admin/planning/planningsettings/add/", {**fields, "abc_a_cut": 0.99, "abc_b_cut": 0.5})
    assert bad.status_code == 200 and not PlanningSettings.objects.exists()  # the form shows the error
    good = admin.post("/admin/planning/planningsettings/add/", {**fields, "abc_a_cut": 0.6})
    assert good.status_code == 302
    saved = PlanningSettings.objects.get()
    assert saved.abc_a_cut == 0.6 and saved.updated_by == history.users["admin"]
    assert admin.get("/admin/planning/planningsettings/add/").status_code == 403  # one row only


def test_a_run_too_large_for_a_request_is_refused_before_any_work(history, monkeypatch, capsys):
    from partspool.cli import main
    from partspool.planning import services

    monkeypatch.setattr(services, "INTERACTIVE_MAX_SERIES", 4)  # the history has 6 node × part series
    planner = login(history.users["planner"])
    response = planner.post("/api/forecast-runs", {"horizon": 2}, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == "run_too_large"
    assert response.json()["details"] == {"series": 6, "most": 4}
    assert planner.post("/planning/", {"horizon": "2"}).status_code == 400
    assert not ForecastRun.objects.exists()
    one = planner.post("/api/forecast-runs", {"horizon": 2, "nodes": ["SC-HZ01"]}, content_type=JSON)
    assert one.status_code == 201  # 3 series at one center
    assert main(["forecast-run", "--as", "planner", "--horizon", "2"]) == 0  # batch jobs have no such limit
    assert ForecastRun.objects.count() == 2


def test_a_noted_miss_stays_in_the_review_even_when_small(history):
    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    month = f"{month_add(end, -1):%Y-%m}"
    review = planner.get(f"/api/forecast-review?month={month}").json()
    smallest = min(review["misses"], key=lambda m: abs(m["error"]))
    body = {"month": month, "node": smallest["node"], "part": smallest["part"], "cause": "正常波动"}
    assert planner.put("/api/forecast-review/notes", body, content_type=JSON).status_code == 200
    again = planner.get(f"/api/forecast-review?month={month}").json()
    assert any(m["part"] == smallest["part"] and m["cause"] == "正常波动" for m in again["misses"])


def test_an_open_month_cannot_be_reviewed(history):
    planner = login(history.users["planner"])
    month = f"{month_add(last_complete_month(), 1):%Y-%m}"
    for url in (f"/api/forecast-review?month={month}", f"/api/forecast-review.pdf?month={month}"):
        response = planner.get(url)
        assert response.status_code == 400 and response.json()["code"] == "review_month_open"
    assert planner.get(f"/planning/review/?month={month}").status_code == 400


def test_a_note_that_looks_like_a_formula_stays_text_in_excel(history, tmp_path):
    from openpyxl import load_workbook

    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    month = f"{month_add(end, -1):%Y-%m}"
    cause = '=HYPERLINK("http://example.com","click")'
    body = {"month": month, "node": "SC-HZ01", "part": "BRK-PAD-F01", "cause": cause}
    assert planner.put("/api/forecast-review/notes", body, content_type=JSON).status_code == 200
    path = tmp_path / "review.xlsx"
    path.write_bytes(planner.get(f"/api/forecast-review.xlsx?month={month}").content)
    cells = [c for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row if c.value == cause]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_pdf_cuts_a_very_long_note_rather_than_failing(history):
    from datetime import date

    from partspool.planning.review_pdf import review_pdf

    long = "压缩机批次故障，" * 400
    data = {"month": date(2026, 10, 1), "accuracy": None, "accuracy_last": None, "trend": [], "by_node": [],
            "by_class": [{"abc_class": k, "series": 0, "accuracy": None, "accuracy_last": None, "target": None,
                          "met": None} for k in "ABC"],
            "misses": [{"node": "SC-HZ01", "part": "BRK-PAD-F01", "abc_class": "A", "forecast": 1.0, "actual": 5,
                        "error": -4.0, "method": "TSB", "cause": long, "action": long}],
            "flagged": [{"part": "BRK-PAD-F01", "node": "SC-HZ01", "case": "EC-00001", "note": long}],
            "regions": [{"observation": long}], "next_month": []}
    assert review_pdf(data).startswith(b"%PDF")


def test_the_review_workbook_holds_the_whole_review(history, tmp_path):
    from openpyxl import load_workbook

    from partspool.planning.explain import big_miss

    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -3), month_add(end, -2)])
    month = f"{month_add(end, -1):%Y-%m}"
    review = planner.get(f"/api/forecast-review?month={month}").json()
    path = tmp_path / "review.xlsx"
    path.write_bytes(planner.get(f"/api/forecast-review.xlsx?month={month}").content)
    book = load_workbook(path)
    sheets = {sheet.title: list(sheet.values) for sheet in book.worksheets}
    assert len(sheets) == 7
    summary = next(iter(sheets.values()))
    assert summary[0][0] == month and summary[1][2] == pytest.approx(review["accuracy"], abs=1e-4)
    assert [r[4] for r in summary[2:5]] == [
        pytest.approx(c["target"], abs=1e-4) if c["target"] is not None else None for c in review["by_class"]]
    by_node, regions, trend, misses, flagged, ahead = list(sheets.values())[1:]
    assert [r[-1] for r in regions[1:]] == [r["observation"] for r in review["regions"]]
    assert [r[0] for r in by_node[1:]] == [n["node"] for n in review["by_node"]]
    assert [r[0] for r in trend[1:]] == [t["month"][:7] for t in review["trend"]]
    assert len(misses) == len(review["misses"]) + 1 and len(ahead) == len(review["next_month"]) + 1
    assert len(flagged) == len(review["flagged"]) + 1
    # next month's forecast carries its basis and its risk notes (SPEC C4), on the page and in the file
    assert review["next_month"] and all(r["basis"] and r["risk"] for r in review["next_month"])
    assert [(r[-2], r[-1]) for r in ahead[1:]] == [(r["basis"], r["risk"]) for r in review["next_month"]]
    missed = {(m["node"], m["part"]) for m in review["misses"] if big_miss(m["forecast"], m["actual"])}
    assert missed and missed != {(m["node"], m["part"]) for m in review["misses"]}  # some, not every error
    assert len(review["misses"]) < 20  # all of this month's errors are listed here, so ``missed`` is complete
    for row in review["next_month"]:
        assert ("missed by half or more" in row["risk"]) == ((row["node"], row["part"]) in missed)
        assert row["method"].replace("|", " | ") in row["basis"]
    page = planner.get(f"/planning/review/?month={month}").content.decode()
    assert review["next_month"][0]["risk"].split(";")[0] in page and "Risks" in page


@pytest.mark.parametrize("bad", ["a\x01b", "x\x00y", "\x1b[31m"])
def test_a_note_with_a_control_character_is_refused_and_the_review_still_downloads(history, bad):
    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -2)])
    month = f"{month_add(end, -1):%Y-%m}"
    body = {"month": month, "node": "SC-HZ01", "part": "BRK-PAD-F01", "cause": bad}
    response = planner.put("/api/forecast-review/notes", body, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == "control_character"
    page = planner.post("/planning/review/note/", body)
    assert page.status_code == 400
    from partspool.planning.models import ReviewNote

    assert not ReviewNote.objects.exists()
    assert planner.get(f"/api/forecast-review.xlsx?month={month}").status_code == 200


def test_regional_observations_read_the_month_against_the_one_before(history):
    import io

    from django.utils import translation
    from openpyxl import load_workbook

    from partspool.network.models import DemandRecord
    from partspool.planning.models import ReviewLine, ReviewMonth
    from partspool.planning.selectors import regional_observations

    # 广州 (South China) gets 上海's history, so there are two regions to tell apart
    DemandRecord.objects.bulk_create([DemandRecord(node=history.nodes["SC-GZ01"], part=r.part, month=r.month,
                                                   quantity=r.quantity + 2)
                                      for r in DemandRecord.objects.filter(node=history.nodes["SC-SH01"])])
    planner = login(history.users["planner"])
    end = last_complete_month()
    _runs(planner, [month_add(end, -3), month_add(end, -2)])
    month = month_add(end, -1)
    review = planner.get(f"/api/forecast-review?month={month:%Y-%m}", HTTP_ACCEPT_LANGUAGE="en").json()
    regions = {r["region"]: r for r in review["regions"]}
    assert set(regions) == {"EAST", "SOUTH"}
    assert sum(r["error_share"] for r in regions.values()) == pytest.approx(1.0)
    assert review["regions"][0]["error_share"] >= review["regions"][1]["error_share"]  # where the error is, first
    for code, region in regions.items():
        rows = ReviewMonth.objects.filter(node__region__code=code, series__gt=0)
        now, before = rows.filter(month=month), rows.filter(month=month_add(month, -1))
        assert region["series"] == sum(r.series for r in now)
        assert region["accuracy"] == pytest.approx(1 - sum(r.abs_error for r in now) / sum(r.actual for r in now))
        assert region["accuracy_last"] == pytest.approx(
            1 - sum(r.abs_error for r in before) / sum(r.actual for r in before))
        top = ReviewLine.objects.filter(month=month, node__region__code=code).order_by("-abs_error").first()
        assert (region["biggest_miss"]["node"], region["biggest_miss"]["part"]) == (top.node.code, top.part.number)
    east = regions["EAST"]
    by_node = {n["node"]: n["accuracy"] for n in review["by_node"]}
    assert east["weakest_node"] == min(("SC-HZ01", "SC-SH01"), key=by_node.get)
    assert regions["SOUTH"]["weakest_node"] is None  # one node: nothing to compare it with
    assert east["observation"].startswith("East China: accuracy ") and "Biggest miss: " in east["observation"]
    change = "up" if east["accuracy"] > east["accuracy_last"] + 0.0005 else "down"
    assert f", {change} " in east["observation"] or ", as last month." in east["observation"]

    # against last month over the same nodes only: 上海 not reviewed this month leaves 杭州 alone on both sides
    ReviewMonth.objects.filter(node__code="SC-SH01", month=month).delete()
    hz_before = ReviewMonth.objects.get(node__code="SC-HZ01", month=month_add(month, -1))
    alone = {r["region"]: r for r in regional_observations(month, None, [])}["EAST"]
    assert alone["accuracy_last"] == pytest.approx(1 - hz_before.abs_error / hz_before.actual)
    # emergencies count in the month they were closed, where their center is
    flagged = [{"node": "SC-HZ01", "closed": f"{month:%Y-%m}-03"}, {"node": "SC-GZ01", "closed": f"{month:%Y-%m}-20"},
               {"node": "SC-GZ01", "closed": f"{month_add(month, -1):%Y-%m}-20"}]
    counted = {r["region"]: r["flagged"] for r in regional_observations(month, None, flagged)}
    assert counted == {"EAST": 1, "SOUTH": 1}

    # a manager sees their own center under their region, without a share of an error they cannot see
    sh = login(history.users["sh_manager"]).get(f"/api/forecast-review?month={month:%Y-%m}").json()
    (own,) = sh["regions"]
    assert own["region"] == "EAST" and own["error_share"] is None and own["weakest_node"] is None
    assert own["biggest_miss"]["node"] == "SC-SH01"
    assert "absolute error" not in own["observation"]

    with translation.override("zh-hans"):
        text = planner.get(f"/planning/review/?month={month:%Y-%m}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    line = next(li for li in text.split("<li>") if li.startswith("华东：准确率"))
    assert "。最大偏差：" in line and " 最" not in line and ". " not in line
    book = load_workbook(io.BytesIO(planner.get(f"/api/forecast-review.xlsx?month={month:%Y-%m}").content))
    names = [row[0] for row in book["Regional observations"].iter_rows(min_row=2, values_only=True)]
    assert set(names) == {"East China", "South China"}


def test_the_abc_reason_names_the_rule_in_the_users_language():
    from django.utils import translation

    from partspool.core.policy import AbcItem, AbcRules, classify_abc
    from partspool.planning.explain import abc_reason

    rules = AbcRules()
    rows = classify_abc([AbcItem("P1", 90), AbcItem("P2", 5), AbcItem("P3", 5)], rules).by_key()
    with translation.override("en"):
        assert "the largest part is always A" in abc_reason(rows["P1"], rules)
        why = abc_reason(rows["P2"], rules)
        assert "tied with 1 other part of equal demand" in why and "no class is skipped" in why
        assert "cumulative 100%" in why or "cumulative 100.0%" in why
    with translation.override("zh-hans"):
        why = abc_reason(rows["P2"], rules)
        assert "并列" in why and "不跳过" in why and "；" in why
    past = classify_abc([AbcItem("P1", 60000), AbcItem("P2", 10004), AbcItem("P3", 9000), AbcItem("P4", 8000),
                        AbcItem("P5", 7000), AbcItem("P6", 5996)], rules).by_key()
    with translation.override("en"):
        assert "70.004%" in abc_reason(past["P2"], rules)  # class B: not shown as 70.0% beside "A up to 70%"


def test_the_pdf_draws_the_signs_a_note_holds(history, caplog):
    import logging
    from datetime import date

    from partspool.planning.review_pdf import review_pdf

    note = "客户满意 👍 已补货 ✓ 注意 ⚠ 🚗"
    data = {"month": date(2026, 10, 1), "accuracy": None, "accuracy_last": None, "trend": [], "by_node": [],
            "by_class": [{"abc_class": k, "series": 0, "accuracy": None, "accuracy_last": None, "target": None,
                          "met": None} for k in "ABC"],
            "misses": [{"node": "SC-HZ01", "part": "BRK-PAD-F01", "abc_class": "A", "forecast": 1.0, "actual": 5,
                        "error": -4.0, "method": "TSB", "cause": note, "action": note}],
            "flagged": [], "regions": [{"observation": note}], "next_month": []}
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = review_pdf(data)
    assert pdf.startswith(b"%PDF")
    assert not [r for r in caplog.records if "missing" in r.getMessage()]  # no glyph left blank
    assert b"NotoEmoji" in pdf and b"NotoSansSymbols" in pdf


def test_the_network_reviews_weekly_once_a_planner_says_so(history, capsys):
    """The review and its lead times are settings: once a planner sets a weekly review with 3 days, the
    stock-policy page, its API, rebalancing and the command line open on it; a lead time given with a
    request still wins, and a review that is neither is refused and changes nothing."""
    from partspool.cli import main

    planner = login(history.users["planner"])
    hz = login(history.users["manager"])
    assert hz.get("/api/stock-policy?node=SC-HZ01").json()["review"] == "month"
    assert _patch(hz, {"policy_review": "week"}).status_code == 403
    bad = _patch(planner, {"policy_review": "fortnight", "policy_lead_days": 3})
    assert bad.status_code == 400 and bad.json()["code"] == "setting_invalid" and "fortnight" in bad.json()["message"]
    assert _patch(planner, {"policy_lead_days": 121}).json()["code"] == "setting_invalid"
    assert not PlanningSettings.objects.exists()
    assert _patch(planner, {"policy_review": "week", "policy_lead_days": 3}).status_code == 200
    body = hz.get("/api/stock-policy?node=SC-HZ01").json()
    assert (body["review"], body["lead_days"], body["lead_time"]) == ("week", 3, None)
    assert hz.get("/api/stock-policy?node=SC-HZ01&lead_time=2").json()["review"] == "month"  # asked for
    page = hz.get("/planning/policy/?node=SC-HZ01").content.decode()
    assert "Reviewed every 7 days, orders arriving 3 days after they are placed" in page
    assert planner.get("/api/rebalance?region=EAST").status_code == 200
    assert main(["stock-policy", "--as", "hz_manager", "--node", "SC-HZ01", "--lang", "en"]) == 0
    assert "reviewed every 7 days from" in capsys.readouterr().out
    settings_page = planner.get("/planning/settings/").content.decode()
    assert 'name="policy_review"' in settings_page and '<option value="week" selected>' in settings_page
    assert planner.post("/planning/settings/", {"policy_review": "month", "policy_lead_months": "2"}).status_code == 200
    assert hz.get("/api/stock-policy?node=SC-HZ01").json()["lead_time"] == 2


def test_a_command_line_refusal_is_in_the_commands_language(history, capsys):
    from partspool.cli import main

    assert main(["forecast-run", "--as", "hz_manager", "--node", "SC-GZ01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "error:" not in err
    assert main(["forecast-run", "--as", "hz_manager", "--node", "SC-GZ01", "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_a_target_a_level_cannot_reach_is_said_and_never_shown_as_met(history):
    """At 99.999% a part whose demand distribution, as read from its history, tops out below the target says
    so, and the page cuts its figures rather than rounding them up to the target or 100%."""
    from django.template import Context, Template
    from django.utils import translation

    from partspool.planning.explain import level_reason
    from partspool.planning.policy import node_policy

    shown = Template("{% load planning_extras %}{{ a|pct }} {{ b|pct }} {{ c|pct }} {{ d|pct }}").render(
        Context({"a": 0.99862, "b": 1.0, "c": 0.95, "d": None}))
    assert shown == "99.8% 100.0% 95.0% —"
    result = node_policy(history.nodes["SC-HZ01"], target=0.99999)
    short = [c for c in result.comparisons
             if c.option("service_level").level.expected_fill_rate < 0.99999 - 1e-9]
    assert short  # the wipers: a few sales in a summer, capped by their history
    with translation.override("en"):
        for c in short:
            assert "The target is not reached" in level_reason(c)
        for c in result.comparisons:
            if c not in short and c.option("service_level").level.method == "fill_rate":
                assert "The target is not reached" not in level_reason(c)


def test_saving_an_old_settings_page_changes_only_what_was_changed_on_it(history):
    """Two planners with the page open: the second's save keeps the first's change to another field, and a
    change to the same field is refused with who changed it and to what; a bad value is shown again with
    what was typed, nothing saved."""
    import re

    first, second = login(history.users["planner"]), login(history.users["admin"])
    page = first.get("/planning/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = dict(re.findall(r'name="((?:shown_)?[a-z_]+)" (?:type="number" step="any" )?value="([^"]*)"', page))
    form |= dict(re.findall(
        r'<select id="id_[a-z_]+" name="([a-z_]+)">.*?<option value="([a-z]+)" selected', page, re.S))
    assert form["kpi_turnover"] == form["shown_kpi_turnover"] == "5.0" and form["abc_basis"] == "quantity"
    assert second.patch("/api/planning-settings", {"kpi_turnover": 7}, content_type="application/json").status_code == 200
    saved = first.post("/planning/settings/", {**form, "service_a": "0.97", "days_a": "2.0"},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert saved.status_code == 200 and "Settings saved." in saved.content.decode()
    row = PlanningSettings.objects.get()
    assert (row.service_a, row.days_a, row.kpi_turnover) == (0.97, 2, 7.0)  # the other's 7 kept
    clash = first.post("/planning/settings/", {**form, "kpi_turnover": "6"}, HTTP_ACCEPT_LANGUAGE="en")
    text = clash.content.decode()
    assert clash.status_code == 400 and "turnover target per year is now 7.0, not the 5.0 this page showed" in text
    assert PlanningSettings.objects.get().kpi_turnover == 7.0
    bad = first.post("/planning/settings/", {**form, "shown_service_a": "0.97", "service_a": "0.97",
                                             "shown_days_a": "2", "days_a": "999", "kpi_nps": "55",
                                             "shown_kpi_turnover": "7.0", "kpi_turnover": "7.0"},
                     HTTP_ACCEPT_LANGUAGE="en")
    text = bad.content.decode()
    assert bad.status_code == 400 and 'id="settings-error"' in text and "class A delivery days" in text
    assert 'value="999"' in text and 'value="55"' in text  # what was typed, shown again
    assert (PlanningSettings.objects.get().days_a, PlanningSettings.objects.get().kpi_nps) == (2, 70.0)
    # the page shown again after the error: a field the user left shows the other planner's value, so
    # saving it again keeps that value; a field the user changed keeps what they typed and what they saw
    assert re.search(r'name="kpi_turnover" type="number" step="any" value="7.0"', text)
    second.patch("/api/planning-settings", {"kpi_nps": 65}, content_type="application/json")
    again = dict(re.findall(r'name="((?:shown_)?[a-z_]+)" (?:type="number" step="any" )?value="([^"]*)"', text))
    again |= dict(re.findall(r'<select id="id_[a-z_]+" name="([a-z_]+)">.*?<option value="([a-z]+)" selected',
                             text, re.S))
    assert again["kpi_nps"] == "55" and again["shown_kpi_nps"] == "70.0"
    retried = first.post("/planning/settings/", {**again, "days_a": "4"}, HTTP_ACCEPT_LANGUAGE="en")
    assert retried.status_code == 400 and "NPS target is now 65.0, not the 70.0 this page showed" in \
        retried.content.decode()
    assert first.post("/planning/settings/", {**again, "days_a": "4", "kpi_nps": "70.0"}).status_code == 200
    row = PlanningSettings.objects.get()
    assert (row.days_a, row.kpi_turnover, row.kpi_nps) == (4, 7.0, 65.0)
    stamp = row.updated_at
    assert "Nothing was changed." in first.post("/planning/settings/", {**again, "days_a": "4", "kpi_nps": "70.0",
                                                                       "shown_days_a": "4"},
                                                HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert PlanningSettings.objects.get().updated_at == stamp  # nothing written
    half = first.post("/planning/settings/", {"days_b": "2.5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert half.status_code == 400 and "needs a whole number (got 2.5)" in half.content.decode()


def test_odd_cut_offs_and_a_node_without_demand_read_as_they_are(history):
    from partspool.planning import rules

    planner = login(history.users["planner"])
    rules.update(user=history.users["planner"], changes={"abc_a_cut": 0.001, "abc_b_cut": 0.955})
    page = planner.get("/planning/abc/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the first 0.1% of demand; class B: up to 95.5%" in page and "A cut-off 0.1%" in page
    empty = login(history.users["nb_manager"]).get("/planning/policy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="no-demand"' in empty  # 宁波 has stock but no demand on record
    body = login(history.users["nb_manager"]).get("/api/stock-policy?node=SC-NB01").json()
    assert body["parts"] == [] and not any(o["capital"] for rows in body["totals"].values() for o in rows)
