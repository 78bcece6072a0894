"""Page load times of the explorer on a synthetic index: one dataset, C contributors, E epochs.

    python -m attrib.explorer.loadgen [--contributors 10000] [--epochs 1000] [--dir DIR] [--runs 15] [--no-browser]

Builds the explorer's cache file directly (C × E payouts, random; every epoch's totals consistent
with its payouts), serves it with uvicorn on a loopback port, and prints a table: per page, the
median (and max) of ``--runs`` requests timed by the client over HTTP (server side: connect to
last byte, a fresh loopback connection each), and, with Playwright and Debian's chromium, the median of
the browser's navigation timing (``responseEnd`` and ``loadEventEnd`` from navigation start).
A benchmark, not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np


def build_cache(path: Path, contributors: int, epochs: int, seed: int = 0) -> dict:
    """Write the synthetic cache at ``path``; returns {digest, job_ids, payouts (C × E int64)}."""
    import sqlite3

    from attrib.explorer.index import CACHE_SCHEMA, CACHE_SCHEMA_VERSION

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.5, size=(contributors, 1)) + 0.01
    payouts = (rng.random((contributors, epochs)) < 0.8) * (weights * rng.integers(1, 10**6, (1, epochs)))
    payouts = payouts.astype(np.int64)
    paid = payouts.sum(axis=0, dtype=object)
    dust = rng.integers(0, contributors, epochs)
    digest = rng.bytes(32).hex()
    job_ids = [rng.bytes(16).hex() for _ in range(epochs)]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(f"BEGIN; {CACHE_SCHEMA} PRAGMA user_version = {CACHE_SCHEMA_VERSION}; COMMIT;")
    db.execute("BEGIN")
    db.execute("INSERT INTO meta VALUES ('data_dir', ?)", (str(path.parent.resolve()),))
    db.execute("INSERT INTO datasets (key, dataset_id, digest, num_rows, num_columns, num_contributors, insecure_srs, "
               "srs_digest, created_at) VALUES (1, 'synthetic', ?, ?, 32, ?, 1, ?, ?)",
               (digest, contributors * 100, contributors, "00" * 32, time.time()))
    db.executemany("INSERT INTO contributors VALUES (1, ?, ?, 100)",
                   ((c, f"contributor-{c:05d}") for c in range(contributors)))
    order = np.argsort(-payouts, axis=0)[:10]
    import json

    db.executemany("INSERT INTO epochs (key, dataset_key, job_id, ledger_epoch, num_queries, total_fees, total_paid, "
                   "paid_count, top, finished_at, sidecar_ok) VALUES (?, 1, ?, ?, 1024, ?, ?, ?, ?, ?, 1)",
                   ((e + 1, job_ids[e], e + 1, str(int(paid[e]) + int(dust[e])), str(int(paid[e])),
                     int((payouts[:, e] > 0).sum()),
                     json.dumps([[int(c), str(int(payouts[c, e]))] for c in order[:, e]]), time.time())
                    for e in range(epochs)))
    db.executemany("INSERT INTO payouts VALUES (1, ?, ?, ?)",
                   ((c, e + 1, int(payouts[c, e])) for c in range(contributors) for e in range(epochs)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"digest": digest, "job_ids": job_ids, "payouts": payouts}


def pages(info: dict, contributors: int, epochs: int) -> list[tuple[str, str]]:
    d = info["digest"]
    last = info["job_ids"][-1]
    return [("datasets", "/"),
            ("dataset (chart of all epochs, page 1)", f"/datasets/{d}"),
            ("dataset, last epochs page", f"/datasets/{d}?page={-(-epochs // 50)}"),
            ("epoch (payouts page 1)", f"/datasets/{d}/epochs/{last}"),
            ("epoch, last payouts page", f"/datasets/{d}/epochs/{last}?page={-(-contributors // 100)}"),
            ("contributor (all epochs, charts)", f"/datasets/{d}/contributors/{contributors // 2}"),
            ("contributor, JSON", f"/datasets/{d}/contributors/{contributors // 2}?format=json"),
            ("search by contributor id", f"/search?q=contributor-{contributors - 1:05d}")]


def serve(app):
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    return srv, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def measure_http(base: str, url: str, runs: int) -> tuple[float, float, int]:
    """(median, max, bytes) of ``runs`` GETs, each on a fresh connection: connect to last byte.

    (A kept-alive connection from a Python client adds the 40 ms of TCP's delayed ACK to every
    request after the first; a fresh connection, as curl makes, measures the server.)"""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base)

    def get() -> bytes:
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, (url, response.status)
            return body
        finally:
            conn.close()

    get()                                     # warm: the handler thread's connection, SQLite's page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body = get()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), len(body)


def measure_browser(base: str, urls: list[str], runs: int) -> dict[str, tuple[float, float]]:
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("no chromium (apt-get install chromium)")
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True,
                                    args=["--no-sandbox"] if os.geteuid() == 0 else [])
        page = browser.new_page()
        for url in urls:
            page.goto(base + url)
            response, load = [], []
            for _ in range(runs):
                page.goto(base + url, wait_until="load")
                nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0]; "
                                    "return [n.responseEnd - n.startTime, n.loadEventEnd - n.startTime]; }")
                response.append(nav[0] / 1000)
                load.append(nav[1] / 1000)
            out[url] = (statistics.median(response), statistics.median(load))
        browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attrib.explorer.loadgen", description=__doc__.split("\n")[0])
    parser.add_argument("--contributors", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=1_000)
    parser.add_argument("--dir", default=None, help="where to build the cache (default: a temporary directory)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    import tempfile

    from attrib.explorer.app import Explorer, create_app

    tmp = None
    if args.dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="explorer-load-")
        args.dir = tmp.name
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    cache = root / "explorer-cache.sqlite"
    start = time.perf_counter()
    info = build_cache(cache, args.contributors, args.epochs)
    print(f"built a cache of {args.contributors:,} contributors × {args.epochs:,} epochs "
          f"({args.contributors * args.epochs:,} payouts, {cache.stat().st_size / 2**20:,.0f} MiB) "
          f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    explorer = Explorer(root, cache, None, refresh_s=0)
    srv, thread, base = serve(create_app(explorer))
    try:
        listed = pages(info, args.contributors, args.epochs)
        browser = {} if args.no_browser else measure_browser(base, [u for _, u in listed if "format=json" not in u],
                                                             args.runs)
        load = os.getloadavg()[0]
        print(f"\nexplorer page loads: {args.contributors:,} contributors, {args.epochs:,} epochs; "
              f"{os.cpu_count()} cores, load {load:.2f}; medians of {args.runs} runs")
        print(f"{'page':<40}{'server med':>11}{'server max':>11}{'bytes':>10}{'browser resp':>14}{'browser load':>14}")
        for name, url in listed:
            med, worst, size = measure_http(base, url, args.runs)
            b = browser.get(url)
            bcols = f"{b[0] * 1000:>11.1f} ms{b[1] * 1000:>11.1f} ms" if b else f"{'—':>14}{'—':>14}"
            print(f"{name:<40}{med * 1000:>8.1f} ms{worst * 1000:>8.1f} ms{size:>10,}{bcols}")
    finally:
        srv.should_exit = True
        thread.join(10)
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
