"""Contact reason: which taxonomy reason a call is about, decided by what the customer said.

The model is a scikit-learn Pipeline (text -> reason probabilities) stored as a `.skops` file next to its taxonomy and
model card; `tools/train_reason_model.py` builds it. A call is scored turn by turn and the customer's first statements
of the problem count most, so the agent's script and the closing "okay, thanks" do not decide the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.pipeline import Pipeline

from acw_speech.config import ReasonsConfig
from acw_speech.errors import ModelError
from acw_speech.records import AGENT, CUSTOMER, ReasonPrediction, Turn
from acw_speech.redaction import PLACEHOLDER, without_placeholders
from acw_speech.text import russian_form

OTHER = "other"
MIN_SUBSTANTIVE_WORDS = 4  # shorter turns ("yes", "okay thanks") say nothing about why the customer called
OPENING_WEIGHTS = (3.0, 2.0)  # the first two customer turns that state a problem
LATER_WEIGHT = 1.0
TOP_SCORES = 5
MAX_EVIDENCE = 3
_CYRILLIC_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*")

# Every type the shipped pipeline is made of; skops refuses anything else, so a tampered file cannot run code.
ALLOWED_TYPES = frozenset(
    {
        "builtins.dict",
        "builtins.float",
        "builtins.int",
        "builtins.list",
        "builtins.slice",
        "builtins.str",
        "builtins.tuple",
        "acw_speech.reasons.with_russian_lemmas",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "numpy.ndarray",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._function_transformer.FunctionTransformer",
    }
)


def with_russian_lemmas(texts: Sequence[str]) -> list[str]:
    """Lower-case each text and append the dictionary form of its inflected Russian words.

    The pipeline's first step: with few Russian examples, "списали", "списание" and "спишите" must meet on "списать".
    """
    return [_with_lemmas(str(text).lower()) for text in texts]


def _with_lemmas(text: str) -> str:
    lemmas = [_lemma(word) for word in _CYRILLIC_WORD.findall(text)]
    return text + " | " + " ".join(lemmas) if lemmas else text


def _lemma(word: str) -> str:
    return russian_form(word)[0]


@dataclass(frozen=True)
class ReasonModel:
    """A trained text -> contact-reason pipeline and the file it came from."""

    pipeline: Pipeline
    path: Path

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(str(r) for r in self.pipeline.classes_)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per reason (in `reasons` order)."""
        return self.pipeline.predict_proba(list(texts))


def load_reason_model(path: str | Path) -> ReasonModel:
    """Load a `.skops` reason model, refusing files that hold types outside ALLOWED_TYPES."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"reason model not found: {path} (train one with `acw train`)")
    try:
        unexpected = sorted(set(sio.get_untrusted_types(file=path)) - ALLOWED_TYPES)
    except Exception as exc:  # skops raises zipfile, JSON and key errors alike for a damaged file
        raise ModelError(f"cannot read reason model {path}: {exc}") from None
    if unexpected:
        raise ModelError(f"reason model {path} contains types that are not allowed: {', '.join(unexpected)}")
    try:
        pipeline = sio.load(path, trusted=sorted(ALLOWED_TYPES))
    except Exception as exc:
        raise ModelError(f"cannot load reason model {path}: {exc}") from None
    if not isinstance(pipeline, Pipeline) or not hasattr(pipeline, "predict_proba"):
        raise ModelError(f"reason model {path} is not a scikit-learn Pipeline with predict_proba")
    return ReasonModel(pipeline=pipeline, path=path)


def check_model_fits(model: ReasonModel, taxonomy_name: str, reason_ids) -> None:
    """A model predicts exactly the taxonomy's reasons, else a ModelError (a model trained for another taxonomy)."""
    if set(model.reasons) != set(reason_ids):
        extra, missing = sorted(set(model.reasons) - set(reason_ids)), sorted(set(reason_ids) - set(model.reasons))
        raise ModelError(
            f"reason model {model.path} does not fit taxonomy {taxonomy_name}: "
            f"it predicts {', '.join(extra) or 'nothing else'} and lacks {', '.join(missing) or 'nothing'}"
        )


def classify_text(text: str, model: ReasonModel, config: ReasonsConfig | None = None) -> ReasonPrediction:
    """The contact reason of a single customer statement."""
    turn = Turn(index=0, role=CUSTOMER, start=0.0, end=0.0, text=text, asr_confidence=1.0)
    return classify_call([turn], model, config)


def classify_call(turns: Sequence[Turn], model: ReasonModel, config: ReasonsConfig | None = None) -> ReasonPrediction:
    """The contact reason of a whole call, weighing the customer's first statements of the problem most."""
    config = config or ReasonsConfig()
    said = [replace(t, text=about_the_call(t.text)) for t in _reason_turns(turns)]
    speaking = [t for t in said if t.text]
    if not speaking:
        return ReasonPrediction(reason=OTHER, confidence=0.0)
    reasons = model.reasons
    probabilities = model.probabilities([t.text for t in speaking])
    weights = _turn_weights(speaking, [reasons[i] for i in probabilities.argmax(axis=1)])
    contributions = weights[:, None] * probabilities
    totals = contributions.sum(axis=0) / contributions.sum()
    best = int(np.argmax(totals))
    confidence = float(totals[best])
    strongest = np.argsort(-contributions[:, best], kind="stable")[:MAX_EVIDENCE]
    return ReasonPrediction(
        reason=reasons[best] if confidence >= config.min_confidence else OTHER,
        confidence=round(confidence, 4),
        evidence_turns=tuple(sorted(speaking[i].index for i in strongest if contributions[i, best] > 0)),
        scores={reasons[i]: round(float(totals[i]), 4) for i in np.argsort(-totals)[:TOP_SCORES]},
    )


# "my name is [PERSON_NAME]", "my phone number is [PHONE_NUMBER]", "меня зовут [PERSON_NAME]": the caller saying who
# they are, which the model would otherwise read as asking to change their name, number or address
_SELF_DETAILS = re.compile(
    r"\b(?:(?:my|our) (?:\w+ ){0,2}(?:is|was|'s)|this is|i'm|i am|меня зовут|мо[йяеё] \w+(?: \w+)?|это)[\s:—-]*"
    + PLACEHOLDER.pattern,
    re.IGNORECASE,
)


def about_the_call(text: str) -> str:
    """A redacted turn as the reason model reads it: without the caller's own details and their placeholders."""
    return without_placeholders(_SELF_DETAILS.sub(" ", text))


def _reason_turns(turns: Sequence[Turn]) -> list[Turn]:
    """The customer's turns; without a customer, whatever is not the agent; failing that, every turn."""
    return [t for t in turns if t.role == CUSTOMER] or [t for t in turns if t.role != AGENT] or list(turns)


def _turn_weights(turns: Sequence[Turn], top_reasons: Sequence[str]) -> np.ndarray:
    """The first two turns that state a problem weigh 3 and 2, later ones 1; the rest (greetings, names, account
    numbers, "okay thanks") nothing.

    A turn states a problem when it has at least MIN_SUBSTANTIVE_WORDS words and its most likely reason is one of the
    taxonomy's, not `other`. Without such a turn every substantive turn counts once (the call is then most likely
    `other`); without a substantive turn, every turn does.
    """
    substantive = [i for i, t in enumerate(turns) if len(t.text.split()) >= MIN_SUBSTANTIVE_WORDS]
    stating = [i for i in substantive if top_reasons[i] != OTHER]
    weights = np.zeros(len(turns))
    if stating:
        for rank, i in enumerate(stating):
            weights[i] = OPENING_WEIGHTS[rank] if rank < len(OPENING_WEIGHTS) else LATER_WEIGHT
    elif substantive:
        weights[substantive] = LATER_WEIGHT
    else:
        weights[:] = LATER_WEIGHT
    return weights
