"""The kernels' C headers on aarch64: cross-compiled, run under qemu-user, against Python integers.

The Python extension cannot be cross-built here (no aarch64 Python or numpy), so this test
builds the C kernels themselves (kernels/src: bn254.h with field_vec.h, g1.h, msm.h) into a
small C driver, with vectors computed here with Python integers written into a header:

* Fr and Fp through the per-field tables the Cython layer dispatches through (``FR_OPS`` /
  ``FP_OPS``): the raw Montgomery product (a * b * 2^-256 mod p on raw limbs), to / from
  Montgomery form, mul, add, sub, inner product, and the scalar ``f_mul`` / ``f_add`` /
  ``f_sub``, with the edge values 0, 1, p - 1, p - 2 and 2^255-ish limbs among random ones;
* G1: every input point on the curve, one scalar multiplication (``g1_jac_mul``), and MSMs
  (``msm_choose_window`` + ``msm_digits_from_limbs`` / ``msm_digits_from_int64`` +
  ``msm_run``) of full 254-bit and signed 16-bit scalars over 37 and 5000 points (a repeated
  point and a negated one among them; 5000 is past the batch size and the parallel
  threshold), at the chosen window and at fixed windows 2, 7 and 13.  The points are
  P_i = a_i G with known a_i, so Σ k_i P_i = (Σ k_i a_i mod r) G is one scalar
  multiplication in Python.

The driver prints the architecture and which paths the preprocessor compiled in
(``ATTRIB_HAVE_IFMA``, ``ATTRIB_HAVE_ADX``) and which ran (``attrib_scalar_backend()``,
``attrib_simd_backend()``): on aarch64 the x86 inline assembly and the AVX-512 IFMA code must
be left out, leaving the portable ``__int128`` path.

``test_aarch64_under_qemu`` needs ``aarch64-linux-gnu-gcc`` and ``qemu-aarch64`` (Debian:
``apt-get install qemu-user gcc-aarch64-linux-gnu``) and skips, saying which is missing,
without them (CI does not install them).  ``test_driver_native`` runs the same driver built by
the host compiler on every path this CPU has (IFMA, ADX, ``__int128``, ``-DATTRIB_NO_ASM``),
so the driver and its vectors are checked wherever a C compiler is.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from attrib.kernels.params import FP_MODULUS, FR_MODULUS

SRC = Path(__file__).resolve().parents[2] / "kernels" / "src"
CROSS_CC = "aarch64-linux-gnu-gcc"
QEMU = "qemu-aarch64"
M64 = (1 << 64) - 1
R256 = 1 << 256
N_FIELD = 200
N_MSM = 5000
N_MSM_SMALL = 37
FIXED_WINDOWS = (2, 7, 13)
# checks the driver makes: 10 per field, 2 on points, 4 MSMs (full / i16 × 37 / 5000 points) per window
CHECKS = 2 * 10 + 2 + 4 * (1 + len(FIXED_WINDOWS))

# ---- vectors from Python integers ------------------------------------------------------------

G = (1, 2)  # the BN254 G1 generator; y^2 = x^3 + 3 over Fp


def ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    q = FP_MODULUS
    if x1 == x2:
        if (y1 + y2) % q == 0:
            return None
        lam = 3 * x1 * x1 * pow(2 * y1, -1, q) % q
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, q) % q
    x3 = (lam * lam - x1 - x2) % q
    return x3, (lam * (x1 - x3) - y1) % q


def ec_mul(p, k):
    acc = None
    while k:
        if k & 1:
            acc = ec_add(acc, p)
        p = ec_add(p, p)
        k >>= 1
    return acc


def limbs(x: int) -> list[int]:
    return [(x >> (64 * i)) & M64 for i in range(4)]


def c_array(name: str, ctype: str, rows: list[list[int]]) -> str:
    width = len(rows[0])
    body = ",\n".join("{" + ", ".join(f"0x{v:016x}ULL" for v in row) + "}" for row in rows)
    return f"static const {ctype} {name}[{len(rows)}][{width}] = {{\n{body}\n}};\n"


def field_vectors(name: str, p: int, rng: random.Random) -> str:
    edge = [0, 1, 2, p - 1, p - 2, (p - 1) // 2, R256 % p, (1 << 253) + 12345]
    a = edge + [rng.randrange(p) for _ in range(N_FIELD - len(edge))]
    b = list(reversed(edge)) + [rng.randrange(p) for _ in range(N_FIELD - len(edge))]
    rinv = pow(R256, -1, p)
    out = [c_array(f"{name}_A", "uint64_t", [limbs(x) for x in a]),
           c_array(f"{name}_B", "uint64_t", [limbs(x) for x in b]),
           c_array(f"{name}_MUL", "uint64_t", [limbs(x * y % p) for x, y in zip(a, b)]),
           c_array(f"{name}_ADD", "uint64_t", [limbs((x + y) % p) for x, y in zip(a, b)]),
           c_array(f"{name}_SUB", "uint64_t", [limbs((x - y) % p) for x, y in zip(a, b)]),
           c_array(f"{name}_MONT", "uint64_t", [limbs(x * y * rinv % p) for x, y in zip(a, b)]),
           c_array(f"{name}_INNER", "uint64_t", [limbs(sum(x * y for x, y in zip(a, b)) % p)])]
    return "".join(out)


def msm_vectors(rng: random.Random) -> str:
    r, q = FR_MODULUS, FP_MODULUS
    s = rng.randrange(1, r)
    step = ec_mul(G, s)
    points, logs = [], []  # logs: the a_i with P_i = a_i G
    cur = step
    for i in range(N_MSM - 2):
        points.append(cur)
        logs.append((i + 1) * s % r)
        cur = ec_add(cur, step)
    points.append(points[3])  # a repeated point
    logs.append(logs[3])
    points.append((points[5][0], (q - points[5][1]) % q))  # a negated one
    logs.append((r - logs[5]) % r)
    order = list(range(N_MSM))
    rng.shuffle(order)
    points, logs = [points[i] for i in order], [logs[i] for i in order]
    full = [rng.randrange(r) for _ in range(N_MSM)]
    full[:3] = [0, 1, r - 1]
    small = [rng.randrange(-(1 << 15), 1 << 15) for _ in range(N_MSM)]
    small[:3] = [0, -1, -(1 << 15)]

    def want(scalars, n):
        pt = ec_mul(G, sum(k * a for k, a in zip(scalars[:n], logs[:n])) % r)
        return [0] * 8 if pt is None else limbs(pt[0]) + limbs(pt[1])

    k0 = full[7]
    mul0 = ec_mul(points[0], k0)
    mont = [limbs(x * R256 % q) + limbs(y * R256 % q) for x, y in points]
    small_bits = max(max(abs(v) for v in small[:n]).bit_length() for n in (N_MSM, N_MSM_SMALL))
    out = [f"#define N_MSM {N_MSM}\n#define N_MSM_SMALL {N_MSM_SMALL}\n#define SMALL_BITS {small_bits}\n",
           c_array("MSM_POINTS", "uint64_t", mont),
           c_array("MSM_FULL", "uint64_t", [limbs(k) for k in full]),
           f"static const int64_t MSM_SMALL[{N_MSM}] = {{{', '.join(f'{v}LL' for v in small)}}};\n",
           c_array("MSM_WANT", "uint64_t", [want(full, N_MSM), want(full, N_MSM_SMALL),
                                             want(small, N_MSM), want(small, N_MSM_SMALL)]),
           c_array("MUL0_K", "uint64_t", [limbs(k0)]),
           c_array("MUL0_WANT", "uint64_t", [limbs(mul0[0]) + limbs(mul0[1])])]
    return "".join(out)


def vectors_header() -> str:
    rng = random.Random(20240518)
    return ("/* Generated by tests/kernels/test_aarch64.py from Python integers. */\n#include <stdint.h>\n"
            f"#define N_FIELD {N_FIELD}\n" + field_vectors("FR", FR_MODULUS, rng)
            + field_vectors("FP", FP_MODULUS, rng) + msm_vectors(rng))


DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bn254.h"
#include "g1.h"
#include "msm.h"
#include "vectors.h"

static int failures = 0, checks = 0;

static void check(int ok, const char *what, const char *field) {
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL %s %s\n", field, what);
    }
}

static int same(const uint64_t *a, const uint64_t *b, int64_t n) { return memcmp(a, b, (size_t)n * 32) == 0; }

static void field_checks(const char *name, const field_ops_t *ops, const uint64_t (*A)[4], const uint64_t (*B)[4],
                         const uint64_t (*MUL)[4], const uint64_t (*ADD)[4], const uint64_t (*SUB)[4],
                         const uint64_t (*MONT)[4], const uint64_t *INNER) {
    const int64_t n = N_FIELD;
    uint64_t *am = malloc(n * 32), *bm = malloc(n * 32), *out = malloc(n * 32), *canon = malloc(n * 32);
    uint64_t one[4];
    /* the Montgomery product itself, on raw limbs */
    check(ops->mul(out, &A[0][0], &B[0][0], n) == 0 && same(out, &MONT[0][0], n), "vec mul (raw Montgomery)", name);
    ops->to_mont(am, &A[0][0], n);
    ops->to_mont(bm, &B[0][0], n);
    check(ops->from_mont(canon, am, n) == 0 && same(canon, &A[0][0], n), "to_mont / from_mont round trip", name);
    check(ops->mul(out, am, bm, n) == 0 && ops->from_mont(canon, out, n) == 0 && same(canon, &MUL[0][0], n),
          "vec mul", name);
    check(ops->add(out, am, bm, n) == 0 && ops->from_mont(canon, out, n) == 0 && same(canon, &ADD[0][0], n),
          "vec add", name);
    check(ops->sub(out, am, bm, n) == 0 && ops->from_mont(canon, out, n) == 0 && same(canon, &SUB[0][0], n),
          "vec sub", name);
    check(ops->inner(one, am, bm, n) == 0 && ops->from_mont(canon, one, 1) == 0 && same(canon, INNER, 1),
          "vec inner", name);
    int ok_mul = 1, ok_add = 1, ok_sub = 1;
    for (int64_t i = 0; i < n; i++) {
        f_mul(one, A[i], B[i], ops->params);
        ok_mul &= same(one, MONT[i], 1);
        f_add(one, A[i], B[i], ops->params);
        ok_add &= same(one, ADD[i], 1);
        f_sub(one, A[i], B[i], ops->params);
        ok_sub &= same(one, SUB[i], 1);
    }
    check(ok_mul, "scalar f_mul", name);
    check(ok_add, "scalar f_add", name);
    check(ok_sub, "scalar f_sub", name);
    /* a non-canonical input is reported */
    uint64_t bad[4] = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
    check(ops->mul(out, bad, bm, 1) != 0, "vec mul flags a non-canonical input", name);
    free(am); free(bm); free(out); free(canon);
}

static void affine_canonical(uint64_t out[8], const g1_affine_t *p) {
    fp_vec_from_mont(out, p->x, 1);
    fp_vec_from_mont(out + 4, p->y, 1);
}

static int msm_check(int64_t n, int full, int window, const uint64_t want[8]) {
    const int bits = full ? 254 : SMALL_BITS;
    const int c = window ? window : msm_choose_window(n, bits);
    const int W = (bits + 1 + c - 1) / c;
    int32_t *digits = malloc((size_t)W * n * sizeof *digits);
    if (full) msm_digits_from_limbs(digits, &MSM_FULL[0][0], n, c, W);
    else msm_digits_from_int64(digits, MSM_SMALL, n, c, W);
    g1_affine_t out;
    uint64_t got[8];
    memset(&out, 0, sizeof out);
    int rc = msm_run(&out, (const g1_affine_t *)MSM_POINTS, digits, n, c, W);
    free(digits);
    affine_canonical(got, &out);
    return rc == 0 && memcmp(got, want, sizeof got) == 0;
}

int main(void) {
#if defined(__aarch64__)
    const char *arch = "aarch64";
#elif defined(__x86_64__)
    const char *arch = "x86_64";
#else
    const char *arch = "other";
#endif
    printf("arch %s\nhave_ifma %d\nhave_adx %d\nscalar_backend %s\nsimd_backend %s\nthreads %d\n", arch,
           ATTRIB_HAVE_IFMA, ATTRIB_HAVE_ADX, attrib_scalar_backend(), attrib_simd_backend(), attrib_max_threads());

    field_checks("fr", &FR_OPS, FR_A, FR_B, FR_MUL, FR_ADD, FR_SUB, FR_MONT, FR_INNER[0]);
    field_checks("fp", &FP_OPS, FP_A, FP_B, FP_MUL, FP_ADD, FP_SUB, FP_MONT, FP_INNER[0]);

    const g1_affine_t *pts = (const g1_affine_t *)MSM_POINTS;
    int on_curve = 1;
    for (int64_t i = 0; i < N_MSM; i++) on_curve &= g1_affine_on_curve(&pts[i]);
    check(on_curve, "every input point on the curve", "g1");
    g1_jac_t j;
    g1_affine_t a;
    uint64_t got[8];
    g1_jac_mul(&j, &pts[0], MUL0_K[0], 4);
    g1_jac_to_affine(&a, &j);
    affine_canonical(got, &a);
    check(memcmp(got, MUL0_WANT[0], sizeof got) == 0 && g1_affine_on_curve(&a), "g1_jac_mul", "g1");

    char what[64];
    for (int full = 1; full >= 0; full--) {
        for (int big = 1; big >= 0; big--) {
            const int64_t n = big ? N_MSM : N_MSM_SMALL;
            const uint64_t *want = MSM_WANT[(full ? 0 : 2) + (big ? 0 : 1)];
            snprintf(what, sizeof what, "msm %s n=%lld window=auto", full ? "full" : "i16", (long long)n);
            check(msm_check(n, full, 0, want), what, "g1");
            for (int w = 0; w < (int)(sizeof FIXED / sizeof FIXED[0]); w++) {
                snprintf(what, sizeof what, "msm %s n=%lld window=%d", full ? "full" : "i16", (long long)n, FIXED[w]);
                check(msm_check(n, full, FIXED[w], want), what, "g1");
            }
        }
    }
    printf("checks %d failures %d\n", checks, failures);
    return failures ? 1 : 0;
}
"""


@pytest.fixture(scope="module")
def driver_dir(tmp_path_factory) -> Path:
    """driver.c and vectors.h in a fresh directory."""
    d = tmp_path_factory.mktemp("aarch64")
    (d / "vectors.h").write_text(vectors_header()
                                 + "static const int FIXED[] = {" + ", ".join(map(str, FIXED_WINDOWS)) + "};\n")
    (d / "driver.c").write_text(DRIVER)
    return d


def build(cc: str, d: Path, out: str, *flags: str) -> Path:
    exe = d / out
    cmd = [cc, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-function", *flags, "-I", str(SRC), "-I", str(d),
           str(d / "driver.c"), "-o", str(exe)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stderr[-4000:]}"
    return exe


def run(cmd: list[str], env: dict | None = None) -> dict:
    """Run the driver; its key / value lines, after asserting every check passed."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False,
                          env={**{k: v for k, v in os.environ.items() if k not in ("ATTRIB_NO_IFMA", "ATTRIB_NO_ADX")},
                               **(env or {})})
    assert done.returncode == 0, f"{' '.join(cmd)} (env {env}) failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
    assert "FAIL" not in done.stdout, done.stdout
    info = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    counts = info["checks"].split()  # "checks N failures 0"
    assert counts[1:] == ["failures", "0"] and int(counts[0]) == CHECKS, done.stdout
    return info


def test_aarch64_under_qemu(driver_dir):
    missing = [tool for tool in (CROSS_CC, QEMU) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (Debian: apt-get install gcc-aarch64-linux-gnu qemu-user); "
                    "the aarch64 build is not checked here")
    builds = {"1 thread": build(CROSS_CC, driver_dir, "driver-aarch64", "-static")}
    openmp = subprocess.run([CROSS_CC, "-fopenmp", "-static", "-x", "c", "-", "-o", str(driver_dir / "omp-probe")],
                            input="#include <omp.h>\nint main(void){return omp_get_max_threads() < 1;}\n",
                            capture_output=True, text=True, check=False).returncode == 0
    if openmp:  # the kernels' OpenMP loops as the extension builds them (-fopenmp)
        builds["OpenMP"] = build(CROSS_CC, driver_dir, "driver-aarch64-omp", "-static", "-fopenmp")
    for label, exe in builds.items():
        for threads in ("1", "2") if label == "OpenMP" else ("1",):
            info = run([QEMU, str(exe)], env={"OMP_NUM_THREADS": threads})
            assert info["arch"] == "aarch64", label
            # the x86 inline assembly and the AVX-512 IFMA code are left out by the preprocessor
            assert (info["have_ifma"], info["have_adx"]) == ("0", "0"), label
            assert (info["scalar_backend"], info["simd_backend"]) == ("int128", "portable"), label
            assert info["threads"] == (threads if label == "OpenMP" else "1"), label


def test_driver_native(driver_dir):
    """The same driver and vectors with the host compiler, on each path this CPU runs."""
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    x86 = platform.machine() in ("x86_64", "AMD64")
    flags = set()
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = set(line.partition(":")[2].split())
                break
    adx = "adx" if x86 and {"adx", "bmi2"} <= flags else "int128"
    ifma = "avx512ifma" if x86 and {"avx512f", "avx512vl", "avx512ifma"} <= flags else "portable"
    exe = str(build(cc, driver_dir, "driver-native"))
    paths = {"default": ({}, (adx, ifma)),
             "ATTRIB_NO_IFMA": ({"ATTRIB_NO_IFMA": "1"}, (adx, "portable")),
             "ATTRIB_NO_IFMA + ATTRIB_NO_ADX": ({"ATTRIB_NO_IFMA": "1", "ATTRIB_NO_ADX": "1"}, ("int128", "portable"))}
    for label, (env, want) in paths.items():
        info = run([exe], env)
        assert (info["scalar_backend"], info["simd_backend"]) == want, label
        assert (info["have_ifma"], info["have_adx"]) == (("1", "1") if x86 else ("0", "0")), label
    no_asm = run([str(build(cc, driver_dir, "driver-no-asm", "-DATTRIB_NO_ASM"))], {"ATTRIB_NO_IFMA": "1"})
    assert (no_asm["have_adx"], no_asm["scalar_backend"], no_asm["simd_backend"]) == ("0", "int128", "portable")
