"""One order from issue to EFFECTIVE in Debian's chromium, through the desk's pages, by four people, against a
real `orderflow serve` and worker: each signs in on the sign-in page, finds the task in 我的待办, takes the step
with its form (the scan by the drop zone's file input), and sees a refusal in words. The screenshots are the
README's walkthrough."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.dates import today
from tests.e2e.conftest import Stack
from tests.e2e.desk_browser import PHONE, desk_browser, shot, sign_in, text_of


def png_bytes(width: int = 240, height: int = 120) -> bytes:
    """A real PNG (a grey page with a dark band), so the browser can show it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes([60 if 40 < y < 60 else 220] * width) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _form(driver: Any, stack: Stack, number: str, step: str) -> Any:
    from selenium.webdriver.common.by import By

    details = driver.find_element(By.ID, f"step-{step}")
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()
    return details.find_element(By.CSS_SELECTOR, f"form[action='/desk/orders/{number}/{step}']")


def _fill_and_send(driver: Any, stack: Stack, number: str, step: str, fields: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    form = _form(driver, stack, number, step)
    for name, value in fields.items():
        element = form.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)
    old = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: old.id != d.find_element(By.TAG_NAME, "html").id)


def _open_task(driver: Any, stack: Stack, number: str) -> None:
    """From 我的待办, the one button of the order's task."""
    from selenium.webdriver.common.by import By

    assert stack.api is not None
    driver.get(f"{stack.api.url}/desk/inbox")
    assert number in text_of(driver), text_of(driver)
    driver.find_element(By.CSS_SELECTOR, f"a.button[href='/desk/orders/{number}']").click()


def test_one_order_from_issue_to_effective_in_the_browser(stack: Stack, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert stack.api is not None
    base = stack.api.url
    customer = stack.json("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678", "--fax",
                          "010-62345679", "--address", "北京市朝阳区建国路88号", "--region", "北京", user="alice")
    with desk_browser() as driver:
        driver.get(f"{base}/desk/inbox")  # not signed in: the sign-in page, in Chinese
        assert "/desk/login" in driver.current_url and "登录" in text_of(driver)
        shot(driver, "01-sign-in")

        sign_in(driver, stack, "amy")
        driver.get(f"{base}/desk/orders/new")
        driver.find_element(By.NAME, "rep").send_keys("alice")
        driver.find_element(By.CSS_SELECTOR, "form[action='/desk/orders/new'] button").click()
        WebDriverWait(driver, 30).until(lambda d: "done=issue" in d.current_url)
        number = driver.current_url.split("/desk/orders/")[1].split("?")[0]
        assert "已发放，待签约" in text_of(driver)

        driver.set_window_size(*PHONE)  # the rep, in the field
        sign_in(driver, stack, "alice")
        assert "我的待办" in text_of(driver)
        shot(driver, "02-inbox-phone")
        _open_task(driver, stack, number)
        _fill_and_send(driver, stack, number, "sign", {
            "customer": str(customer["id"]), "product": "会员服务", "kind": "new", "amount": "12000.00",
            "signed_on": today().isoformat()})
        assert "待收原件" in text_of(driver)
        shot(driver, "03-signed-phone")
        driver.set_window_size(1280, 900)

        sign_in(driver, stack, "amy")
        _open_task(driver, stack, number)
        _fill_and_send(driver, stack, number, "receive", {"note": "原件已到，盖章清晰"})
        _fill_and_send(driver, stack, number, "first_review", {})
        scan = tmp_path / f"{number}.png"
        scan.write_bytes(png_bytes())
        driver.find_element(By.CSS_SELECTOR, ".drop input[type=file]").send_keys(str(scan))
        WebDriverWait(driver, 60).until(lambda d: "done=scan" in d.current_url)
        assert "待复审" in text_of(driver)

        sign_in(driver, stack, "olga")
        _open_task(driver, stack, number)
        # The scan is shown in the page: through the desk's link, on to its presigned one, allowed by the policy.
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "const i = document.querySelector('img.scan'); return i && i.complete && i.naturalWidth === 240"))
        shot(driver, "03b-second-review")
        _fill_and_send(driver, stack, number, "second_review", {"location": "档案柜 A-3"})
        assert "待到款" in text_of(driver)

        sign_in(driver, stack, "fay")
        _open_task(driver, stack, number)
        _fill_and_send(driver, stack, number, "pay", {"amount": "一万二", "paid_on": today().isoformat()})
        refusal = driver.find_element(By.ID, "refusal").text
        assert "请检查输入内容" in refusal and "“一万二”不是数字" in refusal  # refused in Chinese, nothing recorded
        shot(driver, "04-refusal")
        _fill_and_send(driver, stack, number, "pay", {"amount": "12000.00", "paid_on": today().isoformat()})
        page = text_of(driver)
        assert "已生效" in page and "登记了到款" in page and "复审通过" in page and "收到了纸质原件" in page
        shot(driver, "05-effective")
    shown = stack.json("order", "show", number, user="amy")
    assert shown["status"] == "EFFECTIVE"
