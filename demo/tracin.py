"""A reference attribution pipeline on a real dataset: TracIn on scikit-learn's digits.

A multinomial logistic regression is trained in numpy with plain gradient
descent; at a few checkpoints the per-example loss gradients (softmax − onehot)
⊗ [x, 1] are projected to a few dimensions with a seeded Gaussian matrix and
concatenated, so that the TracIn score of training example i for query z is

    Σ_c η_c·⟨P g_i^(c), P g_z^(c)⟩ = ⟨φ_i, q_z⟩   with φ_i = [P g_i^(c)]_c, q_z = [η_c P g_z^(c)]_c

— exactly the inner-product statement the prover proves (learning rates folded
into the query).  Float scores are the reference the proven integers must match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attrib.verifier.transcript import keccak256


@dataclass
class TracInData:
    train_features: np.ndarray     # (N, k) float: projected gradients, checkpoints concatenated
    query_features: np.ndarray     # (T, k) float: the same for the queries, learning rates folded in
    train_labels: np.ndarray
    query_labels: np.ndarray
    accuracy: float
    train_examples: list = None    # each training example's canonical bytes (example_bytes)
    checkpoints: tuple = ()        # keccak256 of each checkpoint's weights (float64, little-endian, row-major)
    projection_seed: int = 0


def example_bytes(pixels: np.ndarray, label: int) -> bytes:
    """A digit's canonical bytes: its 64 pixel intensities (0 … 16) as bytes, then its label."""
    return np.rint(np.asarray(pixels) * 16).astype(np.uint8).tobytes() + bytes([int(label)])


def recipe_of(data: TracInData, dims_per_checkpoint: int = 8):
    """The feature recipe the manifest pins (attrib.verifier.recipe)."""
    from attrib.verifier.recipe import Recipe

    return Recipe(models=data.checkpoints, projection_library="attrib.demo.tracin",
                  projection_method="gaussian N(0, 1/d) (numpy default_rng(seed + 1).standard_normal)",
                  projection_dimension=dims_per_checkpoint * len(data.checkpoints),
                  projection_seed=data.projection_seed, quantization_bits=16,
                  scale_rule="per-row max-abs, scales to 2^24 − 1 (Dataset.from_float)",
                  example_encoding="64 pixel intensities 0-16 as uint8, then the label byte")


def load_digits_split(num_queries: int, seed: int):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data / 16.0
    y = digits.target
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    test, train = order[:num_queries], order[num_queries:]
    return x[train], y[train], x[test], y[test]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def per_example_gradients(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂ loss_i / ∂W for cross-entropy: (softmax(W x̃) − onehot(y)) ⊗ x̃, with x̃ = [x, 1]."""
    xb = np.hstack([x, np.ones((x.shape[0], 1))])
    residual = softmax(xb @ weights.T)
    residual[np.arange(len(y)), y] -= 1.0
    return (residual[:, :, None] * xb[:, None, :]).reshape(len(y), -1)


def tracin_features(num_queries: int = 200, checkpoints: int = 4, dims_per_checkpoint: int = 8,
                    epochs: int = 60, learning_rate: float = 0.5, seed: int = 0) -> TracInData:
    """Train, checkpoint, project: features of k = checkpoints × dims_per_checkpoint columns."""
    x, y, xq, yq = load_digits_split(num_queries, seed)
    classes = 10
    weights = np.zeros((classes, x.shape[1] + 1))
    rng = np.random.default_rng(seed + 1)
    projection = rng.standard_normal((weights.size, dims_per_checkpoint)) / np.sqrt(dims_per_checkpoint)
    saved = set(np.linspace(epochs // checkpoints, epochs, checkpoints).astype(int).tolist())
    train_parts, query_parts, digests = [], [], []
    for epoch in range(1, epochs + 1):
        grad = per_example_gradients(weights, x, y).mean(axis=0).reshape(weights.shape)
        weights -= learning_rate * grad
        if epoch in saved:
            digests.append(keccak256(np.ascontiguousarray(weights, dtype="<f8").tobytes()))
            train_parts.append(per_example_gradients(weights, x, y) @ projection)
            query_parts.append(learning_rate * per_example_gradients(weights, xq, yq) @ projection)
    xbq = np.hstack([xq, np.ones((len(yq), 1))])
    accuracy = float(((xbq @ weights.T).argmax(axis=1) == yq).mean())
    examples = [example_bytes(x[i], y[i]) for i in range(len(y))]
    return TracInData(np.hstack(train_parts), np.hstack(query_parts), y, yq, accuracy, examples, tuple(digests), seed + 1)


def assign_contributors(num_rows: int, num_contributors: int, seed: int) -> list[str]:
    """Each example to one of C contributors (uneven shares, every contributor at least one row)."""
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(num_contributors, 0.7))
    owner = rng.choice(num_contributors, size=num_rows, p=shares)
    owner[:num_contributors] = np.arange(num_contributors)
    return [f"contributor-{c:03d}" for c in owner]


def float_totals(features: np.ndarray, queries: np.ndarray, contributors: list[str],
                 order: tuple) -> np.ndarray:
    """Per-contributor float influence totals (C × T), contributors in ``order``."""
    return contributor_totals(features @ queries.T, contributors, order)


def contributor_totals(scores: np.ndarray, contributors: list[str], order: tuple) -> np.ndarray:
    """Per-example scores (N × T) summed per contributor (C × T), contributors in ``order``."""
    index = {c: i for i, c in enumerate(order)}
    owner = np.array([index[c] for c in contributors])
    totals = np.zeros((len(order), scores.shape[1]))
    np.add.at(totals, owner, scores)
    return totals


def fidelity(proven: np.ndarray, reference: np.ndarray, payouts, fees) -> dict:
    """How closely proven integer totals (C × T) and payouts follow float reference totals: Spearman
    per query, whether each query's top-10 contributors are the same set, and the largest payout
    deviation from the float split of the same fees (float_payouts), as a fraction of one query's fee:
    ``payout_deviation`` for the epoch's payouts (each the sum over its T queries, so the rows'
    quantization errors, the same in every query, add up), ``payout_deviation_per_query`` for each
    query's split of its own fee, F_t·A⁺[c,t]/S_t from the proven totals."""
    proven, reference = np.asarray(proven, dtype=float), np.asarray(reference, dtype=float)
    queries = proven.shape[1]
    rho = [spearman(proven[:, t], reference[:, t]) for t in range(queries)]
    top = min(10, proven.shape[0])
    top10 = [set(np.argsort(-proven[:, t], kind="stable")[:top]) == set(np.argsort(-reference[:, t], kind="stable")[:top])
             for t in range(queries)]
    fees = np.asarray(fees, dtype=float)
    deviation = np.abs(np.asarray(payouts, dtype=float) - float_payouts(reference, fees)).max() / fees.mean()
    per_query = np.abs(shares(proven) - shares(reference)).max()
    return {"spearman_min": min(rho), "spearman_median": float(np.median(rho)), "spearman": rho,
            "top10_identical": float(np.mean(top10)), "payout_deviation": float(deviation),
            "payout_deviation_per_query": float(per_query)}


def shares(totals: np.ndarray) -> np.ndarray:
    """Each contributor's share of each query's fee, A⁺[c,t] / Σ_c A⁺[c,t] (C × T; 0 where nobody is positive)."""
    positive = np.maximum(np.asarray(totals, dtype=float), 0.0)
    denom = positive.sum(axis=0)
    return np.divide(positive, denom, out=np.zeros_like(positive), where=denom > 0)


def float_payouts(totals: np.ndarray, fees: np.ndarray) -> np.ndarray:
    positive = np.maximum(totals, 0.0)
    denom = positive.sum(axis=0)
    share = np.divide(positive, denom, out=np.zeros_like(positive), where=denom > 0)
    return share @ fees


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    def ranks(v):
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v))
        for value in np.unique(v[np.r_[np.diff(np.sort(v)) == 0, False]]):
            tie = v == value
            r[tie] = r[tie].mean()
        return r
    ra, rb = ranks(np.asarray(a, float)), ranks(np.asarray(b, float))
    ra -= ra.mean()
    rb -= rb.mean()
    denom = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denom) if denom else 1.0
