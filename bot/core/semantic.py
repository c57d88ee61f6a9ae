"""Similarity that understands paraphrase, fully offline: averaged static token embeddings.

The model is WordLlama's "l2_supercat": a 32,000 x 256 table of token embeddings (trained from
the token embeddings of Llama 2 70B and other models sharing its tokenizer) and that tokenizer.
Both files ship inside the `wordllama` wheel, so nothing is ever downloaded. A text's vector is
the mean of its tokens' rows, normalised; two texts are as close as the cosine of their vectors.
That is a table lookup per token and one small matrix product per question: well under a
millisecond, on the CPU, without a neural network at run time.

We read the two files ourselves instead of importing `wordllama`: its import brings in
pydantic and requests and configures the root logger, while numpy and a tokenizer
(bot/core/bpe.py) are all the arithmetic needs. Only this module imports numpy, and only when
the model is first loaded (tests/test_boundaries.py), so commands that search nothing never pay
for it. With a cache folder, the tokenizer's tables and the lessons' vectors are kept there, so
`mltip tip QUESTION` starts quickly. When the model cannot be loaded (no wheel for this
platform, a damaged install) search carries on with keywords alone; the reason is logged once
and `mltip check-config` reports it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import mmap
import os
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
    """The embedding model cannot be loaded here; the message says why."""


class EmbeddingModel:
    """Texts in, unit vectors out. Read-only after loading, so threads may share it."""

    def __init__(self, table: NDArray[np.float16], tokenizer: BytePairTokenizer, identity: str) -> None:
        self._table = table
        self._tokenizer = tokenizer
        self.identity = identity  # changes whenever the model's files do

    @property
    def dimensions(self) -> int:
        """How long each vector is."""
        return int(self._table.shape[1])

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One normalised row per text (all zeros for a text with no tokens)."""
        import numpy as np

        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for n, text in enumerate(texts):
            rows[n] = self.vector(text)
        return rows

    def vector(self, text: str) -> NDArray[np.float32]:
        """The normalised mean of the text's token rows (zeros when it has no tokens)."""
        import numpy as np

        ids = self._tokenizer.encode(text)
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        # The table is float16 and memory-mapped: only the rows a text uses are ever read.
        total: NDArray[np.float32] = np.add.reduce(self._table[ids], axis=0, dtype=np.float32)
        length = float(np.sqrt(total @ total))
        return total / np.float32(length) if length else total


def _package_folder() -> Path:
    # find_spec locates the package without running its __init__ (see the module docstring).
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SemanticUnavailable(f"the {MODEL_PACKAGE} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_table(path: Path) -> NDArray[np.float16]:
    """The embedding table of a safetensors file, memory-mapped: 16 MB on disk, paged in on use."""
    import numpy as np

    with path.open("rb") as file:
        header_size = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(header_size))
    tensor = header[WEIGHTS_TENSOR]
    if tensor["dtype"] != "F16" or len(tensor["shape"]) != 2:
        raise SemanticUnavailable(f"{path.name} holds {tensor['dtype']} {tensor['shape']}, not a float16 table")
    start = 8 + header_size + int(tensor["data_offsets"][0])
    rows, columns = (int(n) for n in tensor["shape"])
    with path.open("rb") as file:
        # A plain array over a read-only mapping: numpy.memmap's subclass costs more per lookup.
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    return np.frombuffer(mapped, dtype=np.float16, count=rows * columns, offset=start).reshape(rows, columns)


def _load(cache_dir: Path | None) -> EmbeddingModel:
    try:
        folder = _package_folder()
        files = [folder / WEIGHTS_FILE, folder / TOKENIZER_FILE]
        identity = " ".join(f"{f}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
        tokenizer = BytePairTokenizer(cached_tables(files[1], cache_dir))
        return EmbeddingModel(_read_table(files[0]), tokenizer, identity)
    except SemanticUnavailable:
        raise
    except Exception as exc:  # any failure at all means keyword search alone, never a crash
        raise SemanticUnavailable(f"{type(exc).__name__}: {exc}") from exc


_lock = threading.Lock()
_state: dict[str, EmbeddingModel | SemanticUnavailable] = {}


def load_model(cache_dir: Path | None = None) -> EmbeddingModel | None:
    """The process's one model, loaded on the first call; None when it cannot be (logged once)."""
    with _lock:
        if "model" not in _state:
            try:
                _state["model"] = _load(cache_dir)
            except SemanticUnavailable as exc:
                _state["model"] = exc
                log.warning("semantic search is unavailable (%s); questions are matched on keywords alone", exc)
        found = _state["model"]
    return found if isinstance(found, EmbeddingModel) else None


def unavailable_reason() -> str | None:
    """Why the model cannot be loaded, or None when it can (this loads it)."""
    if load_model() is not None:
        return None
    return str(_state["model"])


class SemanticIndex:
    """Every lesson's texts as vectors; a question is as close to a lesson as to its closest text."""

    def __init__(self, model: EmbeddingModel, texts: Sequence[Sequence[str]], cache_dir: Path | None = None) -> None:
        import numpy as np

        self._model = model
        flat = [text for group in texts for text in group]
        self._vectors = _cached_vectors(model, flat, cache_dir)
        # Where each lesson's texts start in the flat matrix, for a per-lesson maximum in one call.
        sizes = [len(group) for group in texts]
        if not all(sizes):
            raise ValueError("every lesson needs at least one text")
        self._starts = np.cumsum([0, *sizes[:-1]])

    def similarities(self, question: str) -> list[float]:
        """Cosine similarity of `question` to each lesson, in lesson order (-1 to 1)."""
        import numpy as np

        scores = self._vectors @ self._model.vector(question)
        best: list[float] = np.maximum.reduceat(scores, self._starts).tolist()
        return best


def _cached_vectors(model: EmbeddingModel, texts: list[str], cache_dir: Path | None) -> NDArray[np.float32]:
    """model.embed(texts), kept in `cache_dir` under a digest of the model's files and the texts."""
    import numpy as np

    if cache_dir is None:
        return model.embed(texts)
    digest = hashlib.sha256(model.identity.encode())
    for text in texts:
        digest.update(text.encode() + b"\0")
    path = cache_dir / f"vectors-{digest.hexdigest()[:32]}.npy"
    try:
        found: NDArray[np.float32] = np.load(path, allow_pickle=False)
        if found.shape == (len(texts), model.dimensions):
            return found
    except (OSError, ValueError):
        pass
    vectors = model.embed(texts)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache_dir / f".{path.stem}.{os.getpid()}.npy"
        np.save(partial, vectors, allow_pickle=False)
        partial.replace(path)
    except OSError:
        pass  # a cache we cannot write is simply not used
    return vectors
