"""Every dashboard page in real headless Chromium against a running `accord up`, and an
exception resolved through the UI; a screenshot per page lands in test-artifacts/."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

FAST = ("--speed", "86400", "--allow-lost-changes")
"""A simulated day a second, above the speed the sandbox's feed retention allows: these
tests wait for a month end, not for every change to arrive."""

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
WAIT = 120.0
"""The cap on a wait for the hub to get somewhere (healthy, events applied, a month-end
run): seconds on an idle machine, much longer on a busy one."""

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
ACCORD = [str(Path(sys.executable).with_name("accord"))]
BAD_EVENT = {
    "specversion": "1.0",
    "id": "dashboard-bad-1",
    "source": "urn:accord:psa",
    "type": "com.example.not_an_accord_type",
    "time": "2026-01-05T10:00:00Z",
    "datacontenttype": "application/json",
    "data": {"nonsense": 1},
}


def _require_chromium() -> None:
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    message = "chromium and chromedriver are needed: apt-get install chromium chromium-driver"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accord(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*ACCORD, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    _require_chromium()
    home = tmp_path_factory.mktemp("accord-home")
    port = _free_port()
    # The generic sandbox systems: the queue's tests close the generic ERP's periods.
    generic = home.parent / "landscape.yaml"
    generic.write_text("version: 1\nsandbox: {vendors: false}\n")
    env = {**os.environ, "ACCORD_HOME": str(home), "ACCORD_HTTP_PORT": str(port)}
    env |= {"ACCORD_CONFIG": str(generic)}
    env.pop("ACCORD_DATABASE_URL", None)
    # A 90-day key, as an operator makes it: it must outlive the sandbox's fast clock.
    token = _accord(env, "keys", "create", "dashboard", "--role", "admin", "--days", "90")
    token = token.strip().splitlines()[-1]
    log = (home / "up.log").open("w")
    process = subprocess.Popen([*ACCORD, "up", *FAST], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert process.poll() is None, (home / "up.log").read_text()[-3000:]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"accord up did not become healthy in {WAIT} s"
            time.sleep(0.5)
        yield base, token, env
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1400,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(WAIT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def _metric(driver: object, name: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, f'[data-metric="{name}"]').text)  # type: ignore[attr-defined]


def _open(driver: object, url: str, shot: str) -> str:
    driver.get(url)  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / f"{shot}.png"))  # type: ignore[attr-defined]
    return str(driver.page_source)  # type: ignore[attr-defined]


def _wait_for(check: object, seconds: float = WAIT) -> None:
    """Poll `check` until it holds. A page the browser replaced while the check read it (a
    form posted, a redirect) leaves stale elements: that counts as not there yet."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except StaleElementReferenceException:
            pass
        assert time.monotonic() < deadline, "the hub did not get there in time"
        time.sleep(1)


DURATION = re.compile(r"^\d+\.\d (h|d)$")
PERCENT = re.compile(r"^\d+\.\d%$")


def _check_business_kpis(driver: object, base: str) -> None:
    """Activation time, invoice cycle time, first-time posting and billed vs approved
    are measured from what the sandbox did, and each has its chart."""
    from selenium.webdriver.common.by import By

    def measured() -> bool:
        _open(driver, f"{base}/kpis", "05-kpis")
        return all(int(_metric(driver, f"{kpi}-measured")) > 0 for kpi in ("activation", "cycle"))

    _wait_for(measured)
    assert DURATION.match(_metric(driver, "activation-median"))
    assert DURATION.match(_metric(driver, "cycle-median"))
    assert PERCENT.match(_metric(driver, "first-time-posting"))
    billed = driver.find_elements(By.CSS_SELECTOR, '[data-metric^="billed-percent-"]')  # type: ignore[attr-defined]
    assert billed and all(PERCENT.match(element.text) for element in billed)
    currency = billed[0].get_attribute("data-metric").rsplit("-", 1)[1]
    for shown in (f"approved-{currency}", f"billed-{currency}"):
        amount, written = _metric(driver, shown).split()  # e.g. "12,400.00 EUR"
        assert (Decimal(amount.replace(",", "")) > 0, written) == (True, currency)
    charts = {
        svg.get_attribute("aria-label")
        for svg in driver.find_elements(By.CSS_SELECTOR, "svg.chart")  # type: ignore[attr-defined]
    }
    assert {"Contract activation time", "Invoice cycle time"} <= charts, charts
    assert f"Billed vs approved, {currency}" in charts, charts


def test_every_page_shows_real_data_and_an_exception_is_resolved_in_the_ui(
    hub: tuple[str, str, dict[str, str]], browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    base, token, env = hub
    driver = browser
    _open(driver, f"{base}/", "00-login")
    driver.find_element(By.ID, "token").send_keys(token)  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, "form button").click()  # type: ignore[attr-defined]

    def applied() -> bool:
        _open(driver, f"{base}/", "01-overview")
        return int(_metric(driver, "events-applied")) > 0

    _wait_for(applied)
    assert "<svg" in driver.page_source  # type: ignore[attr-defined]

    _wait_for(lambda: "<code>invoice-run:" in _open(driver, f"{base}/flows", "02-flows"))
    _wait_for(
        lambda: (
            int(_metric(driver, "documents")) > 0
            if "documents" in _open(driver, f"{base}/kpis", "05-kpis")
            else False
        ),
    )
    _check_business_kpis(driver, base)
    invoices = _open(driver, f"{base}/invoices", "06-invoices")
    link = driver.find_element(By.CSS_SELECTOR, "#invoices a")  # type: ignore[attr-defined]
    number = link.text
    assert number.startswith("INV-"), invoices
    link.click()
    driver.save_screenshot(str(ARTIFACTS / "07-lineage.png"))  # type: ignore[attr-defined]
    assert number in driver.find_element(By.TAG_NAME, "h1").text  # type: ignore[attr-defined]
    assert driver.find_elements(By.CSS_SELECTOR, "#lineage tr")  # type: ignore[attr-defined]
    _open(driver, f"{base}/reconciliation", "04-reconciliation")
    driver.find_element(By.ID, "request-reconciliation").click()  # type: ignore[attr-defined]
    # The click submits a POST and a redirect; the notice exists once the page has loaded.
    _wait_for(lambda: driver.find_elements(By.ID, "notice"))  # type: ignore[attr-defined]
    assert "reconciliation run #" in driver.find_element(By.ID, "notice").text  # type: ignore[attr-defined]

    def reconciled() -> bool:
        _open(driver, f"{base}/reconciliation", "04-reconciliation")
        return int(_metric(driver, "discrepancies")) > 0

    _wait_for(reconciled, 120)  # the scheduler runs the requested job at its next tick

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(BAD_EVENT) + "\n")
    subprocess.run([*ACCORD, "ingest", str(bad)], env=env, capture_output=True, timeout=60)
    row = "exception-"

    def listed() -> bool:
        page = _open(driver, f"{base}/exceptions?owner=integration", "03-exceptions")
        return "dashboard-bad-1" in page

    _wait_for(listed)
    target = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, f"tr[id^='{row}']")  # type: ignore[attr-defined]
        if "dashboard-bad-1" in r.text
    )
    exception_id = target.get_attribute("id")
    target.find_element(By.NAME, "note").send_keys("test event from the browser test")
    for option in target.find_elements(By.CSS_SELECTOR, "select[name=action] option"):
        if option.text == "skip":
            option.click()
    target.find_element(By.CSS_SELECTOR, "form.act button").click()
    # The click submits a POST and a redirect; the notice exists once the page has loaded.
    _wait_for(lambda: driver.find_elements(By.ID, "notice"))  # type: ignore[attr-defined]
    notice = driver.find_element(By.ID, "notice").text  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / "08-exception-resolved.png"))  # type: ignore[attr-defined]
    assert "skip" in notice and "open" not in notice.split("now", 1)[1], notice
    _open(driver, f"{base}/exceptions?owner=integration&status=all", "09-exceptions-all")
    resolved = driver.find_element(By.ID, exception_id)  # type: ignore[attr-defined]
    assert resolved.find_element(By.CLASS_NAME, "status").text != "open"
    _check_detail_and_start_a_run(driver, base, exception_id.removeprefix(row))


def _check_detail_and_start_a_run(driver: Any, base: str, exception_id: str) -> None:
    """The resolved exception's page shows its history; the flows page starts a run."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"a.detail[href='/exceptions/{exception_id}']").click()
    _wait_for(lambda: driver.find_elements(By.ID, "history"))
    driver.save_screenshot(str(ARTIFACTS / "12-exception-detail.png"))
    assert driver.find_element(By.ID, "status").text != "open"
    assert "test event from the browser test" in driver.find_element(By.ID, "history").text
    assert driver.find_element(By.ID, "source").text.startswith("{")
    _open(driver, f"{base}/flows", "13-flows-start")
    assert driver.find_elements(By.CSS_SELECTOR, "#flow-posting ol.steps li")
    driver.find_element(By.ID, "start").click()
    _wait_for(lambda: driver.find_elements(By.ID, "notice"))
    started = driver.find_element(By.ID, "notice").text.split()[2]
    assert started.startswith("invoice-run:"), started
    _wait_for(lambda: started in _open(driver, f"{base}/flows", "14-flows-run"))
    _check_an_error_page_leads_back(driver, base)


def _check_an_error_page_leads_back(driver: Any, base: str) -> None:
    """A dashboard address that leads nowhere is a page with the navigation, not JSON."""
    from selenium.webdriver.common.by import By

    _open(driver, f"{base}/exceptions/987654321", "15-not-found")
    assert driver.find_element(By.ID, "error-status").text.startswith("404")
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/exceptions']").click()
    _wait_for(lambda: driver.current_url.rstrip("/").endswith("/exceptions"))
    assert not driver.find_elements(By.ID, "error-status")


def test_the_api_docs_render_their_operations_with_outside_networks_blocked(
    hub: tuple[str, str, dict[str, str]], browser: object
) -> None:
    from selenium.webdriver.common.by import By

    base, _, _ = hub
    driver = browser
    blocked = {"urls": ["https://*", "*jsdelivr*", "*unpkg*", "*googleapis*", "*cdn*"]}
    driver.execute_cdp_cmd("Network.enable", {})  # type: ignore[attr-defined]
    driver.execute_cdp_cmd("Network.setBlockedURLs", blocked)  # type: ignore[attr-defined]
    try:
        _open(driver, f"{base}/docs", "10-api-docs")
        _wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".opblock"), 60)  # type: ignore[attr-defined]
        shown = driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")  # type: ignore[attr-defined]
        assert "/api/v1/exceptions" in {element.text for element in shown}
        driver.save_screenshot(str(ARTIFACTS / "10-api-docs.png"))  # type: ignore[attr-defined]
        _open(driver, f"{base}/redoc", "11-api-redoc")
        _wait_for(
            lambda: (
                "list_exceptions" in driver.page_source
                or "The exception queue" in driver.page_source
            ),
            60,
        )  # type: ignore[attr-defined]
    finally:
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})  # type: ignore[attr-defined]
