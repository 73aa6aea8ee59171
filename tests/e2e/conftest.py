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
    page.goto("about:blank")  # leaving fires the steps' autosave (a keepalive POST) now
    context.close()
    _wait_for_the_live_server_to_finish()


def _wait_for_the_live_server_to_finish(seconds=10.0):
    """Wait until no other connection to the test database is running a query or holding a
    transaction open: a request still being served (an autosave sent as the page closed) would
    otherwise meet the flush after the test and deadlock with its TRUNCATE."""
    import time

    from django.db import connection

    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND state IN ('active', 'idle in transaction')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
