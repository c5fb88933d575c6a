"""The scans' batch page in Debian's chromium against a real `orderflow serve`: amy chooses three scans at once,
named by order number, sees each file's check before filing (type, size, the SHA-256 the browser computed, and
the order's state; one order is not waiting for a scan), files them all, and sees two filed and one refused."""

from __future__ import annotations

import hashlib

from tests.e2e.conftest import Stack
from tests.e2e.desk_browser import desk_browser, shot, sign_in, text_of
from tests.helpers import pdf_bytes


def test_amy_files_a_stack_of_scans_two_filed_one_refused(stack: Stack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert stack.api is not None
    customer = stack.json("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678",
                          "--fax", "010-62345679", "--address", "北京市海淀区中关村大街1号", "--region", "北京",
                          user="alice")
    for number in ("BJ100003", "BJ100004", "BJ100005"):
        stack.json("order", "issue", number, "--to", "alice", user="amy")
    for number in ("BJ100003", "BJ100004"):
        stack.json("order", "sign", number, "--customer", str(customer["id"]), "--product", "会员服务",
                   "--kind", "new", "--amount", "12000.00", user="alice")
        stack.json("order", "receive", number, user="amy")
        stack.json("order", "review", number, "--approve", user="amy")
    files = {"BJ100003.pdf": pdf_bytes(20_000), "BJ100004 扫描.pdf": pdf_bytes(30_000), "BJ100005.pdf": pdf_bytes()}
    paths = []
    for name, content in files.items():
        path = stack.tmp / name
        path.write_bytes(content)
        paths.append(str(path))

    with desk_browser() as driver:
        sign_in(driver, stack, "amy")
        driver.get(f"{stack.api.url}/desk/scans")
        assert "BJ100003" in text_of(driver) and "BJ100005" not in text_of(driver)  # the list waiting for a scan
        driver.find_element(By.ID, "scan-files").send_keys("\n".join(paths))
        rows = lambda d: d.find_elements(By.CSS_SELECTOR, "#scan-list tbody tr")  # noqa: E731
        WebDriverWait(driver, 20).until(lambda d: len(rows(d)) == 3)

        def checked(d: object) -> bool:
            cells = [r.find_elements(By.TAG_NAME, "td") for r in rows(d)]
            return all("…" not in c[5].text and c[5].text and "…" not in c[4].text for c in cells)
        WebDriverWait(driver, 30).until(checked)
        by_file = {r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")
                   for r in rows(driver)}
        assert set(by_file) == set(files)
        for name, content in files.items():
            cells = by_file[name]
            assert cells[2].text == "类型符合要求" and "大小符合要求" in cells[3].text
            assert cells[4].get_attribute("title") == hashlib.sha256(content).hexdigest()
        assert "可以归档" in by_file["BJ100003.pdf"][5].text and "可以归档" in by_file["BJ100004 扫描.pdf"][5].text
        assert "不在等待扫描件" in by_file["BJ100005.pdf"][5].text
        shot(driver, "scans-checked")

        driver.find_element(By.ID, "file-all").click()
        outcome = lambda d, name: next(r.find_elements(By.TAG_NAME, "td")[6].text for r in rows(d)  # noqa: E731
                                       if r.find_elements(By.TAG_NAME, "td")[0].text == name)
        filed = ("BJ100003.pdf", "BJ100004 扫描.pdf")
        WebDriverWait(driver, 60).until(lambda d: all("→" in outcome(d, n) for n in filed))
        assert all(outcome(driver, n).startswith("已归档 → ") for n in filed)
        refused = outcome(driver, "BJ100005.pdf")
        assert refused.startswith("被拒绝") and "不在等待扫描件" in refused, refused
        shot(driver, "scans-filed")

    assert stack.json("order", "show", "BJ100003", user="amy")["status"] == "SECOND_REVIEW"
    assert stack.json("order", "show", "BJ100004", user="amy")["status"] == "SECOND_REVIEW"
    assert stack.json("order", "show", "BJ100005", user="amy")["status"] == "ISSUED"
