"""The ckzg peer: C-KZG-4844 (Ethereum's blob KZG library, PyPI ``ckzg``) on BLS12-381.

``ckzg.load_trusted_setup(path, precompute)`` reads the setup from a text file; the PyPI
*wheel* ships only the compiled module, not the file.  The file is Ethereum's mainnet KZG
ceremony output (4096 G1 points in Lagrange form, 65 G2 points, 4096 G1 monomial points),
which the package's *source distribution* on PyPI carries as ``src/trusted_setup.txt``.
:func:`trusted_setup_path` looks, in order, at

1. ``$ATTRIB_CKZG_TRUSTED_SETUP`` (a path to that file);
2. ``<bench cache>/ckzg-<version>/trusted_setup.txt`` (from an earlier run);
3. the ckzg sdist of the installed version, fetched with ``pip download --no-binary :all:
   --no-deps ckzg==<version>`` (PyPI through pip, nothing else) and unpacked into (2).
   ``ATTRIB_BENCH_OFFLINE=1`` forbids this step.

If none works the peer is skipped with the reason.  The file's SHA-256 is recorded and
compared with the mainnet file's (:data:`MAINNET_SHA256`); a different file is still used
(ckzg itself checks that every point is valid) but the run says so.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from attrib.bench.peers import PeerUnavailable

# sha256 of c-kzg-4844's src/trusted_setup.txt (mainnet ceremony), as shipped in ckzg 2.1.8's sdist
MAINNET_SHA256 = "d39b9f2d047cc9dca2de58f264b6a09448ccd34db967881a6713eacacf0f26b7"
BLS12_381_R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
FIELD_ELEMENTS_PER_BLOB = 4096


def _version() -> str | None:
    from importlib import metadata
    try:
        return metadata.version("ckzg")
    except metadata.PackageNotFoundError:
        return None


def _import():
    try:
        import ckzg
    except ImportError:
        raise PeerUnavailable("ckzg: skipped, Python package 'ckzg' is not installed (pip install -e '.[peers]')") \
            from None
    except Exception as exc:  # noqa: BLE001 - a broken binary wheel
        raise PeerUnavailable(f"ckzg: skipped, importing ckzg failed: {type(exc).__name__}: {exc}") from None
    return ckzg


def _cache_file(version: str) -> Path:
    from attrib.bench.peers.mcl import cache_dir

    return cache_dir() / f"ckzg-{version}" / "trusted_setup.txt"


def fetch_trusted_setup(version: str, target: Path) -> None:
    """Unpack src/trusted_setup.txt from the ckzg sdist (pip download from PyPI) into ``target``."""
    with tempfile.TemporaryDirectory(prefix="attrib-ckzg-") as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                               ":all:", f"ckzg=={version}", "-d", tmp], capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise PeerUnavailable(f"ckzg: skipped, the wheel ships no trusted setup and 'pip download' of the "
                                  f"ckzg {version} sdist failed: {last}")
        archives = list(Path(tmp).glob("ckzg-*.tar.gz"))
        if not archives:
            raise PeerUnavailable(f"ckzg: skipped, pip download gave no ckzg-{version} sdist")
        with tarfile.open(archives[0]) as tar:
            member = next((m for m in tar.getmembers() if m.name.endswith("/src/trusted_setup.txt")), None)
            if member is None:
                raise PeerUnavailable(f"ckzg: skipped, the ckzg {version} sdist has no src/trusted_setup.txt")
            data = tar.extractfile(member).read()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_target = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp_target.write_bytes(data)
    os.replace(tmp_target, target)


def trusted_setup_path() -> tuple[Path, str]:
    """(path, where it came from); raises PeerUnavailable with the reason."""
    env = os.environ.get("ATTRIB_CKZG_TRUSTED_SETUP")
    if env:
        if not Path(env).is_file():
            raise PeerUnavailable(f"ckzg: skipped, $ATTRIB_CKZG_TRUSTED_SETUP={env} is not a file")
        return Path(env), "$ATTRIB_CKZG_TRUSTED_SETUP"
    version = _version()
    cached = _cache_file(version)
    if cached.is_file():
        return cached, "bench cache (unpacked earlier from the ckzg sdist on PyPI)"
    if os.environ.get("ATTRIB_BENCH_OFFLINE"):
        raise PeerUnavailable("ckzg: skipped, the ckzg wheel ships no trusted setup, ATTRIB_BENCH_OFFLINE forbids "
                              "fetching the sdist that has it; set $ATTRIB_CKZG_TRUSTED_SETUP")
    fetch_trusted_setup(version, cached)
    return cached, "fetched now: src/trusted_setup.txt of the ckzg sdist (pip download from PyPI)"


class Ckzg:
    def __init__(self):
        import time

        self.module = _import()
        self.path, self.source = trusted_setup_path()
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        t0 = time.perf_counter()
        try:
            self.settings = self.module.load_trusted_setup(str(self.path), 0)
        except Exception as exc:  # noqa: BLE001 - ckzg raises its own error types
            raise PeerUnavailable(f"ckzg: skipped, load_trusted_setup({self.path}) failed: {exc}") from None
        self.load_s = time.perf_counter() - t0

    def blob(self, values: list[int]) -> bytes:
        if len(values) != FIELD_ELEMENTS_PER_BLOB:
            raise ValueError(f"a blob has {FIELD_ELEMENTS_PER_BLOB} field elements")
        return b"".join((v % BLS12_381_R).to_bytes(32, "big") for v in values)

    def commit(self, blob: bytes) -> bytes:
        return self.module.blob_to_kzg_commitment(blob, self.settings)

    def self_check(self, blob: bytes) -> bool:
        """A blob proof for the commitment verifies (the setup is consistent)."""
        c = self.commit(blob)
        proof = self.module.compute_blob_kzg_proof(blob, c, self.settings)
        return bool(self.module.verify_blob_kzg_proof(blob, c, proof, self.settings))

    def describe(self) -> dict:
        return {"package": "ckzg", "package_version": _version(), "curve": "BLS12-381",
                "trusted_setup": str(self.path), "trusted_setup_source": self.source,
                "trusted_setup_sha256": self.sha256, "is_mainnet_setup": self.sha256 == MAINNET_SHA256,
                "load_trusted_setup_s": round(self.load_s, 3), "threads": 1}


def load() -> Ckzg:
    return Ckzg()
