"""The web desk in Debian's chromium, driven by Selenium against a real `orderflow serve` (the `stack` fixture):
sign in through the page as a person does, fill forms, and keep screenshots in test-artifacts/ (the README's
walkthrough shows them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.apiserver import PASSWORD
from tests.e2e.browser import ARTIFACTS, _driver
from tests.e2e.conftest import Stack

PHONE = (390, 844)  # a phone's width: the reps work in the field


@contextmanager
def desk_browser(size: tuple[int, int] = (1280, 900)) -> Iterator[Any]:
    with _driver() as driver:
        driver.set_window_size(*size)
        yield driver


def sign_in(driver: Any, stack: Stack, user: str) -> None:
    """As the person does: the sign-in page, their name and password (set as `orderflow admin set-password`)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert stack.api is not None
    stack.api.token(user)  # sets the user's password
    driver.delete_all_cookies()
    driver.get(f"{stack.api.url}/desk/login")
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/desk/login'] button[type=submit]").click()
    try:
        WebDriverWait(driver, 20).until(lambda d: "/desk/login" not in d.current_url)
    except TimeoutException:
        raise AssertionError(f"{user} could not sign in: {text_of(driver)}") from None


def shot(driver: Any, name: str) -> None:
    """A screenshot of the page as it stands, as test-artifacts/desk-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"desk-{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 5_000, f"no real screenshot at {path}"


def text_of(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.TAG_NAME, "body").text)
