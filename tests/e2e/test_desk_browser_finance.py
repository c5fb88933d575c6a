"""到款 in Debian's chromium against a real `orderflow serve`: fay chooses a bank's GBK statement, sees its lines
with their Chinese payers and its bad line refused by number before anything is stored, imports it, and sees the
report (one line matched to its order automatically) and the queue of lines no order has taken."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.fields import business_date
from tests.e2e.conftest import Stack
from tests.e2e.desk_browser import desk_browser, shot, sign_in, text_of
from tests.e2e.test_cli_payments import _awaiting_payment  # the order made ready for money, as there

HEADER = "交易日期,金额,对方户名,对方账号,流水号,摘要"


def test_fay_previews_a_gbk_statement_imports_it_and_sees_the_queue(stack: Stack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert stack.api is not None
    today = business_date(datetime.now(UTC)).isoformat()
    made = stack.json("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678",
                      "--fax", "010-62345679", "--address", "北京市海淀区", "--region", "北京", user="alice")
    _awaiting_payment(stack, "BJ100001", int(made["id"]), "12000.00")
    path = stack.tmp / "招商银行对账单.csv"
    path.write_bytes(("账号:11001234567890\r\n币种:人民币\r\n\r\n" + "\r\n".join([
        HEADER,
        f"{today},\"12,000.00\",北京美来尔工程技术有限公司,6222000011112222,CMB0001,货款",
        f"{today},300.00,张三,6222000055556666,CMB0002,定金",
        f"{today},abc,某公司,1,CMB0003,",
    ]) + "\r\n").encode("gbk"))

    with desk_browser((1280, 1400)) as driver:
        sign_in(driver, stack, "fay")
        driver.get(f"{stack.api.url}/desk/finance")
        assert "导入银行对账单" in text_of(driver)
        driver.find_element(By.CSS_SELECTOR, ".statement-drop input[type=file]").send_keys(str(path))
        WebDriverWait(driver, 30).until(lambda d: "/desk/finance/statements/" in d.current_url)
        page = text_of(driver)
        assert "北京美来尔工程技术有限公司" in page and "张三" in page and "12000.00" in page, page
        assert "已拒绝，不导入" in page and "is not a number" in page, page
        bad = driver.find_element(By.CSS_SELECTOR, "table.preview tr.bad").text
        assert bad.startswith("7"), bad  # two summary lines, a blank, the header, two good lines: line 7
        assert stack.json("payments", "unmatched", user="fay")["lines"] == []  # nothing imported yet
        shot(driver, "finance-preview")

        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.import-form button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)
        page = text_of(driver)
        assert "对账单已导入" in page, page
        assert driver.find_element(By.CSS_SELECTOR, "dd.imported").text == "2"
        assert driver.find_element(By.CSS_SELECTOR, "dd.auto-matched").text == "1"
        assert driver.find_element(By.CSS_SELECTOR, "dd.refused-count").text == "1"
        assert "CMB0001" in page and "BJ100001" in page  # matched automatically
        queue = driver.find_elements(By.CSS_SELECTOR, "section.bank-line")
        assert len(queue) == 1 and "张三" in queue[0].text and "没有对得上的订单" in queue[0].text, page
        shot(driver, "finance-imported")
    assert stack.json("order", "show", "BJ100001", user="fay")["status"] == "EFFECTIVE"
    assert [line["bank_ref"] for line in stack.json("payments", "unmatched", user="fay")["lines"]] == ["CMB0002"]
