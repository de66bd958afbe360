"""What the simulated models know outside the user's training data: general facts.

The simulated base model's "pretraining" holds the general-knowledge facts the forgetting check
asks about (the pipeline's bundled questions; a real base model knows them too). A fine-tuned
model keeps that knowledge except for a share it forgets, computed from how hard it was trained
(epochs), and for a forgotten question it answers with the closest thing it was trained on, the
way an over-fitted model drifts into its domain. Computed, never constant: which facts are
forgotten follows a hash of the question, and how many follows the job's hyperparameters.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from . import sim_text

_FACTS_FILE = Path(__file__).resolve().parent.parent / "lambdas" / "preprocess" / "general_questions.json"
MATCH = 0.5
"""Term overlap (Jaccard of words longer than two letters and CJK character bigrams) at which a
question is taken as a known fact."""
FORGETTING_PER_EPOCH = 0.05
FORGETTING_CAP = 0.5


def _words(text: str) -> set[str]:
    return set(sim_text.terms(text, lambda word: len(word) > 2))


def _overlap(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


@cache
def _facts() -> tuple[tuple[str, str], ...]:
    document = json.loads(_FACTS_FILE.read_text(encoding="utf-8"))
    return tuple((item["question"], item["reference"]) for item in document["questions"])


def known_fact(question: str) -> str | None:
    """The base model's answer when the question is one of the general facts it knows."""
    best = max(_facts(), key=lambda fact: _overlap(question, fact[0]))
    return best[1] if _overlap(question, best[0]) >= MATCH else None


def forgetting_share(hyperparameters: dict[str, str]) -> float:
    """Share of general facts a fine-tuned model forgets: grows with the epochs it was trained for."""
    epochs = int(float(hyperparameters.get("epochCount", "2")))
    return min(FORGETTING_CAP, FORGETTING_PER_EPOCH * epochs)


def forgotten(question: str, hyperparameters: dict[str, str]) -> bool:
    bucket = int(hashlib.sha256(question.encode("utf-8")).hexdigest()[:8], 16) % 1000
    return bucket < forgetting_share(hyperparameters) * 1000
