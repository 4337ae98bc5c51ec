"""A planner moves the ABC cut-off on the settings page, sees the classes follow, and downloads the
monthly forecast review as a PDF with its accuracy trend."""

from __future__ import annotations

import pytest

from tests.browser.test_transfer_browser import _sign_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_planner_changes_abc_cut_and_downloads_the_review_pdf(history, live_server, page):
    from partspool.planning.demo import date_on_time
    from partspool.planning.models import PlanningSettings
    from partspool.planning.selectors import last_complete_month, month_add
    from partspool.planning.services import forecast_run

    planner = history.users["planner"]
    end = last_complete_month()
    for k in (4, 2):
        date_on_time(forecast_run(user=planner, nodes=None, horizon=2, history_end=month_add(end, -k)))

    _sign_in(page, live_server, "planner", "/planning/settings/")
    page.fill("input[name=abc_a_cut]", "0.9")
    page.fill("input[name=abc_b_cut]", "0.97")
    page.locator("#planning-settings button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").is_visible()
    assert PlanningSettings.objects.get().abc_a_cut == 0.9

    page.goto(f"{live_server.url}/planning/abc/")
    assert "90%" in page.locator("#cuts").inner_text()

    page.goto(f"{live_server.url}/planning/review/?month={end:%Y-%m}")
    assert page.locator("#trend table tbody tr").count() == 4  # the four months the two runs covered
    assert page.locator("#trend .plotly-graph-div").count() == 1
    with page.expect_download() as download:
        page.click("#review-pdf")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"partspool-forecast-review-{end:%Y-%m}.pdf"


@pytest.mark.django_db(transaction=True)
def test_a_manager_reviews_the_stock_weekly_and_the_orders_follow(history, live_server, page):
    """杭州's manager switches the stock policy to a weekly review with parts arriving in 3 days: the page
    says so, the levels are explained in days, and the orders shrink to what a week needs."""
    _sign_in(page, live_server, "hz_manager", "/planning/policy/")
    monthly = page.locator("#orders tbody tr").count()
    page.select_option("select[name=review]", "week")
    page.fill("input[name=lead_days]", "3")
    page.locator("form.action button[type=submit]").click()
    page.wait_for_load_state()
    assert "review=week" in page.url and "lead_days=3" in page.url
    assert "每 7 天盘点一次，订单下达后 3 天到货" in page.content()  # the site opens in Chinese
    assert "在 3 天提前期加到下次盘点的 7 天内" in page.locator("#levels").inner_text()
    assert page.locator("select[name=review]").input_value() == "week"
    assert 0 < page.locator("#orders tbody tr").count() <= monthly
