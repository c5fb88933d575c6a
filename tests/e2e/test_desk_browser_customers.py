"""Entry (录入) in Debian's chromium against a real `orderflow serve`: alice types the name of a company a colleague
already holds, the live collision check (撞单) warns her as she types, without naming the holder, and her entry
is refused in words with nothing stored."""

from __future__ import annotations

from tests.e2e.conftest import Stack
from tests.e2e.desk_browser import desk_browser, shot, sign_in, text_of

HELD = "美来尔工程技术有限公司"


def test_a_colliding_entry_is_warned_as_alice_types_and_refused(stack: Stack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert stack.api is not None
    stack.json("customer", "add", "--name", HELD, "--phone", "010-62345678", "--fax", "010-62345679",
               "--address", "北京市朝阳区建国路88号", "--region", "北京", user="bob")
    with desk_browser() as driver:
        sign_in(driver, stack, "alice")
        driver.get(f"{stack.api.url}/desk/customers")
        form = driver.find_element(By.ID, "entry")
        form.find_element(By.NAME, "name").send_keys("北京" + HELD)
        box = driver.find_element(By.ID, "live-check")
        WebDriverWait(driver, 20).until(lambda d: "撞单" in box.text)
        assert "其他销售的仓库" in box.text and "bob" not in box.text  # masked: the holder is not alice's to know
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        shot(driver, "customers-check")

        for name, value in (("phone", "010-63330005"), ("fax", "010-63330006"),
                            ("address", "北京市海淀区中关村大街1号"), ("region", "北京")):
            form.find_element(By.NAME, name).send_keys(value)
        old = driver.find_element(By.TAG_NAME, "html")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)
        refusal = driver.find_element(By.ID, "refusal").text
        assert "当前无法执行此操作" in refusal and "其他销售的仓库中已有客户与本次录入" in refusal, refusal
        assert "bob" not in refusal
        assert driver.current_url.endswith("/desk/customers")  # the entry page again, not a customer's
        shot(driver, "customers-refused")
        assert [c["name"] for c in stack.json("customer", "list", user="alice")] == []
        assert "没有客户" in text_of(driver)


def test_alice_finds_a_pool_customer_by_searching_and_claims_it_with_its_button(stack: Stack) -> None:
    """公海: the customer went to the pool (as the daily recycling sends it); alice opens the pool from the menu,
    searches part of its name, and claims it with the row's button, without knowing its number."""
    from datetime import UTC, datetime

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from db.engine import make_engine, session_factory, unit_of_work
    from db.models import Customer
    from db.warehouse_repo import move

    assert stack.api is not None
    added = stack.json("customer", "add", "--name", HELD, "--phone", "010-62345678", "--fax", "010-62345679",
                       "--address", "北京市朝阳区建国路88号", "--region", "北京", user="bob")
    engine = make_engine(stack.settings().db_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            customer = session.get(Customer, added["id"])
            assert customer is not None
            move(session, customer, None, reason="recycled: no follow-up", actor="system", at=datetime.now(UTC))
    finally:
        engine.dispose()
    with desk_browser() as driver:
        sign_in(driver, stack, "alice")
        driver.get(f"{stack.api.url}/desk/customers")
        driver.find_element(By.CSS_SELECTOR, "nav a[href='/desk/customers/pool']").click()
        WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith("/desk/customers/pool"))
        search = driver.find_element(By.NAME, "q")
        search.send_keys("美来尔")
        search.submit()
        WebDriverWait(driver, 20).until(lambda d: "q=" in d.current_url)
        row = driver.find_element(By.CSS_SELECTOR, f"tr.pool-row[data-customer='{added['id']}']")
        assert HELD in row.text and "未跟进，已回收" in row.text
        shot(driver, "customers-pool")
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: "done=claimed" in d.current_url)
        assert "客户已进入您的仓库。" in text_of(driver)
    assert [c["id"] for c in stack.json("customer", "list", user="alice")] == [added["id"]]
