"""Reading snarkjs ``.ptau`` files (powers of tau ceremonies) and checking the points loaded from them.

The format (little-endian throughout): ``"ptau"``, u32 version, u32 section
count, then sections of u32 id, u64 byte size, data.  Section 1 (header): u32
n8 = 32, the base-field prime q in n8 bytes, u32 power and, in files from
snarkjs 0.3 and later, u32 ceremony power (not used here).  Section 2 (tauG1):
``2·2^power − 1`` affine G1 points, section 3 (tauG2): ``2^power`` affine G2
points.  A coordinate is n8 bytes, little-endian, in Montgomery form with
R = 2^256 mod q; G2 coordinates are x.c0, x.c1, y.c0, y.c1; the point at
infinity is all zero bytes.  ``kernels`` uses the same R and limb order, so
tauG1 maps onto a point array without arithmetic.

:class:`_PtauFile` reads the section table and checks the header and section
sizes; :meth:`_PtauFile.read_tau_g1` checks every point it returns with
:func:`validate_points` (canonical, on the curve, not infinity) and that the
first is the G1 generator; :func:`_g2_from_ptau` decodes and checks a G2
point; :func:`_check_consecutive_powers` checks by pairings that the tauG1
points are consecutive powers of the τ behind ``[τ]_2``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fp, fr, g1
from attrib.prover.srs.errors import SRSError

Q: int = bn.field_modulus
R: int = bn.curve_order
_MONT_R_INV = pow((1 << 256) % Q, -1, Q)

PTAU_MAGIC = b"ptau"
PTAU_MAX_VERSION = 1
SECTION_NAMES = {1: "header", 2: "tauG1", 3: "tauG2", 4: "alphaTauG1", 5: "betaTauG1", 6: "betaG2",
                 7: "contributions"}
N8 = 32
G1_LEN = 2 * N8
G2_LEN = 4 * N8

# Log sizes up to this get the full random-linear-combination check of every
# consecutive pair of powers (two MSMs with 128-bit scalars: ~2 s more at 2^20,
# paid once since the result is cached); larger ones get a random sample.
FULL_CHECK_MAX_LOG_N = 22
SAMPLE_PAIRS = 64


class _PtauFile:
    """The section table of a .ptau file (checked against the header's power) and reads of its sections."""

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
        self.power = int.from_bytes(data[4 + n8: 8 + n8], "little")  # a ceremony power after it is ignored
        if not 1 <= self.power <= 28:
            raise SRSError(f"{name}: power {self.power} is outside [1, 28]")

    def _expect_size(self, sid: int, expected: int, what: str) -> None:
        size = self._section(sid)[1]
        if size != expected:
            raise SRSError(f"{self.path.name}: section {sid} ({SECTION_NAMES[sid]}) has {size} bytes, "
                           f"expected {expected} ({what} for power {self.power})")

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset``, all of them or an SRSError."""
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read(length)
        if len(data) != length:
            raise SRSError(f"{self.path.name}: short read at offset {offset}: expected {length} bytes, got "
                           f"{len(data)} (file changed while reading?)")
        return data

    def read_tau_g2(self, count: int) -> bytes:
        return self.read(self._section(3)[0], count * G2_LEN)

    def read_tau_g1_raw(self, indices) -> bytes:
        start = self._section(2)[0]
        return b"".join(self.read(start + int(i) * G1_LEN, G1_LEN) for i in indices)

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
