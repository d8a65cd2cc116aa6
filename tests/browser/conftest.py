"""Real-browser fixtures: a real archive in a temp folder, `manage.py serve` on a free port, and
Debian's Chromium driven by Playwright (never a downloaded browser).

The archive holds the seed article, one Reuters-21578 SGML file and a handful of real saved
web pages from the shared data (copied into the temp corpus). Without the shared data only the
seed is indexed, and the tests that need more say so and skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.server import ServedArchive

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "corpus" / "000_63e57cd8b9eaabc8.txt"
README_SCREENSHOTS = REPO / "docs" / "screenshots"
# Set to 1 to refresh the README's pictures in docs/screenshots; otherwise the screenshot
# tests write into their temp folder and a test run leaves the checkout as it was.
REFRESH_SCREENSHOTS = "MORGUE_REFRESH_SCREENSHOTS"
REUTERS_FILE = "reut2-000.sgm"
EXTRACTION_PAGES = 5
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shared_root() -> Path:
    return Path(os.environ.get("MORGUE_SHARED") or Path(__file__).resolve().parents[3] / "shared")


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _manage(corpus: Path, index: Path, *args: str, timeout: float = 300) -> None:
    done = subprocess.run([sys.executable, "manage.py", "--corpus", str(corpus), "--index",
                           str(index), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr


class Server(ServedArchive):
    """`python manage.py serve` as a subprocess, answering when constructed; `stop()` ends it."""

    def __init__(self, corpus: Path, index: Path, log: Path, *options: str):
        super().__init__(corpus, index, *options, log=log)
        for _attempt in range(3):  # a free port can be taken by another process before we bind
            if self.start():
                return
            if "address already in use" not in self.log_text().lower():
                pytest.fail(f"server exited: {self.log_text()}")
        pytest.fail(f"server could not find a free port: {self.log_text()}")

    def json(self, path: str) -> dict:
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.loads(r.read())


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium not found (/usr/bin/chromium or `chromium` on PATH): "
                    "install Debian's package with `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="session")
def site(chromium, tmp_path_factory):
    """A served archive: the seed, plus Reuters and real web pages when the shared data is here."""
    base = tmp_path_factory.mktemp("browser-archive")
    corpus, index = base / "corpus", base / "index"
    corpus.mkdir()
    shutil.copy2(SEED, corpus / SEED.name)
    shared = shared_root()
    reuters = shared / "data" / "reuters21578" / REUTERS_FILE
    pages = sorted((shared / "data" / "extraction" / "html").glob("*.html.gz"))[:EXTRACTION_PAGES]
    has_shared = reuters.is_file() and len(pages) == EXTRACTION_PAGES
    if has_shared:
        shutil.copyfile(reuters, corpus / REUTERS_FILE)
        for page in pages:
            shutil.copyfile(page, corpus / page.name)
    _manage(corpus, index, "reindex", "--workers", "2")
    server = Server(corpus, index, base / "server.log")
    yield SimpleNamespace(base=server.base, json=server.json, has_shared=has_shared,
                          shared=shared, corpus=corpus, tmp=base)
    server.stop()


@pytest.fixture(scope="session")
def empty_site(chromium, tmp_path_factory):
    """A server over an empty corpus and no index yet (`serve --no-build`)."""
    base = tmp_path_factory.mktemp("browser-empty")
    (base / "corpus").mkdir()
    (base / "index").mkdir()
    server = Server(base / "corpus", base / "index", base / "server.log", "--no-build")
    yield SimpleNamespace(base=server.base, corpus=base / "corpus", index=base / "index",
                          manage=lambda *args: _manage(base / "corpus", base / "index", *args))
    server.stop()


def refreshing_screenshots() -> bool:
    return os.environ.get(REFRESH_SCREENSHOTS, "") not in ("", "0")


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """The folder screenshots go to: a temp folder, or docs/screenshots on demand."""
    if refreshing_screenshots():
        return README_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def needs_shared(site):
    if not site.has_shared:
        pytest.skip(f"shared data not found under {site.shared} (set MORGUE_SHARED): "
                    "Reuters-21578 and the extraction pages are needed for this walk-through")


def _page(chromium, viewport, **options):
    context = chromium.new_context(viewport=viewport, accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    return context, page


@pytest.fixture
def desktop(chromium):
    context, page = _page(chromium, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone(chromium):
    context, page = _page(chromium, PHONE, is_mobile=True, has_touch=True,
                          device_scale_factor=1)
    yield page
    context.close()


@pytest.fixture
def no_js(chromium):
    context, page = _page(chromium, DESKTOP, java_script_enabled=False)
    yield page
    context.close()
