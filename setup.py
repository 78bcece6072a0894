"""Build the Cython kernels: -O3, OpenMP when the compiler has it, portable code.

The C header with the field constants is generated from ``kernels/params.py``
before Cython runs, so the constants are declared in exactly one place.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent
SRC = ROOT / "kernels" / "src"


def write_params_header() -> None:
    spec = importlib.util.spec_from_file_location("_attrib_params", ROOT / "kernels" / "params.py")
    params = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(params)
    header = SRC / "bn254_params.h"
    text = params.render_c_header()
    if not header.exists() or header.read_text() != text:
        header.write_text(text)


def compiler_accepts(flag: str) -> bool:
    """Whether the C compiler builds and links an OpenMP program with ``flag``."""
    cc = os.environ.get("CC", "cc")
    program = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "probe.c"
        src.write_text(program)
        result = subprocess.run([cc, flag, str(src), "-o", str(Path(tmp) / "probe")],
                                capture_output=True)
        return result.returncode == 0


def extensions() -> list[Extension]:
    write_params_header()
    openmp = [] if os.environ.get("ATTRIB_NO_OPENMP") else (
        ["-fopenmp"] if sys.platform != "win32" and compiler_accepts("-fopenmp") else [])
    if not openmp:
        print("attrib: building the kernels without OpenMP (single-threaded)", file=sys.stderr)
    common = dict(
        include_dirs=[str(SRC), np.get_include()],
        extra_compile_args=["-O3", "-fno-strict-aliasing", *openmp],
        extra_link_args=openmp,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    # attrib.kernels lives in kernels/ (see [tool.setuptools.package-dir] in pyproject.toml)
    modules = ["_field", "_g1", "_mle", "_pairing"]
    exts = [Extension(f"attrib.kernels.{name}", [f"kernels/{name}.pyx"], **common) for name in modules]
    return cythonize(exts, compiler_directives={"language_level": "3"}, quiet=True)


setup(ext_modules=extensions())
