"""A manager opens a level-1 case, reads why, picks a split plan; the lenders see the requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.test_transfer_browser import _sign_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_level_1_case_split_plan_reaches_the_lenders(stocked, live_server, page):
    from partspool.emergencies.models import EmergencyBudget, EmergencyCase
    from partspool.emergencies.services import quarter_label

    EmergencyBudget.objects.create(center=stocked.nodes["SC-HZ01"], quarter=quarter_label(timezone.localdate()),
                                   amount=20000, granted_by=stocked.users["planner"])
    _sign_in(page, live_server, "hz_manager", "/emergencies/new/")
    page.fill("input[name=customer_name]", "赵女士")
    page.select_option("select[name=customer_type]", "regular")
    page.fill("input[name=ltv]", "30000")
    page.fill("input[name=part]", "BRK-PAD-F01")
    page.fill("input[name=quantity]", "2")
    deadline = timezone.localtime() + timedelta(hours=18)
    page.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#case-form button[type=submit]").click()
    page.wait_for_url("**/emergencies/*/")

    # The level and the factors that set it, in the user's language (zh-CN browser → Chinese).
    case = EmergencyCase.objects.get()
    assert case.level == 1
    assert "1" in page.locator("#case-level").inner_text()
    fired = page.locator("#why-level tr.fired")
    assert fired.count() >= 1  # brakes: safety sets the level; the deadline under 24 h too
    assert page.locator("#grant").inner_text().count("500") >= 1

    # Pick a split by hand: one unit from 宁波, one from 苏州 (both capped at one unit on a first loan).
    for code in ("SC-NB01", "SC-SZ01"):
        row = page.locator("#candidates tbody tr", has_text=code).filter(
            has=page.locator("input[type=checkbox]")).first
        row.locator("input[type=checkbox]").check()
        row.locator("input[type=number]").fill("1")
    page.locator("#pick-form button[type=submit]").click()
    page.wait_for_url(f"**/emergencies/{case.pk}/")
    assert page.locator("#case-transfers li").count() == 2

    # The lender sees the request in its inbox, with the case's reference, and can open it.
    _sign_in(page, live_server, "nb_manager", "/transfers/")
    page.locator("section.card").first.locator("table.transfers tbody a").first.click()
    page.wait_for_url("**/transfers/*/")
    assert case.number in page.locator("main").inner_text()
    assert page.locator("form[data-action=accept]").count() == 1
    from partspool.transfers.models import TransferRequest

    assert sorted(TransferRequest.objects.filter(case=case).values_list("lender__code", flat=True)) == [
        "SC-NB01", "SC-SZ01"]
