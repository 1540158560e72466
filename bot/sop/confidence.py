"""How sure the bot is that its best entry is the right one: P(right), learned, shipped as constants.

A fixed bar on one score cannot say "answer" equally well for a 12-entry shop
and a 10,000-entry bank, for SOPs with 5 paraphrases an entry and with 30, or
for a message that is nearly an approved question and one that shares its
words but asks something else. So the bot weighs several pieces of evidence
about its best entry (`Evidence`): its score and its lead over the runner-up,
the lexical and semantic scores apart and whether they agree, the entry
classifier's probability, how much of the message one approved question holds,
how much of the message the SOP knows at all, and the message's length.

A small logistic model turns them into P(the best entry is right). It was
fitted with plain numpy (`bench/calibrate.py`) on a pool of SOPs and messages
of different sizes, languages and paraphrase densities: banking77 in English,
in Indonesian and cross-lingual (Indonesian questions, English SOP), the sample
SOP's held-out messages and other Indonesian SOPs' messages. Out-of-scope
messages are in the pool as wrong answers, so the model learns what a message
the SOP does not cover looks like. The bot answers when P >= `confidence` in
`support.thresholds` (`decide.py`), a bar set on the same pool for a precision
above 0.95; BENCHMARKS.md has the figures on data never used to set anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Evidence:
    """What is known about the best entry for one message (the "features")."""

    score: float  # its score in the ranking (hybrid, or lexical without an encoder)
    margin: float  # its lead over the runner-up's score
    lexical: float  # its lexical score (`lexical.py`)
    lexical_margin: float  # its lexical score minus the best other entry's
    cosine: float  # its semantic cosine (0 without an encoder)
    cosine_margin: float  # its cosine minus the best other entry's
    head: float  # the entry classifier's probability (0 without one)
    containment: float  # the largest share of the message one of its questions holds
    coverage: float  # the share of the message its texts hold between them (IDF-weighted)
    known_share: float  # share of the message's words the SOP knows (names and places aside)
    log_terms: float  # log(1 + content words)
    lexical_agrees: float  # 1 when the lexical ranking puts it first too
    semantic_agrees: float  # 1 when the cosines put it first too

    def values(self, names: tuple[str, ...]) -> npt.NDArray[np.float64]:
        return np.asarray([getattr(self, name) for name in names], np.float64)


FEATURES: tuple[str, ...] = tuple(field.name for field in fields(Evidence))
LEXICAL_FEATURES = ("score", "margin", "containment", "coverage", "known_share", "log_terms")
NO_HEAD_FEATURES = tuple(name for name in FEATURES if name != "head")


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """A logistic model over standardised features: P = sigmoid(bias + sum(w * (x - mean) / scale))."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def __post_init__(self) -> None:
        sizes = {len(self.features), len(self.mean), len(self.scale), len(self.weights)}
        if len(sizes) != 1:
            raise ValueError(f"a confidence model needs one mean, scale and weight per feature, got {sizes}")

    def probability(self, evidence: Evidence) -> float:
        return self.probability_of(evidence.values(self.features))

    def probability_of(self, values: npt.NDArray[np.float64]) -> float:
        """P for feature values in `features` order."""
        standard = (values - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = self.bias + float(np.dot(standard, np.asarray(self.weights)))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))


def fit_logistic(
    rows: npt.NDArray[np.float64],
    labels: npt.NDArray[np.float64],
    features: tuple[str, ...],
    *,
    weights: npt.NDArray[np.float64] | None = None,
    l2: float = 1e-2,
) -> ConfidenceModel:
    """Fit P(label | rows) by Newton's method with a little L2 (the bias is not penalised).

    `weights` weigh the rows (the calibration gives each dataset the same total
    weight, whatever its size). Deterministic, milliseconds for tens of thousands
    of rows: bench/calibrate.py fits the shipped constants with it.
    """
    sample = np.ones(len(rows)) if weights is None else np.asarray(weights, np.float64)
    total = float(sample.sum())
    mean = (rows * sample[:, None]).sum(axis=0) / total
    scale = np.sqrt(((rows - mean) ** 2 * sample[:, None]).sum(axis=0) / total)
    scale = np.where(scale > 1e-9, scale, 1.0)
    design = np.c_[(rows - mean) / scale, np.ones(len(rows))]
    coefficients = np.zeros(design.shape[1])
    penalty = l2 * np.diag(np.r_[np.ones(design.shape[1] - 1), 0.0])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ coefficients, -50, 50)))
        gradient = design.T @ ((p - labels) * sample) / total + penalty @ coefficients
        hessian = (design * (p * (1 - p) * sample)[:, None]).T @ design / total + penalty
        step = np.linalg.solve(hessian, gradient)
        coefficients -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return ConfidenceModel(
        features,
        tuple(round(float(v), 5) for v in mean),
        tuple(round(float(v), 5) for v in scale),
        tuple(round(float(v), 5) for v in coefficients[:-1]),
        round(float(coefficients[-1]), 5),
    )
