"""Fixed-base scalar multiplication in G1: many scalars times one point, by a comb of window tables.

``fixed_base_mul`` computes ``k_i · B`` for an Fr element array of scalars and
one point ``B`` (default the generator); ``fixed_base_powers`` gives
``[τ^i]_1`` for ``i < n``, the points of a structured reference string.
"""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1, upoly

R: int = fr.MODULUS


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
    return fixed_base_mul(upoly.powers(fr.from_ints([tau % R]), n))
