"""Every page in headless Chromium: rendered, screenshotted, with its map canvas and main table.

Screenshots go to $GRIDWATCH_SCREENSHOTS if set, else to <tmp_path>/screenshots (printed at the end).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import APP

pytestmark = pytest.mark.browser

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PAGES = {"overview": ("", "全市概览"), "map": ("map", "网格地图"), "trends": ("trends", "趋势"),
         "forecast": ("forecast", "预测与实际"), "risk_lists": ("risk-lists", "风险清单"),
         "assessment": ("assessment", "案件考核"), "health": ("health", "数据健康")}
WAIT_S = 90
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'  # deck.gl draws into a canvas inside the chart
# True once the app view is there, no script is running, the page's title is drawn and a table is shown.
RENDERED_JS = """
const q = (s) => Array.from(document.querySelectorAll(s));
if (!q('[data-testid="stAppViewContainer"]').length) return false;
if (q('[data-testid="stStatusWidget"]').some((e) => /Running|运行/.test(e.innerText))) return false;
if (!q('[data-testid="stMain"] h1').some((e) => e.innerText.includes(arguments[0]))) return false;
return q('[data-testid="stDataFrame"]').length > 0;
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_server(lakehouse, tmp_path):
    """The app on 127.0.0.1 in its own process group; stopped by signalling that group."""
    port = _free_port()
    env = {**os.environ, "GRIDWATCH_HOME": str(lakehouse[0]), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    for name in ("GRIDWATCH_SSO_HEADER", "GRIDWATCH_ROLES_FILE", "GRIDWATCH_USER", "GRIDWATCH_BASEMAP"):
        env.pop(name, None)
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "the app did not come up"
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("needs Debian chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1440,1100",
                 "--enable-unsafe-swiftshader", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chrome'}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def _rendered(driver, title: str) -> None:
    """Wait until Streamlit has run the page: app view present, not running, the page title drawn."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_S, poll_frequency=0.5).until(lambda d: d.execute_script(RENDERED_JS, title))


def test_every_page_in_chromium(app_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    shots = Path(os.environ.get("GRIDWATCH_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    for name, (path, title) in PAGES.items():
        browser.get(f"{app_server}/{path}")
        _rendered(browser, title)
        assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]'), name
        if name == "map":
            WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, MAP_CANVAS))
            assert browser.find_elements(By.CSS_SELECTOR, MAP_CANVAS)
            time.sleep(1.0)  # let deck.gl draw one frame before the picture (the assertion above does not wait on it)
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'), name
        out = shots / f"{name}.png"
        browser.save_screenshot(str(out))
        assert out.stat().st_size > 10_000
    browser.get(f"{app_server}/map?lang=en")
    _rendered(browser, "Grid map")
    browser.save_screenshot(str(shots / "map_en.png"))
    print(f"screenshots: {shots}")
