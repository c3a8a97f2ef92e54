#!/usr/bin/python3
"""The page of scripts/plot.py html, opened in headless Chromium (Debian's chromium,
chromium-driver and python3-selenium: scripts/bootstrap --test-tools) and checked as rendered:
the answer table within the first screen (1366x768), every section of the contents present,
visible and scrolled to by its link, every chart drawn with a non-zero size, every point's hover
text present, and no console errors. Three pages: the fixture report alone (workloads and
primitives), one shaped like a default run (14 workloads: the answer must still fit the first
screen), and BASE against NEW with their history (comparison, strip plots, history).

Usage: page_browser_check.py PLOT_PY EXECBENCH_REPORT DATA_DIR WORK_DIR
       page_browser_check.py --screenshot PNG REPORT [EXECBENCH_REPORT]
         the first screen of REPORT's page as PNG (README's reports/examples/page.png)

Fails (not skips) when Chromium or its driver is missing, with one line saying what to install:
scripts/test installs them."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PLOT = os.path.join(HERE, "..", "..", "scripts", "plot.py")
WIDTH, HEIGHT = 1366, 768


def browser():
    """A headless Chromium via chromedriver, with a fresh profile and no network of its own."""
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    missing = [name for name, path in (("chromium", chromium), ("chromium-driver", driver_path))
               if not path or not os.path.exists(path)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("python3-selenium")
    if missing:
        sys.exit(f"page_browser_check: {', '.join(missing)} missing: install with "
                 "scripts/bootstrap --test-tools (Debian: chromium chromium-driver python3-selenium)")
    profile = tempfile.mkdtemp(prefix="execbench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                     f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    # --window-size sizes the window; make the viewport itself 1366x768.
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * WIDTH - inner[0], 2 * HEIGHT - inner[1])
    return driver, profile


def make_page(out, *args):
    result = subprocess.run(["/usr/bin/python3", PLOT, "html", *args, "-o", out],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"page_browser_check: plot.py html {' '.join(args)}: {result.stderr.strip()}")
    return os.path.join(out, "report.html")


def screenshot(png, report, binary=None):
    out = tempfile.mkdtemp(prefix="execbench-page-")
    page = make_page(out, report, *(["--report-bin", binary] if binary else []))
    driver, profile = browser()
    try:
        driver.get("file://" + os.path.abspath(page))
        driver.save_screenshot(png)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    print(png)


def check_page(driver, page, what, check):
    driver.get("file://" + page)
    size = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    check(size == [WIDTH, HEIGHT], f"{what}: viewport {WIDTH}x{HEIGHT} ({size})")
    rect = driver.execute_script(
        "const r = document.getElementById('answer-table').getBoundingClientRect();"
        "return [r.top, r.bottom, r.height];")
    check(rect[2] > 0 and rect[0] >= 0 and rect[1] <= HEIGHT,
          f"{what}: the answer table lies within the first screen (top {rect[0]:.0f}, bottom "
          f"{rect[1]:.0f} of {HEIGHT} px)")
    links = driver.execute_script(
        "return [...document.querySelectorAll('nav#contents a')].map(a => a.getAttribute('href'))")
    check(len(links) >= 3, f"{what}: contents with its links ({len(links)})")
    for href in links:
        anchor = href.removeprefix("#")
        found = driver.execute_script(
            "const e = document.getElementById(arguments[0]); if (!e) return null;"
            "const r = e.getBoundingClientRect(); return [r.width, r.height];", anchor)
        check(found is not None and found[0] > 0 and found[1] > 0,
              f"{what}: section #{anchor} exists and is visible ({found})")
        if found is None:
            continue
        driver.find_element("css selector", f"nav#contents a[href='{href}']").click()
        top = driver.execute_script(
            "return document.getElementById(arguments[0]).getBoundingClientRect().top", anchor)
        bottom_of_page = driver.execute_script(
            "return window.innerHeight + window.scrollY >= document.body.scrollHeight - 2")
        check(abs(top) < 2 or (bottom_of_page and 0 <= top < HEIGHT),
              f"{what}: its link scrolls to #{anchor} (top {top:.0f})")
        driver.execute_script("window.scrollTo(0, 0)")
    charts = driver.execute_script(
        "return [...document.querySelectorAll('svg.chart')].map(s => {"
        "const r = s.getBoundingClientRect(); return [s.getAttribute('aria-label'), r.width, r.height]; })")
    check(len(charts) >= 2, f"{what}: charts on the page ({len(charts)})")
    for label, width, height in charts:
        check(width > 100 and height > 50, f"{what}: chart '{label}' drawn ({width:.0f}x{height:.0f})")
    hover = driver.execute_script(
        "return [document.querySelectorAll('svg.chart g[id] > title').length,"
        " document.querySelectorAll('svg.chart text').length]")
    check(hover[0] > 0 and hover[1] > 0, f"{what}: points carry hover titles ({hover[0]}), text is "
                                         f"text ({hover[1]} <text>)")
    errors = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]
    check(not errors, f"{what}: no console errors ({[e.get('message') for e in errors][:3]})")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--screenshot":
        screenshot(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
        return
    sys.path.insert(0, HERE)
    from checks_common import arguments, check, finish
    plot, binary, data, work = arguments(4)
    global PLOT
    PLOT = plot
    from checks_common import write_default_like_report
    driver, profile = browser()  # first: a missing browser fails at once
    single = make_page(os.path.join(work, "single"), os.path.join(data, "report.json"),
                       "--report-bin", binary)
    default_like = make_page(os.path.join(work, "default_like"), write_default_like_report(
        data, os.path.join(work, "default_like.json")), "--report-bin", binary)
    compared = make_page(os.path.join(work, "compared"), os.path.join(data, "base.json"),
                         os.path.join(data, "new.json"), "--history", os.path.join(data, "base.json"),
                         "--report-bin", binary)
    try:
        check_page(driver, single, "report.json", check)
        check_page(driver, default_like, "a default run's shape (14 workloads)", check)
        check_page(driver, compared, "base.json new.json --history", check)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
