"""The exception queue worked in real headless Chromium against `accord up`: a posting
the ERP refused is corrected by one finance user after the dry run, approved by a
second, and the ERP (read back over its own API) holds the document once, as corrected;
an exception is assigned, tagged and commented on from its page, and the queue's
filters find it by assignee and tag."""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_dashboard_browser import (
    ACCORD,
    ARTIFACTS,
    BAD_EVENT,
    _accord,
    _open,
    _wait_for,
    browser,
    hub,
)

__all__ = ["browser", "hub"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
ENTITY = "DE01"
CLOSED_MONTHS = 3


def _sandbox_url(env: dict[str, str]) -> str:
    log = (Path(env["ACCORD_HOME"]) / "up.log").read_text()
    found = re.search(r"Sandbox: (http://\S+?),", log)
    assert found, log[-2000:]
    return found.group(1)


def _call(http: httpx.Client, method: str, path: str, **options: Any) -> Any:
    """A sandbox call, again after the ERP's 429 (its account-wide concurrency limit
    while the hub posts)."""
    for _ in range(120):
        response = http.request(method, path, **options)
        if response.status_code != 429:
            return response.raise_for_status().json()
        time.sleep(0.5)
    raise AssertionError(f"the sandbox kept answering 429 to {method} {path}")


def _month(day: date, ahead: int) -> date:
    months = day.year * 12 + day.month - 1 + ahead
    return date(months // 12, months % 12 + 1, 1)


def _close_erp_periods(sandbox: str) -> date:
    """Close the ERP's periods of ENTITY from this simulated month on, as a firm's
    finance team does at month end; the first day of the first period left open."""
    with httpx.Client(base_url=sandbox, timeout=30) as http:
        now = date.fromisoformat(_call(http, "GET", "/erp/_sandbox/clock")["now"][:10])
        for ahead in range(CLOSED_MONTHS):
            period = _month(now, ahead).strftime("%Y-%m")
            body = {"subsidiary": ENTITY, "period": period}
            _call(http, "POST", "/erp/periods/close", json=body)
    return _month(now, CLOSED_MONTHS)


def _sign_in(driver: Any, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    _open(driver, f"{base}/login", "20-login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form button").click()
    _wait_for(lambda: "/login" not in driver.current_url)


def _refused_posting(driver: Any, base: str) -> tuple[str, str]:
    """The first `posting_rejected` on a closed ERP period: its row id and document."""
    from selenium.webdriver.common.by import By

    _wait_for(lambda: "PERIOD_CLOSED" in _open(driver, f"{base}/exceptions?owner=finance", "21"))
    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "tr[id^='exception-']")
        if "PERIOD_CLOSED" in r.text and "posting_rejected" in r.text
    )
    subject = next(c.text for c in row.find_elements(By.TAG_NAME, "td") if c.text[:3] in "INVCN-")
    return row.get_attribute("id").removeprefix("exception-"), subject


def _erp_documents(sandbox: str, number: str) -> list[dict[str, Any]]:
    """Every document the ERP holds with this number, read page by page."""
    items: list[dict[str, Any]] = []
    page: str | None = None
    with httpx.Client(base_url=sandbox, timeout=30) as http:
        while True:
            params = {"limit": 100} | ({"page": page} if page else {})
            body = _call(http, "GET", "/erp/documents", params=params)
            items += body["items"]
            if not (page := body.get("next_page")):
                return [item for item in items if item["number"] == number]


def test_finance_corrects_a_refused_posting_a_second_person_approves_it_posts_once(
    hub: tuple[str, str, dict[str, str]], browser: object
) -> None:
    from selenium.webdriver.common.by import By

    base, _, env = hub
    driver: Any = browser
    owner = _accord(env, "keys", "create", "fin-owner", "--role", "finance").split()[-1]
    second = _accord(env, "keys", "create", "fin-second", "--role", "finance").split()[-1]
    sandbox = _sandbox_url(env)
    open_from = _close_erp_periods(sandbox)

    _sign_in(driver, base, owner)
    exception_id, number = _refused_posting(driver, base)
    _open(driver, f"{base}/exceptions/{exception_id}", "22-refused-posting")
    driver.find_element(By.CSS_SELECTOR, "a.correct").click()
    _wait_for(lambda: driver.find_elements(By.ID, "payload"))
    editor = driver.find_element(By.ID, "payload")
    posting = json.loads(editor.get_attribute("value"))
    assert posting["number"] == number and posting["entity"] == ENTITY
    posting["issue_date"] = open_from.isoformat()
    editor.clear()
    editor.send_keys(json.dumps(posting))
    driver.find_element(By.NAME, "note").send_keys("ERP period closed: post in the next open one")
    driver.find_element(By.ID, "preview").click()
    _wait_for(lambda: driver.find_elements(By.ID, "posting"))
    driver.save_screenshot(str(ARTIFACTS / "23-posting-dry-run.png"))
    changes = driver.find_element(By.ID, "changes").text
    assert "issue_date" in changes and open_from.isoformat() in changes, changes
    amounts = driver.find_element(By.ID, "posting-amounts").text
    assert posting["gross_total"] in amounts, amounts
    assert f"dated {open_from.isoformat()}" in driver.find_element(By.ID, "posting").text
    assert _erp_documents(sandbox, number) == []
    driver.find_element(By.ID, "submit").click()
    _wait_for(lambda: driver.find_elements(By.ID, "awaiting"))
    assert not driver.find_elements(By.ID, "approve")  # the owner cannot approve it too

    _sign_in(driver, base, second)
    _open(driver, f"{base}/exceptions/{exception_id}/correct", "24-awaiting-approval")
    driver.find_element(By.NAME, "note").send_keys("checked against the ERP's period list")
    driver.find_element(By.ID, "approve").click()
    _wait_for(lambda: "approved" in " ".join(e.text for e in driver.find_elements(By.ID, "notice")))

    _wait_for(lambda: _erp_documents(sandbox, number))
    held = _erp_documents(sandbox, number)
    assert [(d["tran_date"], Decimal(d["gross_total"])) for d in held] == [
        (open_from.isoformat(), Decimal(posting["gross_total"]))
    ]

    def closed() -> bool:
        _open(driver, f"{base}/exceptions/{exception_id}", "25-posted")
        return driver.find_element(By.ID, "status").text != "open"

    _wait_for(closed)
    history = driver.find_element(By.ID, "history").text
    assert "correction_submitted" in history and "correction_approved" in history


def test_a_user_assigns_tags_and_comments_and_the_queue_filters_on_them(
    hub: tuple[str, str, dict[str, str]], browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    base, token, env = hub
    driver: Any = browser
    event = {**BAD_EVENT, "id": "queue-people-1"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(event) + "\n")
    subprocess.run([*ACCORD, "ingest", str(bad)], env=env, capture_output=True, timeout=60)
    _sign_in(driver, base, token)
    _wait_for(lambda: "queue-people-1" in _open(driver, f"{base}/exceptions", "30-queue"))
    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "tr[id^='exception-']")
        if "queue-people-1" in r.text
    )
    row_id = row.get_attribute("id")
    row.find_element(By.CSS_SELECTOR, "a.detail").click()

    def submit(field: str, text: str, button: str, notice: str) -> None:
        _wait_for(lambda: driver.find_elements(By.ID, field))
        driver.find_element(By.ID, field).clear()
        driver.find_element(By.ID, field).send_keys(text)
        driver.find_element(By.ID, button).click()
        _wait_for(lambda: notice in " ".join(e.text for e in driver.find_elements(By.ID, "notice")))

    submit("person", "ada", "assign", "assigned to ada")
    submit("tag", "month-end", "add-tag", "tagged month-end")
    submit("comment-text", "the PSA sent a test event; skip once confirmed", "comment", "commented")
    driver.save_screenshot(str(ARTIFACTS / "31-assigned-tagged-commented.png"))
    assert driver.find_element(By.ID, "assignee").text == "ada"
    assert driver.find_element(By.ID, "tags").text == "month-end"
    assert "skip once confirmed" in driver.find_element(By.ID, "comments").text

    _open(driver, f"{base}/exceptions?assignee=ada&tag=month-end", "32-filtered")
    listed = driver.find_element(By.ID, row_id)
    assert "ada" in listed.find_element(By.CLASS_NAME, "assignee").text
    assert "month-end" in listed.find_element(By.CLASS_NAME, "tags").text
    _open(driver, f"{base}/exceptions?assignee=bob", "33-filtered-other")
    assert not driver.find_elements(By.ID, row_id)
