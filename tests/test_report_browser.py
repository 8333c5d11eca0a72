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
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import prerequisites
import pytest
import websocket  # websocket-client (dev extra)
from click.testing import CliRunner
from PIL import Image

from sparkify.cli import cli
from sparkify.report import QUESTIONS

CHROMIUM = str(prerequisites.CHROMIUM)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-port=0", "--window-size=1200,900")


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    """Skip without chromium, saying why; under CI, fail (tests/prerequisites.py)."""
    prerequisites.require_chromium()


pytestmark = pytest.mark.slow


class Browser:
    """One headless chromium and one page, spoken to over the DevTools protocol."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="sparkify-chromium-")
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}",
                                      "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            targets = json.load(reply)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1200, height=900,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event (and a moment for late errors)."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish loading")
            self.events.append(json.loads(self.ws.recv()))
        self.evaluate("new Promise(r => setTimeout(r, 200))")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        return result.get("result", {}).get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and requests that left the page."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append("uncaught: " + params["exceptionDetails"].get("text", "")
                             + " " + str(params["exceptionDetails"].get("exception", {})
                                         .get("description", "")))
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning",
                                                                                "assert"):
                found.append(f"console.{params['type']}: "
                             + " ".join(str(a.get("value", a.get("description")))
                                        for a in params["args"]))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"request to {url}")
            elif method == "Network.loadingFailed":
                found.append(f"failed load: {params.get('errorText')}")
        return found

    def screenshot(self, path: Path) -> None:
        import base64

        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


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
