"""``attrib explorer``: serve the read-only web explorer over a service data directory."""

from __future__ import annotations

import argparse
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", required=True, help="the prover service's data directory (read only)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--cache", help="the explorer's index file (default: DATA_DIR/explorer-cache.sqlite)")
    parser.add_argument("--trusted-srs-digest", metavar="HEX",
                        help="verify every proof in the background against this SRS digest; without it, "
                             "proofs are shown as 'not verified here'")
    parser.add_argument("--refresh", type=float, default=2.0, help="seconds between looks at the data directory")
    parser.add_argument("--rpc", metavar="URL", help="a JSON-RPC endpoint to read Settlement events from")
    parser.add_argument("--deployment", metavar="FILE", help="the deployment.json of `attrib chain deploy`")


def build(args: argparse.Namespace):
    """(app, explorer) from parsed arguments."""
    from attrib.explorer.app import Explorer, create_app

    trusted = None
    if args.trusted_srs_digest:
        try:
            trusted = bytes.fromhex(args.trusted_srs_digest)
        except ValueError:
            trusted = b""
        if len(trusted) != 32:
            raise SystemExit("--trusted-srs-digest: 64 hex digits")
    chain = None
    if args.rpc or args.deployment:
        if not (args.rpc and args.deployment):
            raise SystemExit("--rpc and --deployment go together")
        from attrib.explorer.chain import ChainView

        chain = ChainView(args.rpc, args.deployment)
    explorer = Explorer(args.data_dir, args.cache, trusted, chain, refresh_s=args.refresh)
    return create_app(explorer), explorer


def serve(app, host: str, port: int, announce=None) -> None:
    """Run uvicorn on a socket bound here, so that ``announce(url)`` can name the port (``port`` 0: a free one)."""
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    url = f"http://{'[' + host + ']' if family == socket.AF_INET6 else host}:{bound}/"
    (announce or (lambda u: print(f"explorer listening on {u}", flush=True)))(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    app, explorer = build(args)
    explorer.index.refresh()
    serve(app, args.host, args.port)
    return 0
