"""The Llama 2 tokenizer (SentencePiece-style BPE with byte fallback) in plain Python.

The semantic model's token table is indexed by these ids. The `tokenizers` library computes
the same ids, but reading its 1.8 MB JSON costs 55 ms or more, a quarter of what `mltip tip
QUESTION` may take from start to finish; here the vocabulary and merges load from a marshal
cache in a few milliseconds, and a question's words are merged in microseconds. A test checks
that both give the same ids for every lesson and every question in the relevance sets.

Text is first reduced to single spaces; then, as Llama 2 does, "▁" marks each word's start
and the lowest-ranked adjacent pair is merged until none is left (leftmost first on a tie).
Characters the vocabulary lacks become their UTF-8 bytes' tokens (<0x41>).
"""

from __future__ import annotations

import functools
import gc
import json
import marshal
import os
import re
from pathlib import Path

SPACE = "\u2581"
WORD = re.compile(f"{SPACE}[^{SPACE}]*|[^{SPACE}]+")
# The vocabulary, and each merge's rank keyed "left right" (tokens never hold a plain space):
# string keys load from the cache about twice as fast as pairs.
Tables = tuple[dict[str, int], dict[str, int]]


def read_tables(tokenizer_json: Path) -> Tables:
    """The vocabulary and merge ranks of a Hugging Face tokenizer.json with a BPE model."""
    model = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]
    if model.get("type") != "BPE" or not model.get("byte_fallback"):
        raise ValueError(f"{tokenizer_json.name} is not a byte-fallback BPE tokenizer")
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return dict(model["vocab"]), {merge: rank for rank, merge in enumerate(merges)}


def cached_tables(tokenizer_json: Path, cache_dir: Path | None) -> Tables:
    """read_tables, remembered in `cache_dir` (keyed on the file's size and time) when there is one."""
    if cache_dir is None:
        return read_tables(tokenizer_json)
    stat = tokenizer_json.stat()
    cached = cache_dir / f"bpe-{stat.st_size}-{stat.st_mtime_ns}.marshal"
    collecting = gc.isenabled()
    gc.disable()  # 90,000 new strings would set off collections that find nothing: 3x slower
    try:
        vocab, ranks = marshal.loads(cached.read_bytes())
        if isinstance(vocab, dict) and isinstance(ranks, dict):
            return vocab, ranks
    except (OSError, ValueError, EOFError, TypeError):
        pass
    finally:
        if collecting:
            gc.enable()
    vocab, ranks = read_tables(tokenizer_json)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache_dir / f".{cached.name}.{os.getpid()}"
        partial.write_bytes(marshal.dumps((vocab, ranks)))
        partial.replace(cached)
    except OSError:
        pass  # a cache we cannot write is simply not used
    return vocab, ranks


class BytePairTokenizer:
    """Text to token ids; thread-safe (the word cache is an lru_cache)."""

    def __init__(self, tables: Tables) -> None:
        self._vocab, self._ranks = tables
        self._bytes = [self._vocab[f"<0x{n:02X}>"] for n in range(256)]
        self._word = functools.lru_cache(maxsize=65536)(self._merge)

    def encode(self, text: str) -> list[int]:
        """The token ids of `text` (no start-of-text token)."""
        normalised = " ".join(text.split())
        if not normalised:
            return []
        ids: list[int] = []
        for word in WORD.findall(SPACE + normalised.replace(" ", SPACE)):
            ids += self._word(word)
        return ids

    def _merge(self, word: str) -> tuple[int, ...]:
        symbols = list(word)
        while len(symbols) > 1:
            best, at = None, -1
            for n in range(len(symbols) - 1):
                rank = self._ranks.get(f"{symbols[n]} {symbols[n + 1]}")
                if rank is not None and (best is None or rank < best):
                    best, at = rank, n
            if best is None:
                break
            symbols[at : at + 2] = [symbols[at] + symbols[at + 1]]
        ids: list[int] = []
        for symbol in symbols:
            found = self._vocab.get(symbol)
            ids += [found] if found is not None else [self._bytes[b] for b in symbol.encode("utf-8")]
        return tuple(ids)
