"""Real headless Chromium (Debian's package, installed by tests/services/install.sh), driven by
Playwright. Every page records the requests it made and the errors its console printed."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Without the background-networking switches Chromium tries to reach Google's hosts at start,
# which a closed network refuses (and which would count as requests the page did not make).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Chromium is missing: run tests/services/install.sh (apt: chromium)")
    return path


@dataclass
class PageLog:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def open_file(chromium, path: Path, *, width: int = 1280, height: int = 900):
    """Open a local HTML file in a fresh context; returns (page, log)."""
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log = PageLog()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            log.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: log.console_errors.append(str(error)))
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_selector("html[data-ready=true]", timeout=15_000)
    return page, log


def screenshot(
    page_path: Path,
    image: Path,
    *,
    width: int = 1280,
    height: int = 1900,
    drill: tuple[str, str] | None = None,
) -> None:
    """The top of a page as PNG (used for the README's picture of the demo report), with the
    drill-down of `drill` = (KPI id, dimension) open, so the picture shows one."""
    with browser() as chromium:
        page, _ = open_file(chromium, page_path, width=width, height=height)
        if drill:
            kpi, dimension = drill
            page.locator(f"button.drill[data-drill='{kpi}'][data-dimension='{dimension}']").click()
            page.evaluate("window.scrollTo(0, 0)")  # the click scrolled to the button
        page.screenshot(path=str(image))


if __name__ == "__main__":  # python -m tests.browser PAGE.html IMAGE.png [KPI DIMENSION]
    import sys

    drill = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else None
    # tall enough to show the drill-down of the first customer KPI below the strategy map
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]), drill=drill, height=2500 if drill else 1900)
