"""The team and reports page and the issue form in Debian's chromium against a real `orderflow serve`: the order
group sees the ops report's charts drawn in the page in Chinese (no script, no inline style), and an assistant who
taps "issue" twice in a row issues one form, not two."""

from __future__ import annotations

from tests.e2e.conftest import Stack
from tests.e2e.desk_browser import desk_browser, shot, sign_in, text_of


def test_the_order_group_sees_the_report_s_charts_in_chinese(stack: Stack) -> None:
    from selenium.webdriver.common.by import By

    assert stack.api is not None
    for number in ("BJ100001", "BJ100002", "BJ100003"):
        stack.json("order", "issue", number, "--to", "alice", user="amy")
    with desk_browser() as driver:
        sign_in(driver, stack, "olga")
        driver.get(f"{stack.api.url}/desk/team")
        page = text_of(driver)
        assert "订单：状态与账龄" in page, page
        charts = driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")
        assert len(charts) == 2 and all(c.size["width"] > 200 for c in charts)
        funnel = charts[0].get_attribute("outerHTML")
        assert "已发放，待签约" in funnel and 'data-status="ISSUED" data-total="3"' in funnel
        driver.execute_script("document.getElementById('report').scrollIntoView()")
        shot(driver, "team-report")


def test_issuing_twice_in_a_row_issues_one_form(stack: Stack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert stack.api is not None
    with desk_browser() as driver:
        sign_in(driver, stack, "amy")
        driver.get(f"{stack.api.url}/desk/orders/new")
        driver.find_element(By.NAME, "rep").send_keys("alice")
        # Two taps before the first answer is back, as an impatient thumb does.
        driver.execute_script("var f = document.querySelector(\"form[action='/desk/orders/new']\");"
                              "f.requestSubmit(); f.requestSubmit();")
        WebDriverWait(driver, 20).until(lambda d: "/desk/orders/BJ" in d.current_url)
    issued = stack.json("order", "list", user="amy")
    assert [o["number"] for o in issued] == ["BJ100000"], issued
