"""A TorchScript-traced copy of a model's transformer, for one query at a time.

A one-text forward pass of MiniLM spends a quarter of its ~13 ms in Python
dispatch between small matrix products; the traced graph runs without it (~10 ms).
Tracing costs ~0.5 s, so it happens only once a process has encoded a few single
queries (the TUI searching as you type, a benchmark), never in a one-shot
`notebase search`. It is used only for a single text: with no padding the
attention mask is all ones, which is the case the trace recorded. Before use,
the traced path must reproduce the eager model's vectors; any model it does
not fit, or any failure, leaves the eager path in place.
"""

from __future__ import annotations

import warnings
from typing import Any

TRACE_AFTER = 3  # single-text encodes before tracing
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class QueryTracer:
    """Sentence embeddings for one tokenized text through a traced transformer, once it is ready."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._calls = 0
        self._traced: Any = None
        self._keys: tuple[str, ...] = ()
        self._disabled = not hasattr(model[0], "auto_model")  # not a plain HF transformer first

    def embed(self, features: dict[str, Any]) -> Any | None:
        """The (1, dim) sentence embedding, or None: then the caller runs the eager model."""
        if self._disabled:
            return None
        if self._traced is None:
            self._calls += 1
            if self._calls < TRACE_AFTER:
                return None
            self._trace(features)
            if self._traced is None:
                return None
        if tuple(k for k in _INPUTS if k in features) != self._keys:
            return None
        return self._tail(features, self._traced(*(features[k] for k in self._keys)))

    def _tail(self, features: dict[str, Any], tokens: Any) -> Any:
        """Pooling, normalization and whatever else follows the transformer, run eagerly."""
        out = dict(features)
        out["token_embeddings"] = tokens
        for module in list(self._model)[1:]:
            out = module(out)
        return out["sentence_embedding"]

    def _trace(self, features: dict[str, Any]) -> None:
        import torch

        self._disabled = True  # unless everything below works
        keys = tuple(k for k in _INPUTS if k in features)
        if "input_ids" not in keys or set(features) - set(_INPUTS) - {"modality"}:
            return
        transformer = self._model[0].auto_model

        class Bare(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, *args: Any) -> Any:
                return self.transformer(**dict(zip(keys, args, strict=True)), return_dict=False)[0]

        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                traced = torch.jit.trace(Bare().eval(), tuple(features[k] for k in keys), check_trace=False)
                if not self._agrees(traced, keys, features):
                    return
        except Exception:  # an untraceable model keeps the eager path
            return
        self._traced, self._keys, self._disabled = traced, keys, False

    def _agrees(self, traced: Any, keys: tuple[str, ...], features: dict[str, Any]) -> bool:
        """The traced path gives the eager vectors, for this text and one of another length."""
        import torch

        other = (getattr(self._model, "preprocess", None) or self._model.tokenize)(
            ["a different, somewhat longer text to check the trace with"]
        )
        for feats in (features, other):
            if tuple(k for k in _INPUTS if k in feats) != keys:
                return False
            eager = self._model(dict(feats))["sentence_embedding"]
            fast = self._tail(feats, traced(*(feats[k] for k in keys)))
            if fast.shape != eager.shape or not torch.allclose(fast, eager, atol=1e-5, rtol=1e-4):
                return False
        return True
