"""Generate the Python stubs of the gRPC API, or check that the committed ones are current.

``python -m proto.generate``          rewrites ``proto/attribution/v1/*_pb2*.py{,i}``
``python -m proto.generate --check``  exits 1 (naming the files) if they differ from fresh output

The stubs are committed so that installing the package needs no protobuf compiler;
``tests/service/test_stubs.py`` runs the check.  Codegen needs ``grpcio-tools`` (the
version pinned in the ``test`` extra: other versions stamp other version numbers into
the files).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTO_FILES = ("proto/attribution/v1/attribution.proto",)


def generate(out_dir: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) on PROTO_FILES with the repository root as include path."""
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", f"-I{ROOT}", f"-I{well_known}", f"--python_out={out_dir}", f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}", *(str(ROOT / f) for f in PROTO_FILES)]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed (see its messages above)")
    return sorted(p.relative_to(out_dir) for p in out_dir.rglob("*_pb2*.py*"))


def stale_files() -> list[str]:
    """Generated files whose committed copy is missing or differs from fresh protoc output."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        return [str(rel) for rel in generate(fresh)
                if not (ROOT / rel).exists() or (ROOT / rel).read_bytes() != (fresh / rel).read_bytes()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proto.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed stubs are current")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        if stale:
            print("stale generated stubs (run python -m proto.generate): " + ", ".join(stale), file=sys.stderr)
            return 1
        print("generated stubs are current")
        return 0
    for rel in generate(ROOT):
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
