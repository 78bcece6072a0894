"""Linear claims on committed tables, and the kernels the verifier evaluates itself (PROTOCOL-V2 §0).

A claim says ⟨f, κ⟩ := Σ_{y ∈ {0,1}^m} f[y]·κ(y) = v for a committed table f of 2^m entries
(its nominal size) and a kernel κ whose multilinear extension the verifier evaluates in O(m)
(or O(limbs·m)).  Kernels are *zero-extended*: evaluated at a point x of n ≥ m coordinates they
are κ̃(x_{<m})·Π_{i ≥ m}(1 − x_i), so entries of a table beyond its nominal size never enter a
claim (except the degree kernel, whose purpose is to see them).

Kinds:
- ``eq``: eq(p, ·), a point evaluation f̃(p).
- ``limb``: on the slot table X (X[row + 2^row_bits·slot]): Σ_{i<L} 2^{16i}·eq(p, row)·[slot = a + i],
  the value V(p) of a quantity stored as L 16-bit limbs in slots a … a+L−1, at a row point p
  (zero-extended inside the row bits when p is shorter).
- ``ones``: the sum of the table's entries.
- ``range``: the indicator of [lo, hi): the sum of the entries in that range.
- ``degree``: K_hi(ξ, ·) = eq(ξ, ·) − eq(ξ_{<m}, ·_{<m})·Π_{i ≥ m}(1 − ξ_i)(1 − ·_i): zero for a
  table with no coefficient at an index ≥ 2^m (degree claims: ⟨f, K_hi⟩ = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from attrib.verifier.polynomial import R, evaluate_eq, evaluate_range_indicator

LIMB_BITS = 16
SLOT_BITS = 6                                   # the slot table X has 2^6 = 64 slots per row


@dataclass(frozen=True)
class Kernel:
    """One claim's kernel on a table of 2^bits entries (see the module docstring for the kinds)."""

    kind: str
    bits: int
    point: tuple = ()
    slot: int = 0
    limbs: int = 0
    lo: int = 0
    hi: int = 0


def eq_kernel(point, bits: int | None = None) -> Kernel:
    return Kernel("eq", len(point) if bits is None else bits, tuple(point))


def limb_kernel(point, row_bits: int, slot: int, limbs: int) -> Kernel:
    return Kernel("limb", row_bits + SLOT_BITS, tuple(point), slot=slot, limbs=limbs)


def ones_kernel(bits: int) -> Kernel:
    return Kernel("ones", bits)


def range_kernel(lo: int, hi: int, bits: int) -> Kernel:
    return Kernel("range", bits, lo=lo, hi=hi)


def degree_kernel(xi, bits: int) -> Kernel:
    return Kernel("degree", bits, tuple(xi))


def zero_extension(x: list[int], start: int) -> int:
    """Π_{i ≥ start}(1 − x_i)."""
    acc = 1
    for v in x[start:]:
        acc = acc * (1 - v) % R
    return acc


def eq_zero_extended(p, x: list[int]) -> int:
    """eq(p, x_{<|p|})·Π_{i ≥ |p|}(1 − x_i)."""
    return evaluate_eq(list(p), x[:len(p)]) * zero_extension(x, len(p)) % R


def evaluate_kernel(kernel: Kernel, x: list[int]) -> int:
    """κ̃(x) for a point x of at least kernel.bits coordinates (zero-extended beyond them)."""
    m = kernel.bits
    if len(x) < m:
        raise ValueError(f"a kernel on 2^{m} entries needs at least {m} coordinates, got {len(x)}")
    outside = zero_extension(x, m)
    if kernel.kind == "eq":
        return eq_zero_extended(kernel.point, x[:m]) * outside % R
    if kernel.kind == "ones":
        return outside
    if kernel.kind == "range":
        inside = evaluate_range_indicator(kernel.hi, x[:m]) - evaluate_range_indicator(kernel.lo, x[:m])
        return inside * outside % R
    if kernel.kind == "limb":
        row_bits = m - SLOT_BITS
        rows = eq_zero_extended(kernel.point, x[:row_bits])
        slots = x[row_bits:m]
        weights = sum((1 << (LIMB_BITS * i)) * evaluate_eq(bits_of(kernel.slot + i, SLOT_BITS), slots)
                      for i in range(kernel.limbs))
        return rows * weights % R * outside % R
    if kernel.kind == "degree":
        xi = list(kernel.point)
        low = evaluate_eq(xi[:m], x[:m])
        for a, b in zip(xi[m:], x[m:], strict=True):
            low = low * (1 - a) % R * (1 - b) % R
        return (evaluate_eq(xi, x) - low) % R
    raise ValueError(f"unknown kernel kind {kernel.kind!r}")


def bits_of(index: int, count: int) -> list[int]:
    """The little-endian bits of ``index`` as field elements (a Boolean point)."""
    return [(index >> b) & 1 for b in range(count)]


@dataclass(frozen=True)
class LinearClaim:
    """Σ_parts coefficient·⟨table, kernel⟩ = value, over committed tables named by index."""

    parts: tuple          # ((table index, Kernel, coefficient), ...)
    value: int


def claim(table: int, kernel: Kernel, value: int) -> LinearClaim:
    return LinearClaim(((table, kernel, 1),), value % R)
