"""Headless Debian Chromium, driven from the command line: no driver library, no browser download."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--virtual-time-budget=15000"]


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    return found


def _run(url: str, *extra: str) -> str:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
                              capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(url: str) -> str:
    return _run(url, "--dump-dom")


def screenshot(url: str, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    _run(url, f"--screenshot={path}", "--window-size=1400,900")
    assert path.exists() and path.stat().st_size > 10_000, f"no real screenshot at {path}"
    return path


def order_details(url: str, expect: str, shot: str) -> str:
    """A running workflow's page long-polls its history, so --dump-dom never settles there: drive it with
    Selenium and Debian's chromedriver, open the User Metadata tab and read the Current Details."""
    from selenium.common.exceptions import NoSuchFrameException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with _driver() as driver:
        driver.get(url)
        tab = "//*[normalize-space(text())='User Metadata']"
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.XPATH, tab))
        driver.find_element(By.XPATH, tab).click()

        def details(d) -> str:  # type: ignore[no-untyped-def]
            # Each metadata block is an iframe rendering the Markdown it carries in its src.
            texts = [d.find_element(By.TAG_NAME, "body").text]
            for frame in d.find_elements(By.TAG_NAME, "iframe"):
                query = parse_qs(urlparse(frame.get_attribute("src") or "").query)
                texts += query.get("content", [])
            found = "\n".join(texts)
            return found if expect in found else ""

        # The page re-renders as it polls: a vanished element just means look again.
        try:
            text = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,
                                                                 NoSuchFrameException)).until(details)
        except TimeoutException:
            driver.save_screenshot(str(ARTIFACTS / f"failed-{shot}"))
            frames = [f.get_attribute("src") for f in driver.find_elements(By.TAG_NAME, "iframe")]
            raise AssertionError(f"'{expect}' never appeared at {url}; iframes: {frames}") from None
        driver.save_screenshot(str(ARTIFACTS / shot))
        return str(text)


def metadata_frames(url: str, expect: str, shot: str) -> list[dict[str, Any]]:
    """What the Web UI's User Metadata tab renders once `expect` shows in a block: for each Markdown block (an
    iframe), its visible text, the images it loads, its links' targets and whether it runs any script."""
    from selenium.common.exceptions import NoSuchFrameException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def frames(d) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        found = []
        for index in range(len(d.find_elements(By.TAG_NAME, "iframe"))):
            d.switch_to.default_content()
            d.switch_to.frame(d.find_elements(By.TAG_NAME, "iframe")[index])
            found.append({
                "text": d.find_element(By.TAG_NAME, "body").text,
                "imgs": [i.get_attribute("src") for i in d.find_elements(By.TAG_NAME, "img")],
                "hrefs": [a.get_attribute("href") for a in d.find_elements(By.TAG_NAME, "a")],
                "scripts": len(d.find_elements(By.CSS_SELECTOR, "script:not([src])")),
                "handlers": d.execute_script(
                    "return [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
                    ".filter(a => a.name.startsWith('on')).map(a => a.name)"),
            })
        d.switch_to.default_content()
        return found if any(expect in f["text"] for f in found) else []

    with _driver() as driver:
        driver.get(url)
        tab = "//*[normalize-space(text())='User Metadata']"
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.XPATH, tab))
        driver.find_element(By.XPATH, tab).click()
        try:
            blocks: list[dict[str, Any]] = WebDriverWait(
                driver, 30, ignored_exceptions=(StaleElementReferenceException, NoSuchFrameException)).until(frames)
        except TimeoutException:
            driver.save_screenshot(str(ARTIFACTS / f"failed-{shot}"))
            raise AssertionError(f"'{expect}' never appeared in a metadata block at {url}") from None
        driver.save_screenshot(str(ARTIFACTS / shot))
        return blocks


def page_text(url: str, expect: str, shot: str, login: str | None = None, codec_endpoint: str | None = None) -> str:
    """The text of a Web UI page once `expect` shows. With `login`, first sign in to the codec server, and
    turn on the UI's "include cross-origin credentials" for that endpoint, as a person does in its settings."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with _driver() as driver:
        if login is not None:
            driver.get(login)
            driver.get(url)
            driver.execute_script(
                "localStorage.setItem('overrideRemoteCodecConfiguration', 'true');"
                "localStorage.setItem('includeCredentials', 'true');"
                "localStorage.setItem('endpoint', JSON.stringify(arguments[0]));", codec_endpoint)
        driver.get(url)

        def shown(d) -> str:  # type: ignore[no-untyped-def]
            text = d.find_element(By.TAG_NAME, "body").text
            return str(text) if expect in text else ""

        try:
            text = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(shown)
        except TimeoutException:
            driver.save_screenshot(str(ARTIFACTS / f"failed-{shot}"))
            raise AssertionError(f"'{expect}' never appeared at {url}") from None
        driver.save_screenshot(str(ARTIFACTS / shot))
        return str(text)


@contextmanager
def _driver() -> Iterator[Any]:
    """Debian's chromium through Debian's chromedriver, with a throwaway profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromedriver is missing in CI: .ci/run installs Debian's chromium-driver")
        pytest.skip("Debian's chromium-driver is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        for flag in [f for f in FLAGS if not f.startswith("--virtual")] + ["--window-size=1400,900",
                                                                          f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            yield driver
        finally:
            driver.quit()
