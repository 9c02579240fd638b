"""`resettle demo`: the 2005 cut really compares cash grants; the index page links both reports."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim.demo import INDEX, QUESTIONS, run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, progress=False, replicates=2, population=300, months=12)
    return out


def _differs_table(html: str, other: str, base: str) -> pd.DataFrame:
    """The report's 'what differs from the base' table, read back from the HTML."""
    section = html.split(f"<h3>{other}: what differs from {base}</h3>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", section, flags=re.S)
    return pd.DataFrame(rows, columns=["parameter", base, other]).set_index("parameter")


def test_the_grant_cut_question_compares_cash_grants(demo: Path) -> None:
    html = (demo / "grant-cut-2005" / "report.html").read_text(encoding="utf-8")
    table = _differs_table(html, "grant_cut", "package_2004")
    grant = table.loc["cash_grant_million_krw"]
    assert float(grant["package_2004"]) == 28 and float(grant["grant_cut"]) == 10


def test_the_index_links_every_question_and_scenario(demo: Path) -> None:
    index = (demo / INDEX).read_text(encoding="utf-8")
    for q in QUESTIONS:
        assert f'href="{q.folder}/report.html"' in index
        assert (demo / q.folder / "report.html").is_file()
        for name in q.scenarios[1:]:
            assert f"<b>{name}</b> against <b>{q.scenarios[0]}</b>" in index
    compared = pd.read_csv(demo / "programmes" / "comparison.csv")
    assert set(compared.scenario) >= {"mentorship", "counselling", "vocational_training"}
