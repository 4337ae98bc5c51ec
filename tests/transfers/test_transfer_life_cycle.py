"""A transfer from request to return: stock, history, points and refusals (SPEC C3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partspool.network.models import Stock, StockMovement
from partspool.transfers.models import TransferEvent, TransferRequest
from tests.conftest import login


def _stock(net, node, part="F01"):
    s = Stock.objects.get(node=net.nodes[node], part=net.parts[part])
    return (s.on_hand, s.reserved, s.in_transit)


def _request(client, **overrides):
    body = {"part": "BRK-PAD-F01", "quantity": 1, "lender": "SC-SH01", "deal": "borrow",
            "due_date": (timezone.localdate() + timedelta(days=10)).isoformat(), "reason": "VIP 客户车辆停驶"}
    body.update(overrides)
    return client.post("/api/transfers", body, content_type="application/json")


def _act(client, transfer_id, action, **data):
    return client.post(f"/api/transfers/{transfer_id}/{action}", data, content_type="application/json")


def test_borrow_and_return_moves_stock_at_every_step(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    created = _request(hz)
    assert created.status_code == 201, created.content
    tid = created.json()["id"]
    assert created.json()["status"] == "requested"
    assert _stock(stocked, "SC-SH01") == (5, 0, 0)

    assert _act(sh, tid, "accept").json()["status"] == "accepted"
    assert _stock(stocked, "SC-SH01") == (5, 1, 0)  # reserved at acceptance

    shipped = _act(sh, tid, "ship", carrier="顺丰", tracking_no="SF123456")
    assert shipped.json()["status"] == "shipped" and shipped.json()["insured_value"] == 450.0
    assert _stock(stocked, "SC-SH01") == (4, 0, 0)
    assert _stock(stocked, "SC-HZ01") == (0, 0, 1)

    assert _act(hz, tid, "receive", inspection_ok=True).json()["status"] == "received"
    assert _stock(stocked, "SC-HZ01") == (1, 0, 0)

    assert _act(hz, tid, "return_ship", carrier="顺丰", tracking_no="SF999").json()["status"] == "return_shipped"
    assert _stock(stocked, "SC-HZ01") == (0, 0, 0)
    assert _stock(stocked, "SC-SH01") == (4, 0, 1)

    closed = _act(sh, tid, "return_receive")
    assert closed.json()["status"] == "closed"
    assert _stock(stocked, "SC-SH01") == (5, 0, 0)

    history = hz.get(f"/api/transfers/{tid}").json()["events"]
    assert [e["action"] for e in history] == ["request", "accept", "ship", "receive", "return_ship",
                                             "return_receive"]
    assert [e["by"] for e in history] == ["hz_manager", "sh_manager", "sh_manager", "hz_manager", "hz_manager",
                                         "sh_manager"]
    assert StockMovement.objects.filter(reason__startswith=f"TR-{tid:06d}").count() == 7


@pytest.mark.parametrize(
    ("who", "action", "data", "code"),
    [
        ("manager", "accept", {}, "invalid_transition"),  # the borrower cannot accept
        ("sh_manager", "receive", {}, "invalid_transition"),  # receive before ship
        ("sh_manager", "ship", {"carrier": "顺丰", "tracking_no": "1"}, "invalid_transition"),  # not accepted yet
        ("gz_manager", "accept", {}, "not_found"),  # neither side: cannot even see it
    ],
)
def test_illegal_steps_are_refused_and_change_nothing(stocked, who, action, data, code):
    tid = _request(login(stocked.users["manager"])).json()["id"]
    before = (_stock(stocked, "SC-SH01"), TransferEvent.objects.count(), StockMovement.objects.count())
    response = _act(login(stocked.users[who]), tid, action, **data)
    assert response.status_code in (404, 409)
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert (_stock(stocked, "SC-SH01"), TransferEvent.objects.count(), StockMovement.objects.count()) == before
    assert TransferRequest.objects.get(pk=tid).status == "requested"


def test_ship_more_than_accepted_and_return_twice_are_refused(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz, quantity=1).json()["id"]
    _act(sh, tid, "accept")
    too_many = _act(sh, tid, "ship", carrier="顺丰", tracking_no="1", quantity=2)
    assert too_many.status_code == 400 and too_many.json()["code"] == "ship_quantity"
    _act(sh, tid, "ship", carrier="顺丰", tracking_no="1")
    _act(hz, tid, "receive")
    _act(hz, tid, "return_ship", carrier="顺丰", tracking_no="2")
    again = _act(hz, tid, "return_ship", carrier="顺丰", tracking_no="3")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert again.json()["details"]["status_code"] == "return_shipped"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"quantity": 0}, 400, "quantity_not_positive"),
        ({"quantity": -3}, 400, "quantity_not_positive"),
        ({"quantity": 6}, 409, "insufficient_stock"),  # 上海 has 5
        ({"part": "NOPE"}, 404, "unknown_part"),
        ({"lender": "SC-HZ01"}, 400, "same_node"),
        ({"due_date": None}, 400, "due_date_required"),
        ({"deal": "swap"}, 400, "swap_terms_required"),
        ({"freight": "-5", "deal": "compensation"}, 400, "negative_amount"),
    ],
)
def test_bad_requests_say_what_is_wrong_and_create_nothing(stocked, overrides, status, code):
    response = _request(login(stocked.users["manager"]), **overrides)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not TransferRequest.objects.exists()


def test_manager_cannot_borrow_for_another_center(stocked):
    response = _request(login(stocked.users["manager"]), borrower="SC-NB01")
    assert response.status_code == 403
    assert not TransferRequest.objects.exists()


def test_decline_needs_a_reason_and_cancel_releases_the_reservation(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz).json()["id"]
    assert _act(sh, tid, "decline").json()["code"] == "reason_required"
    assert _act(sh, tid, "decline", reason="自用，库存紧张").json()["status"] == "declined"
    tid2 = _request(hz).json()["id"]
    _act(sh, tid2, "accept")
    assert _stock(stocked, "SC-SH01") == (5, 1, 0)
    assert _act(hz, tid2, "cancel", reason="客户已从别处解决").json()["status"] == "cancelled"
    assert _stock(stocked, "SC-SH01") == (5, 0, 0)


def test_recall_sets_a_24_hour_return(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz).json()["id"]
    _act(sh, tid, "accept")
    _act(sh, tid, "ship", carrier="顺丰", tracking_no="1")
    _act(hz, tid, "receive")
    recalled = _act(sh, tid, "recall", reason="本店客户急需").json()
    assert recalled["status"] == "received"
    t = TransferRequest.objects.get(pk=tid)
    assert t.return_due_at - t.recalled_at == timedelta(hours=24)
    assert _act(sh, tid, "recall", reason="again").json()["code"] == "already_recalled"


def test_lost_in_transit_opens_an_insurance_claim(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz, quantity=2, p0=True).json()["id"]
    _act(sh, tid, "accept")
    _act(sh, tid, "ship", carrier="德邦", tracking_no="DB1")
    lost = _act(hz, tid, "report_lost", note="外箱破损，刹车片断裂")
    assert lost.json()["status"] == "lost"
    assert _stock(stocked, "SC-HZ01") == (0, 0, 0)
    assert _stock(stocked, "SC-SH01") == (3, 0, 0)
    claim = TransferRequest.objects.get(pk=tid).claims.get()
    assert (claim.kind, claim.amount) == ("insurance", 900)


def test_swap_sends_another_part_back(stocked):
    from partspool.network.models import Stock as S

    S.objects.create(node=stocked.nodes["SC-HZ01"], part=stocked.parts["WIP"], on_hand=10)
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz, deal="swap", swap_part="WIP-BLD-01", swap_quantity=4).json()["id"]
    _act(sh, tid, "accept")
    _act(sh, tid, "ship", carrier="顺丰", tracking_no="1")
    _act(hz, tid, "receive")
    _act(hz, tid, "return_ship", carrier="顺丰", tracking_no="2")
    _act(sh, tid, "return_receive")
    assert _stock(stocked, "SC-HZ01", "WIP") == (6, 0, 0)
    assert _stock(stocked, "SC-SH01", "WIP") == (4, 0, 0)
    assert _stock(stocked, "SC-HZ01") == (1, 0, 0)  # the brake pads stay


def test_compensation_deal_is_settled(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz, deal="compensation", due_date=None, freight="80", insurance="10", thank_you="100").json()["id"]
    _act(sh, tid, "accept")
    _act(sh, tid, "ship", carrier="顺丰", tracking_no="1")
    _act(hz, tid, "receive")
    assert _act(hz, tid, "return_ship", carrier="x", tracking_no="y").status_code == 409
    settled = _act(sh, tid, "settle", amount="640")
    assert settled.json()["status"] == "closed"
    assert TransferRequest.objects.get(pk=tid).settled_amount == 640


def test_split_request_makes_all_lines_or_none(stocked):
    hz = login(stocked.users["manager"])
    body = {"part": "BRK-PAD-F01", "deal": "borrow", "due_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "lines": [{"lender": "SC-SH01", "quantity": 1}, {"lender": "SC-NB01", "quantity": 1}]}
    made = hz.post("/api/transfers/split", body, content_type="application/json")
    assert made.status_code == 201 and len({t["group"] for t in made.json()}) == 1
    body["lines"] = [{"lender": "SC-SH01", "quantity": 1}, {"lender": "SC-NB01", "quantity": 5}]
    refused = hz.post("/api/transfers/split", body, content_type="application/json")
    assert refused.status_code == 409
    assert TransferRequest.objects.count() == 2


def test_retried_post_with_the_same_idempotency_key_does_nothing_twice(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    first = _request(hz, HTTP_IDEMPOTENCY_KEY="k-1") if False else hz.post(
        "/api/transfers", {"part": "BRK-PAD-F01", "quantity": 1, "lender": "SC-SH01", "deal": "borrow",
                           "due_date": (timezone.localdate() + timedelta(days=9)).isoformat()},
        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = hz.post("/api/transfers", {"part": "BRK-PAD-F01", "quantity": 1, "lender": "SC-SH01", "deal": "borrow",
                                       "due_date": (timezone.localdate() + timedelta(days=9)).isoformat()},
                    content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert TransferRequest.objects.count() == 1
    tid = first.json()["id"]
    for _ in range(2):
        response = sh.post(f"/api/transfers/{tid}/accept", {}, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="accept-1")
        assert response.status_code == 200
    assert _stock(stocked, "SC-SH01") == (5, 1, 0)


def test_commitment_letter_in_both_languages(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz, quantity=2, p0=True).json()["id"]
    _act(sh, tid, "accept")
    zh = hz.get(f"/api/transfers/{tid}/commitment?lang=zh-hans").json()["text"]
    en = hz.get(f"/api/transfers/{tid}/commitment?lang=en").json()["text"]
    assert "BRK-PAD-F01" in zh and "¥900.00" in zh and "24" in zh
    assert "property of the lender" in en and "within 24 hours" in en
    assert zh != en


def test_help_request_message_is_ready_to_post(stocked):
    text = login(stocked.users["manager"]).post("/api/help-request", {
        "part": "BRK-PAD-F01", "quantity": 2, "why": "企业车队 3 台车停驶", "commitments": "7 天内归还，运费我方承担",
        "contact": "王经理 138xxxx", "lang": "zh-hans"}, content_type="application/json").json()["text"]
    assert "BRK-PAD-F01" in text and "企业车队" in text and "7 天内归还" in text and "王经理" in text


def test_first_loan_between_strangers_is_small_until_one_comes_back_on_time(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    refused = _request(hz, quantity=2)
    assert refused.status_code == 400 and refused.json()["code"] == "first_deal_cap"
    assert "1" in refused.json()["message"]
    tid = _request(hz, quantity=1).json()["id"]
    _act(sh, tid, "accept")
    _act(sh, tid, "ship", carrier="顺丰", tracking_no="1")
    _act(hz, tid, "receive")
    _act(hz, tid, "return_ship", carrier="顺丰", tracking_no="2")
    _act(sh, tid, "return_receive")
    assert _request(hz, quantity=3).status_code == 201  # trust earned: the cap is lifted


def test_a_lender_that_cannot_help_introduces_the_borrower_to_a_trusted_center(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    tid = _request(hz).json()["id"]
    forwarded = sh.post(f"/api/transfers/{tid}/forward", {"lender": "SC-GZ01", "note": "老朋友，靠谱"},
                        content_type="application/json")
    assert forwarded.status_code == 201, forwarded.content
    body = forwarded.json()
    assert (body["lender"], body["borrower"], body["vouched_by"]) == ("SC-GZ01", "SC-HZ01", "SC-SH01")
    seen_by_gz = login(stocked.users["gz_manager"]).get(f"/transfers/{body['id']}/").content.decode()
    assert "上海浦东服务中心" in seen_by_gz or "Shanghai Pudong" in seen_by_gz
    refused = hz.post(f"/api/transfers/{tid}/forward", {"lender": "SC-GZ01"}, content_type="application/json")
    assert refused.status_code == 403  # only the node that was asked may vouch


def test_joint_escalation_goes_to_a_warehouse_with_the_centers_that_join(stocked):
    hz = login(stocked.users["manager"])
    refused = _request(hz, deal="joint", due_date=None, lender="SC-SH01")
    assert refused.status_code == 400 and refused.json()["code"] == "joint_needs_warehouse"
    made = _request(hz, deal="joint", due_date=None, lender="WH-EAST", quantity=1,
                    co_requesters=["SC-NB01", "SC-SZ01"])
    assert made.status_code == 201, made.content
    assert sorted(made.json()["co_requesters"]) == ["SC-NB01", "SC-SZ01"]
    planner = login(stocked.users["planner"])
    assert planner.post(f"/api/transfers/{made.json()['id']}/accept", {},
                        content_type="application/json").json()["status"] == "accepted"
