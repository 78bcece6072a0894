"""The structured reference string (SRS): powers of τ in G1 for HyperKZG commitments.

An :class:`SRS` holds ``powers[i] = [τ^i]_1`` for ``i < 2**max_log_n`` as a
``kernels`` point array (shape (n, 8), uint64 Montgomery limbs), plus
``[τ]_2``.  It comes from one of two places:

- :meth:`SRS.from_ptau`: a ``.ptau`` file of a powers-of-tau ceremony (the
  snarkjs format, as used by the Perpetual Powers of Tau; read by
  :mod:`attrib.prover.srs.ptau`).  The file is checked: the curve's prime, the
  section sizes, every point used (canonical, on the curve, not infinity),
  ``[τ^0]_1 = G1``, ``[τ^0]_2 = G2`` and pairing checks that the powers are
  consecutive powers of the τ behind ``[τ]_2``.
- :meth:`SRS.dev`: an INSECURE SRS for development and tests, whose τ is
  derived from a public seed (built with :mod:`attrib.kernels.fixed_base`).
  Its verifying key carries ``insecure = True``, so its digest differs from
  any ceremony SRS.

Converted point arrays are cached on disk and memory-mapped on later loads
(:mod:`attrib.prover.srs.cache`), unless ``use_cache=False``.  This package
and its cache log to the logger ``"attrib.prover.srs"``.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from py_ecc import optimized_bn128 as bn

from attrib.kernels.fixed_base import fixed_base_powers
from attrib.prover.srs.cache import _Cache, ptau_fingerprint
from attrib.prover.srs.errors import SRSError
from attrib.prover.srs.ptau import (
    FULL_CHECK_MAX_LOG_N,
    G2_LEN,
    _check_consecutive_powers,
    _g2_from_ptau,
    _PtauFile,
)
from attrib.verifier.hyperkzg import VerifyingKey
from attrib.verifier.transcript import keccak256

log = logging.getLogger(__name__)

R: int = bn.curve_order
DEV_DOMAIN = b"ATTRIB-V1/DEV-SRS"




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
                    "file_mtime_ns": ptau.mtime_ns, "fingerprint": ptau_fingerprint(ptau, n),
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
