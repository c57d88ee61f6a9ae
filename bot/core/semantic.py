"""Similarity that understands paraphrase, fully offline: averaged static token embeddings.

The model is WordLlama's "l2_supercat": a 32,000 x 256 table of token embeddings (trained from
those of Llama 2 70B and other models sharing its tokenizer) and that tokenizer, both shipped in
the `wordllama` wheel: nothing is downloaded, no neural network runs. A text's vector is the mean
of its tokens' rows; two texts are as close as the cosine of their vectors.

We read the two files ourselves instead of importing `wordllama` (its import brings in pydantic
and requests and configures the root logger): the table through mmap, the tokenizer with
bot/core/bpe.py. numpy computes each lesson text's products with every token once, kept in the
cache folder (SemanticIndex); after that a question needs no numpy, so `mltip tip QUESTION`
starts quickly, and a server imports it anyway for speed (use_numpy). Only this module imports
numpy, and only inside functions (tests/test_boundaries.py). When the model cannot be loaded
(no wheel for this platform, a damaged install, no numpy) search carries on with keywords alone;
the reason is logged once and `mltip check-config` reports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import itertools
import json
import logging
import math
import mmap
import operator
import os
import struct
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.bpe import BytePairTokenizer, cached_tables

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger("mltip.search")

MODEL_PACKAGE = "wordllama"
WEIGHTS_FILE = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER_FILE = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
WEIGHTS_TENSOR = "embedding.weight"
MODEL_NAME = "WordLlama l2_supercat, 256 dimensions"


class SemanticUnavailable(Exception):
    """The semantic ranker cannot run here; the message says why."""


class EmbeddingModel:
    """Texts to token rows and vectors. Read-only after loading, so threads may share it."""

    def __init__(self, weights: mmap.mmap, offset: int, shape: tuple[int, int], tokenizer: BytePairTokenizer) -> None:
        self._weights, self._offset = weights, offset
        self.vocabulary, self.dimensions = shape
        self._tokenizer = tokenizer
        self._row = struct.Struct(f"<{self.dimensions}e")
        self.identity = ""  # names the model's files, size and time: changes whenever they do

    def ids(self, text: str) -> list[int]:
        """The token ids of `text` that have a row in the table."""
        return [n for n in self._tokenizer.encode(text) if n < self.vocabulary]

    def row(self, token: int) -> tuple[float, ...]:
        """One token's embedding, read from the mapped file."""
        return self._row.unpack_from(self._weights, self._offset + token * self._row.size)

    def table(self) -> NDArray[np.float16]:
        """The whole table as a numpy array over the same mapping (no copy); needs numpy."""
        import numpy as np

        flat = np.frombuffer(self._weights, "<f2", self.vocabulary * self.dimensions, self._offset)
        return flat.reshape(self.vocabulary, self.dimensions)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One normalised row per text (all zeros for a text with no tokens); needs numpy."""
        import numpy as np

        table = self.table()
        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for n, text in enumerate(texts):
            ids = self.ids(text)
            if ids:
                rows[n] = np.add.reduce(table[ids], axis=0, dtype=np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))[:, None]
        rows /= np.where(norms > 0, norms, np.float32(1.0))
        return rows

    def products(self, vectors: NDArray[np.float32]) -> bytes:
        """Every token's row times every vector, as a vocabulary x len(vectors) table of float16."""
        import numpy as np

        table = self.table()
        chunks = [
            (table[start : start + 4096].astype(np.float32) @ vectors.T).astype("<f2").tobytes()
            for start in range(0, self.vocabulary, 4096)
        ]
        return b"".join(chunks)


def _package_folder() -> Path:
    # find_spec locates the package without running its __init__ (see the module docstring).
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SemanticUnavailable(f"the {MODEL_PACKAGE} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_table(path: Path, tokenizer: BytePairTokenizer) -> EmbeddingModel:
    """The embedding table of a safetensors file, memory-mapped: 16 MB on disk, paged in on use."""
    with path.open("rb") as file:
        header_size = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(header_size))
        tensor = header[WEIGHTS_TENSOR]
        if tensor["dtype"] != "F16" or len(tensor["shape"]) != 2:
            raise SemanticUnavailable(f"{path.name} holds {tensor['dtype']} {tensor['shape']}, not a float16 table")
        rows, columns = (int(n) for n in tensor["shape"])
        start = 8 + header_size + int(tensor["data_offsets"][0])
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if len(mapped) < start + rows * columns * 2:
        raise SemanticUnavailable(f"{path.name} is shorter than its header says")
    return EmbeddingModel(mapped, start, (rows, columns), tokenizer)


def _load(cache_dir: Path | None) -> EmbeddingModel:
    try:
        folder = _package_folder()
        files = [folder / WEIGHTS_FILE, folder / TOKENIZER_FILE]
        model = _read_table(files[0], BytePairTokenizer(cached_tables(files[1], cache_dir)))
        model.identity = " ".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
        return model
    except SemanticUnavailable:
        raise
    except Exception as exc:  # any failure at all means keyword search alone, never a crash
        raise SemanticUnavailable(f"{type(exc).__name__}: {exc}") from exc


_lock = threading.Lock()
_state: dict[str, EmbeddingModel | SemanticUnavailable] = {}


def _unavailable(exc: Exception) -> None:
    """Remember why, and say it once: from then on this process searches on keywords alone."""
    with _lock:
        if isinstance(_state.get("model"), SemanticUnavailable):
            return
        _state["model"] = (
            exc if isinstance(exc, SemanticUnavailable) else SemanticUnavailable(f"{type(exc).__name__}: {exc}")
        )
    log.warning("semantic search is unavailable (%s); questions are matched on keywords alone", _state["model"])


def load_model(cache_dir: Path | None = None) -> EmbeddingModel | None:
    """The process's one model, loaded on the first call; None when it cannot be (logged once)."""
    with _lock:
        found = _state.get("model")
    if found is None:
        try:
            model = _load(cache_dir)
        except SemanticUnavailable as exc:
            _unavailable(exc)
            return None
        with _lock:
            found = _state.setdefault("model", model)
    return found if isinstance(found, EmbeddingModel) else None


def build_index(texts: Sequence[Sequence[str]], cache_dir: Path | None = None) -> SemanticIndex | None:
    """The lessons' semantic index, or None when the model or numpy is missing (logged once)."""
    model = load_model(cache_dir)
    if model is None:
        return None
    try:
        return SemanticIndex(model, texts, cache_dir)
    except Exception as exc:  # numpy missing or broken: keyword search alone, never a crash
        _unavailable(exc)
        return None


def use_numpy() -> None:
    """Answer questions with numpy from now on: worth its import in a process that answers many."""
    with contextlib.suppress(ImportError):  # without numpy, the plain-Python sums give the same answers
        import numpy  # noqa: F401


def unavailable_reason() -> str | None:
    """Why semantic search cannot run here, or None when it can (this loads the model and numpy)."""
    try:
        import numpy  # noqa: F401  (needed to index lessons the cache does not already hold)
    except ImportError as exc:
        _unavailable(exc)
    if load_model() is not None:
        return None
    return str(_state["model"])


class SemanticIndex:
    """Every lesson's texts as vectors; a question is as close to a lesson as to its closest text.

    A question's vector is the sum of its tokens' rows, so its dot product with a text's vector
    is the sum of each token's dot product with it. Those products are computed once, with numpy,
    for every token and every text (32,000 x texts, float16: 15 MB for the lessons today, in the
    cache folder and memory-mapped); a question then costs a few row reads and additions in plain
    Python, and neither it nor a warm start imports numpy at all.
    """

    def __init__(self, model: EmbeddingModel, texts: Sequence[Sequence[str]], cache_dir: Path | None = None) -> None:
        sizes = [len(group) for group in texts]
        if not all(sizes):
            raise ValueError("every lesson needs at least one text")
        ends = list(itertools.accumulate(sizes))
        self._bounds = list(zip([0, *ends[:-1]], ends, strict=True))
        self._model = model
        flat = [text for group in texts for text in group]
        self._products, self._count = _products(model, flat, cache_dir), len(flat)
        self._row = struct.Struct(f"<{self._count}e")

    def similarities(self, question: str) -> list[float]:
        """Cosine similarity of `question` to each lesson, in lesson order (-1 to 1; 0 with no tokens).

        With numpy loaded (a server, see use_numpy) the same sums take a tenth of the time.
        """
        return self.similarities_of(self._model.ids(question))

    def token_ids(self, text: str) -> list[int]:
        """`text`'s tokens, for similarities_of: one tokenisation serves several indexes of one model."""
        return self._model.ids(text)

    def similarities_of(self, ids: list[int]) -> list[float]:
        """similarities() of a text already tokenised (token_ids)."""
        if sys.modules.get("numpy") is not None:
            return self._with_numpy(ids)
        model, row = self._model, self._row
        total = [0.0] * model.dimensions
        dots = [0.0] * self._count
        for token in ids:
            total = list(map(operator.add, total, model.row(token)))
            dots = list(map(operator.add, dots, row.unpack_from(self._products, token * row.size)))
        return self._per_lesson(dots, math.sqrt(sum(map(operator.mul, total, total))))

    def _with_numpy(self, ids: list[int]) -> list[float]:
        import numpy as np

        products = np.frombuffer(self._products, "<f2").reshape(self._model.vocabulary, -1)
        total = np.add.reduce(self._model.table()[ids], axis=0, dtype=np.float64)
        length = math.sqrt(float(total @ total))
        if not length:
            return [0.0] * len(self._bounds)
        dots = np.add.reduce(products[ids], axis=0, dtype=np.float64)
        best: list[float] = (np.maximum.reduceat(dots, [start for start, _ in self._bounds]) / length).tolist()
        return best

    def _per_lesson(self, dots: list[float], length: float) -> list[float]:
        if not length:
            return [0.0] * len(self._bounds)
        return [max(dots[start:end]) / length for start, end in self._bounds]


_built: dict[str, bytes | mmap.mmap] = {}  # this process's product tables, by digest


def _products(model: EmbeddingModel, texts: list[str], cache_dir: Path | None) -> bytes | mmap.mmap:
    """The token x text products for `texts`: remembered, read from `cache_dir`, or computed (numpy)."""
    digest = hashlib.sha256(model.identity.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    key = digest.hexdigest()[:32]
    size = model.vocabulary * len(texts) * 2
    with _lock:
        if key in _built:
            return _built[key]
    found: bytes | mmap.mmap | None = None
    path = None if cache_dir is None else cache_dir / f"products-{key}.bin"
    with contextlib.suppress(OSError, ValueError):  # missing, empty or unreadable: computed again
        if path is not None:
            with path.open("rb") as file:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            if len(mapped) == size:
                found = mapped
                os.utime(path)  # in use: the newest are the ones kept
    if found is None:
        found = model.products(model.embed(texts))  # ImportError here: numpy is missing
        if path is not None:
            _write(path, found)
    with _lock:
        if len(_built) >= 4:
            del _built[next(iter(_built))]
        _built[key] = found
    return found


def _write(path: Path, data: bytes, keep: int = 3) -> None:
    """Atomically, then drop all but the `keep` newest tables: every content edit makes a new one.

    A ranker uses two (the lessons' and content/scope.yaml's, the latter small).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.replace(path)
        tables = sorted(path.parent.glob("products-*.bin"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
        for old in tables[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache we cannot write is simply not used
