"""A small test SRS with a known τ (insecure by construction, for tests only)."""

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fr, g1, upoly
from attrib.verifier.hyperkzg import VerifyingKey

TEST_TAU = 0x1234_5678_9ABC_DEF0_1357_9BDF
TEST_LOG_N = 12


@pytest.fixture(scope="session")
def test_srs():
    """(powers [τ^i]_1 as a point array, verifying key) for 2^12 powers."""
    tau_powers = upoly.powers(fr.from_ints([TEST_TAU]), 1 << TEST_LOG_N)
    powers = g1.scalar_mul(np.tile(g1.generator(), (1 << TEST_LOG_N, 1)), tau_powers)
    vk = VerifyingKey(bn.G1, bn.G2, bn.multiply(bn.G2, TEST_TAU), TEST_LOG_N, insecure=True)
    return powers, vk
