"""prover.srs: loading snarkjs .ptau files, the dev SRS and the on-disk cache (and kernels.fixed_base).

The .ptau files are made here by the real snarkjs CLI (pinned in package.json)
and read back independently through snarkjs's own libraries (ffjavascript,
@iden3/binfileutils), so the byte format is checked against its producer, not
against this module's idea of it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from node_tools import REPO_ROOT, require_node_tools
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fp, fr, g1
from attrib.kernels.fixed_base import fixed_base_mul
from attrib.prover.srs import SRS, SRSError, dev_tau
from attrib.prover.srs.cache import _sha256_file
from attrib.prover.srs.ptau import _check_consecutive_powers
from attrib.verifier.hyperkzg import VerifyingKey

POWER = 8  # 2^8 powers: the smallest file that still exercises everything, ~2 s to make
N = 1 << POWER

# Reads points with snarkjs's own libraries and prints them as affine integers.
DUMP_JS = r"""
const { buildBn128 } = require("ffjavascript");
const binFileUtils = require("@iden3/binfileutils");
(async () => {
  const [file, ...idx] = process.argv.slice(1);
  const curve = await buildBn128(true);
  const { fd, sections } = await binFileUtils.readBinFile(file, "ptau", 1);
  const out = { g1: {}, g2: {} };
  for (const i of idx.map(Number)) {
    const buf = await fd.read(64, sections[2][0].p + 64 * i);
    out.g1[i] = curve.G1.toObject(curve.G1.fromRprLEM(buf, 0)).map(String);
  }
  for (const i of [0, 1]) {
    const buf = await fd.read(128, sections[3][0].p + 128 * i);
    out.g2[i] = curve.G2.toObject(curve.G2.fromRprLEM(buf, 0)).map((c) => c.map(String));
  }
  await fd.close();
  await curve.terminate();
  console.log(JSON.stringify(out));
})();
"""


def _run(cmd, cwd):
    done = subprocess.run([str(c) for c in cmd], check=False, cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def ptau_dir(tmp_path_factory):
    """pot_0000.ptau (fresh ceremony, τ = 1) and pot_0001.ptau (one contribution) at power POWER."""
    snarkjs = require_node_tools() / "snarkjs"
    d = tmp_path_factory.mktemp("ptau")
    _run([snarkjs, "powersoftau", "new", "bn128", POWER, "pot_0000.ptau"], d)
    _run([snarkjs, "powersoftau", "contribute", "pot_0000.ptau", "pot_0001.ptau", "--name=attrib test",
          "-e=attrib srs test entropy"], d)
    return d


@pytest.fixture(scope="session")
def ptau_file(ptau_dir):
    return ptau_dir / "pot_0001.ptau"


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def loaded(ptau_file, tmp_path_factory):
    return SRS.from_ptau(ptau_file, cache_dir=tmp_path_factory.mktemp("cache"))


def _sections(data: bytes) -> dict[int, tuple[int, int]]:
    """Section id -> (data offset, size), read the simple way for tampering in tests."""
    count = int.from_bytes(data[8:12], "little")
    pos, out = 12, {}
    for _ in range(count):
        sid = int.from_bytes(data[pos:pos + 4], "little")
        size = int.from_bytes(data[pos + 4:pos + 12], "little")
        out[sid] = (pos + 12, size)
        pos += 12 + size
    return out


def _tampered(src: Path, dst: Path, edit) -> Path:
    data = bytearray(src.read_bytes())
    edit(data, _sections(bytes(data)))
    dst.write_bytes(bytes(data))
    return dst


def _g2_to_ptau(point) -> bytes:
    x, y = bn.normalize(point)
    words = (x.coeffs[0], x.coeffs[1], y.coeffs[0], y.coeffs[1])
    return b"".join((int(w) * fp.montgomery_r % fp.MODULUS).to_bytes(32, "little") for w in words)


def _pair_ok(p_next, p, tau_g2) -> bool:
    return bn.final_exponentiate(bn.pairing(bn.G2, p_next, final_exponentiate=False)
                                 * bn.pairing(tau_g2, bn.neg(p), final_exponentiate=False)) == bn.FQ12.one()


# ---- loading a real snarkjs file -----------------------------------------------


def test_ptau_loads_and_matches_snarkjs_decoding(ptau_file, loaded):
    assert loaded.max_log_n == POWER and loaded.powers.shape == (N, 8) and loaded.powers.dtype == np.uint64
    assert not loaded.insecure and loaded.source == "ptau:pot_0001.ptau"
    idx = [0, 1, 2, 5, 100, N - 1]
    out = json.loads(_run(["node", "-e", DUMP_JS, ptau_file, *idx], REPO_ROOT))
    ours = g1.to_ints(np.ascontiguousarray(loaded.powers[idx]))
    for i, (x, y) in zip(idx, ours):
        assert out["g1"][str(i)] == [str(x), str(y), "1"], f"tauG1[{i}] differs from snarkjs's decoding"
    tx, ty = bn.normalize(loaded.tau_g2)
    assert out["g2"]["1"] == [[str(tx.coeffs[0]), str(tx.coeffs[1])], [str(ty.coeffs[0]), str(ty.coeffs[1])],
                              ["1", "0"]]
    assert out["g1"]["0"] == ["1", "2", "1"]  # the G1 generator, stored as Montgomery 1 and 2


def test_ptau_powers_are_consecutive(loaded):
    pts = g1.to_py_ecc(np.ascontiguousarray(loaded.powers[[0, 1, 2, 37, 38, N - 2, N - 1]]))
    assert bn.eq(pts[0], bn.G1)
    assert _pair_ok(pts[1], pts[0], loaded.tau_g2)
    assert _pair_ok(pts[2], pts[1], loaded.tau_g2)
    assert _pair_ok(pts[4], pts[3], loaded.tau_g2)
    assert _pair_ok(pts[6], pts[5], loaded.tau_g2)
    assert not _pair_ok(pts[3], pts[1], loaded.tau_g2)


def test_ptau_verifying_key(loaded):
    vk = loaded.verifying_key
    assert isinstance(vk, VerifyingKey)
    assert bn.eq(vk.g1, bn.G1) and bn.eq(vk.g2, bn.G2) and bn.eq(vk.tau_g2, loaded.tau_g2)
    assert vk.max_log_n == POWER and vk.insecure is False
    assert loaded.digest() == vk.digest() and len(loaded.digest()) == 32
    assert VerifyingKey.from_bytes(vk.to_bytes()).digest() == loaded.digest()


def test_ptau_smaller_max_log_n_is_a_prefix(ptau_file, loaded, cache):
    small = SRS.from_ptau(ptau_file, max_log_n=4, cache_dir=cache)
    assert small.powers.shape == (16, 8)
    assert np.array_equal(small.powers, loaded.powers[:16])
    assert small.digest() != loaded.digest()  # max_log_n is part of the key


def test_ptau_sampled_check_path(ptau_file, loaded):
    s = SRS.from_ptau(ptau_file, use_cache=False, full_check=False)
    assert np.array_equal(s.powers, loaded.powers)


def test_powers_for(loaded):
    assert np.array_equal(loaded.powers_for(3), loaded.powers[:8])
    assert loaded.powers_for(0).shape == (1, 8)
    with pytest.raises(SRSError, match=rf"2\^{POWER + 1} = {2 * N} coefficients.*max_log_n = {POWER}"):
        loaded.powers_for(POWER + 1)
    with pytest.raises(SRSError):
        loaded.powers_for(-1)


def test_untouched_ceremony_start_is_rejected(ptau_dir, cache):
    # `powersoftau new` writes τ = 1: every power is the generator.
    with pytest.raises(SRSError, match="trivial"):
        SRS.from_ptau(ptau_dir / "pot_0000.ptau", cache_dir=cache)


# ---- malformed files -----------------------------------------------------------


def test_wrong_magic(ptau_file, tmp_path, cache):
    bad = _tampered(ptau_file, tmp_path / "bad.ptau", lambda d, s: d.__setitem__(slice(0, 4), b"zkey"))
    with pytest.raises(SRSError, match="not a .ptau file"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_missing_file(tmp_path, cache):
    with pytest.raises(SRSError, match="not found"):
        SRS.from_ptau(tmp_path / "nope.ptau", cache_dir=cache)


def test_truncated_file_names_section_and_sizes(ptau_file, tmp_path, cache):
    data = ptau_file.read_bytes()
    start, size = _sections(data)[2]
    cut = start + size // 2
    bad = tmp_path / "cut.ptau"
    bad.write_bytes(data[:cut])
    with pytest.raises(SRSError, match=rf"section 2 \(tauG1\) is truncated: expected {size} bytes.*"
                                       rf"only {cut - start} bytes remain"):
        SRS.from_ptau(bad, cache_dir=cache)
    bad.write_bytes(data[:20])
    with pytest.raises(SRSError, match="truncated"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_missing_section(ptau_file, tmp_path, cache):
    def rename_tau_g2(d, s):
        start, _ = s[3]
        d[start - 12:start - 8] = (99).to_bytes(4, "little")
    bad = _tampered(ptau_file, tmp_path / "nog2.ptau", rename_tau_g2)
    with pytest.raises(SRSError, match=r"missing section 3 \(tauG2\)"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_wrong_prime(ptau_file, tmp_path, cache):
    def bump_q(d, s):
        start, _ = s[1]
        d[start + 4] ^= 0x02
    bad = _tampered(ptau_file, tmp_path / "q.ptau", bump_q)
    with pytest.raises(SRSError, match="not BN254's q"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_power_too_small(ptau_file, cache):
    with pytest.raises(SRSError, match=rf"max_log_n = {POWER + 1} needs .* power {POWER}"):
        SRS.from_ptau(ptau_file, max_log_n=POWER + 1, cache_dir=cache)


@pytest.mark.parametrize("index", [1, 5, N - 1])
def test_flipped_byte_in_tau_g1_names_index(ptau_file, tmp_path, cache, index):
    def flip(d, s):
        start, _ = s[2]
        d[start + 64 * index] ^= 0x01  # lowest byte of x: canonical but off the curve
    bad = _tampered(ptau_file, tmp_path / "flip.ptau", flip)
    with pytest.raises(SRSError, match=rf"tauG1\[{index}\] .* not on the curve"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_noncanonical_coordinate_names_index(ptau_file, tmp_path, cache):
    def top(d, s):
        start, _ = s[2]
        d[start + 64 * 7 + 32 + 31] = 0xFF  # y of point 7 >= q
    bad = _tampered(ptau_file, tmp_path / "big.ptau", top)
    with pytest.raises(SRSError, match=r"tauG1\[7\] .* non-canonical y"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_valid_but_wrong_tau_g1_point_fails_pairing_and_is_named(ptau_file, tmp_path, cache):
    def swap(d, s):
        start, _ = s[2]
        d[start + 64 * 20: start + 64 * 21] = d[start + 64 * 21: start + 64 * 22]
    bad = _tampered(ptau_file, tmp_path / "swap.ptau", swap)
    with pytest.raises(SRSError, match=r"pairing check failed: tauG1\[(20|21)\] is not tau times"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_tampered_tau_g2_fails_pairing(ptau_file, loaded, tmp_path, cache):
    other = bn.multiply(loaded.tau_g2, 2)  # in the subgroup, on the twist, wrong τ

    def replace(d, s):
        start, _ = s[3]
        d[start + 128: start + 256] = _g2_to_ptau(other)
    bad = _tampered(ptau_file, tmp_path / "g2.ptau", replace)
    with pytest.raises(SRSError, match="pairing check e.*failed"):
        SRS.from_ptau(bad, cache_dir=cache)


def test_off_curve_tau_g2(ptau_file, tmp_path, cache):
    def flip(d, s):
        start, _ = s[3]
        d[start + 128] ^= 0x01
    bad = _tampered(ptau_file, tmp_path / "g2c.ptau", flip)
    with pytest.raises(SRSError, match=r"tauG2\[1\] is not on the G2 twist"):
        SRS.from_ptau(bad, cache_dir=cache)


# ---- the cache -----------------------------------------------------------------


def _entry(cache: Path) -> tuple[Path, Path]:
    (npy,) = cache.glob("*.npy")
    return npy, npy.with_suffix(".json")


def test_ptau_cache_reload(ptau_file, loaded, cache):
    first = SRS.from_ptau(ptau_file, cache_dir=cache)
    assert not first.loaded_from_cache
    start = time.perf_counter()
    again = SRS.from_ptau(ptau_file, cache_dir=cache)
    elapsed = time.perf_counter() - start
    assert again.loaded_from_cache and elapsed < 1.0
    assert isinstance(again.powers, np.memmap)
    assert again.digest() == first.digest() == loaded.digest()
    assert np.array_equal(again.powers, loaded.powers)
    # The kernels take the memory-mapped array as it is.
    k = fr.random(N, 3)
    assert np.array_equal(g1.msm(again.powers, k), g1.msm(np.array(loaded.powers), k))


def test_ptau_cache_follows_the_file(ptau_file, tmp_path, cache):
    copy = tmp_path / "pot.ptau"
    shutil.copyfile(ptau_file, copy)
    SRS.from_ptau(copy, cache_dir=cache)
    assert SRS.from_ptau(copy, cache_dir=cache).loaded_from_cache

    def flip(d, s):
        start, _ = s[2]
        d[start + 64 * 3] ^= 0x01
    _tampered(ptau_file, copy, flip)  # the file changed after it was cached
    with pytest.raises(SRSError, match=r"tauG1\[3\]"):
        SRS.from_ptau(copy, cache_dir=cache)


@pytest.mark.parametrize("damage", ["flip_npy", "truncate_npy", "garbage_json", "wrong_shape", "delete_npy"])
def test_corrupted_cache_is_rebuilt(ptau_file, loaded, cache, damage):
    SRS.from_ptau(ptau_file, cache_dir=cache)
    npy, rec = _entry(cache)
    if damage == "flip_npy":
        data = bytearray(npy.read_bytes())
        data[-100] ^= 0x40
        npy.write_bytes(bytes(data))
    elif damage == "truncate_npy":
        npy.write_bytes(npy.read_bytes()[:1000])
    elif damage == "garbage_json":
        rec.write_text("{not json")
    elif damage == "wrong_shape":
        meta = json.loads(rec.read_text())
        meta["shape"] = [N // 2, 8]
        rec.write_text(json.dumps(meta))
    else:
        npy.unlink()
    rebuilt = SRS.from_ptau(ptau_file, cache_dir=cache)
    assert not rebuilt.loaded_from_cache
    assert np.array_equal(rebuilt.powers, loaded.powers)
    again = SRS.from_ptau(ptau_file, cache_dir=cache)
    assert again.loaded_from_cache and np.array_equal(again.powers, loaded.powers)


def test_consistent_but_wrong_dev_cache_is_not_trusted(cache):
    SRS.dev(6, seed=5, cache_dir=cache)
    npy, rec = _entry(cache)
    arr = np.load(npy)
    arr[1] = arr[2]  # valid point, wrong power; record rewritten to match
    np.save(npy, arr)
    meta = json.loads(rec.read_text())
    meta["sha256"] = _sha256_file(npy)
    rec.write_text(json.dumps(meta))
    s = SRS.dev(6, seed=5, cache_dir=cache)
    assert not s.loaded_from_cache
    assert np.array_equal(s.powers, SRS.dev(6, seed=5, use_cache=False).powers)


def test_cache_writes_leave_no_temporaries(ptau_file, cache):
    SRS.from_ptau(ptau_file, cache_dir=cache)
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 2 and names[0].endswith(".json") and names[1].endswith(".npy")


# ---- the dev SRS ---------------------------------------------------------------


def test_dev_is_deterministic_and_seeded(cache):
    a = SRS.dev(6, seed=1, use_cache=False)
    b = SRS.dev(6, seed=1, use_cache=False)
    c = SRS.dev(6, seed=2, use_cache=False)
    assert a.digest() == b.digest() and np.array_equal(a.powers, b.powers)
    assert a.digest() != c.digest() and not np.array_equal(a.powers, c.powers)
    assert SRS.dev(6, seed=1, cache_dir=cache).digest() == a.digest()
    cached = SRS.dev(6, seed=1, cache_dir=cache)
    assert cached.loaded_from_cache and cached.digest() == a.digest()
    assert np.array_equal(cached.powers, a.powers)


def test_dev_is_marked_insecure():
    s = SRS.dev(4, seed=0, use_cache=False)
    assert s.insecure and s.verifying_key.insecure and "INSECURE" in s.source
    secure_twin = VerifyingKey(bn.G1, bn.G2, s.tau_g2, s.max_log_n, insecure=False)
    assert secure_twin.digest() != s.digest()


def test_dev_powers_against_py_ecc():
    s = SRS.dev(7, seed=9, use_cache=False)
    tau = dev_tau(9)
    assert bn.eq(s.tau_g2, bn.multiply(bn.G2, tau))
    pts = g1.to_py_ecc(s.powers)
    for i in (0, 1, 2, 3, 64, 127):
        assert bn.eq(pts[i], bn.multiply(bn.G1, pow(tau, i, bn.curve_order))), i
    assert _pair_ok(pts[1], pts[0], s.tau_g2)


def test_dev_loads_through_the_same_checks():
    s = SRS.dev(5, seed=3, use_cache=False)
    _check_consecutive_powers(np.array(s.powers), s.tau_g2, True, "dev")
    with pytest.raises(SRSError, match="same tau"):
        _check_consecutive_powers(np.array(s.powers), bn.multiply(s.tau_g2, 3), True, "dev")


@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000])
def test_fixed_base_mul_matches_scalar_mul(n):
    k = fr.random(n, n)
    want = g1.scalar_mul(np.tile(g1.generator(), (n, 1)), k)
    assert np.array_equal(fixed_base_mul(k), want)


def test_fixed_base_mul_edge_scalars():
    r = bn.curve_order
    k = fr.from_ints([0, 1, 2, r - 1, (1 << 253) - 1, 1 << 200])
    want = g1.scalar_mul(np.tile(g1.generator(), (6, 1)), k)
    assert np.array_equal(fixed_base_mul(k), want)


def test_dev_argument_errors():
    with pytest.raises(SRSError):
        SRS.dev(-1)
    with pytest.raises(SRSError):
        SRS.dev(29)
    with pytest.raises(SRSError):
        SRS.dev(3, seed=-2)
