"""Reciprocal rank fusion: agreement between rankings beats a single list's top spot."""

import pytest

from notebase.fusion import rrf


def test_item_ranked_well_by_both_lists_wins():
    keyword = ["a", "b", "c"]
    meaning = ["d", "b", "c"]
    fused = [item for item, _ in rrf([keyword, meaning])]
    assert fused[0] == "b"  # 2nd in both beats 1st in one
    assert set(fused) == {"a", "b", "c", "d"}


def test_scores_follow_the_formula():
    fused = dict(rrf([["x", "y"], ["y"]], k=60))
    assert fused["x"] == pytest.approx(1 / 61)
    assert fused["y"] == pytest.approx(1 / 62 + 1 / 61)


def test_weights_and_empty_lists():
    assert rrf([]) == []
    assert [i for i, _ in rrf([["a"], []])] == ["a"]
    fused = [i for i, _ in rrf([["a", "b"], ["b", "a"]], weights=[2.0, 1.0])]
    assert fused == ["a", "b"]
    with pytest.raises(ValueError):
        rrf([["a"]], weights=[1.0, 2.0])


def test_duplicates_count_once_and_ties_keep_first_seen_order():
    fused = rrf([["a", "a", "b"], ["b", "a"]])
    assert dict(fused)["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert [i for i, _ in rrf([["p"], ["q"]])] == ["p", "q"]
