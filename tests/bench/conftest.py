"""Gate for the pytest-benchmark micro-benchmarks in this directory.

Tests here that use the ``benchmark`` fixture are skipped in a normal ``pytest`` run (they
are slow and their figures mean nothing in a busy test run).  They run when any of these is
given:

    python -m pytest tests/bench --benchmark-only          # only the micro-benchmarks
    python -m pytest tests/bench --benchmark-enable        # benchmarks and the other tests
    python -m pytest tests/bench -m bench                  # by marker

The other tests here (``test_bench_framework.py``) are ordinary fast tests of the ``bench``
package and always run.
"""

from __future__ import annotations

import platform

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "bench: pytest-benchmark micro-benchmark (skipped unless "
                                       "--benchmark-only, --benchmark-enable or -m bench)")


def _benchmarks_requested(config) -> bool:
    # Any -m expression naming "bench" means the caller selects explicitly ("-m 'not bench'"
    # deselects these tests before this hook runs).
    markexpr = config.getoption("markexpr", "") or ""
    return bool(config.getoption("benchmark_only", False) or config.getoption("benchmark_enable", False)
                or "bench" in markexpr)


def pytest_runtest_setup(item):
    # conftest runtest hooks apply only to items under this directory
    if "benchmark" in getattr(item, "fixturenames", ()) and not _benchmarks_requested(item.config):
        pytest.skip("micro-benchmark: run with --benchmark-only, --benchmark-enable or -m bench")


@pytest.fixture(scope="session")
def path_backends() -> dict:
    """{impl: (simd_backend, scalar_backend)} that the bench suites' path children
    (``bench.kernels.PATHS``) must report on this CPU, or None where the path cannot run here
    (``ours-ifma`` without AVX-512 IFMA)."""
    from attrib.bench.machine import cpu_info

    flags = set(cpu_info()["flags"])
    x86 = platform.machine() in ("x86_64", "AMD64")
    scalar = "adx" if x86 and {"adx", "bmi2"} <= flags else "int128"
    ifma = x86 and {"avx512f", "avx512vl", "avx512ifma"} <= flags
    return {"ours-ifma": ("avx512ifma", scalar) if ifma else None,
            "ours-portable": ("portable", scalar),
            "ours-int128": ("portable", "int128")}
