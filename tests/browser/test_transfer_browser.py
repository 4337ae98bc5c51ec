"""Request → accept → ship → receive → return in the browser, two managers, stock and points on both sides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, username, next_url):
    from tests.conftest import PASSWORD

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def _do(page, action, **fields):
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_borrow_and_return_between_two_centers(stocked, live_server, page):
    from partspool.network.models import Stock
    from partspool.transfers.models import Alliance, AllianceMember, TransferRequest

    alliance = Alliance.objects.create(name="华东互助联盟")
    for code in ("SC-HZ01", "SC-SH01"):
        AllianceMember.objects.create(alliance=alliance, node=stocked.nodes[code])

    def stock(code):
        s = Stock.objects.get(node=stocked.nodes[code], part=stocked.parts["F01"])
        return s.on_hand, s.reserved, s.in_transit

    _sign_in(page, live_server, "hz_manager", "/lookup/")
    page.fill("input[name=part]", "BRK-PAD-F01")
    page.click("form.filters button[type=submit]")
    page.locator("section[data-relation=requested] a.ask").nth(1).click()  # 上海, second in the ranking
    page.wait_for_url("**/transfers/new/**")
    page.fill("input[name=due_date]", (timezone.localdate() + timedelta(days=7)).isoformat())
    page.fill("textarea[name=reason]", "企业车队车辆停驶")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url("**/transfers/*/")
    transfer = TransferRequest.objects.get()
    assert transfer.lender.code == "SC-SH01"
    detail = f"/transfers/{transfer.pk}/"

    _sign_in(page, live_server, "sh_manager", detail)
    _do(page, "accept")
    assert stock("SC-SH01") == (5, 1, 0)
    _do(page, "ship", carrier="顺丰", tracking_no="SF1001")
    assert stock("SC-SH01") == (4, 0, 0) and stock("SC-HZ01") == (0, 0, 1)

    _sign_in(page, live_server, "hz_manager", detail)
    _do(page, "receive")
    assert stock("SC-HZ01") == (1, 0, 0)
    _do(page, "return_ship", carrier="顺丰", tracking_no="SF2002")
    assert stock("SC-HZ01") == (0, 0, 0) and stock("SC-SH01") == (4, 0, 1)

    _sign_in(page, live_server, "sh_manager", detail)
    _do(page, "return_receive")
    assert stock("SC-SH01") == (5, 0, 0)
    assert TransferRequest.objects.get().status == "closed"
    points = dict(AllianceMember.objects.values_list("node__code", "points"))
    assert points == {"SC-SH01": 1, "SC-HZ01": -1}
    page.goto(f"{live_server.url}/alliances/{alliance.pk}/")
    assert transfer.number in page.content()
