"""Per-example features from a PyTorch model, through the attribution library that defines them (issue 16).

The prover proves inner products: contributor c's total for query t is A[c, t] = Σ_{i ∈ rows(c)}
σ_i·⟨φ_i, q_t⟩.  Gradient-based attribution methods have exactly that form once their factors are
placed, and this module places them, computing every gradient, projection and preconditioner with the
library's own code (``pip install 'attrib[torch]'``), never a projection of ours:

``library="trak"`` (traker 0.3), ``method="trak"``
    TRAK's FunctionalGradientComputer differentiates its model output function (``task``, default
    ``"image_classification"``: the margin log p/(1 − p), whose out-to-loss weight is Q = 1 − p),
    its BasicProjector projects to ``proj_dim`` per checkpoint (a fresh matrix per checkpoint, seeded
    seed + 10³·block + 10⁵·checkpoint as TRAKer does; ``proj_type`` normal, TRAKer's choice on the
    CPU), divided by √(#params) as TRAKer does.  TRAK's score is
    τ(i, t) = (1/M Σ_m g_m(i)ᵀ c_m(X_mᵀX_m + λI)⁻¹ g_m(t)) · Q̄_i, so the registered row is
    φ_i ∝ Q̄_i·[g_1(i) ‖ … ‖ g_M(i)] and the query q_t = 1/M·[c_m (X_mᵀX_m + λI)⁻¹ g_m(t)]_m, the
    preconditioner applied by TRAK's own BasicScoreComputer.get_x_xtx_inv (c_m its normalization).
``library="dattri"`` (dattri 0.3), ``method="tracin"`` or ``"trak"``
    dattri's AttributionTask differentiates ``loss(outputs, labels)`` (vmap of grad), its
    ``random_project`` projects (normal, ``ensemble_id`` = checkpoint index, as its attributors do).
    TracIn (TracInAttributor, unnormalized): φ_i = [P_m ∇ℓ_m(i)]_m, q_t = [w_m P_m ∇ℓ_m(t)]_m with
    the per-checkpoint ``weights`` w_m (learning rates; 1 for Grad-Dot).  TRAK (TRAKAttributor): as
    above with Q = 1 − exp(−ℓ) and K_m = X_mᵀX_m + λI solved on the query side.

Which side carries the preconditioner, and why the query side.  Both give the same inner
products; the query side keeps each registered row a function of its example and the checkpoints
alone, so that an auditor can recompute a sampled row from its example (attrib.verifier.audit) and
an append leaves the registered rows unchanged, whereas X(XᵀX)⁻¹ (TRAK's own ``features.mmap``)
depends on every training example.  The recipe records it in ``projection_method`` ("… (X'X+λI)^-1
on the query side"); the matrices X_mᵀX_m themselves are data, not recipe: they are written beside
the features (``preconditioner.npy``, its keccak256 in ``featurize.json``), since the recipe must
stay the same across appends while XᵀX grows with them.  A query made from these files is
reproducible by anyone holding the model, the checkpoints and that file.

The recipe (attrib.verifier.recipe) pins: the checkpoint digests (keccak256 of
:func:`canonical_state_dict`), library and version (and torch's: the projection matrices come from
torch's CPU generator), method, total dimension k = M·``proj_dim``, seed, 16-bit per-row
quantization, and the example encoding (:func:`encode_example` unless ``encode=`` says otherwise).

Features stream: each batch's rows go to ``features.npy`` as they are made (attrib.prover.
feature_files.NpyWriter), so memory holds one batch, the M·p² Gram matrices and the N contributor
ids, whatever N.  Batches are the outer loop and checkpoints the inner one, so every row is written
once, complete.  CPU only: the projection's random stream is torch's CPU generator.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np

try:
    import torch
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("attrib.prover.featurize needs PyTorch and the attribution libraries: "
                      "pip install 'attrib[torch]'") from exc

from Crypto.Hash import keccak

from attrib.prover.dataset import digest_limbs
from attrib.prover.feature_files import (
    CONTRIBUTORS_FILE,
    DIGESTS_FILE,
    FEATURES_FILE,
    META_FILE,
    PRECONDITIONER_FILE,
    QUERIES_FILE,
    RECIPE_FILE,
    FeatureFiles,
    NpyWriter,
)
from attrib.prover.storage import atomic_save_npy, atomic_write_bytes
from attrib.verifier.limits import FEATURE_BITS, MAX_CONTRIBUTOR_ID_BYTES
from attrib.verifier.recipe import MAX_RECIPE_TEXT_BYTES, Recipe, example_digest

METHODS = {"trak": ("trak",), "dattri": ("tracin", "trak")}
PROJECTION_TYPES = ("normal", "rademacher")
STATE_DICT_DOMAIN = b"ATTRIB-V2/STATE-DICT"
SCALE_RULE = "per-row max-abs, scales to 2^24 - 1 (Dataset.from_float)"
EXAMPLE_ENCODING = ("per component (x, y): u32 BE len, ASCII dtype+shape, u64 BE len, little-endian C-order "
                    "bytes (attrib.prover.featurize.encode_example)")
DATTRI_MAX_BATCH = 32          # random_project's proj_max_batch_size (used by its CUDA projector only)
PROJECTOR_BYTES = 1 << 30      # TRAK: keep one projection matrix per checkpoint while they fit in this


# ---- digests and encodings -----------------------------------------------------------------

def _u64(x: int) -> bytes:
    return int(x).to_bytes(8, "big")


def _tensor_bytes(t) -> tuple[str, tuple, bytes]:
    t = torch.as_tensor(t).detach().to("cpu").contiguous()
    if sys.byteorder != "little":      # pragma: no cover - every platform PyTorch ships for is little-endian
        raise RuntimeError("canonical encodings are little-endian")
    raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
    return str(t.dtype).removeprefix("torch."), tuple(t.shape), raw


def canonical_state_dict(state_dict: Mapping) -> Iterable[bytes]:
    """The canonical bytes of a checkpoint, in pieces: STATE_DICT_DOMAIN, the entry count, then per entry
    in sorted name order its name, dtype name, shape and raw little-endian C-order bytes (each string and
    byte string preceded by its length, each number a big-endian u64).  Independent of device, of
    parameter registration order and of how the file was saved."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"a checkpoint is a state dict (name -> tensor), got {type(state_dict).__name__}")
    yield STATE_DICT_DOMAIN + _u64(len(state_dict))
    for name in sorted(state_dict):
        value = state_dict[name]
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"checkpoint entry {name!r}: expected a tensor, got {type(value).__name__}")
        dtype, shape, raw = _tensor_bytes(value)
        key = name.encode()
        yield b"".join([_u64(len(key)), key, _u64(len(dtype)), dtype.encode(), _u64(len(shape)),
                        *(_u64(s) for s in shape), _u64(len(raw))])
        yield raw


def state_dict_digest(state_dict: Mapping) -> bytes:
    """keccak256 of :func:`canonical_state_dict`: the recipe's digest of one checkpoint (32 bytes)."""
    h = keccak.new(digest_bits=256)
    for piece in canonical_state_dict(state_dict):
        h.update(piece)
    return h.digest()


def encode_example(example) -> bytes:
    """An example's default canonical bytes (EXAMPLE_ENCODING): each component (input tensors, then the
    label) as u32 length + ASCII "dtype(shape)", u64 length + its little-endian C-order bytes.  Its
    keccak256 (attrib.verifier.recipe.example_digest) is the row's committed example digest."""
    out = []
    for part in _components(example):
        dtype, shape, raw = _tensor_bytes(part)
        head = f"{dtype}{list(shape)}".encode()
        out += [len(head).to_bytes(4, "big"), head, _u64(len(raw)), raw]
    return b"".join(out)


def _components(example) -> tuple:
    if not isinstance(example, (tuple, list)) or len(example) < 2:
        raise TypeError("an example is a tuple (inputs…, label) of tensors, arrays or numbers, got "
                        f"{type(example).__name__}")
    return tuple(example)


def collate(examples: Sequence) -> tuple:
    """A batch: each component of the examples stacked into one tensor."""
    parts = [_components(e) for e in examples]
    width = len(parts[0])
    if any(len(p) != width for p in parts):
        raise ValueError("every example needs the same number of components")
    return tuple(torch.stack([torch.as_tensor(p[j]) for p in parts]) for j in range(width))


def load_checkpoint(checkpoint) -> dict:
    """A state dict on the CPU, from a state dict or the path of one saved with ``torch.save``."""
    if isinstance(checkpoint, (str, Path)):
        path = Path(checkpoint)
        try:
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, ValueError) as exc:
            raise ValueError(f"{path}: not a loadable state dict ({exc})") from None
        if not isinstance(checkpoint, Mapping):
            raise ValueError(f"{path}: holds a {type(checkpoint).__name__}, not a state dict")  # noqa: TRY004
    if not isinstance(checkpoint, Mapping):
        raise TypeError(f"a checkpoint is a state dict or its path, got {type(checkpoint).__name__}")
    return {k: torch.as_tensor(v).detach().to("cpu") for k, v in checkpoint.items()}


def _batches(pairs: Iterable, size: int):
    batch = []
    for item in pairs:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---- the featurizer ------------------------------------------------------------------------

class Featurizer:
    """Features and queries of one model, checkpoints and method (see the module docstring).

    ``model`` is the architecture (its weights are replaced by each checkpoint in turn);
    ``checkpoints`` state dicts or paths of them (one or more: TracIn's training checkpoints, TRAK's
    ensemble).  For TRAK, ``task`` is its model output function (a name in trak's TASK_TO_MODELOUT or
    an AbstractModelOutput); for dattri, ``loss(outputs, labels)`` is the training loss (default cross
    entropy) and ``target`` the queried function (default the loss).  ``weights`` are TracIn's
    per-checkpoint learning rates.  ``encode(example) -> bytes`` and its description ``encoding`` fix the
    examples' committed bytes (default :func:`encode_example`).
    """

    def __init__(self, model, checkpoints, *, library: str = "trak", method: str | None = None,
                 task="image_classification", loss: Callable | None = None, target: Callable | None = None,
                 weights: Sequence[float] | None = None, proj_dim: int = 32, seed: int = 0,
                 proj_type: str = "normal", regularization: float = 0.0, batch_size: int = 256,
                 encode: Callable | None = None, encoding: str | None = None) -> None:
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
        if library not in METHODS:
            raise ValueError(f"library: one of {sorted(METHODS)}, got {library!r}")
        method = method or METHODS[library][0]
        if method not in METHODS[library]:
            raise ValueError(f"method: {library} offers {METHODS[library]}, got {method!r}")
        if isinstance(checkpoints, (str, Path, Mapping)):
            checkpoints = [checkpoints]
        self.checkpoints = [load_checkpoint(c) for c in checkpoints]
        if not self.checkpoints:
            raise ValueError("checkpoints: at least one")
        for field_name, value, low in (("proj_dim", proj_dim, 1), ("seed", seed, 0), ("batch_size", batch_size, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{field_name}: an integer ≥ {low}, got {value!r}")
        if proj_type not in PROJECTION_TYPES:
            raise ValueError(f"proj_type: one of {PROJECTION_TYPES}, got {proj_type!r}")
        if not (isinstance(regularization, (int, float)) and regularization >= 0 and math.isfinite(regularization)):
            raise ValueError(f"regularization: a finite number ≥ 0, got {regularization!r}")
        if library == "trak" and loss is not None:
            raise ValueError("library 'trak' differentiates its model output function (task=), not loss=")
        count = len(self.checkpoints)
        if weights is not None and method != "tracin":
            raise ValueError("weights (learning rates per checkpoint) are TracIn's")
        self.weights = [1.0] * count if weights is None else [float(w) for w in weights]
        if len(self.weights) != count:
            raise ValueError(f"weights: {len(self.weights)} for {count} checkpoints")
        if (encode is None) != (encoding is None):
            raise ValueError("give encode= and its description encoding= together")
        self.model, self.library, self.method = model, library, method
        self.proj_dim, self.seed, self.proj_type = proj_dim, seed, proj_type
        self.regularization, self.batch_size = float(regularization), batch_size
        self.encode, self.encoding = encode or encode_example, encoding or EXAMPLE_ENCODING
        self.model_digests = tuple(state_dict_digest(sd) for sd in self.checkpoints)
        self.num_columns = proj_dim * count
        self.preconditioned = method == "trak"
        self.gram: np.ndarray | None = None      # (M, p, p) X_mᵀX_m, once featurize has run
        self.model.eval()
        if library == "trak":
            self._init_trak(task)
        else:
            self._init_dattri(loss, target)

    # -- library set-up --

    def _init_trak(self, task) -> None:
        from trak.gradient_computers import FunctionalGradientComputer
        from trak.modelout_functions import TASK_TO_MODELOUT, AbstractModelOutput
        from trak.projectors import BasicProjector, ProjectionType
        from trak.utils import get_num_params

        if isinstance(task, str):
            if task not in TASK_TO_MODELOUT:
                raise ValueError(f"task: one of {sorted(TASK_TO_MODELOUT)} or an AbstractModelOutput, got {task!r}")
            self.task_name, task = task, TASK_TO_MODELOUT[task]()
        elif isinstance(task, AbstractModelOutput):
            self.task_name = type(task).__name__
        else:
            raise TypeError(f"task: a TRAK task name or AbstractModelOutput, got {type(task).__name__}")
        self.library_version = f"traker {package_version('traker')}"
        grad_dim = get_num_params(self.model)
        self._normalize = torch.sqrt(torch.tensor(grad_dim, dtype=torch.float32))     # as TRAKer does
        self._gc = FunctionalGradientComputer(model=self.model, task=task, grad_dim=grad_dim, dtype=torch.float32,
                                              device="cpu", grad_wrt=None)
        # one projector per checkpoint while their matrices (#params × min(p, 100) floats each) fit in
        # PROJECTOR_BYTES, else one shared, which regenerates its matrix on every switch of model id as
        # TRAKer's does; the matrices are the same: BasicProjector seeds block b of model id m with
        # seed + 10³·b + 10⁵·m
        count = len(self.checkpoints)
        make = lambda m: BasicProjector(grad_dim=grad_dim, proj_dim=self.proj_dim, seed=self.seed,
                                        proj_type=ProjectionType(self.proj_type), device="cpu", dtype=torch.float32,
                                        model_id=m)
        if count * grad_dim * min(self.proj_dim, 100) * 4 <= PROJECTOR_BYTES:
            self._projectors = [make(m) for m in range(count)]
        else:
            self._projectors = [make(0)] * count
        self._trak_task = task

    def _init_dattri(self, loss, target) -> None:
        from dattri.task import AttributionTask

        model = self.model
        loss = loss or torch.nn.functional.cross_entropy
        self.task_name = getattr(loss, "__name__", type(loss).__name__)

        def on_one(fn):
            def f(params, data):
                inputs = tuple(x.unsqueeze(0) for x in data[:-1])
                return fn(torch.func.functional_call(model, params, inputs), data[-1].unsqueeze(0))
            return f

        self.library_version = f"dattri {package_version('dattri')}"
        self._task = AttributionTask(loss_func=on_one(loss), model=model, checkpoints=self.checkpoints,
                                     target_func=on_one(target) if target is not None else None)
        self._grad_loss = self._task.get_grad_loss_func(in_dims=(None, 0))
        self._grad_target = self._task.get_grad_target_func(in_dims=(None, 0))
        self._loss_values = torch.func.vmap(self._task.get_loss_func(), in_dims=(None, 0))
        self._norm = sum(p.numel() for p in model.parameters() if p.requires_grad) ** 0.5   # TRAKAttributor's
        self._projectors = [None] * len(self.checkpoints)

    # -- per batch, per checkpoint --

    def _project_dattri(self, m: int, grads):
        from dattri.func.projection import random_project

        if self._projectors[m] is None:      # one random_project per checkpoint: its matrix is the batch's
            self._projectors[m] = random_project(grads, grads.shape[0], proj_dim=self.proj_dim,
                                                 proj_max_batch_size=DATTRI_MAX_BATCH, proj_seed=self.seed,
                                                 proj_type=self.proj_type, device="cpu")
        return self._projectors[m](grads, ensemble_id=m)

    def _grads(self, m: int, batch: tuple, train: bool):
        """(B × p projected gradients, B out-to-loss weights or None) of checkpoint m."""
        if self.library == "trak":
            self.model.load_state_dict(self.checkpoints[m])
            self.model.eval()
            self._gc.load_model_params(self.model)
            g = self._gc.compute_per_sample_grad(batch=batch)
            g = self._projectors[m].project(g, model_id=m) / self._normalize
            q = self._gc.compute_loss_grad(batch).reshape(-1) if train else None
            return g.detach(), q
        params, _ = self._task.get_param(ckpt_idx=m)
        g = torch.nan_to_num((self._grad_loss if train else self._grad_target)(params, batch))
        q = None
        if self.method == "trak":
            g = g / self._norm
            if train:
                q = (1.0 - torch.exp(-self._loss_values(params, batch).reshape(-1))).detach()
        return self._project_dattri(m, g).detach(), q

    # -- the recipe --

    def recipe(self) -> Recipe:
        """The feature recipe the manifest pins (see the module docstring)."""
        lam = f"{self.regularization:g}"
        if self.library == "trak":
            method = (f"TRAK {self.task_name} grads/sqrt(#params); BasicProjector {self.proj_type} "
                      f"{self.proj_dim}/checkpoint; row x mean Q; query: 1/M (X'X+{lam}I)^-1 "
                      f"(BasicScoreComputer) on the query side; float32")
        elif self.method == "tracin":
            method = (f"TracIn grad-dot of {self.task_name}; random_project {self.proj_type} "
                      f"{self.proj_dim}/checkpoint (ensemble_id = index); query x lr "
                      f"{','.join(f'{w:g}' for w in self.weights)}; float32")
        else:
            method = (f"dattri TRAK {self.task_name} grads/sqrt(#params); random_project {self.proj_type} "
                      f"{self.proj_dim}/checkpoint; row x mean Q (1-exp(-loss)); query: 1/M (X'X+{lam}I)^-1 "
                      f"on the query side; float32")
        library = f"{self.library_version} (torch {torch.__version__})"
        if len(method.encode()) > MAX_RECIPE_TEXT_BYTES:     # many checkpoints' learning rates: they are in
            method = method.encode()[:MAX_RECIPE_TEXT_BYTES - 3].decode(errors="ignore") + "..."  # featurize.json
        return Recipe(models=self.model_digests, projection_library=library, projection_method=method,
                      projection_dimension=self.num_columns, projection_seed=self.seed, quantization_bits=FEATURE_BITS,
                      scale_rule=SCALE_RULE, example_encoding=self.encoding)

    def describe(self) -> dict:
        return {"library": self.library, "library_version": self.library_version, "torch": torch.__version__,
                "method": self.method, "task": self.task_name, "proj_dim": self.proj_dim,
                "proj_type": self.proj_type, "seed": self.seed, "regularization": self.regularization,
                "weights": self.weights, "checkpoints": [d.hex() for d in self.model_digests],
                "num_columns": self.num_columns}

    # -- features --

    def featurize(self, pairs: Iterable, out_dir, *, num_examples: int | None = None,
                  progress: Callable[[str, float], None] | None = None) -> FeatureFiles:
        """Stream the features of ``pairs`` — (example, contributor id) pairs, example = (inputs…, label) —
        into ``out_dir`` (attrib.prover.feature_files.FeatureFiles lists the files) and return them.

        ``num_examples`` is needed when ``pairs`` has no len() (a generator: N may exceed memory).
        ``progress(stage, fraction)`` is called after every batch (stage "featurize")."""
        if num_examples is None:
            if not hasattr(pairs, "__len__"):
                raise ValueError("num_examples: needed when pairs has no len()")
            num_examples = len(pairs)
        n = int(num_examples)
        if n < 1:
            raise ValueError("featurize: no examples")
        progress = progress or (lambda stage, fraction: None)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        count, p = len(self.checkpoints), self.proj_dim
        # in torch, not numpy: one thread pool (torch's), not a second (BLAS's) waking up between batches
        gram = torch.zeros((count, p, p), dtype=torch.float64) if self.preconditioned else None
        features = NpyWriter(out / FEATURES_FILE, (n, self.num_columns), np.float32)
        digests = NpyWriter(out / DIGESTS_FILE, (n, 4), np.uint64)
        contributors: list[str] = []
        start, rows = time.perf_counter(), 0
        try:
            for chunk in _batches(pairs, self.batch_size):
                if rows + len(chunk) > n:
                    raise ValueError(f"pairs: more than num_examples = {n}")
                examples = []
                for i, item in enumerate(chunk):
                    if not isinstance(item, (tuple, list)) or len(item) != 2:
                        raise TypeError(f"pairs[{rows + i}]: expected (example, contributor id)")
                    example, owner = item
                    if not isinstance(owner, str) or not owner or len(owner.encode()) > MAX_CONTRIBUTOR_ID_BYTES:
                        raise ValueError(f"pairs[{rows + i}]: the contributor id must be a non-empty string of at "
                                         f"most {MAX_CONTRIBUTOR_ID_BYTES} bytes, got {owner!r}")
                    examples.append(example)
                    contributors.append(owner)
                digests.write(digest_limbs([example_digest(self.encode(e)) for e in examples]))
                batch = collate(examples)
                blocks, weight = [], torch.zeros(len(examples))
                for m in range(count):
                    g, q = self._grads(m, batch, train=True)
                    blocks.append(g)
                    if q is not None:
                        weight += q
                    if gram is not None:
                        g64 = g.double()
                        gram[m] += g64.T @ g64
                x = torch.cat(blocks, dim=1)
                if self.preconditioned:
                    x = x * (weight / count)[:, None]
                features.write(x.numpy())
                rows += len(examples)
                progress("featurize", rows / n)
            if rows != n:
                raise ValueError(f"pairs: {rows} examples, num_examples = {n}")
            features.close()
            digests.close()
        except BaseException:
            features.abort()
            digests.abort()
            raise
        elapsed = time.perf_counter() - start
        self.gram = gram = None if gram is None else gram.numpy()
        meta = {**self.describe(), "num_rows": n, "featurize_s": elapsed, "batch_size": self.batch_size,
                "preconditioner": None}
        if gram is not None:
            atomic_save_npy(out / PRECONDITIONER_FILE, gram)
            meta["preconditioner"] = {"file": PRECONDITIONER_FILE, "side": "query",
                                      "keccak256": keccak.new(digest_bits=256, data=gram.tobytes()).hexdigest(),
                                      "regularization": self.regularization}
        atomic_write_bytes(out / CONTRIBUTORS_FILE, json.dumps(contributors).encode())
        atomic_write_bytes(out / RECIPE_FILE, self.recipe().to_json().encode())
        meta["recipe_digest"] = self.recipe().digest().hex()
        atomic_write_bytes(out / META_FILE, json.dumps(meta, indent=1).encode())
        return FeatureFiles.load(out)

    # -- queries --

    def queries(self, examples: Iterable, features: FeatureFiles | None = None, *,
                progress: Callable[[str, float], None] | None = None, num_examples: int | None = None) -> np.ndarray:
        """The queries (T × k float64) of ``examples`` — (inputs…, label), the label being the output
        attributed (e.g. the model's prediction) — for rows this featurizer made: ⟨row_i, q_t⟩ is the
        method's score of example i for query t.  Preconditioned methods need the Gram matrices of the
        rows: this featurizer's last :meth:`featurize`, or ``features`` (its preconditioner.npy)."""
        progress = progress or (lambda stage, fraction: None)
        gram = self.gram
        if features is not None:
            made = features.meta
            if (made.get("library"), made.get("method"), made.get("checkpoints"), made.get("proj_dim"),
                    made.get("seed")) != (self.library, self.method, [d.hex() for d in self.model_digests],
                                          self.proj_dim, self.seed):
                raise ValueError(f"{features.directory}: features made with another library, method, checkpoints, "
                                 "dimension or seed than this featurizer's")
            gram = features.preconditioner()
        if self.preconditioned and gram is None:
            raise ValueError("queries: a preconditioned method needs the rows' Gram matrices: featurize first, "
                             "or pass features=")
        total = num_examples if num_examples is not None else (len(examples) if hasattr(examples, "__len__") else None)
        count = len(self.checkpoints)
        parts: list[list] = [[] for _ in range(count)]
        done = 0
        for chunk in _batches(examples, self.batch_size):
            batch = collate(chunk)
            for m in range(count):
                parts[m].append(self._grads(m, batch, train=False)[0])
            done += len(chunk)
            if total:
                progress("queries", min(done / total, 1.0))
        if not done:
            raise ValueError("queries: no examples")
        blocks = []
        for m in range(count):
            g = torch.cat(parts[m])
            if self.library == "trak":
                from trak.score_computers import BasicScoreComputer

                sc = BasicScoreComputer(dtype=torch.float32, device="cpu", lambda_reg=self.regularization)
                g = sc.get_x_xtx_inv(g, torch.from_numpy(gram[m]).float()) / count
            elif self.method == "trak":
                kernel = torch.from_numpy(gram[m]).float()
                kernel.diagonal().add_(self.regularization)
                g = torch.linalg.solve(kernel, g.T).T / count
            else:
                g = g * self.weights[m]
            blocks.append(g.double().numpy())
        return np.hstack(blocks)

    def save_queries(self, queries: np.ndarray, out_dir) -> Path:
        path = Path(out_dir) / QUERIES_FILE
        atomic_save_npy(path, np.asarray(queries, dtype=np.float64))
        return path


# ---- the libraries' own end-to-end scores (the fidelity reference) --------------------------

def library_scores(featurizer: Featurizer, train_examples: Sequence, query_examples: Sequence, workdir,
                   batch_size: int | None = None) -> np.ndarray:
    """The per-example scores (N × T float64) that the library's own end-to-end attributor gives with
    the featurizer's settings: TRAKer (featurize, finalize_features, score, finalize_scores, its files in
    ``workdir``), dattri's TracInAttributor or TRAKAttributor.  What the proven totals are checked
    against (tests/featurize, ``attrib demo --torch``); all in memory, for small N."""
    batch_size = batch_size or featurizer.batch_size
    train, queries = collate(list(train_examples)), collate(list(query_examples))
    n, t = train[0].shape[0], queries[0].shape[0]
    split = lambda data: [tuple(c[s:s + batch_size] for c in data) for s in range(0, data[0].shape[0], batch_size)]
    if featurizer.library == "trak":
        import logging

        from trak import TRAKer
        from trak.projectors import BasicProjector, ProjectionType
        from trak.utils import get_num_params

        projector = BasicProjector(grad_dim=get_num_params(featurizer.model), proj_dim=featurizer.proj_dim,
                                   seed=featurizer.seed, proj_type=ProjectionType(featurizer.proj_type),
                                   device="cpu", dtype=torch.float32)
        traker = TRAKer(model=featurizer.model, task=featurizer._trak_task, train_set_size=n, save_dir=str(workdir),
                        device="cpu", projector=projector, use_half_precision=False,
                        projector_seed=featurizer.seed, lambda_reg=featurizer.regularization,
                        logging_level=logging.WARNING)
        for m, sd in enumerate(featurizer.checkpoints):
            traker.load_checkpoint(sd, model_id=m)
            for b in split(train):
                traker.featurize(batch=b, num_samples=b[0].shape[0])
        traker.finalize_features()
        for m, sd in enumerate(featurizer.checkpoints):
            traker.start_scoring_checkpoint(exp_name="queries", checkpoint=sd, model_id=m, num_targets=t)
            for b in split(queries):
                traker.score(batch=b, num_samples=b[0].shape[0])
        return np.asarray(traker.finalize_scores(exp_name="queries"), dtype=np.float64)
    from torch.utils.data import DataLoader, TensorDataset

    loader = lambda data: DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=False)
    kwargs = {"proj_dim": featurizer.proj_dim, "proj_max_batch_size": DATTRI_MAX_BATCH, "proj_seed": featurizer.seed,
              "proj_type": featurizer.proj_type, "device": "cpu"}
    if featurizer.method == "tracin":
        from dattri.algorithm.tracin import TracInAttributor

        attributor = TracInAttributor(task=featurizer._task, weight_list=torch.tensor(featurizer.weights),
                                      normalized_grad=False, projector_kwargs=dict(kwargs), device="cpu")
        scores = attributor.attribute(loader(train), loader(queries))
    else:
        from dattri.algorithm.trak import TRAKAttributor

        loss = featurizer._task.get_loss_func(flatten=False)      # its correct_probability_func takes a dict
        attributor = TRAKAttributor(task=featurizer._task, correct_probability_func=lambda p, d: torch.exp(-loss(p, d)),
                                    projector_kwargs=dict(kwargs), device="cpu",
                                    regularization=featurizer.regularization)
        attributor.cache(loader(train))
        scores = attributor.attribute(loader(queries))
    return np.asarray(scores.detach(), dtype=np.float64)


# ---- what ``attrib featurize`` featurizes -------------------------------------------------

@dataclass
class Source:
    """Everything ``attrib featurize --source MODULE:FUNCTION`` needs: FUNCTION() returns one.

    ``pairs`` are the (example, contributor id) pairs to register, ``num_examples`` their number when
    ``pairs`` has no len(); ``queries`` optional examples to make queries of; the rest are
    :class:`Featurizer`'s arguments (library, method, proj_dim, seed… may come from the command line)."""

    model: object
    checkpoints: list
    pairs: Iterable
    num_examples: int | None = None
    queries: Iterable | None = None
    options: dict = field(default_factory=dict)      # task, loss, target, weights, encode, encoding, …
    description: str = ""
