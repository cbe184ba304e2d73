"""The classroom end to end, in a real headless browser: Debian's chromium driven by chromium-driver
through selenium (never a browser download). The page is xterm.js drawing on a canvas, so the test reads
the app's state from the status file the served app keeps (BACKPROP_TUI_STATUS)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.serve.helpers import Served

pytestmark = pytest.mark.real_referee

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,800")


@pytest.fixture
def browser(tmp_path: Path):
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y --no-install-recommends "
                    "chromium chromium-driver; .ci/run installs them where apt can)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extras")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(read: Callable[[], dict | None], test: Callable[[dict], bool], what: str, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = read()
        if last is not None and test(last):
            return last
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout:g} s for {what}; the app's last status: {last}")


def test_a_learner_steps_through_the_chain_in_the_browser(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    folder = tmp_path / "class"
    folder.mkdir()
    status_file = tmp_path / "status.json"

    def status() -> dict | None:
        try:
            return json.loads(status_file.read_text())
        except (OSError, ValueError):
            return None

    served = Served("--files", str(folder), "--max-sessions", "2", env={"BACKPROP_TUI_STATUS": str(status_file)})
    try:
        browser.get(served.url)
        assert browser.title == "backprop-tui"
        first = wait_for(status, lambda s: s["steps"] == 20 and s["torch"].startswith("✓"),
                         "the seed chain, checked by the shared referee")
        assert (first["screen"], first["step"], first["torch"]) == ("ChainScreen", 0, "✓ torch agrees on all 20 steps")

        # the keyboard goes to the terminal's input element (xterm.js), as a learner's typing does
        terminal = browser.find_element(By.CSS_SELECTOR, "#terminal textarea.xterm-helper-textarea")
        browser.execute_script("arguments[0].focus()", terminal)
        keys = ActionChains(browser)
        keys.send_keys("nnn").perform()
        wait_for(status, lambda s: s["step"] == 3, "step 3 after n, n, n")
        keys.send_keys("f").perform()  # finish the forward pass: the 7 values of the chain
        wait_for(status, lambda s: s["step"] == 7, "the end of the forward pass")

        keys.send_keys("o").perform()  # a host file outside the class folder: refused inline
        wait_for(status, lambda s: s["screen"] == "PromptDialog", "the open dialog")
        keys.send_keys("/etc/passwd", Keys.ENTER).perform()
        refused = wait_for(status, lambda s: s["screen"] == "ChainScreen" and s["error"], "the refusal")
        assert refused["error"] == ("cannot open /etc/passwd: absolute paths are refused here; name a file inside "
                                    "the class folder, such as chain.bp")

        keys.send_keys("s").perform()  # a name inside the folder: saved there
        wait_for(status, lambda s: s["screen"] == "PromptDialog", "the save dialog")
        keys.send_keys("mine.bp", Keys.ENTER).perform()
        deadline = time.monotonic() + 30
        while not (folder / "mine.bp").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "y2 = y1*w2 + b2" in (folder / "mine.bp").read_text()
    finally:
        served.stop()
    assert "a tab opened: 1 of 2 seats taken" in served.output
