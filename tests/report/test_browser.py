"""The HTML report in a real browser: Debian's headless chromium, driven over DevTools.

The page must load from disk with no console error, no uncaught exception and no request to
anything but itself (it has to work offline), and show one chart per question. A screenshot
is written and checked to hold a real picture. `make test` installs chromium when missing (as
root); these tests skip, saying why, only where it could not be installed, and fail
under CI.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from sparkify.cli import cli
from sparkify.report import QUESTIONS
from tests.support import prerequisites
from tests.support.browser import Browser


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    """Skip without chromium, saying why; under CI, fail (tests/prerequisites.py)."""
    prerequisites.require_chromium()


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture
def report_html(sample_settings, tmp_path) -> Path:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--html", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_browser_harness_sees_console_errors_and_network(browser, tmp_path):
    """The checks below mean something: a page that errs or fetches is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>x</title><script>console.error('boom');"
                   "undefinedFunction();</script><img src='http://127.0.0.1:9/x.png'>",
                   encoding="utf-8")
    browser.open(bad.as_uri())
    found = "\n".join(browser.problems())
    assert "console.error: boom" in found
    assert "uncaught" in found and "undefinedFunction" in found
    assert "request to http://127.0.0.1:9/x.png" in found


def test_report_opens_offline_without_errors_with_one_chart_per_question(browser, report_html):
    browser.open(report_html.as_uri())
    assert browser.problems() == []
    charts = browser.evaluate("""JSON.stringify([...document.querySelectorAll('section')].map(
        s => [s.dataset.question, s.querySelectorAll('figure.chart').length,
              s.querySelectorAll('figure.chart svg.panel').length,
              Math.round(s.querySelector('figure.chart').getBoundingClientRect().height)]))""")
    sections = json.loads(charts)
    assert [s[0] for s in sections] == [str(n) for n in QUESTIONS]
    for question, figures, panels, height in sections:
        assert figures == 1, f"question {question} has {figures} charts"
        assert panels >= 1 and height > 50, f"question {question}'s chart is empty"
    # bars are drawn to scale: the top song's bar is the longest of its panel
    widths = json.loads(browser.evaluate("""JSON.stringify([...document.querySelector(
        '#q1 svg.panel').querySelectorAll('g.bar rect')].map(r => r.getBBox().width))"""))
    assert len(widths) == 10 and widths[0] == max(widths) and widths[-1] < widths[0]
    assert "Genre is not in the source data" in browser.evaluate("document.body.innerText")


def test_report_screenshot_is_a_real_picture(browser, report_html, tmp_path):
    browser.open(report_html.as_uri())
    png = tmp_path / "report.png"
    browser.screenshot(png)
    keep = os.environ.get("SPARKIFY_SCREENSHOT_DIR")
    if keep:
        shutil.copy(png, Path(keep) / "report.png")
    with Image.open(png) as image:
        assert image.size == (1200, 900)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, bars and axes, not a blank page
    most_common = max(colours)[0] / (1200 * 900)
    assert most_common < 0.97, "the screenshot is nearly one colour"
