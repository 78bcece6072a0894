"""``attrib demo --torch``: a PyTorch model, featurized by TRAK or dattri, registered, proved, verified.

A two-layer perceptron (64 → 32 → 10, 2,410 parameters) is trained with SGD on scikit-learn's
digits (1,797 8×8 images that ship inside scikit-learn: nothing is downloaded), keeping three
checkpoints.  attrib.prover.featurize computes the training examples' features and the test
examples' queries through the library (TRAK by default, or dattri's TracIn / TRAK); the features
are registered, an epoch of fees is proven and verified, and the proven per-contributor totals
are compared with the library's own end-to-end scores (TRAKer, or dattri's attributor) summed per
contributor.  ``source()`` is the same set-up for ``attrib featurize`` (its default).
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time

import numpy as np
import torch

from attrib.demo.tracin import assign_contributors, contributor_totals, example_bytes, fidelity, load_digits_split

ENCODING = "64 pixel intensities 0-16 as uint8, then the label byte"
HIDDEN = 32


class MLP(torch.nn.Module):
    """64 → hidden → 10 with a ReLU: small enough for per-example gradients of every parameter."""

    def __init__(self, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(64, hidden)
        self.fc2 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def encode(example) -> bytes:
    """A digit's canonical bytes (ENCODING), from its (pixels / 16, label) tensors."""
    x, y = example
    return example_bytes(np.asarray(x, dtype=np.float64), int(y))


def digits(num_queries: int, seed: int):
    """(train x, train y, test x, test y) tensors: pixels / 16 as float32, labels as int64."""
    x, y, xq, yq = load_digits_split(num_queries, seed)
    return (torch.tensor(x, dtype=torch.float32), torch.tensor(y), torch.tensor(xq, dtype=torch.float32),
            torch.tensor(yq))


def train_checkpoints(x, y, checkpoints: int = 3, epochs: int = 30, learning_rate: float = 0.1,
                      batch_size: int = 64, seed: int = 0) -> tuple[MLP, list[dict], float]:
    """Train MLP with minibatch SGD (seeded); the state dicts at ``checkpoints`` evenly spaced epochs,
    and the learning rate (TracIn's per-checkpoint weight)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # a 2,410-parameter model: a shared thread pool only costs (10× on 2 busy cores)
    try:
        return _train(x, y, checkpoints, epochs, learning_rate, batch_size, seed)
    finally:
        torch.set_num_threads(threads)


def _train(x, y, checkpoints, epochs, learning_rate, batch_size, seed):
    torch.manual_seed(seed)
    model = MLP()
    opt = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)
    gen = torch.Generator().manual_seed(seed)
    saved = set(np.linspace(epochs // checkpoints, epochs, checkpoints).astype(int).tolist())
    states = []
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(y), generator=gen)
        for s in range(0, len(y), batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        if epoch in saved:
            states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
    return model, states, learning_rate


def setup(num_queries: int = 64, contributors: int = 50, seed: int = 0):
    """(model, checkpoints, learning rate, train examples, owners, query examples, accuracy)."""
    x, y, xq, yq = digits(num_queries, seed)
    model, states, lr = train_checkpoints(x, y, seed=seed)
    with torch.no_grad():
        accuracy = float((model(xq).argmax(dim=1) == yq).float().mean())
    owners = assign_contributors(len(y), contributors, seed + 2)
    return model, states, lr, list(zip(x, y)), owners, list(zip(xq, yq)), accuracy


def source(num_queries: int = 64, contributors: int = 50, seed: int = 0):
    """``attrib featurize``'s default: the demo's model, checkpoints, digits and contributors."""
    from attrib.prover.featurize import Source

    model, states, lr, train, owners, queries, accuracy = setup(num_queries, contributors, seed)
    return Source(model, states, list(zip(train, owners)), queries=queries,
                  options={"encode": encode, "encoding": ENCODING, "weights": [lr] * len(states)},
                  description=f"MLP 64-{HIDDEN}-10 on scikit-learn digits ({len(train)} training examples, "
                              f"{len(states)} checkpoints, test accuracy {accuracy:.1%})")


def run_torch_demo(library: str = "trak", method: str | None = None, contributors: int = 50, queries: int = 64,
                   proj_dim: int = 32, fee: int = 1_000_000, seed: int = 0, ptau: str | None = None,
                   progress: bool | None = None, out=None) -> dict:
    """The whole pipeline; returns the measured figures (also printed).  Torch runs on one thread (the
    model is tiny: a pool only costs, tenfold when another process holds a core)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(library, method, contributors, queries, proj_dim, fee, seed, ptau, progress, out)
    finally:
        torch.set_num_threads(threads)


def _run(library, method, contributors, queries, proj_dim, fee, seed, ptau, progress, out) -> dict:
    from attrib.demo.run import Progress
    from attrib.prover.attribution import Prover, required_log_n
    from attrib.prover.featurize import Featurizer, library_scores
    from attrib.prover.srs import SRS
    from attrib.verifier import verify_attribution, verify_registration

    out = out or sys.stdout
    say = lambda *a: print(*a, file=out, flush=True)
    bars = Progress(sys.stderr.isatty() if progress is None else progress)
    timings = {}
    start = time.perf_counter()
    model, states, lr, train, owners, query_examples, accuracy = setup(queries, contributors, seed)
    timings["train_s"] = time.perf_counter() - start
    method = method or ("trak" if library == "trak" else "tracin")
    options = {"weights": [lr] * len(states)} if method == "tracin" else {}
    featurizer = Featurizer(model, states, library=library, method=method, proj_dim=proj_dim, seed=seed,
                            encode=encode, encoding=ENCODING, **options)
    with tempfile.TemporaryDirectory(prefix="attrib-torch-demo-") as tmp:
        start = time.perf_counter()
        files = featurizer.featurize(list(zip(train, owners)), f"{tmp}/features", progress=bars)
        q = featurizer.queries(query_examples, progress=bars)
        timings["featurize_s"] = time.perf_counter() - start
        ds = files.dataset()
        start = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):      # the libraries' own tqdm bars
            scores = library_scores(featurizer, train, query_examples, f"{tmp}/library")
        timings["library_scores_s"] = time.perf_counter() - start
    say(f"attrib demo --torch: {featurizer.library_version} {featurizer.method} on a PyTorch MLP "
        f"(64-{HIDDEN}-10, {len(states)} checkpoints, test accuracy {accuracy:.1%}) over scikit-learn digits — "
        f"{ds.num_rows} training examples, {ds.num_columns} features ({len(states)} × {proj_dim}), "
        f"{len(ds.contributors)} contributors, {queries} inferences")
    say(f"recipe {ds.recipe.digest().hex()[:16]}…: {ds.recipe.projection_library}; {ds.recipe.projection_method}")

    n = required_log_n(ds.num_rows, ds.num_columns, len(ds.contributors), queries)
    srs = SRS.from_ptau(ptau, max_log_n=n) if ptau else SRS.dev(n, seed=seed)
    prover = Prover(srs, progress=bars)
    start = time.perf_counter()
    reg = prover.register(ds)
    registered = verify_registration(reg.manifest.to_bytes(), reg.proof.to_bytes(), trusted_srs_digest=srs.digest())
    fees = [fee] * queries
    epoch = prover.prove(reg, q, fees)
    ok = verify_attribution(reg.manifest.to_bytes(), epoch.claim.to_bytes(), epoch.proof.to_bytes(),
                            trusted_srs_digest=srs.digest())
    timings["register_prove_verify_s"] = time.perf_counter() - start
    say(f"registered (manifest {reg.manifest.digest().hex()[:16]}…, verified: {'OK' if registered else 'FAILED'}); "
        f"epoch of {queries} inferences proven, verified by the pure-Python verifier: {'OK' if ok else 'FAILED'}")
    reference = contributor_totals(scores, owners, ds.contributors)
    fig = fidelity(np.array(epoch.totals, dtype=float), reference, epoch.payouts, fees)
    say(f"fidelity vs {featurizer.library_version}'s own scores summed per contributor: Spearman min "
        f"{fig['spearman_min']:.6f} (median {fig['spearman_median']:.6f}), identical top-10 in "
        f"{fig['top10_identical']:.0%} of inferences, max payout deviation {fig['payout_deviation_per_query']:.5%} "
        f"of an inference's fee ({fig['payout_deviation']:.5%} of a fee summed over the epoch)")
    say("timings: " + ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in timings.items()))
    fig.pop("spearman")
    return {"ok": bool(ok and registered), "timings": timings, **fig}
