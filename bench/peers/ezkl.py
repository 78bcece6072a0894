"""The EZKL peer: a Halo2/KZG zkML prover (PyPI ``ezkl``, 23.x) on BN254, proving s = Φ·q.

The statement is a bias-free linear layer with fixed weights: Φ (N × k, int16 values) is an
ONNX initializer, q (k values) the public input, s = Φ·q (N values) the public output.  The
ONNX graph is one ``MatMul`` built with the ``onnx`` package's helper API (no torch).

Settings: ``input_scale = param_scale = 0`` (the values are integers, so EZKL's fixed point
is exact), ``param_visibility = fixed`` (Φ is part of the circuit), public input and output,
``decomp_legs = 3`` (the outputs reach 16·2^30 = 2^34, beyond the default 2 legs of base 2^14)
and ``logrows`` from ``calibrate_settings(target="resources", scales=[0])``.  The SRS comes
from ``ezkl.gen_srs`` (local and insecure: nothing is downloaded) and is cached per logrows
under ``<bench cache>/ezkl/kzg-<logrows>.srs``.

Every phase runs in a fresh subprocess (``main([PHASE, DIR, ...])`` of this module) so its
peak memory (VmHWM, see :func:`peak_mb`) is its own:

``srs``    ``gen_srs`` for a logrows not cached yet (timed once, not part of setup)
``setup``  model, settings, calibration, ``compile_circuit`` (``compile_s``), then
           ``ezkl.setup`` (``setup_s``: proving and verifying keys)
``prove``  ``gen_witness`` (``witness_s``), ``ezkl.prove`` (``prove_s``, every sample) and
           ``ezkl.verify`` (``verify_s``); the witness outputs are checked against Φ·q in
           exact integers and every proof must verify.

``proof_bytes`` is the raw proof (the ``proof`` byte list of proof.json); the verifier also
needs the N + k public instances, which the proof file carries separately.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from attrib.bench.peers import PeerUnavailable

DEFAULT_K = 16
DECOMP_LEGS = 3


def _dist_version(name: str) -> str | None:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_available() -> dict:
    """Raise PeerUnavailable unless ezkl and onnx import; return their versions."""
    missing = []
    for mod in ("ezkl", "onnx"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
        except Exception as exc:  # noqa: BLE001 - a broken binary wheel
            raise PeerUnavailable(f"ezkl: skipped, importing {mod} failed: {type(exc).__name__}: {exc}") from None
    if missing:
        raise PeerUnavailable(f"ezkl: skipped, Python package(s) {', '.join(missing)} not installed "
                              "(pip install -e '.[peers]')")
    return {"ezkl": _dist_version("ezkl"), "onnx": _dist_version("onnx")}


def srs_cache_dir() -> Path:
    from attrib.bench.peers.mcl import cache_dir

    return cache_dir() / "ezkl"


# ---- the statement ------------------------------------------------------------------------

def make_statement(n: int, k: int, seed: int):
    """(Φ, q) as int64 arrays: Φ (n × k) and q (k,) uniform in (-2^15, 2^15)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    phi = rng.integers(-(2**15) + 1, 2**15, size=(n, k), dtype=np.int64)
    q = rng.integers(-(2**15) + 1, 2**15, size=k, dtype=np.int64)
    return phi, q


def write_model(workdir: Path, n: int, k: int, seed: int) -> None:
    """linear.onnx (s = MatMul(Φ, q) with Φ an initializer) and input.json (q)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    phi, q = make_statement(n, k, seed)
    weights = numpy_helper.from_array(phi.astype("float32"), "phi")  # |values| < 2^15: exact in float32
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["phi", "q"], ["s"])], "linear_layer",
        [helper.make_tensor_value_info("q", TensorProto.FLOAT, [k, 1])],
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [n, 1])],
        initializer=[weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="attrib-bench")
    onnx.checker.check_model(model)
    onnx.save(model, str(workdir / "linear.onnx"))
    (workdir / "input.json").write_text(json.dumps({"input_data": [[float(x) for x in q]]}))


def peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: ``bench.timing.peak_rss_mb``)."""
    from attrib.bench.timing import peak_rss_mb

    return peak_rss_mb()


# ---- phases (run in a child process) ------------------------------------------------------

def phase_setup(workdir: Path, n: int, k: int, seed: int) -> dict:
    import ezkl

    write_model(workdir, n, k, seed)
    model, settings, compiled = (str(workdir / f) for f in ("linear.onnx", "settings.json", "linear.ezkl"))
    t0 = time.perf_counter()
    args = ezkl.PyRunArgs()
    args.input_scale = 0
    args.param_scale = 0
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    args.decomp_legs = DECOMP_LEGS
    if not ezkl.gen_settings(model, settings, py_run_args=args):
        raise RuntimeError("ezkl.gen_settings returned False")
    if not ezkl.calibrate_settings(str(workdir / "input.json"), model, settings, "resources", scales=[0],
                                   scale_rebase_multiplier=[1]):
        raise RuntimeError("ezkl.calibrate_settings returned False")
    if not ezkl.compile_circuit(model, compiled, settings):
        raise RuntimeError("ezkl.compile_circuit returned False")
    compile_s = time.perf_counter() - t0
    info = json.loads(Path(settings).read_text())
    logrows = int(info["run_args"]["logrows"])
    srs = srs_cache_dir() / f"kzg-{logrows}.srs"
    if not srs.exists():
        return {"needs_srs": logrows}
    t0 = time.perf_counter()
    if not ezkl.setup(compiled, str(workdir / "vk.key"), str(workdir / "pk.key"), str(srs)):
        raise RuntimeError("ezkl.setup returned False")
    setup_s = time.perf_counter() - t0
    return {"logrows": logrows, "num_rows": info.get("num_rows"), "total_assignments": info.get("total_assignments"),
            "compile_s": compile_s, "setup_s": setup_s, "setup_peak_mb": peak_mb(),
            "pk_bytes": (workdir / "pk.key").stat().st_size, "vk_bytes": (workdir / "vk.key").stat().st_size,
            "srs": str(srs), "srs_bytes": srs.stat().st_size}


def phase_srs(logrows: int) -> dict:
    import ezkl

    target = srs_cache_dir() / f"kzg-{logrows}.srs"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    t0 = time.perf_counter()
    ezkl.gen_srs(str(tmp), logrows)
    srs_s = time.perf_counter() - t0
    os.replace(tmp, target)
    return {"logrows": logrows, "srs_s": srs_s, "srs_peak_mb": peak_mb()}


def phase_prove(workdir: Path, n: int, k: int, seed: int, repeat: int, warmup: int) -> dict:
    import ezkl

    settings = json.loads((workdir / "settings.json").read_text())
    srs = str(srs_cache_dir() / f"kzg-{settings['run_args']['logrows']}.srs")
    compiled, pk, vk = (str(workdir / f) for f in ("linear.ezkl", "pk.key", "vk.key"))
    witness, proof = str(workdir / "witness.json"), str(workdir / "proof.json")
    t0 = time.perf_counter()
    wit = ezkl.gen_witness(str(workdir / "input.json"), compiled, witness)
    witness_s = time.perf_counter() - t0
    phi, q = make_statement(n, k, seed)
    exact = (phi @ q).tolist()
    got = [int(ezkl.felt_to_int(v)) for v in wit["outputs"][0]]
    outputs_exact = got == exact
    prove_samples, verify_samples, verified = [], [], []
    for i in range(warmup + repeat):
        t0 = time.perf_counter()
        if not ezkl.prove(witness, compiled, pk, proof, srs):
            raise RuntimeError("ezkl.prove returned a false value")
        dt = time.perf_counter() - t0
        if i >= warmup:
            prove_samples.append(dt)
        t0 = time.perf_counter()
        ok = bool(ezkl.verify(proof, str(workdir / "settings.json"), vk, srs))
        dv = time.perf_counter() - t0
        verified.append(ok)
        if i >= warmup:
            verify_samples.append(dv)
    data = json.loads(Path(proof).read_text())
    return {"witness_s": witness_s, "prove_samples": prove_samples, "verify_samples": verify_samples,
            "verified": all(verified), "outputs_exact": outputs_exact, "proof_bytes": len(data["proof"]),
            "proof_json_bytes": Path(proof).stat().st_size,
            "public_instances": sum(len(x) for x in data.get("instances") or []),
            "prove_peak_mb": peak_mb(), "warmup": warmup}


# ---- the parent side ----------------------------------------------------------------------

def _child(args: list[str], timeout: float | None) -> dict:
    # -P: nothing in the working directory can shadow the installed package
    code = "import sys; from attrib.bench.peers.ezkl import main; sys.exit(main(sys.argv[1:]))"
    workdir = args[1] if args[0] != "srs" else None
    proc = subprocess.run([sys.executable, "-P", "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=workdir, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"ezkl {args[0]} (exit {proc.returncode}): {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_size(workdir: Path, n: int, k: int = DEFAULT_K, seed: int = 1, repeat: int = 1, warmup: int = 0,
             timeout: float | None = None) -> dict:
    """Setup (and the SRS if not cached), then prove / verify, each in a fresh process."""
    workdir.mkdir(parents=True, exist_ok=True)
    common = [str(workdir), str(n), str(k), str(seed)]
    out = {"n": n, "k": k, "srs_s": None}
    setup = _child(["setup", *common], timeout)
    if "needs_srs" in setup:
        out.update(_child(["srs", str(setup["needs_srs"])], timeout))
        setup = _child(["setup", *common], timeout)
    out.update(setup)
    out.update(_child(["prove", *common, str(repeat), str(warmup)], timeout))
    out["peak_mb"] = max(out["setup_peak_mb"], out["prove_peak_mb"])
    return out


def main(argv: list[str]) -> int:
    phase = argv[0]
    if phase == "srs":
        result = phase_srs(int(argv[1]))
    elif phase == "setup":
        result = phase_setup(Path(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]))
    elif phase == "prove":
        result = phase_prove(Path(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]))
    else:
        print(f"unknown phase {phase!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
