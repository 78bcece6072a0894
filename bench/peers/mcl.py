"""The mcl peer: herumi/mcl through the ``mclbn256`` PyPI package, on alt_bn128 (= BN254).

``mclbn256`` embeds mcl's shared library and loads it with ctypes (``mclbn256.mclbn256.lib``);
on import it initialises mcl for curve 0 (Fp254BNb, *not* the Ethereum curve).  :func:`load`
re-initialises it for curve 4 (``MCL_BN_SNARK1`` = alt_bn128, the curve this project uses)
and verifies the result before anything is timed:

* ``mclBn_init(4, MCLBN_COMPILED_TIME_VAR)`` returns 0 and ``mclBn_getCurveType()`` is 4;
* ``mclBn_getCurveOrder`` / ``mclBn_getFieldOrder`` are BN254's r and p;
* Fr products of a few fixed values agree with Python integers mod r;
* (1, 2) is a valid G1 point (y² = x³ + 3) and [r]·(1, 2) is the identity.

Note that mcl's curve is process-global: after :func:`load`, every user of ``mclbn256`` in this
process sees alt_bn128.

Timing goes through ``mcl_loop.c`` (next to this file), compiled on first use with the system C
compiler (``$CC`` or ``cc``, ``-O2 -shared -fPIC``) into ``$ATTRIB_BENCH_CACHE`` or
``~/.cache/attrib-bench/`` under a name keyed by the source hash.  Its loops call mcl's C API
through function pointers, so the figures carry no Python or ctypes per-element overhead; they
measure mcl's public C API (one out-of-line call per field operation), single-threaded.

Element storage: ``mclBnFr`` arrays are numpy ``(n, 4) uint64`` arrays holding mcl's own
(Montgomery) representation; ``mclBnG1`` arrays are ``(n, 12) uint64`` (Jacobian x, y, z).
Convert through canonical little-endian bytes (:meth:`Mcl.fr_from_ints`,
:meth:`Mcl.fr_from_canonical_limbs`, :meth:`Mcl.fr_to_ints`); never assume the limbs equal
another library's.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from attrib.bench.peers import PeerUnavailable

BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
BN254_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
MCL_BN_SNARK1 = 4  # alt_bn128, the Ethereum / SNARK curve
IO_DEC = 10  # mcl ioMode: decimal

LOOP_SOURCE = Path(__file__).with_name("mcl_loop.c")
CFLAGS = ("-O2", "-shared", "-fPIC")

_lock = threading.Lock()
_instance: "Mcl | None" = None


# ---- building the C loop library ------------------------------------------------------------

def cache_dir() -> Path:
    """Where compiled helpers live: ``$ATTRIB_BENCH_CACHE``, else ``$XDG_CACHE_HOME`` (or
    ``~/.cache``) / attrib-bench."""
    env = os.environ.get("ATTRIB_BENCH_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "attrib-bench"


def _compiler() -> str:
    cc = os.environ.get("CC", "cc")
    path = shutil.which(cc)
    if path is None:
        raise PeerUnavailable(f"mcl: skipped, no C compiler ({cc!r} not on PATH) to build {LOOP_SOURCE.name}")
    return path


def compiler_version(cc: str | None = None) -> str | None:
    try:
        cc = cc or _compiler()
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0].strip() if out else None
    except (PeerUnavailable, OSError, subprocess.SubprocessError):
        return None


def build_loop_library() -> Path:
    """Compile ``mcl_loop.c`` once per (source, flags, compiler, arch) and return the .so path."""
    cc = _compiler()
    source = LOOP_SOURCE.read_bytes()
    key = hashlib.sha256(b"\0".join([source, " ".join(CFLAGS).encode(), cc.encode(),
                                     platform.machine().encode()])).hexdigest()[:16]
    target = cache_dir() / f"mcl_loop-{key}.so"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".mcl_loop-", suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        proc = subprocess.run([cc, *CFLAGS, "-o", tmp, str(LOOP_SOURCE)], capture_output=True, text=True)
        if proc.returncode != 0:
            first = (proc.stderr.strip().splitlines() or ["(no output)"])[0]
            raise PeerUnavailable(f"mcl: skipped, compiling {LOOP_SOURCE.name} failed: {first}")
        os.replace(tmp, target)  # atomic: concurrent runs never load a half-written file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


# ---- the peer -------------------------------------------------------------------------------

def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


class Mcl:
    """mcl initialised for alt_bn128 plus the compiled loop helpers.  Use :func:`load`."""

    def __init__(self, module, lib: ctypes.CDLL, loop: ctypes.CDLL, loop_path: Path):
        self.module = module
        self.lib = lib
        self.loop = loop
        self.loop_path = loop_path
        # Private prototypes for the calls made from Python, so the restype/argtypes set here
        # never leak into the mclbn256 package's own (shared) CDLL attributes.
        def proto(name, restype, *argtypes):
            return ctypes.CFUNCTYPE(restype, *argtypes)((name, lib))
        vp, sz, cp, ci = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int
        self._init = proto("mclBn_init", ci, ci, ci)
        self._curve_type = proto("mclBn_getCurveType", ci)
        self._version = proto("mclBn_getVersion", ci)
        self._curve_order = proto("mclBn_getCurveOrder", sz, cp, sz)
        self._field_order = proto("mclBn_getFieldOrder", sz, cp, sz)
        self._g1_set_str = proto("mclBnG1_setStr", ci, vp, cp, sz, ci)
        self._g1_get_str = proto("mclBnG1_getStr", sz, cp, sz, vp, ci)
        self._g1_is_valid = proto("mclBnG1_isValid", ci, vp)
        self._g1_is_zero = proto("mclBnG1_isZero", ci, vp)
        self._g1_is_equal = proto("mclBnG1_isEqual", ci, vp, vp)
        self._g1_mul = proto("mclBnG1_mul", None, vp, vp, vp)
        self._g1_add = proto("mclBnG1_add", None, vp, vp, vp)

        self.fn = {name: ctypes.cast(getattr(lib, name), ctypes.c_void_p).value for name in (
            "mclBnFr_mul", "mclBnFr_add", "mclBnFr_setLittleEndianMod", "mclBnFr_getLittleEndian",
            "mclBnFr_setByCSPRNG", "mclBnG1_add", "mclBnG1_dbl", "mclBnG1_normalize",
            "mclBnG1_mulVec", "mclBnG1_mulVecMT")}

        i64, dbl = ctypes.c_int64, ctypes.c_double
        for name, restype, argtypes in (
            ("mcl_fr_from_le_bytes", i64, (vp, vp, vp, i64)),
            ("mcl_fr_to_le_bytes", i64, (vp, vp, vp, i64)),
            ("mcl_fr_random", i64, (vp, vp, i64)),
            ("mcl_fr_mul_loop", dbl, (vp, vp, vp, vp, i64)),
            ("mcl_fr_inner_loop", dbl, (vp, vp, vp, vp, vp, i64)),
            ("mcl_g1_fill_chain", dbl, (vp, vp, vp, vp, vp, vp, i64)),
            ("mcl_g1_mulvec_time", dbl, (vp, vp, vp, vp, i64)),
            ("mcl_g1_mulvec_mt_time", dbl, (vp, vp, vp, vp, i64, i64)),
        ):
            f = getattr(loop, name)
            f.restype, f.argtypes = restype, argtypes

    # -- initialisation and checks --

    def init_alt_bn128(self) -> None:
        rc = self._init(MCL_BN_SNARK1, self.module.MCLBN_COMPILED_TIME_VAR)
        if rc != 0:
            raise PeerUnavailable(f"mcl: skipped, mclBn_init({MCL_BN_SNARK1}, ...) returned {rc}")
        self.verify_curve()

    def _order(self, fn) -> int:
        buf = ctypes.create_string_buffer(256)
        n = fn(buf, len(buf))
        return int(buf.value[:n]) if n else -1

    def verify_curve(self) -> dict:
        """Check mcl is on alt_bn128; raise PeerUnavailable otherwise.  Returns what was checked."""
        checks = {
            "curve_type": self._curve_type(),
            "curve_order_is_bn254_r": self._order(self._curve_order) == BN254_R,
            "field_order_is_bn254_p": self._order(self._field_order) == BN254_P,
        }
        xs = [BN254_R - 1, 2**253 + 12345,
              0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF % BN254_R]
        ys = [BN254_R - 1, 3**150 % BN254_R, 7]
        a, b = self.fr_from_ints(xs), self.fr_from_ints(ys)
        out = np.empty_like(a)
        self.fr_mul(out, a, b)
        checks["fr_mul_matches_python"] = self.fr_to_ints(out) == [x * y % BN254_R for x, y in zip(xs, ys)]
        g = self.g1_generator()
        checks["g1_generator_1_2_valid"] = bool(self._g1_is_valid(_ptr(g)))
        rg = np.empty(12, dtype=np.uint64)
        r_minus_1 = self.fr_from_ints([BN254_R - 1])
        self._g1_mul(_ptr(rg), _ptr(g), _ptr(r_minus_1))  # [r-1]G + G = [r]G
        self._g1_add(_ptr(rg), _ptr(rg), _ptr(g))
        checks["r_times_generator_is_zero"] = bool(self._g1_is_zero(_ptr(rg)))
        bad = [k for k, v in checks.items()
               if v is not True and not (k == "curve_type" and v == MCL_BN_SNARK1)]
        if bad:
            raise PeerUnavailable(
                f"mcl: skipped, not alt_bn128 after mclBn_init({MCL_BN_SNARK1}): failed {bad}")
        return checks

    def describe(self) -> dict:
        v = self._version()
        return {
            "package": "mclbn256",
            "package_version": _dist_version("mclbn256"),
            "mcl_version": f"{v >> 8}.{v & 0xFF:02x}" if v > 0 else None,
            "mcl_version_raw": hex(v),
            "curve": f"alt_bn128 (mclBn_init curve id {MCL_BN_SNARK1}, MCL_BN_SNARK1)",
            "curve_checks": self.verify_curve(),
            "loop_library": str(self.loop_path),
            "loop_cflags": " ".join(CFLAGS),
            "compiler": compiler_version(),
            "threads": 1,
        }

    # -- Fr --

    def fr_empty(self, n: int) -> np.ndarray:
        return np.zeros((n, 4), dtype=np.uint64)

    def fr_from_le_bytes(self, raw: bytes | np.ndarray, n: int) -> np.ndarray:
        buf = np.frombuffer(raw, dtype=np.uint8) if isinstance(raw, (bytes, bytearray)) else raw
        buf = np.ascontiguousarray(buf, dtype=np.uint8)
        if buf.size != 32 * n:
            raise ValueError(f"expected {32 * n} bytes, got {buf.size}")
        out = self.fr_empty(n)
        bad = self.loop.mcl_fr_from_le_bytes(self.fn["mclBnFr_setLittleEndianMod"], _ptr(out), _ptr(buf), n)
        if bad:
            raise ValueError(f"mclBnFr_setLittleEndianMod refused {bad} of {n} values")
        return out

    def fr_from_ints(self, values) -> np.ndarray:
        values = list(values)
        raw = b"".join(int(x).to_bytes(32, "little") for x in values)
        return self.fr_from_le_bytes(raw, len(values))

    def fr_from_canonical_limbs(self, limbs: np.ndarray) -> np.ndarray:
        """mcl elements from canonical little-endian uint64 limbs of shape (n, 4)."""
        limbs = np.ascontiguousarray(limbs, dtype="<u8")
        return self.fr_from_le_bytes(limbs.view(np.uint8).reshape(-1), limbs.shape[0])

    def fr_to_le_bytes(self, a: np.ndarray) -> bytes:
        a = np.ascontiguousarray(a, dtype=np.uint64).reshape(-1, 4)
        buf = np.zeros(32 * a.shape[0], dtype=np.uint8)
        bad = self.loop.mcl_fr_to_le_bytes(self.fn["mclBnFr_getLittleEndian"], _ptr(buf), _ptr(a), a.shape[0])
        if bad:
            raise ValueError(f"mclBnFr_getLittleEndian failed on {bad} values")
        return buf.tobytes()

    def fr_to_ints(self, a: np.ndarray) -> list[int]:
        raw = self.fr_to_le_bytes(a)
        return [int.from_bytes(raw[i:i + 32], "little") for i in range(0, len(raw), 32)]

    def fr_random(self, n: int) -> np.ndarray:
        """n elements from mcl's CSPRNG (not reproducible; use fr_from_* for shared inputs)."""
        out = self.fr_empty(n)
        if self.loop.mcl_fr_random(self.fn["mclBnFr_setByCSPRNG"], _ptr(out), n):
            raise RuntimeError("mclBnFr_setByCSPRNG failed")
        return out

    def fr_mul(self, out: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        """out[i] = a[i]·b[i] in a C loop; returns the loop's seconds."""
        n = a.shape[0]
        if b.shape[0] != n or out.shape[0] != n:
            raise ValueError("length mismatch")
        return self.loop.mcl_fr_mul_loop(self.fn["mclBnFr_mul"], _ptr(out), _ptr(a), _ptr(b), n)

    def fr_inner(self, a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
        """(seconds, Σ a[i]·b[i] as a (4,) mcl element), one mclBnFr_mul + mclBnFr_add per element."""
        n = a.shape[0]
        if b.shape[0] != n:
            raise ValueError("length mismatch")
        out = np.zeros(4, dtype=np.uint64)
        dt = self.loop.mcl_fr_inner_loop(self.fn["mclBnFr_mul"], self.fn["mclBnFr_add"],
                                         _ptr(out), _ptr(a), _ptr(b), n)
        return dt, out

    # -- G1 --

    def g1_generator(self) -> np.ndarray:
        """The standard alt_bn128 G1 generator (1, 2) as a (12,) mcl point."""
        g = np.zeros(12, dtype=np.uint64)
        s = b"1 1 2"
        if self._g1_set_str(_ptr(g), s, len(s), IO_DEC) != 0:
            raise RuntimeError("mclBnG1_setStr(1 1 2) failed")
        return g

    def g1_random_points(self, n: int, seed: int = 0) -> tuple[np.ndarray, float]:
        """(points (n, 12), seconds): normalized points P_0 = [s]G, P_{i+1} = 2·P_i + G.

        ``s`` comes from ``seed``, so the points are reproducible.  Generating costs one
        doubling, one addition and one normalization (an inversion) per point.
        """
        g = self.g1_generator()
        s = int(np.random.default_rng(seed).integers(1, 2**62)) * 0x9E3779B97F4A7C15 % BN254_R
        start = np.zeros(12, dtype=np.uint64)
        self._g1_mul(_ptr(start), _ptr(g), _ptr(self.fr_from_ints([s])))
        out = np.zeros((n, 12), dtype=np.uint64)
        dt = self.loop.mcl_g1_fill_chain(self.fn["mclBnG1_dbl"], self.fn["mclBnG1_add"],
                                         self.fn["mclBnG1_normalize"], _ptr(out), _ptr(start), _ptr(g), n)
        return out, dt

    def g1_mul_vec(self, points: np.ndarray, scalars: np.ndarray,
                   cpu_n: int | None = None) -> tuple[float, np.ndarray]:
        """(seconds, Σ scalars[i]·points[i]) with mclBnG1_mulVec, or mclBnG1_mulVecMT when cpu_n is given.

        mcl may normalize ``points`` in place.  Whether mulVecMT really uses several threads
        depends on how the bundled library was built (it needs MCL_USE_OMP).
        """
        n = points.shape[0]
        if points.shape != (n, 12) or scalars.shape != (n, 4):
            raise ValueError(f"expected points (n, 12) and scalars (n, 4), "
                             f"got {points.shape}, {scalars.shape}")
        if not (points.flags.c_contiguous and scalars.flags.c_contiguous):
            raise ValueError("points and scalars must be C-contiguous")
        out = np.zeros(12, dtype=np.uint64)
        def call():
            return self._mul_vec(out, points, scalars, n, cpu_n)
        # mcl puts O(n) scratch on the stack, which overflows the default 8 MiB near 2^18 points
        return run_with_stack(call, BIG_STACK_BYTES) if n > BIG_STACK_ABOVE else call()

    def _mul_vec(self, out, points, scalars, n, cpu_n):
        if cpu_n is None:
            dt = self.loop.mcl_g1_mulvec_time(self.fn["mclBnG1_mulVec"], _ptr(out), _ptr(points),
                                              _ptr(scalars), n)
        else:
            dt = self.loop.mcl_g1_mulvec_mt_time(self.fn["mclBnG1_mulVecMT"], _ptr(out), _ptr(points),
                                                 _ptr(scalars), n, cpu_n)
        return dt, out

    def g1_mul(self, point: np.ndarray, scalar: np.ndarray) -> np.ndarray:
        out = np.zeros(12, dtype=np.uint64)
        self._g1_mul(_ptr(out), _ptr(np.ascontiguousarray(point)), _ptr(np.ascontiguousarray(scalar)))
        return out

    def g1_add(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        out = np.zeros(12, dtype=np.uint64)
        self._g1_add(_ptr(out), _ptr(np.ascontiguousarray(p)), _ptr(np.ascontiguousarray(q)))
        return out

    def g1_equal(self, p: np.ndarray, q: np.ndarray) -> bool:
        return bool(self._g1_is_equal(_ptr(np.ascontiguousarray(p)), _ptr(np.ascontiguousarray(q))))

    # -- pairing (ctypes calls: one out-of-line call per pairing, ~1 µs against ~1 ms of work) --

    def _pairing_protos(self) -> dict:
        if not hasattr(self, "_pp"):
            vp, sz, ci = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
            lib = self.lib

            def proto(name, restype, *argtypes):
                return ctypes.CFUNCTYPE(restype, *argtypes)((name, lib))
            self._pp = {
                "g2_set_str": proto("mclBnG2_setStr", ci, vp, ctypes.c_char_p, sz, ci),
                "g2_mul": proto("mclBnG2_mul", None, vp, vp, vp),
                "g2_is_valid": proto("mclBnG2_isValid", ci, vp),
                "g1_neg": proto("mclBnG1_neg", None, vp, vp),
                "pairing": proto("mclBn_pairing", None, vp, vp, vp),
                "miller_vec": proto("mclBn_millerLoopVec", None, vp, vp, vp, sz),
                "final_exp": proto("mclBn_finalExp", None, vp, vp),
                "gt_is_one": proto("mclBnGT_isOne", ci, vp),
                "gt_is_equal": proto("mclBnGT_isEqual", ci, vp, vp),
            }
        return self._pp

    def g2_generator(self) -> np.ndarray:
        """The alt_bn128 G2 generator (py_ecc's G2, EIP-197's) as a (24,) mcl point."""
        from py_ecc.optimized_bn128 import G2, normalize

        x, y = normalize(G2)
        s = f"1 {x.coeffs[0]} {x.coeffs[1]} {y.coeffs[0]} {y.coeffs[1]}".encode()
        q = np.zeros(24, dtype=np.uint64)
        pp = self._pairing_protos()
        if pp["g2_set_str"](_ptr(q), s, len(s), IO_DEC) != 0 or not pp["g2_is_valid"](_ptr(q)):
            raise RuntimeError("mclBnG2_setStr of the G2 generator failed")
        return q

    def pairing_inputs(self, s: int, t: int) -> tuple[np.ndarray, np.ndarray]:
        """G1 points [[s·t]G1, −[s]G1] (2, 12) and G2 points [G2, [t]G2] (2, 24):
        e([st]G1, G2)·e(−[s]G1, [t]G2) = 1, the shape of a KZG pairing check."""
        pp = self._pairing_protos()
        g, h = self.g1_generator(), self.g2_generator()
        p = np.zeros((2, 12), dtype=np.uint64)
        q = np.zeros((2, 24), dtype=np.uint64)
        p[0] = self.g1_mul(g, self.fr_from_ints([s * t % BN254_R])[0])
        pp["g1_neg"](_ptr(p[1]), _ptr(self.g1_mul(g, self.fr_from_ints([s])[0])))
        q[0] = h
        pp["g2_mul"](_ptr(q[1]), _ptr(h), _ptr(self.fr_from_ints([t])[0]))
        return p, q

    def pairing(self, p: np.ndarray, q: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """e(P, Q) (a (48,) GT element): Miller loop and final exponentiation."""
        out = np.zeros(48, dtype=np.uint64) if out is None else out
        self._pairing_protos()["pairing"](_ptr(out), _ptr(p), _ptr(q))
        return out

    def pairing_check(self, p: np.ndarray, q: np.ndarray, out: np.ndarray | None = None) -> bool:
        """Π e(P_i, Q_i) == 1 with one multi-Miller loop (mclBn_millerLoopVec) and one final exp."""
        pp = self._pairing_protos()
        out = np.zeros(48, dtype=np.uint64) if out is None else out
        pp["miller_vec"](_ptr(out), _ptr(p), _ptr(q), p.shape[0])
        pp["final_exp"](_ptr(out), _ptr(out))
        return bool(pp["gt_is_one"](_ptr(out)))

    def gt_equal(self, a: np.ndarray, b: np.ndarray) -> bool:
        return bool(self._pairing_protos()["gt_is_equal"](_ptr(a), _ptr(b)))

    def g1_affine(self, p: np.ndarray) -> tuple[int, int] | None:
        """Affine (x, y) integers of a point, or None for the identity."""
        buf = ctypes.create_string_buffer(1024)
        n = self._g1_get_str(buf, len(buf), _ptr(np.ascontiguousarray(p)), IO_DEC)
        if n == 0:
            raise RuntimeError("mclBnG1_getStr failed")
        parts = buf.value[:n].split()
        if parts == [b"0"]:
            return None
        return int(parts[1]), int(parts[2])


BIG_STACK_ABOVE = 1 << 14
BIG_STACK_BYTES = 1 << 30


def run_with_stack(fn, stack_bytes: int):
    """fn() on a thread with a ``stack_bytes`` stack (mcl's mulVec overflows the default 8 MiB at 2^18)."""
    import threading

    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc
    previous = threading.stack_size(stack_bytes)
    try:
        worker = threading.Thread(target=target, name="mcl-big-stack")
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _dist_version(name: str) -> str | None:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def load() -> Mcl:
    """The process-wide mcl peer on alt_bn128; raises PeerUnavailable with a one-line reason."""
    global _instance
    with _lock:
        if _instance is not None:
            return _instance
        try:
            import mclbn256.mclbn256 as module
        except ImportError:
            raise PeerUnavailable("mcl: skipped, Python package 'mclbn256' is not installed "
                                  "(pip install -e '.[peers]')") from None
        except Exception as exc:  # the package writes and loads a binary on import
            raise PeerUnavailable(f"mcl: skipped, importing mclbn256 failed: {exc}") from None
        loop_path = build_loop_library()
        try:
            loop = ctypes.CDLL(str(loop_path))
        except OSError as exc:
            raise PeerUnavailable(f"mcl: skipped, cannot load {loop_path}: {exc}") from None
        peer = Mcl(module, module.lib, loop, loop_path)
        peer.init_alt_bn128()
        _instance = peer
        return peer


def load_or_skip(skipped: list, peers: dict) -> "Mcl | None":
    """The mcl peer, described in ``peers``; or None, with the reason logged and added to ``skipped``."""
    from attrib.bench.report import log

    try:
        mcl = load()
    except PeerUnavailable as exc:
        log(str(exc))
        skipped.append({"impl": "mcl", "reason": str(exc)})
        return None
    peers["mcl"] = mcl.describe()
    return mcl
