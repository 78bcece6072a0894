"""Kernels of linear claims as tables (the prover's side of attrib.verifier.kernels)."""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, mle
from attrib.verifier.kernels import LIMB_BITS, SLOT_BITS, Kernel

R = fr.MODULUS


def element(x: int) -> np.ndarray:
    """One Fr element (shape (1, 4)) from an integer, reduced mod r."""
    return fr.from_ints([x % R])


def padded(table: np.ndarray, size: int) -> np.ndarray:
    """A copy of ``table`` zero-padded to ``size`` entries."""
    out = fr.zeros(size)
    out[: table.shape[0]] = table
    return out


def constant(x: int, size: int) -> np.ndarray:
    """A table of ``size`` entries, each the element x."""
    return np.repeat(element(x), size, axis=0)


def kernel_table(kernel: Kernel, bits: int) -> np.ndarray:
    """The kernel as a table of 2^bits entries (zero beyond its own nominal size, except K_hi)."""
    out = fr.zeros(1 << bits)
    m = kernel.bits
    if kernel.kind == "eq":
        values = mle.eq_table(fr.from_ints(list(kernel.point)))
        out[: values.shape[0]] = values
    elif kernel.kind == "ones":
        out[: 1 << m] = constant(1, 1 << m)
    elif kernel.kind == "range":
        out[kernel.lo: kernel.hi] = constant(1, kernel.hi - kernel.lo)
    elif kernel.kind == "limb":
        row_bits = m - SLOT_BITS
        rows = mle.eq_table(fr.from_ints(list(kernel.point)))
        for i in range(kernel.limbs):
            start = (kernel.slot + i) << row_bits
            out[start: start + rows.shape[0]] = fr.scale(element(1 << (LIMB_BITS * i)), rows)
    elif kernel.kind == "degree":
        xi = list(kernel.point)
        full = mle.eq_table(fr.from_ints(xi))
        high = 1
        for x in xi[m:]:
            high = high * (1 - x) % R
        head = full[: 1 << m]
        fr.sub(head, fr.scale(element(high), mle.eq_table(fr.from_ints(xi[:m]))), out=head)
        out[: full.shape[0]] = full
    else:
        raise ValueError(f"unknown kernel kind {kernel.kind!r}")
    return out
