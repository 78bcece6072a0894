"""The explorer in a real browser: headless Chromium (Debian's package, installed here when missing)
driven by Playwright, against uvicorn on a loopback port.  Follows links datasets → dataset → epoch →
contributor, checks the numbers against the claims and payouts files, saves a screenshot of each
page (into the test's tmp dir and /tmp/explorer-shots/), and loads the pages again with JavaScript off.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from attrib.explorer.app import Explorer, create_app

SHOTS = "/tmp/explorer-shots"


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for steps in ([["apt-get", "install", "-y", "-q", "chromium"]],
                      [["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]]):
            for step in steps:                                   # the package lists may be missing: update, retry
                subprocess.run(step, check=False, capture_output=True, timeout=900, env=env)
            path = shutil.which("chromium")
            if path:
                break
    if path is None:
        pytest.skip("no chromium: Debian's package could not be installed here (apt-get install chromium, as root)")
    return path


@pytest.fixture(scope="module")
def server(data_dir, tmp_path_factory):
    """The explorer under uvicorn in a thread; yields its base URL."""
    import uvicorn

    root, expected = data_dir
    ex = Explorer(root, tmp_path_factory.mktemp("cache") / "cache.sqlite", expected["srs_digest"], refresh_s=0,
                  verify_in_process_pool=False)
    ex.refresh_once()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(ex), log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def shot(page, tmp_path, name):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    os.makedirs(SHOTS, exist_ok=True)
    shutil.copy(path, os.path.join(SHOTS, f"{name}.png"))
    assert path.stat().st_size > 1000


def values(page, selector):
    return [int(v) for v in page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.value)")]


def test_follow_links(server, browser, data_dir, tmp_path):
    _, expected = data_dir
    epoch = expected["epochs"][1]
    manifest = expected["manifest"]
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server + "/")
    assert page.locator("#datasets").is_visible()
    shot(page, tmp_path, "1-datasets")
    page.click("a.dataset-link:text-is('tiny')")
    page.wait_for_url(f"**/datasets/{expected['digest']}")
    assert page.inner_text("#manifest-digest") == expected["digest"]
    assert page.locator("#registration-status [data-status=verified]").count() == 1
    claims = [e["claim"] for e in expected["epochs"]] + [expected["forged"]["claim"]]
    assert values(page, "#total-fees") == [sum(c.total_fees for c in claims)]
    assert values(page, "#total-paid") == [sum(c.total_paid for c in claims)]
    assert page.locator("svg.chart").count() == 1
    shot(page, tmp_path, "2-dataset")
    page.click(f"a.epoch-link[href$='{epoch['job_id']}']")
    page.wait_for_url(f"**/epochs/{epoch['job_id']}")
    assert values(page, "#total-fees") == [epoch["claim"].total_fees]
    assert values(page, "#total-paid") == [epoch["claim"].total_paid]
    assert values(page, "#dust") == [epoch["claim"].total_fees - epoch["claim"].total_paid]
    assert values(page, "#payouts tbody .amount") == epoch["payouts"]
    assert page.locator("#proof-status [data-status=verified]").count() == 1
    shot(page, tmp_path, "3-epoch")
    top = max(range(len(epoch["payouts"])), key=lambda c: epoch["payouts"][c])
    page.click(f"#payouts tr[data-index='{top}'] a.contributor-link")
    page.wait_for_url(f"**/contributors/{top}")
    assert page.inner_text("#contributor-id") == manifest.contributors[top]
    order = [e["payouts"] for e in expected["epochs"]] + [expected["forged"]["payouts"]]
    assert values(page, "#contributor-epochs tbody .amount")[0::2] == [p[top] for p in order]
    assert values(page, "#cumulative") == [sum(p[top] for p in order)]
    assert page.locator("svg.chart").count() == 2
    assert f"--payout {order[2][top]}" in page.inner_text("#check-command")
    shot(page, tmp_path, "4-contributor")
    page.fill("header input[name=q]", manifest.contributors[0])
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    page.click("#results a")
    page.wait_for_url("**/contributors/0")
    page.goto(server + f"/datasets/{expected['digest']}/contributors/{'9' * 30}")
    assert "400" in page.inner_text("h1") and "Traceback" not in page.content()
    shot(page, tmp_path, "5-error-400")
    page.close()


def test_javascript_off(server, browser, data_dir, tmp_path):
    _, expected = data_dir
    epoch = expected["epochs"][0]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(server + f"/datasets/{expected['digest']}/epochs/{epoch['job_id']}")
    assert page.locator("#payouts tbody tr").count() == len(epoch["payouts"])
    assert page.locator("svg.chart").count() == 1
    # read the numbers as text (no script runs in the page: evaluate is the test's, not the page's)
    cells = [t.replace(",", "") for t in page.locator("#payouts tbody .amount").all_inner_texts()]
    assert [int(c) for c in cells] == epoch["payouts"]
    shot(page, tmp_path, "6-epoch-no-js")
    context.close()
