"""Two replicas behind HAProxy (Debian's package, run with deploy/haproxy.cfg as shipped): a
reader sticks to one replica; when it dies, new readers go to the other, and the open page
carries on there with a clear message, never a blank page."""

from __future__ import annotations

import os
import signal
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from carejsna import publish, serve
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import choose, chosen, legend, no_exception, wait_for_app

pytestmark = pytest.mark.browser
COOKIE = "CAREJSNA_REPLICA"  # the balancer's cookie naming a reader's replica


@pytest.fixture(scope="module")
def cluster(app_data, tmp_path_factory):
    """A published folder, two public replicas and HAProxy in front (serve.balanced): yields
    the balancer's URL, the replicas by name and HAProxy's log."""
    if serve.haproxy() is None:
        if os.environ.get("CI"):
            pytest.fail("haproxy is missing: tests/run.sh installs it (apt-get install haproxy)")
        pytest.skip("haproxy is not installed: `apt-get install -y haproxy` (tests/run.sh does)")
    folder = tmp_path_factory.mktemp("cluster") / "board"
    publish.publish(app_data, folder)
    with serve.balanced(folder, folder.parent) as (url, replicas):
        yield url, replicas, folder.parent / "haproxy.log"


def replica_of(page: Page) -> str:
    """The replica the balancer gave this reader (its cookie)."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies[COOKIE]


def opened(browser: Browser, url: str) -> Page:
    """A new reader (a context of its own: no cookie yet) on the page at `url`."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.goto(url)
    wait_for_app(page, page.get_by_role("heading", name="Children in care", exact=True))
    no_exception(page)
    return page


def test_a_replica_dies_new_readers_go_to_the_other_and_the_open_page_carries_on(
    browser: Browser, cluster
):
    url, replicas, log = cluster
    link = f"{url}/Children_in_care?district=E07000174"  # Mansfield
    reader = opened(browser, link)
    expect(legend(reader)).to_have_text(["Mansfield", "Nottinghamshire"])
    first = replica_of(reader)
    assert first in replicas
    # Round robin: the next reader goes to the other replica; each keeps its own.
    other_reader = opened(browser, link)
    assert replica_of(other_reader) != first
    other_reader.context.close()

    with reader.expect_websocket():  # the page reconnects (through the balancer)
        replicas[first].stop(signal.SIGKILL)  # as if its machine died, mid-session
    survivor = next(name for name in replicas if name != first)

    # The open page is never blank: what it showed stays while it reconnects.
    expect(reader.get_by_role("heading", name="Children in care", exact=True)).to_be_visible()
    expect(legend(reader)).to_have_text(["Mansfield", "Nottinghamshire"])
    # The reader carries on: the change goes to the other replica, which says what happened
    # and keeps the filters the page had, with the change.
    expect(reader.get_by_role("combobox", name="District", exact=True)).to_be_enabled()
    choose(reader, "District", "Ashfield")
    notice = reader.get_by_test_id("stAlert").filter(has_text="The explorer reconnected")
    wait_for_app(reader, notice, legend(reader).filter(has_text="Ashfield"))
    expect(notice).to_contain_text("your filters are as they were")
    expect(legend(reader)).to_have_text(["Mansfield", "Ashfield", "Nottinghamshire"])
    assert chosen(reader, "District") == ["Mansfield", "Ashfield"]
    no_exception(reader)
    assert replica_of(reader) == survivor
    expect(reader).to_have_url(f"{url}/Children_in_care?district=E07000174&district=E07000170")

    # HAProxy's health check takes the dead replica out ...
    deadline = time.monotonic() + 30
    while f"Server replicas/{first} is DOWN" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.5)
    # ... and every new reader goes to the survivor, with no notice: a fresh page.
    for _ in range(3):
        newcomer = opened(browser, link)
        assert replica_of(newcomer) == survivor
        expect(newcomer.get_by_text("The explorer reconnected")).to_have_count(0)
        newcomer.context.close()
    reader.context.close()
