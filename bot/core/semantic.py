"""Similarity that understands paraphrase, fully offline: averaged static token embeddings.

The model is WordLlama's "l2_supercat": a 32,000 x 256 table of token embeddings (trained from
the token embeddings of Llama 2 70B and other models sharing its tokenizer) and that tokenizer.
Both files ship inside the `wordllama` wheel, so nothing is ever downloaded. A text's vector is
the mean of its tokens' rows, normalised; two texts are as close as the cosine of their vectors.
That is a table lookup per token and one small matrix product per question: well under a
millisecond, on the CPU, without a neural network at run time.

We read the two files ourselves instead of importing `wordllama`: its import brings in
pydantic and requests and configures the root logger, while numpy and tokenizers are all the
arithmetic needs. Only this module imports them, and only when the model is first loaded
(tests/test_boundaries.py), so commands that search nothing never pay for them. When the model
cannot be loaded (no wheel for this platform, a damaged install) search carries on with
keywords alone; the reason is logged once and `mltip check-config` reports it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

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

    def __init__(self, table: NDArray[np.float16], tokenizer: Tokenizer) -> None:
        self._table = table
        self._tokenizer = tokenizer

    @property
    def dimensions(self) -> int:
        """How long each vector is."""
        return int(self._table.shape[1])

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One normalised row per text (all zeros for a text with no tokens)."""
        import numpy as np

        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for n, encoding in enumerate(encodings):
            if encoding.ids:
                # The memory-mapped table is float16; only the rows a text uses are read.
                rows[n] = self._table[encoding.ids].astype(np.float32).mean(axis=0)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        rows /= np.where(norms > 0, norms, np.float32(1.0))
        return rows


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
    return np.memmap(path, dtype=np.float16, mode="r", offset=start, shape=tuple(tensor["shape"]))


def _load() -> EmbeddingModel:
    try:
        from tokenizers import Tokenizer

        folder = _package_folder()
        return EmbeddingModel(_read_table(folder / WEIGHTS_FILE), Tokenizer.from_file(str(folder / TOKENIZER_FILE)))
    except SemanticUnavailable:
        raise
    except Exception as exc:  # any failure at all means keyword search alone, never a crash
        raise SemanticUnavailable(f"{type(exc).__name__}: {exc}") from exc


_lock = threading.Lock()
_state: dict[str, EmbeddingModel | SemanticUnavailable] = {}


def load_model() -> EmbeddingModel | None:
    """The process's one model, loaded on the first call; None when it cannot be (logged once)."""
    with _lock:
        if "model" not in _state:
            try:
                _state["model"] = _load()
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

    def __init__(self, model: EmbeddingModel, texts: Sequence[Sequence[str]]) -> None:
        import numpy as np

        self._model = model
        flat = [text for group in texts for text in group]
        self._vectors = model.embed(flat)
        # Where each lesson's texts start in the flat matrix, for a per-lesson maximum in one call.
        sizes = [len(group) for group in texts]
        if not all(sizes):
            raise ValueError("every lesson needs at least one text")
        self._starts = np.cumsum([0, *sizes[:-1]])

    def similarities(self, question: str) -> list[float]:
        """Cosine similarity of `question` to each lesson, in lesson order (-1 to 1)."""
        import numpy as np

        scores = self._vectors @ self._model.embed([question])[0]
        best: list[float] = np.maximum.reduceat(scores, self._starts).tolist()
        return best
