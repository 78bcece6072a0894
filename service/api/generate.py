"""Generate the Python stubs of the gRPC API, or check that the committed ones are current.

``python -m attrib.service.api.generate``          rewrites ``service/api/attribution_pb2*.py{,i}``
``python -m attrib.service.api.generate --check``  exits 1 (naming the files) if they differ from fresh output

The ``.proto`` sources live in ``proto/`` at the repository's top (the buf module root), so a
file's name in the descriptor pool is ``attribution/v1/attribution.proto``.  protoc writes the
gRPC stub with an absolute import of ``attribution.v1``; it is rewritten to a relative one so
that the stubs live inside the ``attrib`` package.  The stubs are committed so that installing
the package needs no protobuf compiler; ``tests/service/test_stubs.py`` runs the check.
Codegen needs ``grpcio-tools`` (the version pinned in the ``test`` extra: other versions stamp
other version numbers into the files) and a source checkout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE.parents[1] / "proto"
PROTO_FILES = ("attribution/v1/attribution.proto",)
STUB_IMPORT = "from attribution.v1 import attribution_pb2 as"


def generate(out_dir: Path) -> list[str]:
    """Run protoc (from grpcio-tools) on PROTO_FILES and write the stubs flat into ``out_dir``."""
    import grpc_tools
    from grpc_tools import protoc

    if not (PROTO_ROOT / PROTO_FILES[0]).exists():
        raise FileNotFoundError(f"{PROTO_ROOT / PROTO_FILES[0]} is missing: generating needs a source checkout")
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    names = []
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp)
        args = ["protoc", f"-I{PROTO_ROOT}", f"-I{well_known}", f"--python_out={raw}", f"--pyi_out={raw}",
                f"--grpc_python_out={raw}", *(str(PROTO_ROOT / f) for f in PROTO_FILES)]
        if protoc.main(args) != 0:
            raise RuntimeError("protoc failed (see its messages above)")
        for path in sorted(raw.rglob("*_pb2*.py*")):
            text = path.read_text()
            if path.name.endswith("_grpc.py"):
                if STUB_IMPORT not in text:
                    raise RuntimeError(f"{path.name}: protoc no longer writes {STUB_IMPORT!r}; update generate.py")
                text = text.replace(STUB_IMPORT, "from . import attribution_pb2 as")
            (out_dir / path.name).write_text(text)
            names.append(path.name)
    return names


def stale_files() -> list[str]:
    """Generated files whose committed copy is missing or differs from fresh protoc output."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        return [name for name in generate(fresh)
                if not (HERE / name).exists() or (HERE / name).read_bytes() != (fresh / name).read_bytes()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attrib.service.api.generate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed stubs are current")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        if stale:
            print("stale generated stubs (run python -m attrib.service.api.generate): " + ", ".join(stale),
                  file=sys.stderr)
            return 1
        print("generated stubs are current")
        return 0
    for name in generate(HERE):
        print(f"wrote service/api/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
