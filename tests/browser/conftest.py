"""Pages and file links opened as people open them: Debian's Chromium, driven by Playwright, against the
three services as real processes."""

import os
import pathlib

import pytest

from support.stacks import UNLIMITED_RATES, running_stack, stack_config

CHROMIUM = os.environ.get("FU_TEST_CHROMIUM", "/usr/bin/chromium")
# Root needs --no-sandbox; the rest keeps Chromium from calling home (updates, sync, safe browsing),
# which on a machine without internet only makes noise.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Module-scoped, not session-scoped: Playwright's sync API keeps an event loop running in this thread
# while it is open, and every asyncio.run after it (a test's database set-up) would fail. Under
# pytest-xdist a worker goes on to other tests after a browser module; this also keeps each browser
# module on one worker (conftest.py).
@pytest.fixture(scope="module")
def chromium():
    if not pathlib.Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set FU_TEST_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(stack, chromium):
    # The stack first: Playwright's sync API runs an event loop in this thread, and the stack's
    # database set-up and tear-down (asyncio.run) cannot run inside it.
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, postgres_server):
    config = stack_config(tmp_path_factory.mktemp("browser-stack"), postgres_server, **UNLIMITED_RATES)
    with running_stack(config, postgres_server) as running:
        yield running


@pytest.fixture
def base_url(stack) -> str:
    return stack.gateway_url
