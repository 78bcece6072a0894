"""Every bound and size of the protocol, in one place.

The spec owns these numbers; the prover, the client, the service, the CLI and the Solidity
generator import them from here, so that no copy can drift.  Each bound is stated as the
half-open range its values must lie in.

Why these values (DESIGN §2): features and queries are 16-bit signed fixed point and scales
24-bit unsigned, so that a per-contributor sum Σ σ_i·φ_ij over up to MAX_DATASET_ROWS rows is
exact in int64 (2^24 · 2^15 · 2^24 = 2^63) and every total A[c,t] = Σ_j G[c,j]·Q[t,j] stays
far below r/2.  An epoch's range checks hold |A| < 2^80 (five 16-bit limbs), C and T ≤ 2^16 and
fees below 2^96, so that every field equation of the fee split is an integer equation
(attrib.verifier.attribution states each bound).
"""

from __future__ import annotations

# ---- values --------------------------------------------------------------------------------

FEATURE_BITS = 16
FEATURE_LIMIT = 1 << (FEATURE_BITS - 1)   # |φ| < 2^15: int16 without −2^15, so that −φ fits too
QUERY_LIMIT = FEATURE_LIMIT               # |q| < 2^15
SCALE_BITS = 24
SCALE_LIMIT = 1 << SCALE_BITS             # 0 ≤ σ < 2^24
FEE_LIMIT = 1 << 96                       # 0 ≤ F < 2^96 (so 2^128·F < 2^224: the division's bound)

# ---- sizes ---------------------------------------------------------------------------------

MAX_LOG_ROWS = 32                         # a manifest has 2^log_rows ≤ 2^32 rows (padding included)
MAX_DATASET_ROWS = 1 << 24                # N ≤ 2^24: the int64 exactness bound above (the prover's)
MAX_COLUMNS = 1 << 20                     # k ≤ 2^20 feature columns
MAX_QUERIES = 1 << 16                     # T ≤ 2^16 queries in one epoch (payouts < 2^112 in seven limbs)
MAX_CONTRIBUTOR_ID_BYTES = 1024           # a contributor id is 1 to 1024 bytes of UTF-8
MAX_CONTRIBUTORS = 1 << 16                # C ≤ 2^16: the epoch's per-inference sums S_t stay below 2^96
MAGNITUDE_LIMBS = 5                       # |A[c,t]| < 2^80 in five 16-bit limbs (the epoch's range checks)
MAX_ENCODING_VERSION = 1 << 32            # a version word above this is not ours
MAX_SEQ = 1 << 64                         # an epoch's number: 0 ≤ seq < 2^64
RECIPE_DIMENSION_LIMIT = 1 << 32          # a recipe's projection dimension < 2^32
RECIPE_SEED_LIMIT = 1 << 64               # a recipe's projection seed < 2^64
MAX_SEGMENTS = 1 << 16                    # versions of one dataset (a registration and its appends)
MAX_OPENED_ROWS = 1 << 12                 # rows in one row opening (its claim and kernel are O(rows))

# ---- the SRS -------------------------------------------------------------------------------

MAX_SRS_LOG_N = 64                        # a verifying key's max_log_n (the field's 2-adicity is 28,
                                          # but HyperKZG needs only powers of τ, and the radix-8 openings
                                          # only the 8th roots of unity)



def power_of_two(limit: int) -> str:
    """A bound as people read it in messages: 2^15 rather than 32768."""
    return f"2^{limit.bit_length() - 1}" if limit > 0 and limit & (limit - 1) == 0 else str(limit)
