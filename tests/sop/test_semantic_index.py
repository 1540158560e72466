"""The semantic index's candidate search picks the entries a full partition would."""

from __future__ import annotations

import numpy as np
import pytest

from bot.sop.semantic import highest


@pytest.mark.parametrize("seed", range(12))
def test_the_highest_values_are_those_a_full_partition_picks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for size in (50, 300, 2_000, 10_000):
        values = rng.random(size).astype(np.float32)
        if seed % 3 == 1:
            values = np.round(values * 40).astype(np.float32) / 40  # many ties, some at the edge
        if seed % 3 == 2:
            values = np.sort(values)  # the best all in the last block
        for count in (c for c in (1, 5, 64) if c < size):
            expected = set(np.argpartition(-values, count)[:count].tolist())
            assert set(highest(values, count).tolist()) == expected


def test_scores_that_mostly_tie_fall_back_to_the_full_partition() -> None:
    values = np.zeros(10_000, np.float32)
    values[[3, 500, 9_999]] = 1.0
    assert set(highest(values, 64).tolist()) == set(np.argpartition(-values, 64)[:64].tolist())
    assert {3, 500, 9_999} <= set(highest(values, 64).tolist())
