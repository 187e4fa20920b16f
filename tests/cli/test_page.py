"""The operators' page in a real headless browser (Debian's Chromium): upload, watch the batch to
its end, see the failed file's reason, download the export and compare it with the CLI's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_serve import SAMPLES, TOKEN, Server, start_server, stop
from tests.conftest import service_missing
from tests.worker.conftest import wait_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("page"))
    try:
        yield s
    finally:
        stop(s)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[object, Path]]:
    if CHROMIUM is None or DRIVER is None:
        service_missing(
            "Chromium and its driver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver, downloads
    finally:
        driver.quit()


def test_upload_watch_and_download_the_export(server: Server, browser: tuple[object, Path]) -> None:
    drive_page(server, *browser)


def drive_page(server: Server, driver: object, downloads: Path) -> None:
    """Upload the samples on the page, watch the batch to its end, check the failed file's reason,
    download the export and compare it with `jixiao export --batch`."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    driver.get(server.url + "/")  # type: ignore[attr-defined]
    find = driver.find_element  # type: ignore[attr-defined]
    assert "绩效目标表入库" in find(By.TAG_NAME, "h1").text
    find(By.ID, "token").send_keys(TOKEN)
    find(By.ID, "save-token").click()
    find(By.ID, "files").send_keys("\n".join(str(p) for p in SAMPLES))

    # the page redraws its tables every 2 s: a row read while it is replaced is read again next poll
    def finished_row() -> tuple[str, list[str]] | None:
        try:
            for r in driver.find_elements(By.CSS_SELECTOR, "#batches tbody tr"):  # type: ignore[attr-defined]
                if r.text.endswith("完成"):
                    return r.get_attribute("data-batch"), [c.text for c in r.find_elements(By.TAG_NAME, "td")]
        except StaleElementReferenceException:
            pass
        return None

    batch, cells = wait_until(finished_row, 240, "the page to show the batch done")
    assert cells[2:6] == ["6", "1", "0", "1"]  # stored, duplicate, no table, failed (samples/README)

    def failed_reason() -> str | None:
        try:
            for r in driver.find_elements(By.CSS_SELECTOR, "#documents tbody tr"):  # type: ignore[attr-defined]
                texts = [c.text for c in r.find_elements(By.TAG_NAME, "td")]
                if texts and texts[0] == "truncated.pdf" and texts[1] == "失败" and texts[2]:
                    return texts[2]
        except StaleElementReferenceException:
            pass
        return None

    assert wait_until(failed_reason, 30, "the failed file's reason on the page")
    find(By.CSS_SELECTOR, 'button.download[data-path="/api/export"][data-format="jsonl"]').click()
    exported = downloads / "export.jsonl"
    wait_until(lambda: exported.exists() and not list(downloads.glob("*.crdownload")), 30, "the download")
    assert exported.read_text(encoding="utf-8") == server.cli("export", "--format", "jsonl", "--batch", batch)
    assert len(exported.read_text(encoding="utf-8").splitlines()) == 465
