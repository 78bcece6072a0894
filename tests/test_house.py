"""The house: one import name, rooms with one-way doors, and a CLI that loads only what a command needs."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def loaded_modules(code: str, *, python: str = sys.executable, env: dict | None = None) -> set[str]:
    """The modules of ours that ``code`` leaves in sys.modules, run in a fresh interpreter (-P: the
    working directory does not shadow the installed package)."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('attrib'))))"
    out = subprocess.run([python, "-P", "-c", script], capture_output=True, text=True, check=True, env=env,
                         cwd=Path("/"))
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_verifier_loads_nothing_of_the_prover_or_the_kernels():
    mods = loaded_modules("import attrib.verifier, attrib.verifier.fees, attrib.verifier.limits")
    assert "attrib.verifier.attribution" in mods
    assert not {m for m in mods if m.startswith(("attrib.prover", "attrib.kernels", "attrib.service"))}


def test_the_kernels_and_the_prover_keep_to_their_rooms():
    assert not {m for m in loaded_modules("import attrib.kernels.fr, attrib.kernels.g1")
                if not m.startswith("attrib.kernels") and m != "attrib"}
    mods = loaded_modules("import attrib.prover")
    assert not {m for m in mods if m.startswith(("attrib.service", "attrib.bench", "attrib.demo", "attrib.chain"))}


def test_serve_help_imports_no_benchmark_module():
    mods = loaded_modules("from attrib.cli import main\ntry:\n    main(['serve', '--help'])\nexcept SystemExit:\n"
                          "    pass")
    assert "attrib.service.cli" in mods
    assert not {m for m in mods if m.startswith("attrib.bench")}
    assert "attrib.service.server" not in mods            # --help does not even load the server


def test_top_level_help_imports_no_subcommand():
    mods = loaded_modules("from attrib.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert mods == {"attrib", "attrib.cli"}


def imported_names(path: Path) -> set[str]:
    """Every module name an import statement in ``path`` names (at any depth)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_nothing_imports_bench_or_tests():
    """bench and tests sit outside the house: no product module imports them or edits sys.path
    (the CLI names attrib.bench.harness as a string, imported only by `attrib bench`)."""
    for folder in ("kernels", "verifier", "prover", "service", "chain", "demo", "attrib"):
        for path in (ROOT / folder).rglob("*.py"):
            names = imported_names(path)
            assert not {n for n in names if n.startswith(("attrib.bench", "tests", "conftest"))}, path
            assert "sys.path" not in path.read_text(), path
    for path in (ROOT / "bench").rglob("*.py"):
        assert not {n for n in imported_names(path) if n.split(".")[0] in ("tests", "conftest", "node_tools")}, path
        assert "sys.path" not in path.read_text(), path


def test_verifier_and_kernels_import_nothing_of_ours_but_themselves():
    """One door is open, on purpose: the verifier's optional native backend (verifier/native.py, which
    the rest of the verifier imports only when backend="native" is asked for) uses the kernels' MSM and
    pairing, and nothing else of ours.  Every other verifier module imports only the verifier."""
    for room in ("verifier", "kernels"):
        for path in (ROOT / room).rglob("*.py"):
            ours = {n for n in imported_names(path) if n.startswith("attrib.")}
            allowed = (f"attrib.{room}", "attrib.kernels") if path == ROOT / "verifier" / "native.py" \
                else (f"attrib.{room}",)
            assert all(n.startswith(allowed) for n in ours), (path, ours)
    native = {n for n in imported_names(ROOT / "verifier" / "native.py") if n.startswith("attrib.kernels")}
    assert native and all(n.startswith(("attrib.kernels._g1", "attrib.kernels._pairing", "attrib.kernels._field",
                                        "attrib.kernels.params")) or n == "attrib.kernels" for n in native), native


def test_the_native_backend_is_imported_only_when_asked_for():
    mods = loaded_modules("import attrib.verifier\nfrom attrib.verifier import backend\nassert backend.current() == 'python'")
    assert "attrib.verifier.native" not in mods and not {m for m in mods if m.startswith("attrib.kernels")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel .``: what ``pip install .`` installs (builds the kernels; about a minute)."""
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    (path,) = out.glob("attrib-*.whl")
    return path


def test_a_wheel_installs_exactly_one_top_level_name(wheel, tmp_path):
    archive = zipfile.ZipFile(wheel)
    tops = {n.split("/")[0] for n in archive.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"attrib"}
    top_level = [n for n in archive.namelist() if n.endswith(".dist-info/top_level.txt")]
    if top_level:
        assert archive.read(top_level[0]).decode().split() == ["attrib"]
    # installed (without dependencies: those come from this environment), it imports from its own files
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    assert {p.name for p in target.iterdir() if not p.name.endswith(".dist-info")} - {"bin"} == {"attrib"}
    assert {"bench", "chain", "cli.py", "demo", "kernels", "prover", "service", "verifier"} \
        <= {p.name for p in (target / "attrib").iterdir()}
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    mods = loaded_modules(f"import attrib.verifier, attrib\nassert attrib.__file__.startswith({str(target)!r})",
                          env=env)
    assert not {m for m in mods if m.startswith(("attrib.prover", "attrib.kernels"))}
    check = subprocess.run([sys.executable, "-P", "-c", "from attrib.kernels import fr; "
                            "print(fr.to_ints(fr.mul(fr.from_ints([3]), fr.from_ints([5]))))"],
                           capture_output=True, text=True, env=env, cwd="/")
    assert check.stdout.strip() == "[15]", check.stderr          # the compiled kernels work from the wheel
