"""Browser tests: Playwright driving the system Chromium against pytest-django's live server.

No browser is ever downloaded. Where /usr/bin/chromium is missing these tests skip with the
reason, except under CI (CI=true), where a missing browser is a failure: .ci/run installs it.
"""

import os
from pathlib import Path

import pytest

from tests.support import reload_reference_data

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM then refuses to run
# unless told this is deliberate (see DESIGN.md, "Pitfalls").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the browser tests)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db):
    # The live server speaks plain HTTP on localhost, which Chromium counts as a secure context:
    # it keeps the production cookies (Secure, named __Host-sessionid and __Host-csrftoken).
    reload_reference_data()  # flushed after the previous browser test
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
