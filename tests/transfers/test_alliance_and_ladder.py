"""Alliance points, the below-zero rule and P0, the overdue ladder run by `partspool tick` (SPEC C3)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from partspool.transfers.ladder import run_tick
from partspool.transfers.models import (
    Alliance,
    AllianceMember,
    Claim,
    LadderStep,
    Notification,
    PointsEntry,
    TransferRequest,
)
from tests.conftest import login


@pytest.fixture
def alliance(stocked):
    a = Alliance.objects.create(name="华东互助联盟")
    for code in ("SC-HZ01", "SC-SH01", "SC-NB01"):
        AllianceMember.objects.create(alliance=a, node=stocked.nodes[code])
    return a


def _loan(net, borrower="manager", lender="sh_manager", lender_code="SC-SH01", p0=False, days=10, finish=True):
    b, lnd = login(net.users[borrower]), login(net.users[lender])
    made = b.post("/api/transfers", {"part": "BRK-PAD-F01", "quantity": 1, "lender": lender_code, "deal": "borrow",
                                     "p0": p0, "due_date": (timezone.localdate() + timedelta(days=days)).isoformat()},
                  content_type="application/json")
    if made.status_code != 201:
        return made
    tid = made.json()["id"]
    for client, action, data in [(lnd, "accept", {}), (lnd, "ship", {"carrier": "顺丰", "tracking_no": "1"}),
                                 (b, "receive", {})] + ([(b, "return_ship", {"carrier": "顺丰", "tracking_no": "2"}),
                                                         (lnd, "return_receive", {})] if finish else []):
        response = client.post(f"/api/transfers/{tid}/{action}", data, content_type="application/json")
        assert response.status_code == 200, response.content
    return made


def _points(net, code):
    return AllianceMember.objects.get(node=net.nodes[code]).points


def test_a_completed_loan_moves_one_point_once(stocked, alliance):
    _loan(stocked)
    assert (_points(stocked, "SC-SH01"), _points(stocked, "SC-HZ01")) == (1, -1)
    assert PointsEntry.objects.count() == 2
    assert TransferRequest.objects.get().alliance == alliance


def test_borrower_below_zero_points_cannot_borrow_except_p0(stocked, alliance):
    _loan(stocked)  # 杭州 now at −1
    refused = _loan(stocked, lender="nb_manager", lender_code="SC-NB01", finish=False)
    assert refused.status_code == 403 and refused.json()["code"] == "below_floor"
    assert "-1" in refused.json()["message"]
    assert _loan(stocked, lender="nb_manager", lender_code="SC-NB01", p0=True, finish=False).status_code == 201


def test_lending_lifts_a_member_back_above_zero(stocked, alliance):
    _loan(stocked)  # 杭州 −1
    from partspool.network.models import Stock

    Stock.objects.create(node=stocked.nodes["SC-HZ01"], part=stocked.parts["WIP"], on_hand=3)
    sh, hz = login(stocked.users["sh_manager"]), login(stocked.users["manager"])
    tid = sh.post("/api/transfers", {"part": "WIP-BLD-01", "quantity": 1, "lender": "SC-HZ01", "deal": "borrow",
                                     "due_date": (timezone.localdate() + timedelta(days=5)).isoformat()},
                  content_type="application/json").json()["id"]
    for client, action, data in [(hz, "accept", {}), (hz, "ship", {"carrier": "x", "tracking_no": "1"}),
                                 (sh, "receive", {}), (sh, "return_ship", {"carrier": "x", "tracking_no": "2"}),
                                 (hz, "return_receive", {})]:
        client.post(f"/api/transfers/{tid}/{action}", data, content_type="application/json")
    assert _points(stocked, "SC-HZ01") == 0
    assert _loan(stocked, lender="nb_manager", lender_code="SC-NB01", finish=False).status_code == 201


def test_waiting_requests_p0_first_then_by_points(stocked, alliance):
    from partspool.network.models import Stock
    from partspool.transfers.selectors import inbox

    AllianceMember.objects.filter(node=stocked.nodes["SC-HZ01"]).update(points=3)
    AllianceMember.objects.filter(node=stocked.nodes["SC-SH01"]).update(points=0)
    Stock.objects.create(node=stocked.nodes["SC-NB01"], part=stocked.parts["WIP"], on_hand=9)
    for user, p0 in (("sh_manager", False), ("manager", False), ("sh_manager", True)):
        response = login(stocked.users[user]).post("/api/transfers", {
            "part": "WIP-BLD-01", "quantity": 1, "lender": "SC-NB01", "deal": "compensation", "p0": p0},
            content_type="application/json")
        assert response.status_code == 201, response.content
    queue = inbox(user=stocked.users["nb_manager"])["to_answer"]
    assert [(t.borrower.code, t.p0) for t in queue] == [("SC-SH01", True), ("SC-HZ01", False), ("SC-SH01", False)]


def test_credit_record_is_visible_to_every_member_only(stocked, alliance):
    _loan(stocked)
    board = login(stocked.users["nb_manager"]).get(f"/api/alliances/{alliance.pk}").json()
    assert [t["number"] for t in board["record"]] == [TransferRequest.objects.get().number]
    assert {m["node"]: m["points"] for m in board["members"]} == {"SC-SH01": 1, "SC-NB01": 0, "SC-HZ01": -1}
    assert board["ranking"][0]["node"] == "SC-SH01"
    assert login(stocked.users["gz_manager"]).get(f"/api/alliances/{alliance.pk}").status_code == 403


# --- the overdue ladder ----------------------------------------------------------------------------


def _open_loan(net, due_in_days):
    made = _loan(net, finish=False, days=30)
    TransferRequest.objects.filter(pk=made.json()["id"]).update(
        due_date=timezone.localdate() + timedelta(days=due_in_days))
    return TransferRequest.objects.get(pk=made.json()["id"])


def _at(day: date, hour_local: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour_local - 8, tzinfo=UTC)  # Asia/Shanghai is UTC+8


def test_each_ladder_step_once_on_its_local_date(stocked):
    loan = _open_loan(stocked, due_in_days=10)
    due = loan.due_date
    timeline = [(due - timedelta(days=8), []), (due - timedelta(days=7), ["prepare"]),
                (due - timedelta(days=7), []), (due - timedelta(days=3), ["friendly"]), (due, ["formal"]),
                (due + timedelta(days=3), ["escalate"]), (due + timedelta(days=7), ["claim"]),
                (due + timedelta(days=8), [])]
    for day, expected in timeline:
        report = run_tick(now=_at(day))
        assert [step for _n, step in report.sent] == expected, day
    assert LadderStep.objects.filter(transfer=loan).count() == 5
    claim = Claim.objects.get(transfer=loan)
    assert (claim.kind, claim.amount) == ("full_value", 450)


def test_local_date_decides_not_utc(stocked):
    loan = _open_loan(stocked, due_in_days=10)
    prepare_day = loan.due_date - timedelta(days=7)
    late_evening_before = datetime(prepare_day.year, prepare_day.month, prepare_day.day, 15, 30, tzinfo=UTC) \
        - timedelta(days=1)  # 23:30 in 杭州 the day before: not yet
    assert run_tick(now=late_evening_before).sent == []
    just_after_midnight = late_evening_before + timedelta(hours=1)  # 00:30 local on the day
    assert [s for _n, s in run_tick(now=just_after_midnight).sent] == ["prepare"]


def test_a_late_tick_sends_what_is_due_and_skips_stale_reminders(stocked):
    loan = _open_loan(stocked, due_in_days=10)
    report = run_tick(now=_at(loan.due_date + timedelta(days=4)))
    assert [s for _n, s in report.sent] == ["formal", "escalate"]
    assert [s for _n, s in report.skipped] == ["prepare", "friendly"]
    assert run_tick(now=_at(loan.due_date + timedelta(days=4))).sent == []


def test_escalation_reaches_the_borrowers_coordinator_and_mail_goes_out(stocked, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    stocked.users["coordinator"].email = "coord@example.com"
    stocked.users["coordinator"].save()
    loan = _open_loan(stocked, due_in_days=10)
    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            run_tick(now=_at(loan.due_date + timedelta(days=3)))
    escalations = Notification.objects.filter(kind="ladder_escalate")
    assert {n.user.username for n in escalations} >= {"hz_manager", "east_coord", "sh_manager"}
    assert any("coord@example.com" in m.to for m in mail.outbox)
    assert "ladder:escalate" in [e.action for e in loan.events.all()]


def test_command_line_tick_is_idempotent(stocked, capsys):
    from partspool.cli import main

    loan = _open_loan(stocked, due_in_days=0)
    TransferRequest.objects.filter(pk=loan.pk).update(due_date=timezone.localdate())
    assert main(["tick"]) == 0
    first = capsys.readouterr().out
    assert "formal" in first
    assert main(["tick"]) == 0
    assert "0 sent" in capsys.readouterr().out


def test_alliance_webhook_gets_json_for_the_group_chat(stocked, alliance):
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        alliance.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
        alliance.save()
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            _loan(stocked, finish=False)
    finally:
        server.shutdown()
    kinds = [r["kind"] for r in received]
    assert kinds[:4] == ["request", "accepted", "shipped", "received"]
    assert all(r["transfer"].startswith("TR-") for r in received)


def test_lookup_prefers_the_more_reliable_lender_and_says_why(stocked):
    from partspool.network.models import Stock

    Stock.objects.filter(node=stocked.nodes["SC-NB01"], part=stocked.parts["F01"]).update(on_hand=5)
    due = timezone.localdate() - timedelta(days=20)
    # 宁波 returned a loan 6 days late; 上海 returned one on time.
    for borrower, lender, returned in (("SC-NB01", "SC-SZ01", due + timedelta(days=6)),
                                       ("SC-SH01", "SC-SZ01", due)):
        TransferRequest.objects.create(deal="borrow", status="closed", part=stocked.parts["WIP"], quantity=1,
                                       lender=stocked.nodes[lender], borrower=stocked.nodes[borrower],
                                       requested_by=stocked.users["planner"], due_date=due, returned_on=returned)
    rows = login(stocked.users["manager"]).get("/api/lookup", {"part": "BRK-PAD-F01"}).json()["groups"][0]["rows"]
    order = [r["node"] for r in rows]
    assert order.index("SC-SH01") < order.index("SC-NB01")  # same day, 5 each: the record decides
    sh = next(r for r in rows if r["node"] == "SC-SH01")
    nb = next(r for r in rows if r["node"] == "SC-NB01")
    assert sh["reliability"] > nb["reliability"]
    assert any("reliability" in reason for reason in nb["reasons"])
