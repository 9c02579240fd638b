"""The reports open in a real browser: headless Chromium (Debian's chromium + chromium-driver, via selenium)
loads each kind of report.html (run, compare, sweep, trials) from disk at 1280 x 900: every image loads, the
console has no errors, nothing scrolls sideways, the summary starts on the first screen, a screenshot is not blank."""

from __future__ import annotations

import io
from pathlib import Path

import chromium
import numpy as np
import pytest
from report_fixtures import TINY, make_compare, make_run, make_sweep, make_trials

from sim.report import build_report

selenium = pytest.importorskip("selenium", reason="pip install 'selenium>=4.15' (the project's [test] extra)")
if not chromium.available():
    pytest.skip("headless browser test needs Debian's chromium and chromium-driver: "
                "apt-get install -y chromium chromium-driver", allow_module_level=True)

PAGE_LOAD_SECONDS = 60


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"), page_load_timeout=PAGE_LOAD_SECONDS)
    yield driver
    driver.quit()


KINDS = ("run", "compare", "sweep", "trials")
BUILDERS = {"run": lambda f: make_run(f, size=TINY), "compare": lambda f: make_compare(f, size=TINY),
            "sweep": make_sweep, "trials": make_trials}
WIDTH, HEIGHT = 1280, 900


@pytest.fixture(scope="module", params=KINDS)
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Each kind of report, built from a tiny results folder (2 replicates, few settlers)."""
    kind = request.param
    return kind, build_report(BUILDERS[kind](tmp_path_factory.mktemp("browser") / kind))


def test_report_opens_in_headless_chromium(browser, report: tuple[str, Path]) -> None:
    kind, path = report
    browser.get_log("browser")  # drop anything logged before this page
    browser.get(path.resolve().as_uri())
    # get() can return while the page is still 'interactive' on a loaded machine (seen once in a clean-clone run):
    # wait for the load to finish, up to the page-load timeout, and fail if it does not
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, PAGE_LOAD_SECONDS).until(
        lambda b: b.execute_script("return document.readyState") == "complete",
        message=f"{kind}: the page did not finish loading")
    assert browser.execute_script("return window.innerWidth") == WIDTH
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt]);")
    assert len(images) >= (1 if kind == "trials" else 2)
    for complete, width, height, alt in images:
        assert complete and width > 0 and height > 0, f"{kind}: image not loaded: {alt}"
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    if kind != "trials":
        assert "What this model leaves out" in browser.find_element("tag name", "body").text
    # no horizontal scrolling at 1280 px, and the summary starts on the first screen
    wide = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
    assert wide[0] <= wide[1], f"{kind}: page is {wide[0]} px wide in a {wide[1]} px window"
    top = browser.execute_script("const s = document.getElementById('summary'); "
                                 "return s ? [s.getBoundingClientRect().top, window.innerHeight] : null;")
    assert top is not None, f"{kind}: no section with id 'summary'"
    assert 0 <= top[0] < top[1], f"{kind}: summary starts at {top[0]} px, below the {top[1]} px screen"

    from matplotlib import image

    shot = image.imread(io.BytesIO(browser.get_screenshot_as_png()), format="png")
    grey = shot[..., :3].mean(axis=2)
    assert grey.shape[0] > HEIGHT // 2 and grey.shape[1] > WIDTH // 2
    assert float(np.var(grey)) > 0.005, f"{kind}: the screenshot is blank"
    # and the first figure, scrolled into view, shows a drawn chart (many distinct shades), not an empty box
    browser.execute_script("document.images[0].scrollIntoView();")
    fig = image.imread(io.BytesIO(browser.find_elements("tag name", "img")[0].screenshot_as_png), format="png")
    assert float(np.var(fig[..., :3].mean(axis=2))) > 0.005
    assert len(np.unique((fig[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50
