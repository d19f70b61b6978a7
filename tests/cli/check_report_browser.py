#!/usr/bin/env python3
"""Checks a `leadscore report` page as a browser renders it: Debian's chromium in headless mode, driven through
chromium-driver by python3-selenium. Takes a screenshot of the whole page; requires, in a window as wide as a phone's
and in one as wide as a desktop's, every chart drawn with a non-zero size and no text cut off at its edges, no
sideways scrolling of the page and a margin around the text; requires no console error; and compares the numbers
the page displays with those `evaluate` and `funnel` print (report_checks.py).

usage: check_report_browser.py REPORT.html SCREENSHOT.png [--evaluate EVALUATE.txt] [--funnel FUNNEL.txt]

Exit status 0: passed; 1: failed; 77: no browser could be started outside CI (the reason is printed; ctest shows
the test as skipped). In CI (the environment variable CI set and not empty) a browser that does not start fails.
"""
import argparse
import os
import shutil
import sys
import time

import report_checks as rc

SKIP = 77
DEBIAN_PYTHON = "/usr/bin/python3"  # python3-selenium installs the module for Debian's interpreter


def unavailable(reason):
    """Fails in CI, skips elsewhere; either way says why."""
    if os.environ.get("CI"):
        print(f"FAIL: browser check: {reason} (CI is set: a browser is required)", file=sys.stderr)
        return 1
    print(f"SKIP: browser check: {reason}")
    return SKIP


def import_selenium():
    try:
        from selenium import webdriver  # noqa: F401
        return None
    except ImportError as e:
        # Another interpreter first on PATH (a virtual environment, pyenv) lacks Debian's module: run under Debian's.
        if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.access(DEBIAN_PYTHON, os.X_OK):
            os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
        return f"python3-selenium is not installed ({e})"


def start_browser():
    """(driver, None) or (None, the reason it did not start)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not browser or not driver_path:
        return None, "chromium and chromium-driver are not installed"
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    # No network, extensions or background services: the page is a local file, and they only slow the start.
    for arg in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--window-size=1280,900", "--force-device-scale-factor=1", "--lang=en-US", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-default-apps", "--disable-sync", "--no-default-browser-check"):
        options.add_argument(arg)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # chromium refuses to run its sandbox as root
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options), None
    except Exception as e:  # the driver reports every failure to start as some WebDriverException
        return None, f"chromium did not start: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}"


# The page as report_checks sees it, read from the rendered DOM: displayed text (innerText), not the source.
READ_PAGE = """
const text = el => el ? el.innerText.trim() : '';
const facts = {};
for (const div of document.querySelectorAll('dl.summary > div'))
  facts[div.dataset.fact] = text(div.querySelector('dd .value'));
const tables = {};
for (const t of document.querySelectorAll('table'))
  tables[t.id] = {header: [...t.tHead.rows[0].cells].map(text),
                  rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(text))};
const bars = {};
for (const f of document.querySelectorAll('figure'))
  bars[f.id] = [...f.querySelectorAll('rect > title')].map(t => t.textContent);
return {facts: facts, tables: tables, bars: bars};
"""

# Every chart's drawn box and name, every bar's drawn width; the page's widths; the header's left margin.
READ_LAYOUT = """
const charts = [...document.querySelectorAll('figure svg')].map(svg => {
  const r = svg.getBoundingClientRect();
  // Texts the chart's edges cut off (a label longer than the room left for it).
  const cut = [...svg.querySelectorAll('text')].filter(t => {
    const b = t.getBoundingClientRect();
    return b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1;
  }).map(t => t.textContent);
  return {id: svg.parentElement.id, name: svg.getAttribute('aria-label'), width: r.width, height: r.height,
          right: r.right, bars: [...svg.querySelectorAll('rect')].map(b => b.getBoundingClientRect().width), cut: cut};
});
const doc = document.documentElement;
return {charts: charts, scroll_width: doc.scrollWidth, client_width: doc.clientWidth,
        height: Math.ceil(doc.scrollHeight), left: document.querySelector('h1').getBoundingClientRect().left};
"""


def check_layout(layout, check):
    check(len(layout["charts"]) > 0, "no chart drawn")
    for c in layout["charts"]:
        check(c["width"] > 0 and c["height"] > 0, f"chart {c['id']} drawn {c['width']} x {c['height']}")
        check(bool(c["name"]), f"chart {c['id']} has no accessible name")
        check(c["right"] <= layout["client_width"] + 0.5, f"chart {c['id']} runs past the window ({c['right']})")
        check(not c["bars"] or max(c["bars"]) > 0, f"chart {c['id']}: no bar drawn")
        check(not c["cut"], f"chart {c['id']}: texts cut off at its edges: {c['cut'][:3]}")
    check(layout["scroll_width"] <= layout["client_width"],
          f"the page scrolls sideways in a window {layout['client_width']} px wide")
    check(layout["left"] >= 16, f"the text starts {layout['left']} px from the window's edge")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("screenshot")
    ap.add_argument("--evaluate")
    ap.add_argument("--funnel")
    a = ap.parse_args()
    reason = import_selenium()
    if reason:
        return unavailable(reason)
    started = time.monotonic()
    driver, reason = start_browser()
    if driver is None:
        return unavailable(reason)
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    try:
        driver.get("file://" + os.path.abspath(a.report))
        # A phone's width first (charts shrink, wide tables scroll in their own box), then a desktop's.
        driver.set_window_size(480, 900)
        check_layout(driver.execute_script(READ_LAYOUT), check)
        driver.set_window_size(1280, 900)
        layout = driver.execute_script(READ_LAYOUT)
        check_layout(layout, check)
        # The whole page in one picture: a window as tall as the page.
        driver.set_window_size(1280, max(900, layout["height"]))
        check(driver.save_screenshot(a.screenshot), f"no screenshot written to {a.screenshot}")
        page = driver.execute_script(READ_PAGE)
        ev = rc.evaluate_numbers(a.evaluate) if a.evaluate else None
        fu = rc.funnel_numbers(a.funnel) if a.funnel else None
        rc.check_page(page, ev, fu, check)
        for entry in driver.get_log("browser"):
            check(entry.get("level") not in ("SEVERE", "ERROR"), f"console: {entry.get('message')}")
    finally:
        driver.quit()
    print(f"browser check: {len(layout['charts'])} charts, {len(page['tables'])} tables, "
          f"{time.monotonic() - started:.1f} s in the browser; screenshot {a.screenshot}")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
