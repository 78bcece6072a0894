"""The structured reference string (SRS): powers of τ in G1 for HyperKZG commitments.

An :class:`SRS` holds ``powers[i] = [τ^i]_1`` for ``i < 2**max_log_n`` as a
``kernels`` point array (shape (n, 8), uint64 Montgomery limbs), plus
``[τ]_2``.  It comes from one of two places:

- :meth:`SRS.from_ptau`: a ``.ptau`` file of a powers-of-tau ceremony (the
  snarkjs format, as used by the Perpetual Powers of Tau).  The file is
  checked: the curve's prime, the section sizes, every point used (canonical,
  on the curve, not infinity), ``[τ^0]_1 = G1``, ``[τ^0]_2 = G2`` and pairing
  checks that the powers are consecutive powers of the τ behind ``[τ]_2``.
- :meth:`SRS.dev`: an INSECURE SRS for development and tests, whose τ is
  derived from a public seed.  Its verifying key carries ``insecure = True``,
  so its digest differs from any ceremony SRS.

The .ptau format (little-endian throughout): ``"ptau"``, u32 version, u32
section count, then sections of u32 id, u64 byte size, data.  Section 1
(header): u32 n8 = 32, the base-field prime q in n8 bytes, u32 power and, in
files from snarkjs 0.3 and later, u32 ceremony power.  Section 2 (tauG1):
``2·2^power − 1`` affine G1 points, section 3 (tauG2): ``2^power`` affine G2
points.  A coordinate is n8 bytes, little-endian, in Montgomery form with
R = 2^256 mod q; G2 coordinates are x.c0, x.c1, y.c0, y.c1; the point at
infinity is all zero bytes.  ``kernels`` uses the same R and limb order, so
tauG1 maps onto a point array without arithmetic.

Converted point arrays are cached (``.npy`` plus a JSON record, written
atomically) in ``$ATTRIB_SRS_CACHE_DIR``, else ``$XDG_CACHE_HOME/attrib/srs``,
else ``~/.cache/attrib/srs``, and memory-mapped on later loads.  A cache entry
is used only when its record matches the source (file size, mtime and a
content fingerprint; or the dev seed), the array's SHA-256 matches the record
and spot checks pass; otherwise it is rebuilt.  The cache guards against
corruption and stale entries, not against someone who can write to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from py_ecc import optimized_bn128 as bn

from kernels import fp, fr, g1
from verifier.hyperkzg import VerifyingKey
from verifier.transcript import keccak256

log = logging.getLogger(__name__)

Q: int = bn.field_modulus
R: int = bn.curve_order
_MONT_R = (1 << 256) % Q
_MONT_R_INV = pow(_MONT_R, -1, Q)

PTAU_MAGIC = b"ptau"
PTAU_MAX_VERSION = 1
SECTION_NAMES = {1: "header", 2: "tauG1", 3: "tauG2", 4: "alphaTauG1", 5: "betaTauG1", 6: "betaG2",
                 7: "contributions"}
N8 = 32
G1_LEN = 2 * N8
G2_LEN = 4 * N8

DEV_DOMAIN = b"ATTRIB-V1/DEV-SRS"
CACHE_FORMAT = 1
# Log sizes up to this get the full random-linear-combination check of every
# consecutive pair of powers (two MSMs with 128-bit scalars: ~2 s more at 2^20,
# paid once since the result is cached); larger ones get a random sample.
FULL_CHECK_MAX_LOG_N = 22
SAMPLE_PAIRS = 64
_FINGERPRINT_EDGE = 64 * 1024
_FINGERPRINT_POINTS = 64
_SPOT_CHECKS = 64


class SRSError(ValueError):
    """A powers-of-tau file or cache that cannot be used, or a request the SRS cannot serve."""


def default_cache_dir() -> Path:
    env = os.environ.get("ATTRIB_SRS_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "attrib" / "srs"


@dataclass(frozen=True, eq=False)
class SRS:
    """Powers ``[τ^i]_1`` for i < 2**max_log_n, and ``[τ]_2``."""

    powers: np.ndarray = field(repr=False)
    tau_g2: tuple = field(repr=False)
    max_log_n: int
    insecure: bool
    source: str
    loaded_from_cache: bool = False

    def __post_init__(self) -> None:
        p = self.powers
        if not isinstance(p, np.ndarray) or p.dtype != np.uint64 or p.shape != (1 << self.max_log_n, 8):
            raise SRSError(f"powers must be a uint64 array of shape ({1 << self.max_log_n}, 8), "
                           f"got {getattr(p, 'dtype', type(p).__name__)} {getattr(p, 'shape', '')}")
        if not p.flags.c_contiguous:
            raise SRSError("powers must be C-contiguous")

    @property
    def g1(self) -> tuple:
        return bn.G1

    @property
    def g2(self) -> tuple:
        return bn.G2

    @cached_property
    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey(g1=bn.G1, g2=bn.G2, tau_g2=self.tau_g2, max_log_n=self.max_log_n,
                            insecure=self.insecure)

    def digest(self) -> bytes:
        """The verifying key's digest: names this SRS (and its max_log_n) in manifests."""
        return self.verifying_key.digest()

    def powers_for(self, log_n: int) -> np.ndarray:
        """The first 2**log_n powers (a view, no copy)."""
        if isinstance(log_n, bool) or not isinstance(log_n, (int, np.integer)):
            raise TypeError(f"log_n: expected an int, got {type(log_n).__name__}")
        if log_n < 0:
            raise SRSError(f"log_n must be >= 0, got {log_n}")
        if log_n > self.max_log_n:
            raise SRSError(f"a polynomial with 2^{log_n} = {1 << log_n} coefficients needs 2^{log_n} powers "
                           f"of tau, but this SRS ({self.source}) has max_log_n = {self.max_log_n} "
                           f"(2^{self.max_log_n} = {1 << self.max_log_n} powers)")
        return self.powers[: 1 << int(log_n)]

    # ---- development SRS -------------------------------------------------

    @classmethod
    def dev(cls, max_log_n: int, seed: int = 0, cache_dir: str | os.PathLike | None = None,
            use_cache: bool = True) -> SRS:
        """An INSECURE SRS whose τ = keccak256(DEV_DOMAIN ‖ seed) mod r is public: tests and demos only."""
        _check_log_n(max_log_n)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 256:
            raise SRSError(f"seed must be an int in [0, 2^256), got {seed!r}")
        source = f"dev(seed={seed}) INSECURE"
        log.warning("using an INSECURE development SRS (seed=%d, 2^%d powers): tau is public, proofs made "
                    "with it prove nothing", seed, max_log_n)
        tau = dev_tau(seed)
        tau_g2 = bn.multiply(bn.G2, tau)
        cache = _Cache(cache_dir) if use_cache else None
        if cache is not None:
            powers = cache.load_dev(seed, max_log_n, tau)
            if powers is not None:
                return cls(powers, tau_g2, max_log_n, True, source, loaded_from_cache=True)
        start = time.perf_counter()
        powers = fixed_base_powers(tau, 1 << max_log_n)
        log.info("built the INSECURE dev SRS (seed=%d, 2^%d powers) in %.2f s", seed, max_log_n,
                 time.perf_counter() - start)
        if cache is not None:
            cache.store(f"dev-seed{seed}-log{max_log_n}", powers,
                        {"kind": "dev", "seed": str(seed), "max_log_n": max_log_n})
        return cls(powers, tau_g2, max_log_n, True, source)

    # ---- ceremony SRS ----------------------------------------------------

    @classmethod
    def from_ptau(cls, path: str | os.PathLike, max_log_n: int | None = None,
                  cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                  full_check: bool | None = None) -> SRS:
        """Load 2**max_log_n powers (default: all 2**power the file has) from a snarkjs .ptau file.

        ``full_check`` checks every consecutive pair of powers with one random
        linear combination (two MSMs) instead of a random sample; by default
        it does so for max_log_n <= FULL_CHECK_MAX_LOG_N.
        """
        path = Path(path)
        start = time.perf_counter()
        ptau = _PtauFile(path)
        if max_log_n is None:
            max_log_n = ptau.power
        _check_log_n(max_log_n)
        if max_log_n > ptau.power:
            raise SRSError(f"{path.name}: max_log_n = {max_log_n} needs 2^{max_log_n} = {1 << max_log_n} "
                           f"powers of tau, but the file has power {ptau.power} "
                           f"(2^{ptau.power} = {1 << ptau.power} usable powers)")
        n = 1 << max_log_n
        tau_g2_raw = ptau.read_tau_g2(2)
        g2_0 = _g2_from_ptau(tau_g2_raw[:G2_LEN], f"{path.name}: tauG2[0]")
        tau_g2 = _g2_from_ptau(tau_g2_raw[G2_LEN:], f"{path.name}: tauG2[1]")
        if not bn.eq(g2_0, bn.G2):
            raise SRSError(f"{path.name}: tauG2[0] is not the G2 generator")
        if bn.is_inf(tau_g2) or bn.eq(tau_g2, bn.G2):
            raise SRSError(f"{path.name}: tauG2[1] = [tau]_2 is trivial (tau = 0 or 1)")
        source = f"ptau:{path.name}"
        cache = _Cache(cache_dir) if use_cache else None
        if cache is not None:
            meta = {"kind": "ptau", "max_log_n": max_log_n, "file_size": ptau.size,
                    "file_mtime_ns": ptau.mtime_ns, "fingerprint": ptau.fingerprint(n),
                    "tau_g2": tau_g2_raw.hex()}
            powers = cache.load_ptau(ptau, meta)
            if powers is not None:
                log.info("loaded %d powers of tau from the cache for %s in %.3f s", n, path.name,
                         time.perf_counter() - start)
                return cls(powers, tau_g2, max_log_n, False, source, loaded_from_cache=True)
        powers = ptau.read_tau_g1(n)
        if full_check is None:
            full_check = max_log_n <= FULL_CHECK_MAX_LOG_N
        _check_consecutive_powers(powers, tau_g2, full_check, path.name)
        log.info("loaded and checked %d powers of tau from %s in %.2f s", n, path.name,
                 time.perf_counter() - start)
        if cache is not None:
            cache.store(cache.ptau_name(path, meta), powers, meta)
        return cls(powers, tau_g2, max_log_n, False, source)


# ---- helpers ---------------------------------------------------------------


def _check_log_n(max_log_n) -> None:
    if isinstance(max_log_n, bool) or not isinstance(max_log_n, (int, np.integer)):
        raise SRSError(f"max_log_n must be an int, got {type(max_log_n).__name__}")
    if not 0 <= max_log_n <= 28:
        raise SRSError(f"max_log_n must be in [0, 28], got {max_log_n}")


def dev_tau(seed: int) -> int:
    """τ of the dev SRS for ``seed`` (public: that is what makes it insecure)."""
    tau = int.from_bytes(keccak256(DEV_DOMAIN + seed.to_bytes(32, "big")), "big") % R
    if tau < 2:  # never in practice; keeps τ^i distinct
        raise SRSError(f"dev seed {seed} gives a degenerate tau")
    return tau


def fr_powers(x: int, n: int) -> np.ndarray:
    """[1, x, x², …, x^(n−1)] as an Fr element array, by repeated doubling of the prefix."""
    out = fr.from_ints([1])
    while out.shape[0] < n:
        m = out.shape[0]
        out = np.concatenate([out, fr.scale(pow(x, m, R), out[:min(m, n - m)])])
    return np.ascontiguousarray(out[:n])


def _choose_window(n: int, bits: int) -> int:
    """Comb window w minimising (#windows)·(n + 2^w) point additions, at most 16 (64 MiB of table)."""
    return min(range(2, 17), key=lambda w: (-(-bits // w)) * (n + (1 << w)))


def _window_digits(limbs: np.ndarray, w: int, j: int) -> np.ndarray:
    """Bits [w·j, w·j + w) of each canonical 4-limb scalar."""
    lo = w * j
    limb, off = divmod(lo, 64)
    mask = np.uint64((1 << w) - 1)
    d = limbs[:, limb] >> np.uint64(off)
    if off + w > 64 and limb + 1 < 4:
        d = d | (limbs[:, limb + 1] << np.uint64(64 - off))
    return (d & mask).astype(np.intp)


def fixed_base_mul(scalars: np.ndarray, base: np.ndarray | None = None, chunk: int = 1 << 17) -> np.ndarray:
    """k_i · B for an Fr element array of scalars and one point B (default the generator).

    A fixed-base comb: tables T_j[d] = d·2^{wj}·B for every w-bit window j, then
    each result is the sum of one table entry per window, all with vectorised
    affine additions (one batched inversion per pass).
    """
    base = g1.generator() if base is None else g1.check(base).reshape(8)
    n = scalars.shape[0]
    if n == 0:
        return g1.infinity(0)
    bits = R.bit_length()
    w = _choose_window(n, bits)
    windows = -(-bits // w)
    size = 1 << w
    # Window bases 2^{wj}·B, then tables by doubling the filled prefix.
    shifts = fr.from_ints([pow(2, w * j, R) for j in range(windows)])
    bases = g1.scalar_mul(np.tile(base, (windows, 1)), shifts, check=False)
    table = np.zeros((windows, size, 8), dtype=np.uint64)
    table[:, 1] = bases
    step = bases  # 2^k · B_j
    span = 1
    while span < size:
        lower = np.ascontiguousarray(table[:, :span]).reshape(-1, 8)
        table[:, span:2 * span] = g1.add(lower, np.repeat(step, span, axis=0), check=False).reshape(
            windows, span, 8)
        span *= 2
        if span < size:
            step = g1.double(step, check=False)
    limbs = fr.to_limbs(scalars)
    out = np.empty((n, 8), dtype=np.uint64)
    for lo in range(0, n, chunk):
        part = limbs[lo:lo + chunk]
        acc = table[0][_window_digits(part, w, 0)]
        for j in range(1, windows):
            acc = g1.add(acc, table[j][_window_digits(part, w, j)], check=False)
        out[lo:lo + chunk] = acc
    return out


def fixed_base_powers(tau: int, n: int) -> np.ndarray:
    """[τ^i]_1 for i < n."""
    return fixed_base_mul(fr_powers(tau, n))


def _mont_to_int(b: bytes) -> int:
    return int.from_bytes(b, "little") * _MONT_R_INV % Q


def _g2_from_ptau(raw: bytes, what: str) -> tuple:
    """A G2 point from ptau's LE Montgomery x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, checked (twist and subgroup)."""
    words = [int.from_bytes(raw[i:i + N8], "little") for i in range(0, G2_LEN, N8)]
    for name, word in zip(("x.c0", "x.c1", "y.c0", "y.c1"), words):
        if word >= Q:
            raise SRSError(f"{what}: coordinate {name} is not canonical (>= q)")
    if not any(words):
        return bn.Z2
    x0, x1, y0, y1 = (w * _MONT_R_INV % Q for w in words)
    point = (bn.FQ2([x0, x1]), bn.FQ2([y0, y1]), bn.FQ2.one())
    if not bn.is_on_curve(point, bn.b2):
        raise SRSError(f"{what} is not on the G2 twist curve")
    if not bn.is_inf(bn.multiply(point, R)):
        raise SRSError(f"{what} is not in the order-r subgroup of G2")
    return point


def validate_points(points: np.ndarray, what: str, offset: int = 0) -> None:
    """Canonical, on the curve and not infinity, naming the first bad index."""
    coords = points.reshape(-1, 4)
    bad = fp.first_noncanonical_index(coords)
    if bad >= 0:
        i = bad // 2 + offset
        raise SRSError(f"{what}[{i}] (the point [tau^{i}]_1) has a non-canonical "
                       f"{'xy'[bad % 2]} coordinate (>= q)")
    on = g1.is_on_curve(points)
    if not on.all():
        i = int(np.argmin(on)) + offset
        raise SRSError(f"{what}[{i}] (the point [tau^{i}]_1) is not on the curve y^2 = x^3 + 3")
    zero = ~points.any(axis=1)
    if zero.any():
        i = int(np.argmax(zero)) + offset
        raise SRSError(f"{what}[{i}] (the point [tau^{i}]_1) is the point at infinity")


def _random_fr(k: int) -> np.ndarray:
    """k uniformly random 128-bit scalars from the OS (unpredictable to whoever made the file)."""
    limbs = np.zeros((k, 4), dtype=np.uint64)
    limbs[:, :2] = np.frombuffer(secrets.token_bytes(16 * k), dtype="<u8").reshape(k, 2)
    limbs[:, 0] |= np.uint64(1)  # never zero
    return fr.from_limbs(limbs)


def _pairs_hold(lhs, rhs, tau_g2) -> bool:
    """e(lhs, [1]_2) == e(rhs, [τ]_2)."""
    miller = (bn.pairing(bn.G2, lhs, final_exponentiate=False)
              * bn.pairing(tau_g2, bn.neg(rhs), final_exponentiate=False))
    return bn.final_exponentiate(miller) == bn.FQ12.one()


def _ratio_holds(powers: np.ndarray, idx: np.ndarray, tau_g2) -> bool:
    """e(Σρ_i P_{i+1}, G2) = e(Σρ_i P_i, [τ]_2) over the pair indices ``idx``, with fresh random ρ."""
    rho = _random_fr(idx.shape[0])
    if idx.shape[0] == powers.shape[0] - 1:  # every pair: contiguous slices, no gather
        lhs = g1.msm(powers[1:], rho, check=False)
        rhs = g1.msm(powers[:-1], rho, check=False)
    else:
        lhs = g1.msm(np.ascontiguousarray(powers[idx + 1]), rho, check=False)
        rhs = g1.msm(np.ascontiguousarray(powers[idx]), rho, check=False)
    return _pairs_hold(g1.to_py_ecc(lhs), g1.to_py_ecc(rhs), tau_g2)


def _check_consecutive_powers(powers: np.ndarray, tau_g2, full: bool, name: str) -> None:
    """P_{i+1} = τ·P_i for every i (full) or for a random sample that always has i = 0 and the last i.

    One pairing check of random linear combinations; when it fails, bisection
    (one more pairing check per halving) names the first bad pair it finds.
    """
    n = powers.shape[0]
    if n < 2:
        return
    if full:
        idx = np.arange(n - 1)
    else:
        rng = np.random.default_rng(secrets.randbits(128))
        idx = np.unique(np.concatenate([[0, n - 2], rng.integers(0, n - 1, size=SAMPLE_PAIRS)]))
    if _ratio_holds(powers, idx, tau_g2):
        return
    p = g1.to_py_ecc(np.ascontiguousarray(powers[:2]))
    if not _pairs_hold(p[1], p[0], tau_g2):
        raise SRSError(f"{name}: pairing check e([tau]_1, G2) = e(G1, [tau]_2) failed: tauG1[1] and "
                       f"tauG2[1] do not have the same tau")
    bad = idx
    while bad.shape[0] > 1:
        left = bad[: bad.shape[0] // 2]
        bad = bad[bad.shape[0] // 2:] if _ratio_holds(powers, left, tau_g2) else left
    i = int(bad[0])
    if _ratio_holds(powers, bad, tau_g2):  # a random check that failed once passes now: report the range
        raise SRSError(f"{name}: pairing check of consecutive powers of tau failed")
    raise SRSError(f"{name}: pairing check failed: tauG1[{i + 1}] is not tau times tauG1[{i}]")


class _PtauFile:
    """The section table of a .ptau file and reads of the sections this module uses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        name = path.name
        try:
            st = path.stat()
        except FileNotFoundError:
            raise SRSError(f"powers-of-tau file not found: {path}") from None
        self.size = st.st_size
        self.mtime_ns = st.st_mtime_ns
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 4 or head[:4] != PTAU_MAGIC:
                raise SRSError(f"{name}: not a .ptau file (magic {head[:4]!r}, expected {PTAU_MAGIC!r})")
            if len(head) < 12:
                raise SRSError(f"{name}: truncated file header: expected 12 bytes, the file has {self.size}")
            version, count = np.frombuffer(head[4:12], dtype="<u4").tolist()
            if not 1 <= version <= PTAU_MAX_VERSION:
                raise SRSError(f"{name}: unsupported .ptau version {version} (this reader knows "
                               f"1..{PTAU_MAX_VERSION})")
            self.sections: dict[int, list[tuple[int, int]]] = {}
            pos = 12
            for k in range(count):
                f.seek(pos)
                sh = f.read(12)
                if len(sh) < 12:
                    raise SRSError(f"{name}: truncated: the file ends inside the header of section "
                                   f"{k + 1} of {count} (expected 12 bytes at offset {pos}, the file has "
                                   f"{self.size} bytes)")
                sid = int.from_bytes(sh[:4], "little")
                ssize = int.from_bytes(sh[4:], "little")
                pos += 12
                if pos + ssize > self.size:
                    label = SECTION_NAMES.get(sid, "unknown")
                    raise SRSError(f"{name}: section {sid} ({label}) is truncated: expected {ssize} bytes "
                                   f"at offset {pos}, but only {self.size - pos} bytes remain in the file")
                self.sections.setdefault(sid, []).append((pos, ssize))
                pos += ssize
            f.seek(self._section(1)[0])
            header = f.read(self._section(1)[1])
        self._parse_header(header)
        n_g1 = 2 * (1 << self.power) - 1
        self._expect_size(2, n_g1 * G1_LEN, f"2·2^{self.power} − 1 = {n_g1} G1 points")
        self._expect_size(3, (1 << self.power) * G2_LEN, f"2^{self.power} G2 points")

    def _section(self, sid: int) -> tuple[int, int]:
        found = self.sections.get(sid)
        if not found:
            raise SRSError(f"{self.path.name}: missing section {sid} ({SECTION_NAMES[sid]})")
        if len(found) > 1:
            raise SRSError(f"{self.path.name}: section {sid} ({SECTION_NAMES[sid]}) appears "
                           f"{len(found)} times")
        return found[0]

    def _parse_header(self, data: bytes) -> None:
        name = self.path.name
        if len(data) < 4:
            raise SRSError(f"{name}: header section is {len(data)} bytes, too short")
        n8 = int.from_bytes(data[:4], "little")
        if n8 != N8:
            raise SRSError(f"{name}: field elements are {n8} bytes; BN254 needs {N8} (wrong curve?)")
        if len(data) not in (4 + n8 + 4, 4 + n8 + 8):
            raise SRSError(f"{name}: header section is {len(data)} bytes, expected {4 + n8 + 4} or "
                           f"{4 + n8 + 8}")
        q = int.from_bytes(data[4:4 + n8], "little")
        if q != Q:
            raise SRSError(f"{name}: the file's base field prime {q} is not BN254's q = {Q} (wrong curve)")
        self.power = int.from_bytes(data[4 + n8: 8 + n8], "little")
        self.ceremony_power = (int.from_bytes(data[8 + n8: 12 + n8], "little") if len(data) == 12 + n8
                               else self.power)
        if not 1 <= self.power <= 28:
            raise SRSError(f"{name}: power {self.power} is outside [1, 28]")

    def _expect_size(self, sid: int, expected: int, what: str) -> None:
        size = self._section(sid)[1]
        if size != expected:
            raise SRSError(f"{self.path.name}: section {sid} ({SECTION_NAMES[sid]}) has {size} bytes, "
                           f"expected {expected} ({what} for power {self.power})")

    def _read(self, offset: int, length: int) -> bytes:
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read(length)
        if len(data) != length:
            raise SRSError(f"{self.path.name}: short read at offset {offset}: expected {length} bytes, got "
                           f"{len(data)} (file changed while reading?)")
        return data

    def read_tau_g2(self, count: int) -> bytes:
        return self._read(self._section(3)[0], count * G2_LEN)

    def read_tau_g1_raw(self, indices) -> bytes:
        start = self._section(2)[0]
        return b"".join(self._read(start + int(i) * G1_LEN, G1_LEN) for i in indices)

    def read_tau_g1(self, n: int) -> np.ndarray:
        """tauG1[0..n) as a checked point array (the LE Montgomery words are the kernels' limbs)."""
        start = self._section(2)[0]
        with open(self.path, "rb") as f:
            points = np.fromfile(f, dtype="<u8", count=8 * n, offset=start)
        if points.shape[0] != 8 * n:
            raise SRSError(f"{self.path.name}: section 2 (tauG1): expected {n * G1_LEN} bytes, read "
                           f"{points.shape[0] * 8}")
        points = np.ascontiguousarray(points.astype(np.uint64, copy=False).reshape(n, 8))
        validate_points(points, f"{self.path.name}: tauG1")
        if not np.array_equal(points[0], g1.generator()):
            raise SRSError(f"{self.path.name}: tauG1[0] is not the G1 generator")
        return points

    def fingerprint(self, n: int) -> str:
        """SHA-256 of the size, the first and last 64 KiB and a spread of the tauG1 points used."""
        h = hashlib.sha256(self.size.to_bytes(8, "little"))
        h.update(self._read(0, min(self.size, _FINGERPRINT_EDGE)))
        tail = min(self.size, _FINGERPRINT_EDGE)
        h.update(self._read(self.size - tail, tail))
        h.update(self.read_tau_g1_raw(_spread(n, _FINGERPRINT_POINTS)))
        return h.hexdigest()


def _spread(n: int, k: int) -> list[int]:
    """Up to k indices spread over [0, n), always with 0, 1 and n − 1."""
    spread = set(np.linspace(0, n - 1, num=min(n, k), dtype=np.int64).tolist())
    return sorted(spread | {0, min(1, n - 1), n - 1})


class _Cache:
    """One directory of ``NAME.npy`` + ``NAME.json`` entries."""

    def __init__(self, cache_dir) -> None:
        self.dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()

    @staticmethod
    def ptau_name(path: Path, meta: dict) -> str:
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in path.stem)[:64]
        return f"ptau-{stem}-{meta['fingerprint'][:16]}-log{meta['max_log_n']}"

    # -- reading

    def _load(self, name: str, expect: dict) -> np.ndarray | None:
        """The entry's array if its record matches ``expect`` and its bytes hash to the recorded SHA-256."""
        npy, rec = self.dir / f"{name}.npy", self.dir / f"{name}.json"
        if not (npy.exists() and rec.exists()):
            return None
        try:
            meta = json.loads(rec.read_text())
            if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT:
                raise ValueError("unknown record format")
            for key, value in expect.items():
                if meta.get(key) != value:
                    raise ValueError(f"record field {key!r} does not match the source")
            n = 1 << int(meta["max_log_n"])
            if meta.get("shape") != [n, 8] or meta.get("dtype") != "uint64":
                raise ValueError("record shape/dtype are wrong")
            if _sha256_file(npy) != meta.get("sha256"):
                raise ValueError("array file does not match its recorded SHA-256")
            # Copy-on-write map: the kernels need writable buffers; writes never reach the file.
            arr = np.load(npy, mmap_mode="c", allow_pickle=False)
            if arr.dtype != np.uint64 or arr.shape != (n, 8) or not arr.flags.c_contiguous:
                raise ValueError(f"array is {arr.dtype} {arr.shape}, expected uint64 ({n}, 8)")
            sample = np.ascontiguousarray(arr[_spread(n, _SPOT_CHECKS)])
            validate_points(sample, "cached point")
            if not np.array_equal(arr[0], g1.generator()):
                raise ValueError("cached powers do not start with the G1 generator")
            return arr
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("SRS cache entry %s is unusable (%s); rebuilding it", npy, exc)
            return None

    def load_dev(self, seed: int, max_log_n: int, tau: int) -> np.ndarray | None:
        arr = self._load(f"dev-seed{seed}-log{max_log_n}",
                         {"kind": "dev", "seed": str(seed), "max_log_n": max_log_n})
        if arr is None:
            return None
        # Spot check against τ itself: P_i = τ^i·G for a spread of i.
        idx = _spread(arr.shape[0], 8)
        want = g1.scalar_mul(np.tile(g1.generator(), (len(idx), 1)),
                             fr.from_ints([pow(tau, i, R) for i in idx]), check=False)
        if not np.array_equal(np.asarray(arr[idx]), want):
            log.warning("SRS cache entry dev-seed%d-log%d does not match its seed; rebuilding it",
                        seed, max_log_n)
            return None
        return arr

    def load_ptau(self, ptau: _PtauFile, meta: dict) -> np.ndarray | None:
        name = self.ptau_name(ptau.path, meta)
        arr = self._load(name, meta)
        if arr is None:
            return None
        idx = _spread(arr.shape[0], 16)
        if np.ascontiguousarray(arr[idx]).astype("<u8").tobytes() != ptau.read_tau_g1_raw(idx):
            log.warning("SRS cache entry %s does not match %s; rebuilding it", name, ptau.path)
            return None
        return arr

    # -- writing

    def store(self, name: str, powers: np.ndarray, meta: dict) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            npy = self.dir / f"{name}.npy"
            _atomic_write(npy, lambda f: np.save(f, np.ascontiguousarray(powers), allow_pickle=False))
            record = dict(meta, format=CACHE_FORMAT, shape=list(powers.shape), dtype="uint64",
                          sha256=_sha256_file(npy), created=time.time())
            _atomic_write(self.dir / f"{name}.json",
                          lambda f: f.write(json.dumps(record, indent=1, sort_keys=True).encode()))
            log.info("cached %d SRS points in %s", powers.shape[0], npy)
        except OSError as exc:
            log.warning("could not write the SRS cache in %s: %s", self.dir, exc)


def _atomic_write(dest: Path, write) -> None:
    """Write via a temporary file in the same directory, fsync, rename over ``dest``, fsync the directory."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(dest.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()
