"""Headless Chromium for the browser tests (Debian's chromium + chromium-driver, driven by selenium)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--window-size=1280,900")


def available() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def start(profile: Path, page_load_timeout: float, flags: tuple[str, ...] = FLAGS):
    """A headless Chromium at 1280 x 900 with its console log kept; ``profile``: an empty folder of its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in flags:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER), log_output=os.devnull))
    driver.set_page_load_timeout(page_load_timeout)
    return driver
