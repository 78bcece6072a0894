"""Where the service's SRS comes from; each child process loads its own copy from this."""

from __future__ import annotations

from dataclasses import dataclass

DEV_SRS_SEED = 0


@dataclass(frozen=True)
class SRSSpec:
    """A .ptau file (optionally capped at 2^log_n powers) or, without one, a dev SRS of 2^log_n (default 2^16)."""

    ptau: str | None = None
    log_n: int | None = None
    cache_dir: str | None = None

    DEFAULT_DEV_LOG_N = 16

    def load(self):
        """The :class:`attrib.prover.SRS` this names (imports the prover)."""
        from attrib.prover.srs import SRS

        if self.ptau:
            return SRS.from_ptau(self.ptau, max_log_n=self.log_n, cache_dir=self.cache_dir)
        return SRS.dev(self.log_n or self.DEFAULT_DEV_LOG_N, seed=DEV_SRS_SEED, cache_dir=self.cache_dir)
