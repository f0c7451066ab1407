"""Reciprocal rank fusion: merging rankings whose scores cannot be compared (BM25 vs cosine).

RRF (Cormack et al. 2009) scores an item by the sum over rankings of
weight / (k + rank). Only ranks matter, so a keyword list and a vector list
combine without calibrating their scores; k damps the head so one list's top
hit cannot drown agreement between lists.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60


def rrf(
    rankings: Sequence[Sequence[K]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[K, float]]:
    """Items of all rankings, best first, with their fused scores; ties keep first-seen order.

    A ranking lists items best first; an item repeated within one ranking counts at its best rank.
    """
    if weights is not None and len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[K, float] = {}
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[n]
        seen: set[K] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
