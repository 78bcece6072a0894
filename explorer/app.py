"""The explorer's web application: Starlette routes, Jinja2 templates, JSON at the same URLs.

    /                                         datasets (paginated)
    /datasets/{digest}                        a dataset: registration check, epochs (paginated), chart
    /datasets/{digest}/epochs/{job_id}        an epoch: T, fees, paid, dust, proof check, payouts (paginated)
    /datasets/{digest}/contributors/{index}   a contributor: payouts per epoch, cumulative, withdrawals
    /datasets/{digest}/manifest.bin           the manifest's canonical bytes
    /datasets/{digest}/epochs/{job_id}/claim.bin
    /search?q=…                               a contributor id, a manifest digest (or prefix), a dataset or job id

Every page is rendered on the server (charts are inline SVG); ``?format=json`` or
``Accept: application/json`` returns the same data as JSON, amounts as decimal strings.
Bad input is a 400 page, an unknown digest, job or index a 404 page; no page shows a traceback.
Handlers are plain functions, run in Starlette's thread pool, each reading the cache through
its thread's read-only connection.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from attrib.explorer.charts import human, series_chart
from attrib.explorer.index import Index, check_all, from_db
from attrib.verifier.encoding import EncodingError
from attrib.verifier.messages import Manifest
from attrib.verifier.recipe import Recipe

log = logging.getLogger("attrib.explorer")
HERE = Path(__file__).resolve().parent

DIGEST = re.compile(r"[0-9a-fA-F]{64}")
JOB_ID = re.compile(r"[0-9a-f]{32}")
INDEX = re.compile(r"0|[1-9][0-9]{0,6}")
PAGE = re.compile(r"[1-9][0-9]{0,5}")          # pages 1 … 999,999; longer is a 400
DATASETS_PER_PAGE = 50
EPOCHS_PER_PAGE = 50
PAYOUTS_PER_PAGE = 100
CONTRIBUTOR_EPOCHS_PER_PAGE = 100
MAX_QUERY_CHARS = 1024
SEARCH_LIMIT = 50


def when(ts: float | None) -> str:
    return "—" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def bad_request(message: str):
    return HTTPException(400, message)


def not_found(message: str):
    return HTTPException(404, message)


class Explorer:
    """The app's state: the index, the optional chain view, the trusted SRS digest and the refresher."""

    def __init__(self, data_dir, cache_path=None, trusted_srs_digest: bytes | None = None, chain=None,
                 refresh_s: float = 2.0, verify_in_process_pool: bool = True) -> None:
        self.index = Index(data_dir, cache_path)
        self.trusted = trusted_srs_digest
        self.chain = chain
        self.refresh_s = refresh_s
        self.verify_in_process_pool = verify_in_process_pool
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = None

    # ---- background ------------------------------------------------------------------

    def refresh_once(self) -> None:
        report = self.index.refresh()
        if report.skipped:
            log.warning("explorer: skipped %s", "; ".join(report.skipped))
        if self.trusted is not None:
            submit = None
            if self.verify_in_process_pool:
                if self._pool is None:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
                submit = self._pool.submit
            check_all(self.index, self.trusted, submit)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh_once()
            except Exception:
                log.exception("explorer: refresh failed")
            self._stop.wait(self.refresh_s)

    def start(self) -> None:
        if self._thread is None and self.refresh_s > 0:
            self._thread = threading.Thread(target=self._loop, name="explorer-refresh", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    # ---- reads -----------------------------------------------------------------------

    @property
    def db(self):
        return self.index.reader()

    def dataset_row(self, digest: str):
        if not DIGEST.fullmatch(digest):
            raise bad_request(f"{digest[:80]!r} is not a manifest digest (64 hex digits)")
        row = self.db.execute("SELECT * FROM datasets WHERE digest = ?", (digest.lower(),)).fetchone()
        if row is None:
            raise not_found(f"no dataset with manifest digest {digest.lower()}")
        return row

    def proof_status(self, status, checked_at, checked_srs) -> dict:
        if status is None or self.trusted is None or checked_srs != self.trusted.hex():
            return {"status": "not verified here", "checked_at": None, "trusted_srs_digest": None, "by": None}
        return {"status": status, "checked_at": iso(checked_at), "checked_at_text": when(checked_at),
                "trusted_srs_digest": checked_srs, "by": "this explorer"}

    def dataset_summary(self, row) -> dict:
        return {"dataset_id": row["dataset_id"], "manifest_digest": row["digest"], "num_rows": row["num_rows"],
                "num_columns": row["num_columns"], "num_contributors": row["num_contributors"],
                "insecure_srs": bool(row["insecure_srs"]), "srs_digest": row["srs_digest"],
                "created_at": iso(row["created_at"]),
                "registration_proof": self.proof_status(row["reg_status"], row["reg_checked_at"],
                                                        row["reg_checked_srs"])}

    def recipe(self, row) -> dict | None:
        """The dataset's feature recipe (recipe.json beside its manifest), and whether its digest is the one
        the manifest pins; None when the manifest names no recipe."""
        folder = self.index.data_dir / "datasets" / row["dataset_id"]
        try:
            pinned = Manifest.peek_recipe_digest((folder / "manifest.bin").read_bytes())
        except (OSError, EncodingError):
            return None
        if pinned == bytes(32):
            return None
        try:
            recipe = Recipe.from_json((folder / "recipe.json").read_text())
        except (OSError, EncodingError):
            return {"digest": pinned.hex(), "matches": False, "error": "recipe.json is missing or malformed"}
        out = recipe.to_json_obj()
        out["matches"] = recipe.digest() == pinned
        return out

    def epoch_summary(self, row, digest: str) -> dict:
        fees, paid = int(row["total_fees"]), int(row["total_paid"])
        return {"job_id": row["job_id"], "ledger_epoch": row["ledger_epoch"], "num_queries": row["num_queries"],
                "total_fees": str(fees), "total_paid": str(paid), "dust": str(fees - paid),
                "paid_count": row["paid_count"], "finished_at": iso(row["finished_at"]),
                "finished_at_text": when(row["finished_at"]),
                "sidecar_consistent": bool(row["sidecar_ok"]),
                "proof": self.proof_status(row["status"], row["checked_at"], row["checked_srs"]),
                "url": f"/datasets/{digest}/epochs/{row['job_id']}"}


def page_number(request: Request, count: int, per_page: int) -> tuple[int, int]:
    """(page, pages) from ``?page=``: 400 when malformed or absurd, 404 past the last page."""
    text = request.query_params.get("page", "1")
    if not PAGE.fullmatch(text):
        raise bad_request(f"page: {text[:40]!r} is not a page number (1 to 999999)")
    page = int(text)
    pages = max(1, -(-count // per_page))
    if page > pages:
        raise not_found(f"page {page}: there are {pages} pages")
    return page, pages


def wants_json(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt not in ("json", "html"):
            raise bad_request(f"format: {fmt[:40]!r} is not 'json' or 'html'")
        return fmt == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def create_app(explorer: Explorer) -> Starlette:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["human"] = lambda v: human(int(v))
    env.filters["when"] = when

    def render(request: Request, template: str, data: dict, status: int = 200, **extra) -> Response:
        if wants_json(request):
            return JSONResponse(data, status_code=status)
        html = env.get_template(template).render(data=data, request=request, **extra)
        return HTMLResponse(html, status_code=status)

    def datasets(request: Request):
        db = explorer.db
        count = db.execute("SELECT COUNT(*) FROM datasets").fetchone()[0]
        page, pages = page_number(request, count, DATASETS_PER_PAGE)
        rows = db.execute("SELECT * FROM datasets ORDER BY key LIMIT ? OFFSET ?",
                          (DATASETS_PER_PAGE, (page - 1) * DATASETS_PER_PAGE)).fetchall()
        epochs = dict(db.execute("SELECT dataset_key, COUNT(*) FROM epochs GROUP BY dataset_key"))
        items = []
        for r in rows:
            item = explorer.dataset_summary(r)
            item["epochs"] = epochs.get(r["key"], 0)
            item["url"] = f"/datasets/{r['digest']}"
            items.append(item)
        return render(request, "datasets.html", {"datasets": items, "page": page, "pages": pages, "count": count})

    def dataset(request: Request):
        digest = request.path_params["digest"]
        row = explorer.dataset_row(digest)
        digest = row["digest"]
        db = explorer.db
        all_epochs = db.execute("SELECT key, total_fees, total_paid FROM epochs WHERE dataset_key = ? ORDER BY key",
                                (row["key"],)).fetchall()
        page, pages = page_number(request, len(all_epochs), EPOCHS_PER_PAGE)
        rows = db.execute("SELECT * FROM epochs WHERE dataset_key = ? ORDER BY key LIMIT ? OFFSET ?",
                          (row["key"], EPOCHS_PER_PAGE, (page - 1) * EPOCHS_PER_PAGE)).fetchall()
        fees = [int(e["total_fees"]) for e in all_epochs]
        paid = [int(e["total_paid"]) for e in all_epochs]
        data = explorer.dataset_summary(row)
        data["recipe"] = explorer.recipe(row)
        data.update({"epoch_count": len(all_epochs), "total_fees": str(sum(fees)), "total_paid": str(sum(paid)),
                     "dust": str(sum(fees) - sum(paid)), "page": page, "pages": pages,
                     "epochs": [explorer.epoch_summary(e, digest) for e in rows]})
        first = (page - 1) * EPOCHS_PER_PAGE
        settled = explorer.chain.settled(digest) if explorer.chain is not None else None
        data["chain"] = None if settled is None else ({"error": settled} if isinstance(settled, str) else
                                                      {"settled_epochs": sorted(settled)})
        for i, e in enumerate(data["epochs"]):
            e["number"] = first + i + 1
            if isinstance(settled, dict):
                e["settled"] = settled.get(e["ledger_epoch"])
        chart = series_chart([("fees", fees), ("paid", paid)], [f"#{i + 1}" for i in range(len(fees))],
                             title="fees and payouts per epoch")
        return render(request, "dataset.html", data, chart=chart)

    def contributors_page(request: Request):
        digest = request.path_params["digest"]
        row = explorer.dataset_row(digest)
        count = row["num_contributors"]
        page, pages = page_number(request, count, PAYOUTS_PER_PAGE)
        db = explorer.db
        start = (page - 1) * PAYOUTS_PER_PAGE
        rows = db.execute("SELECT idx, contributor_id, rows FROM contributors WHERE dataset_key = ? AND idx >= ? "
                          "ORDER BY idx LIMIT ?", (row["key"], start, PAYOUTS_PER_PAGE)).fetchall()
        data = {"dataset": explorer.dataset_summary(row), "page": page, "pages": pages,
                "contributors": [{"index": r["idx"], "contributor": r["contributor_id"], "rows": r["rows"],
                                  "url": f"/datasets/{row['digest']}/contributors/{r['idx']}"} for r in rows]}
        return render(request, "contributors.html", data)

    def epoch(request: Request):
        digest, job_id = request.path_params["digest"], request.path_params["job_id"]
        row = explorer.dataset_row(digest)
        digest = row["digest"]
        if not JOB_ID.fullmatch(job_id):
            raise bad_request(f"{job_id[:80]!r} is not a job id (32 lowercase hex digits)")
        db = explorer.db
        e = db.execute("SELECT * FROM epochs WHERE job_id = ? AND dataset_key = ?", (job_id, row["key"])).fetchone()
        if e is None:
            raise not_found(f"dataset {digest[:16]}… has no proved epoch {job_id}")
        count = row["num_contributors"]
        page, pages = page_number(request, count, PAYOUTS_PER_PAGE)
        start = (page - 1) * PAYOUTS_PER_PAGE
        indices = list(range(start, min(count, start + PAYOUTS_PER_PAGE)))
        marks = ",".join("?" * len(indices))
        amounts = dict(db.execute(f"SELECT idx, amount FROM payouts WHERE dataset_key = ? AND epoch_key = ? "
                                  f"AND idx IN ({marks})", (row["key"], e["key"], *indices)))
        names = dict(db.execute("SELECT idx, contributor_id FROM contributors WHERE dataset_key = ? AND idx >= ? "
                                "AND idx < ?", (row["key"], start, start + PAYOUTS_PER_PAGE)))
        number = db.execute("SELECT COUNT(*) FROM epochs WHERE dataset_key = ? AND key <= ?",
                            (row["key"], e["key"])).fetchone()[0]
        data = explorer.epoch_summary(e, digest)
        top = json.loads(e["top"])
        top_names = dict(db.execute(f"SELECT idx, contributor_id FROM contributors WHERE dataset_key = ? AND idx IN "
                                    f"({','.join('?' * len(top))})", (row["key"], *[c for c, _ in top])))
        data.update({"dataset": explorer.dataset_summary(row), "number": number, "page": page, "pages": pages,
                     "top": [{"index": c, "contributor": top_names.get(c, ""), "amount": a,
                              "url": f"/datasets/{digest}/contributors/{c}"} for c, a in top],
                     "payouts": [{"index": c, "contributor": names.get(c, ""), "amount": str(from_db(amounts[c])),
                                  "url": f"/datasets/{digest}/contributors/{c}"} for c in indices if c in amounts]})
        chart = series_chart([("payout", [int(t["amount"]) for t in data["top"]])],
                             [t["contributor"] for t in data["top"]], title="largest payouts of the epoch")
        return render(request, "epoch.html", data, chart=chart)

    def contributor(request: Request):
        digest, index = request.path_params["digest"], request.path_params["index"]
        row = explorer.dataset_row(digest)
        digest = row["digest"]
        if not INDEX.fullmatch(index):
            raise bad_request(f"{index[:40]!r} is not a contributor index (a decimal number)")
        index = int(index)
        db = explorer.db
        c = db.execute("SELECT * FROM contributors WHERE dataset_key = ? AND idx = ?", (row["key"], index)).fetchone()
        if c is None:
            raise not_found(f"dataset {digest[:16]}… has {row['num_contributors']} contributors, no index {index}")
        series = db.execute("SELECT p.epoch_key, p.amount, e.job_id, e.ledger_epoch, e.finished_at, e.status, "
                            "e.checked_at, e.checked_srs FROM payouts p JOIN epochs e ON e.key = p.epoch_key "
                            "WHERE p.dataset_key = ? AND p.idx = ? ORDER BY p.epoch_key",
                            (row["key"], index)).fetchall()
        page, pages = page_number(request, len(series), CONTRIBUTOR_EPOCHS_PER_PAGE)
        payouts = [from_db(s["amount"]) for s in series]
        cumulative, running = [], 0
        for p in payouts:
            running += p
            cumulative.append(running)
        start = (page - 1) * CONTRIBUTOR_EPOCHS_PER_PAGE
        rows = [{"number": i + 1, "job_id": series[i]["job_id"], "ledger_epoch": series[i]["ledger_epoch"],
                 "payout": str(payouts[i]), "cumulative": str(cumulative[i]),
                 "proof": explorer.proof_status(series[i]["status"], series[i]["checked_at"],
                                                series[i]["checked_srs"]),
                 "url": f"/datasets/{digest}/epochs/{series[i]['job_id']}"}
                for i in range(start, min(len(series), start + CONTRIBUTOR_EPOCHS_PER_PAGE))]
        withdrawals = explorer.chain.withdrawals(digest, index) if explorer.chain is not None else None
        base = str(request.base_url).rstrip("/")
        usable = [i for i, s in enumerate(series) if s["status"] != "rejected"]     # never point at a rejected proof
        latest_i = usable[-1] if usable else None
        latest = series[latest_i]["job_id"] if usable else None
        trusted = explorer.trusted.hex() if explorer.trusted else "HEX_OF_THE_SRS_DIGEST_YOU_TRUST"
        check = None
        if latest:
            check = (f"attrib remote open {latest} {index} --out opening.bin\n"
                     f"curl -so manifest.bin {base}/datasets/{digest}/manifest.bin\n"
                     f"curl -so claim.bin {base}/datasets/{digest}/epochs/{latest}/claim.bin\n"
                     f"python -m attrib.explorer.check_opening manifest.bin claim.bin opening.bin "
                     f"--index {index} --payout {payouts[latest_i]} --trusted-srs-digest {trusted}")
        data = {"dataset": explorer.dataset_summary(row), "index": index, "contributor": c["contributor_id"],
                "rows": c["rows"], "epoch_count": len(series), "cumulative": str(running),
                "paid_epochs": sum(1 for p in payouts if p), "page": page, "pages": pages, "epochs": rows,
                "withdrawals": withdrawals, "check_command": check,
                "check_epoch": None if latest is None else latest_i + 1}
        chart = series_chart([("payout", payouts)], [f"#{i + 1}" for i in range(len(payouts))],
                             title="payout per epoch")
        chart_cum = series_chart([("cumulative", cumulative)], [f"#{i + 1}" for i in range(len(payouts))],
                                 title="cumulative earnings")
        return render(request, "contributor.html", data, chart=chart, chart_cum=chart_cum)

    def manifest_bin(request: Request):
        row = explorer.dataset_row(request.path_params["digest"])
        path = explorer.index.data_dir / "datasets" / row["dataset_id"] / "manifest.bin"
        try:
            body = path.read_bytes()
        except OSError:
            raise not_found("the manifest file is missing from the data directory") from None
        return Response(body, media_type="application/octet-stream")

    def claim_bin(request: Request):
        row = explorer.dataset_row(request.path_params["digest"])
        job_id = request.path_params["job_id"]
        if not JOB_ID.fullmatch(job_id):
            raise bad_request(f"{job_id[:80]!r} is not a job id (32 lowercase hex digits)")
        if explorer.db.execute("SELECT 1 FROM epochs WHERE job_id = ? AND dataset_key = ?",
                               (job_id, row["key"])).fetchone() is None:
            raise not_found(f"no proved epoch {job_id} in this dataset")
        try:
            body = (explorer.index.data_dir / "jobs" / job_id / "claim.bin").read_bytes()
        except OSError:
            raise not_found("the claim file is missing from the data directory") from None
        return Response(body, media_type="application/octet-stream")

    def search(request: Request):
        q = request.query_params.get("q", "").strip()
        if len(q) > MAX_QUERY_CHARS:
            raise bad_request(f"q: at most {MAX_QUERY_CHARS} characters")
        db = explorer.db
        results = []
        if q:
            hexq = q.lower()
            if re.fullmatch(r"[0-9a-f]{8,64}", hexq):
                for r in db.execute("SELECT digest, dataset_id FROM datasets WHERE digest >= ? AND digest < ? "
                                    "LIMIT ?", (hexq, hexq + "g", SEARCH_LIMIT)):
                    results.append({"kind": "dataset", "label": f"{r['dataset_id']} ({r['digest'][:16]}…)",
                                    "url": f"/datasets/{r['digest']}"})
            if JOB_ID.fullmatch(hexq):
                for r in db.execute("SELECT e.job_id, d.digest, d.dataset_id FROM epochs e JOIN datasets d "
                                    "ON d.key = e.dataset_key WHERE e.job_id = ?", (hexq,)):
                    results.append({"kind": "epoch", "label": f"job {r['job_id']} of {r['dataset_id']}",
                                    "url": f"/datasets/{r['digest']}/epochs/{r['job_id']}"})
            for r in db.execute("SELECT digest, dataset_id FROM datasets WHERE dataset_id = ?", (q,)):
                results.append({"kind": "dataset", "label": r["dataset_id"], "url": f"/datasets/{r['digest']}"})
            for r in db.execute("SELECT c.idx, c.contributor_id, d.digest, d.dataset_id FROM contributors c "
                                "JOIN datasets d ON d.key = c.dataset_key WHERE c.contributor_id = ? LIMIT ?",
                                (q, SEARCH_LIMIT)):
                results.append({"kind": "contributor",
                                "label": f"{r['contributor_id']} (index {r['idx']} of {r['dataset_id']})",
                                "url": f"/datasets/{r['digest']}/contributors/{r['idx']}"})
        return render(request, "search.html", {"q": q, "results": results})

    async def http_error(request: Request, exc: HTTPException):
        data = {"error": exc.status_code, "message": exc.detail}
        try:
            as_json = wants_json(request)
        except HTTPException:
            as_json = False
        if as_json:
            return JSONResponse(data, status_code=exc.status_code)
        html = env.get_template("error.html").render(data=data, request=request)
        return HTMLResponse(html, status_code=exc.status_code)

    async def server_error(request: Request, exc: Exception):
        log.error("explorer: %s %s failed", request.method, request.url.path, exc_info=exc)
        html = env.get_template("error.html").render(
            data={"error": 500, "message": "the explorer failed on this page (the error is in its log)"},
            request=request)
        return HTMLResponse(html, status_code=500)

    @asynccontextmanager
    async def lifespan(app):
        explorer.start()
        try:
            yield
        finally:
            explorer.stop()

    routes = [
        Route("/", datasets),
        Route("/search", search),
        Route("/datasets/{digest}", dataset),
        Route("/datasets/{digest}/contributors", contributors_page),
        Route("/datasets/{digest}/manifest.bin", manifest_bin),
        Route("/datasets/{digest}/epochs/{job_id}", epoch),
        Route("/datasets/{digest}/epochs/{job_id}/claim.bin", claim_bin),
        Route("/datasets/{digest}/contributors/{index}", contributor),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(debug=False, routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: http_error, 500: server_error, Exception: server_error})
    app.state.explorer = explorer
    return app

