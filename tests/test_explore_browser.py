"""The explorer in a real browser: headless Chromium opens ``resettle explore`` (tiny sizes), moves the mentorship
coverage slider and sees the effect on "no one to ask for help when sick" change; nothing comes from the internet."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import chromium
import matplotlib.pyplot as plt
import pytest

selenium = pytest.importorskip("selenium", reason="pip install 'selenium>=4.15' (the project's [test] extra)")
pytest.importorskip("solara", reason="resettle explore needs solara")
if not chromium.available():
    pytest.skip("headless browser test needs Debian's chromium and chromium-driver", allow_module_level=True)

from selenium.webdriver.common.keys import Keys  # noqa: E402

from sim import indicators  # noqa: E402
from sim.declare import LEVER_GROUPS  # noqa: E402
from sim.explore.update import Settings, update  # noqa: E402
from sim.params import PARAM_BY_NAME, POLICY_NAMES  # noqa: E402
from sim.report.text import effects_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=1280,900")
WAIT_S = 120
INDICATOR = "no one to ask for help when sick"
# 3 replicates: with 2 the t interval has 1 degree of freedom (t = 12.7), so whether a -20-point effect on help
# when sick "excludes zero" depended on which two replicates came out (it stopped doing so when the credit and
# family mechanisms changed the trajectories)
SIZES = dict(settlers=200, months=12, replicates=3)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    log = tmp_path_factory.mktemp("explore") / "server.log"
    with open(log, "w") as out:
        child = subprocess.Popen([sys.executable, "-m", "sim", "explore", "--port", str(port),
                                  *(a for k, v in SIZES.items() for a in (f"--{k}", str(v)))],
                                 cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/", log
    child.terminate()  # explore ends its solara server too
    child.wait(timeout=30)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the server on port {port} outlived resettle explore")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    # scrollbars shown, so a sideways scroll is seen
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"), page_load_timeout=WAIT_S, flags=FLAGS)
    yield driver
    driver.quit()


def effect_line(driver) -> str | None:
    """The headline-effects line about the indicator, once the page says it is up to date."""
    body = driver.find_element("tag name", "body").text
    if "up to date" not in body:
        return None
    # the full list's line ("... — verdict"), not the clear-effects one
    lines = [ln for ln in body.splitlines() if ln.startswith(INDICATOR) and " — " in ln]
    return lines[0] if lines else None


def wait_for(driver, condition, what: str):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = condition(driver)
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {driver.find_element('tag name', 'body').text[-2000:]}")


def expected_line(levers: dict[str, float]) -> str:
    """The line the page should show for ``levers``: the same update, run here (same sizes and seed)."""
    answer = update(Settings(ROOT / "scenarios" / "baseline.yaml", levers, **SIZES))
    rows = effects_table(answer.table[answer.table.horizon == max(answer.horizons)], indicators.HEADLINE, "all")
    row = rows[rows.indicator == "no_one_to_ask_when_sick"].iloc[0]
    return f"{row.sentence} — {row.verdict}"


def assert_no_sideways_scroll(driver) -> None:
    """document.documentElement.scrollWidth <= window.innerWidth at 1280 px; the offending elements in the message."""
    width, inner, wide, inner_scroll = driver.execute_script(
        "const out = e => e.getBoundingClientRect().right > window.innerWidth + 1;"
        "const all = Array.from(document.querySelectorAll('body *'));"
        "const name = e => e.tagName + '.' + e.className + '[' + (e.getAttribute('style') || '') + '] '"
        " + e.scrollWidth + '>' + e.clientWidth;"
        "return [document.documentElement.scrollWidth, window.innerWidth, all.filter(out).slice(0, 8).map(name),"
        "all.filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'hidden'"
        " && getComputedStyle(e).overflowX !== 'visible').slice(0, 8).map(name)]")
    assert width <= inner, (width, inner, wide)
    assert inner_scroll == []  # nor any part of it (the app's own scrolling container included)


def test_moving_mentorship_changes_the_effect_on_help_when_sick(server, browser, tmp_path):
    url, log = server
    browser.get(url)
    before = wait_for(browser, effect_line, "the first update")
    assert "+0.0 points" in before  # no lever moved yet: the variant is the base
    assert_no_sideways_scroll(browser)
    order = [n for g in (*LEVER_GROUPS, "") for n in POLICY_NAMES if PARAM_BY_NAME[n].group == g]
    thumbs = browser.find_elements("css selector", ".v-slider-thumb")
    assert len(thumbs) >= len(order)
    thumbs[order.index("mentorship_coverage")].send_keys(Keys.END)  # the slider to its top: everyone paired
    after = wait_for(browser, lambda d: (line := effect_line(d)) and line != before and line, "the update")
    assert "lower (CI excludes zero)" in after, after
    assert after == expected_line({"mentorship_coverage": PARAM_BY_NAME["mentorship_coverage"].high})
    browser.find_element("xpath", "//button[contains(., 'Run the full compare')]").click()
    report = wait_for(browser, lambda d: [ln for ln in d.find_element("tag name", "body").text.splitlines()
                                          if ln.startswith("report: ")], "the full compare's report")
    assert Path(ROOT, report[0].removeprefix("report: ")).resolve().is_relative_to(ROOT / "results" / "explore")
    assert_no_sideways_scroll(browser)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    shot = tmp_path / "explore.png"
    browser.save_screenshot(str(shot))
    pixels = plt.imread(shot)[..., :3]
    assert pixels.std() > 0.01, "the screenshot is blank"
    assert "Could not load URL" not in log.read_text()  # every asset served from the local package
