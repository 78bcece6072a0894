"""The product kernels (mul, square, scale, inner) on both code paths, against Python integers.

On a CPU with AVX-512 IFMA the kernels run 8 elements at a time in 52-bit limbs and must
give exactly what the portable 64-bit code gives.  The tests work on raw Montgomery limbs:
an array's limbs are taken as integers x < p as they are, and the expected result of a
product is x * y * 2^-256 mod p, the Montgomery product itself.  This process tests the
path the CPU selects; ``test_portable_path`` runs this whole file again in a subprocess
with ATTRIB_NO_IFMA=1, so on an IFMA machine both paths are covered, and that run's
``test_int128_path`` runs it once more with ATTRIB_NO_ADX=1 as well, so the portable path is
checked with the mulx / adcx / adox multiply (on CPUs with BMI2 and ADX) and with the
__int128 one.
"""

import os
import platform
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attrib import kernels

M64 = (1 << 64) - 1
SIZES = [0, 1, 7, 8, 9, 4097, 65537]
BIG = 100_003  # >= 10^5 elements, not a multiple of 8
FORCED_PORTABLE = os.environ.get("ATTRIB_NO_IFMA", "") not in ("", "0")
FORCED_INT128 = os.environ.get("ATTRIB_NO_ADX", "") not in ("", "0")


def raw(values: list[int]) -> np.ndarray:
    """An element array whose limbs are exactly `values` (no conversion into Montgomery form)."""
    data = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(data, dtype="<u8").astype(np.uint64).reshape(len(values), 4)


def unraw(a: np.ndarray) -> list[int]:
    data = np.ascontiguousarray(a, dtype="<u8").reshape(-1).tobytes()
    return [int.from_bytes(data[32 * i: 32 * i + 32], "little") for i in range(len(data) // 32)]


def mont(p: int):
    """The Montgomery product x * y * 2^-256 mod p."""
    r_inv = pow(1 << 256, -1, p)
    return lambda x, y: x * y * r_inv % p


def edge_values(p: int) -> list[int]:
    """Raw limb values < p where limb splits, carries and the final subtraction go wrong."""
    r = (1 << 256) % p
    top = p >> 192
    limbs = [(p >> (64 * i)) & M64 for i in range(4)]
    values = [0, 1, 2, p - 1, p - 2, p - 3, (p - 1) // 2, (p + 1) // 2,
              r, p - r, r * r % p,                      # Montgomery forms of 1, -1 and R
              (p - 1) * r % p, (p - 2) * r % p,         # Montgomery forms of p-1, p-2
              (1 << 253) - 1, 1 << 253]
    # Limbs of all ones below a top limb that keeps the value < p.
    values += [M64, M64 << 64, M64 << 128, (1 << 192) - 1, (1 << 128) - 1,
               M64 | M64 << 128, ((top - 1) << 192) | ((1 << 192) - 1),
               (top << 192) | ((limbs[2] - 1) << 128) | ((1 << 128) - 1),
               (top << 192) | (limbs[2] << 128) | ((limbs[1] - 1) << 64) | M64,
               top << 192]
    # Edges of the 52-bit limbs, and values just below p in each limb position.
    for k in (52, 104, 156, 208):
        values += [(1 << k) - 1, 1 << k, (1 << k) + 1]
    for k in (0, 1, 51, 52, 63, 64, 103, 104, 128, 155, 156, 192, 207, 208):
        values += [p - (1 << k) - 1, p - (1 << k)]
    values += [p - 1 - i for i in range(16)]
    values = sorted({v for v in values if 0 <= v < p})
    assert len(values) > 60
    return values


def operands(p: int, n: int, seed: int) -> tuple[list[int], list[int]]:
    """n random raw pairs with edge values mixed in at random positions."""
    rng = random.Random(seed)
    edges = edge_values(p)
    xs, ys = [], []
    for _ in range(n):
        xs.append(rng.choice(edges) if rng.random() < 0.1 else rng.randrange(p))
        ys.append(rng.choice(edges) if rng.random() < 0.1 else rng.randrange(p))
    return xs, ys


def check_products(field, xs: list[int], ys: list[int], c: int) -> None:
    """mul, square, scale by c and inner on raw operands, against Python integers."""
    p = field.MODULUS
    mul = mont(p)
    a, b = raw(xs), raw(ys)
    assert unraw(field.mul(a, b)) == [mul(x, y) for x, y in zip(xs, ys)]
    assert unraw(field.square(a)) == [mul(x, x) for x in xs]
    assert unraw(field.scale(raw([c])[0], a)) == [mul(c, x) for x in xs]
    assert unraw(field.inner(a, b)) == [sum(mul(x, y) for x, y in zip(xs, ys)) % p]
    out = np.full_like(a, 7)
    assert field.mul(a, b, out=out) is out and unraw(out) == [mul(x, y) for x, y in zip(xs, ys)]


@pytest.fixture
def threads():
    """Set the kernels' thread count for one test and restore it afterwards."""
    before = kernels.max_threads()
    yield kernels.set_threads
    kernels.set_threads(before)


def cpu_has_ifma() -> bool:
    """Whether the CPU has the AVX-512 subsets the IFMA kernels need (skips where unknown)."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        pytest.skip("needs /proc/cpuinfo to know the CPU's features")
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
                  if line.startswith("flags")), [])
    return all(f in flags for f in ("avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512ifma"))


def test_backend_follows_cpu_and_environment():
    expected = "avx512ifma" if not FORCED_PORTABLE and cpu_has_ifma() else "portable"
    assert kernels.simd_backend() == expected


def cpu_has_adx() -> bool:
    """Whether the CPU has BMI2 and ADX, the mulx / adcx / adox multiply's instructions."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        pytest.skip("needs /proc/cpuinfo to know the CPU's features")
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
                  if line.startswith("flags")), [])
    return "bmi2" in flags and "adx" in flags


def test_scalar_backend_follows_cpu_and_environment():
    expected = "adx" if not FORCED_INT128 and cpu_has_adx() else "int128"
    assert kernels.scalar_backend() == expected


def test_many_random_products(field):
    xs, ys = operands(field.MODULUS, BIG, seed=1)
    check_products(field, xs, ys, c=random.Random(2).randrange(field.MODULUS))


@pytest.mark.parametrize("n", SIZES)
def test_lengths_around_the_8_wide_blocks(field, n):
    xs, ys = operands(field.MODULUS, n, seed=n)
    check_products(field, xs, ys, c=field.MODULUS - 1)


def test_all_pairs_of_edge_values(field):
    p = field.MODULUS
    edges = edge_values(p)
    xs = [x for x in edges for _ in edges]
    ys = [y for _ in edges for y in edges]
    check_products(field, xs, ys, c=p - 2)
    mul = mont(p)
    a = raw(edges)
    for c in edges:
        assert unraw(field.scale(raw([c])[0], a)) == [mul(c, x) for x in edges]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_thread_splits(field, threads, count):
    threads(count)
    xs, ys = operands(field.MODULUS, 65537, seed=count)
    check_products(field, xs, ys, c=3)


@pytest.mark.parametrize("n, at", [(1, 0), (8, 0), (8, 7), (17, 3), (17, 16), (4100, 4095), (4100, 4099)])
@pytest.mark.parametrize("bad", ["p", "p+1", "top limb = p's", "all ones"])
def test_noncanonical_inputs_are_reported(field, n, at, bad):
    p = field.MODULUS
    value = {"p": p, "p+1": p + 1, "top limb = p's": ((p >> 192) << 192) | ((1 << 192) - 1),
             "all ones": (1 << 256) - 1}[bad]
    assert value >= p
    good = raw([random.Random(n).randrange(p) for _ in range(n)])
    spoilt = good.copy()
    spoilt[at] = raw([value])[0]
    for a, b, name in ((spoilt, good, "a"), (good, spoilt, "b")):
        with pytest.raises(ValueError, match=rf"{name}\[{at}\]"):
            field.mul(a, b)
        with pytest.raises(ValueError, match=rf"{name}\[{at}\]"):
            field.inner(a, b)
    with pytest.raises(ValueError, match=rf"a\[{at}\]"):
        field.square(spoilt)
    with pytest.raises(ValueError, match=rf"\[{at}\]"):
        field.scale(5, spoilt)


@pytest.mark.skipif(FORCED_PORTABLE, reason="this run is already the portable one")
def test_portable_path():
    """This file again with ATTRIB_NO_IFMA=1: the portable kernels must pass the same tests."""
    env = dict(os.environ, ATTRIB_NO_IFMA="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
                            env=env, cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.skipif(not FORCED_PORTABLE or FORCED_INT128,
                    reason="runs inside the portable run (test_portable_path), without ATTRIB_NO_ADX")
def test_int128_path():
    """This file again with ATTRIB_NO_IFMA=1 and ATTRIB_NO_ADX=1: the __int128 multiply must
    pass the same tests as the mulx / adcx / adox one."""
    env = dict(os.environ, ATTRIB_NO_IFMA="1", ATTRIB_NO_ADX="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
                            env=env, cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize("value, int128", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_no_adx_variable(value, int128):
    code = "from attrib import kernels; print(kernels.scalar_backend())"
    result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, ATTRIB_NO_ADX=value),
                            capture_output=True, text=True, check=True)
    default = "adx" if cpu_has_adx() else "int128"
    assert result.stdout.strip() == ("int128" if int128 else default)


@pytest.mark.skipif(FORCED_PORTABLE, reason="needs no run-wide ATTRIB_NO_IFMA")
@pytest.mark.parametrize("value, portable", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_no_ifma_variable(value, portable):
    code = "import kernels; print(kernels.simd_backend())"
    result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, ATTRIB_NO_IFMA=value),
                            capture_output=True, text=True, check=True)
    default = "avx512ifma" if cpu_has_ifma() else "portable"
    assert result.stdout.strip() == ("portable" if portable else default)
