"""Transfer pages: the request form, the steps as forms, letters, help request, alliance, notifications."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partspool.network.models import Stock
from partspool.transfers.models import Alliance, AllianceMember, Notification, TransferPhoto, TransferRequest
from tests.conftest import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _new(client, **fields):
    data = {"part": "BRK-PAD-F01", "lender": ["SC-SH01"], "quantity": ["1"], "deal": "borrow",
            "due_date": (timezone.localdate() + timedelta(days=7)).isoformat(), "reason": "车队车辆停驶"}
    data.update(fields)
    return client.post("/transfers/new/", data)


def test_a_manager_asks_from_a_lookup_row_and_the_lender_answers_on_its_page(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    lookup = hz.get("/lookup/", {"part": "BRK-PAD-F01"}).content.decode()
    assert "/transfers/new/?part=BRK-PAD-F01&amp;lender=SC-SH01" in lookup
    form = hz.get("/transfers/new/?part=BRK-PAD-F01&lender=SC-SH01&quantity=1")
    assert form.status_code == 200 and 'value="SC-SH01"' in form.content.decode()
    response = _new(hz)
    transfer = TransferRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/transfers/{transfer.pk}/"
    inbox = sh.get("/transfers/").content.decode()
    assert transfer.number in inbox
    page = sh.get(f"/transfers/{transfer.pk}/").content.decode()
    assert 'data-action="accept"' in page and 'data-action="decline"' in page
    assert sh.post(f"/transfers/{transfer.pk}/act/accept/", {"quantity": "1"}).status_code == 302
    photo = SimpleUploadedFile("box.png", PNG, content_type="image/png")
    shipped = sh.post(f"/transfers/{transfer.pk}/act/ship/", {"carrier": "顺丰", "tracking_no": "SF1",
                                                              "photos": [photo]})
    assert shipped.status_code == 302
    assert TransferPhoto.objects.count() == 1
    photo_id = TransferPhoto.objects.get().pk
    assert hz.get(f"/transfers/photos/{photo_id}/").status_code == 200
    assert login(stocked.users["gz_manager"]).get(f"/transfers/photos/{photo_id}/").status_code == 404
    assert Stock.objects.get(node=stocked.nodes["SC-HZ01"], part=stocked.parts["F01"]).in_transit == 1


def test_form_errors_are_shown_and_nothing_is_created(stocked):
    hz = login(stocked.users["manager"])
    response = _new(hz, quantity=["9"])
    assert response.status_code == 409 and "SC-SH01" in response.content.decode()
    assert not TransferRequest.objects.exists()
    response = _new(hz, due_date="")
    assert response.status_code == 400
    assert not TransferRequest.objects.exists()


def test_a_step_the_user_may_not_take_shows_an_error(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    _new(hz)
    transfer = TransferRequest.objects.get()
    refused = hz.post(f"/transfers/{transfer.pk}/act/accept/", {})
    assert refused.status_code == 409
    assert TransferRequest.objects.get().status == "requested"
    bad_photo = SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")
    sh.post(f"/transfers/{transfer.pk}/act/accept/", {})
    refused = sh.post(f"/transfers/{transfer.pk}/act/ship/", {"carrier": "x", "tracking_no": "1", "photos": [bad_photo]})
    assert refused.status_code == 400 and TransferRequest.objects.get().status == "accepted"


def test_split_request_from_the_form(stocked):
    hz = login(stocked.users["manager"])
    response = _new(hz, lender=["SC-SH01", "SC-NB01", ""], quantity=["1", "1", ""])
    assert response.status_code == 302 and response["Location"] == "/transfers/"
    assert TransferRequest.objects.count() == 2


def test_commitment_letter_page_and_download(stocked):
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    _new(hz)
    transfer = TransferRequest.objects.get()
    sh.post(f"/transfers/{transfer.pk}/act/accept/", {})
    page = hz.get(f"/transfers/{transfer.pk}/commitment/?lang=en").content.decode()
    assert "property of the lender" in page
    download = hz.get(f"/transfers/{transfer.pk}/commitment/?lang=zh-hans&download=1")
    assert download["Content-Disposition"].endswith('-commitment-zh-hans.txt"')
    assert "BRK-PAD-F01" in download.content.decode()


def test_help_request_page_writes_the_message(stocked):
    page = login(stocked.users["manager"]).post("/help-request/", {
        "part": "BRK-PAD-F01", "quantity": "2", "why": "网红车主直播维修", "commitments": "当天归还", "contact": "王经理",
        "lang": "zh-hans"})
    text = page.content.decode()
    assert page.status_code == 200 and "网红车主直播维修" in text and "BRK-PAD-F01" in text
    bad = login(stocked.users["manager"]).post("/help-request/", {"part": "BRK-PAD-F01", "quantity": "0"})
    assert bad.status_code == 400


def test_alliance_page_and_notifications(stocked):
    a = Alliance.objects.create(name="华东互助联盟")
    for code in ("SC-HZ01", "SC-SH01"):
        AllianceMember.objects.create(alliance=a, node=stocked.nodes[code])
    hz, sh = login(stocked.users["manager"]), login(stocked.users["sh_manager"])
    _new(hz)
    assert sh.get("/alliances/").status_code == 302
    page = sh.get(f"/alliances/{a.pk}/").content.decode()
    assert "华东互助联盟" in page and TransferRequest.objects.get().number in page
    assert login(stocked.users["gz_manager"]).get(f"/alliances/{a.pk}/").status_code == 403
    assert Notification.objects.filter(user=stocked.users["sh_manager"], read_at__isnull=True).count() == 1
    assert '<span class="badge">1</span>' in sh.get("/").content.decode()
    sh.post("/notifications/")
    assert not Notification.objects.filter(read_at__isnull=True, user=stocked.users["sh_manager"]).exists()


def test_node_page_shows_its_record(stocked):
    page = login(stocked.users["manager"]).get("/nodes/SC-SH01/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Record as lender and borrower" in page


def test_transfer_list_query_count_does_not_grow_with_rows_for_a_coordinator(stocked):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hz = login(stocked.users["manager"])
    _new(hz)
    coordinator = login(stocked.users["coordinator"])
    with CaptureQueriesContext(connection) as one:
        coordinator.get("/api/transfers")
    for _ in range(3):
        _new(hz, lender=["SC-NB01"])
    with CaptureQueriesContext(connection) as four:
        assert len(coordinator.get("/api/transfers").json()) == 4
    assert len(four) == len(one)
