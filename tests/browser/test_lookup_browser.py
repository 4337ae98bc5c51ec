"""A manager signs in, looks a part up and sees the ranked result, in Debian's chromium."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser

@pytest.mark.django_db(transaction=True)
def test_manager_signs_in_looks_up_a_part_and_sees_the_ranked_sources(stocked, live_server, page):
    from tests.conftest import PASSWORD

    page.goto(f"{live_server.url}/lookup/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "hz_manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/lookup/")
    page.fill("input[name=part]", "BRK-PAD-F01")
    page.click("form.filters button[type=submit]")
    table = page.locator("section[data-relation=requested] table.ranked")
    table.wait_for()
    first_cells = table.locator("tbody tr td:nth-child(2) a").all_inner_texts()
    assert first_cells == ["WH-EAST", "SC-SH01", "SC-SZ01", "SC-NB01", "SC-GZ01"]
    assert "part=BRK-PAD-F01" in page.url  # htmx pushed the search into the address bar
    assert page.locator("section[data-relation=successor]").inner_text().count("SC-SZ01") == 1
    # The page was served in Chinese for a zh-CN browser.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    if os.environ.get("PARTSPOOL_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["PARTSPOOL_SCREENSHOTS"], "lookup.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_rejected_upload_shows_every_problem_and_changes_nothing(stocked, live_server, page):
    from partspool.network.models import Stock
    from tests.conftest import PASSWORD

    before = sorted(Stock.objects.values_list("id", "on_hand"))
    page.goto(f"{live_server.url}/login/?next=/imports/")
    page.fill("input[name=username]", "hz_manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/imports/")
    page.set_input_files("input[name=file]", files=[{
        "name": "stock.csv", "mimeType": "text/csv",
        "buffer": "网点,配件号,库存\nSC-HZ01,BRK-PAD-F01,-2\nSC-HZ01,NO-SUCH,3\n".encode(),
    }])
    page.click("form[enctype] button[type=submit]")
    problems = page.locator("table.problems tbody tr")
    problems.first.wait_for()
    assert problems.count() == 2
    assert sorted(Stock.objects.values_list("id", "on_hand")) == before
