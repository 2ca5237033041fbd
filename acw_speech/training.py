"""Contact-reason models: labelled statements -> a trained pipeline (saved with skops), its evaluation and model card.

The labelled data is a CSV or Parquet table with a `text` and a `reason` column (a taxonomy reason id), and
optionally `language` (en, ru; guessed from the script when absent), `source` and `licence` (where the row came
from and under what terms, for the model card) and `weight` (a row that counts more or less in training).
`acw train` and `acw evaluate` are the thin command-line faces of `train_model` and `evaluate_model`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from acw_speech import __version__
from acw_speech.errors import AcwError, ConfigError
from acw_speech.reasons import ReasonModel, with_russian_lemmas
from acw_speech.taxonomy import OTHER, Taxonomy
from acw_speech.text import script_language

MODEL_FILE = "reason_model.skops"
MAX_HELDOUT = 0.5
SEED = 42


class DataError(AcwError):
    """Labelled data that cannot be read or does not fit the taxonomy."""


def read_labelled(paths: list[Path] | Path, taxonomy: Taxonomy) -> pd.DataFrame:
    """Labelled statements from CSV / Parquet files: columns text, reason, language, source, weight.

    Blank texts are dropped; a reason the taxonomy does not have is a DataError naming the rows."""
    frames = []
    for path in [paths] if isinstance(paths, Path) else paths:
        frame = _read_table(Path(path))
        missing = {"text", "reason"} - set(frame.columns)
        if missing:
            raise DataError(f"{path}: needs the columns text and reason (missing: {', '.join(sorted(missing))})")
        frame = frame.assign(
            source=frame["source"] if "source" in frame else Path(path).stem,
            licence=frame["licence"] if "licence" in frame else "",
        )
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame["text"] = frame["text"].fillna("").astype(str).str.split().str.join(" ")
    frame["reason"] = frame["reason"].fillna("").astype(str).str.strip()
    frame = frame[frame["text"] != ""].reset_index(drop=True)
    unknown = frame.loc[~frame["reason"].isin(taxonomy.ids), "reason"]
    if len(unknown):
        listed = ", ".join(f"{r!r} ({n} rows)" for r, n in unknown.value_counts().items())
        raise DataError(f"reasons not in taxonomy {taxonomy.name}: {listed}; known: {', '.join(taxonomy.ids)}")
    if "language" not in frame or frame["language"].isna().any():
        guessed = frame["text"].map(script_language)
        frame["language"] = frame["language"].fillna(guessed) if "language" in frame else guessed
    if "weight" in frame:
        given = frame["weight"].replace("", None)
        weights = pd.to_numeric(given, errors="coerce")
        bad = frame.index[(given.notna() & weights.isna()) | (weights < 0)]
        if len(bad):
            raise DataError(f"weights must be numbers of 0 or more; rows {', '.join(str(i + 2) for i in bad[:10])}")
        frame["weight"] = weights.fillna(1.0)
    else:
        frame["weight"] = 1.0
    if frame.empty:
        raise DataError("the labelled data holds no texts")
    key = frame["text"].str.lower().str.replace(r"[^\w\s]", "", regex=True).str.strip() + "\t" + frame["reason"]
    frame = frame[~key.duplicated()].reset_index(drop=True)  # a held-out row must never also be a training row
    return frame[["text", "reason", "language", "source", "licence", "weight"]]


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise DataError(f"labelled data not found: {path}") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read labelled data {path}: {exc}") from None


def split_heldout(frame: pd.DataFrame, fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, held-out): stratified by reason within each (source, language), fixed seed."""
    train, heldout = [], []
    for _, group in frame.groupby(["source", "language"], sort=True):
        counts = group["reason"].value_counts()
        if len(group) * fraction < counts.size or counts.min() < 2:
            train.append(group)  # too small to split by reason: it only trains
            continue
        tr, te = train_test_split(group, test_size=fraction, stratify=group["reason"], random_state=SEED)
        train.append(tr)
        heldout.append(te)
    return pd.concat(train).sort_index(), (pd.concat(heldout).sort_index() if heldout else frame.iloc[:0])


@dataclass(frozen=True)
class Features:
    """How statements become features: TF-IDF word 1-2 grams plus character 2-5 grams, Russian lemmas appended."""

    word_min_df: int = 1
    char_min_df: int = 2
    max_words: int = 40000
    max_chars: int = 60000
    c: float = 10.0


def make_pipeline(features: Features = Features()) -> Pipeline:
    union = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=features.word_min_df,
                    max_features=features.max_words,
                    sublinear_tf=True,
                    strip_accents="unicode",
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=features.char_min_df,
                    max_features=features.max_chars,
                    sublinear_tf=True,
                    strip_accents="unicode",
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=features.c, class_weight="balanced", max_iter=3000)
    return Pipeline(
        [("lemmas", FunctionTransformer(with_russian_lemmas)), ("features", union), ("classifier", classifier)]
    )


def fit(frame: pd.DataFrame, features: Features = Features()) -> Pipeline:
    pipeline = make_pipeline(features)
    return pipeline.fit(frame["text"].tolist(), frame["reason"], classifier__sample_weight=frame["weight"].to_numpy())


def save_model(pipeline: Pipeline, path: Path) -> Path:
    """Written with skops (never pickle), made small: the vectorisers' `stop_words_` (every n-gram cut, only for
    introspection) dropped, vocabulary indices as plain ints (skops writes each NumPy integer as a file of its
    own), coefficients as float32."""
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        vectorizer.vocabulary_ = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
    classifier = pipeline.named_steps["classifier"]
    classifier.coef_ = classifier.coef_.astype(np.float32)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(pipeline, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise DataError(f"cannot write the model {path}: {exc.strerror or exc}") from None
    return path


@dataclass
class Evaluation:
    """How a model does on a labelled set, overall and per language."""

    n: int
    accuracy: float
    macro_f1: float
    per_reason: dict[str, dict[str, float]]
    by_language: dict[str, dict[str, float]]
    labels: list[str]
    confusion: np.ndarray
    misclassified: pd.DataFrame = field(repr=False)

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "by_language": self.by_language,
            "per_reason": self.per_reason,
        }


def evaluate_model(model: ReasonModel | Pipeline, frame: pd.DataFrame, min_confidence: float = 0.3) -> Evaluation:
    """Accuracy, macro F1 and per-reason precision / recall / F1 of `model` on `frame` (text, reason, language).

    A statement is classified as `acw classify` and a call would be: below `min_confidence` (the pipeline's
    `reasons.min_confidence`) it is `other`."""
    pipeline = model.pipeline if isinstance(model, ReasonModel) else model
    probabilities = pipeline.predict_proba(frame["text"].tolist())
    classes = np.asarray(pipeline.classes_)
    predicted = classes[probabilities.argmax(axis=1)]
    predicted = np.where(probabilities.max(axis=1) >= min_confidence, predicted, OTHER)
    truth = frame["reason"].to_numpy()
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    by_language = {}
    for language, part in frame.groupby("language"):
        mask = (frame["language"] == language).to_numpy()
        by_language[str(language)] = {
            "n": int(mask.sum()),
            "accuracy": round(float(accuracy_score(truth[mask], predicted[mask])), 4),
        }
    wrong = predicted != truth
    misclassified = frame.loc[wrong, ["text", "language", "reason"]].assign(
        predicted=predicted[wrong], confidence=probabilities.max(axis=1)[wrong].round(3)
    )
    present = sorted(set(truth))
    return Evaluation(
        n=len(frame),
        accuracy=round(float(accuracy_score(truth, predicted)), 4),
        macro_f1=round(float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0)), 4),
        per_reason={
            label: {
                "precision": round(float(p), 3),
                "recall": round(float(r), 3),
                "f1": round(float(f), 3),
                "n": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        by_language=by_language,
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels=labels),
        misclassified=misclassified.reset_index(drop=True),
    )


def write_report(evaluation: Evaluation, out_dir: Path, title: str) -> list[Path]:
    """metrics.json, confusion_matrix.png and misclassified.csv in `out_dir`."""
    metrics, picture, wrong = out_dir / "metrics.json", out_dir / "confusion_matrix.png", out_dir / "misclassified.csv"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        metrics.write_text(json.dumps(evaluation.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        evaluation.misclassified.to_csv(wrong, index=False)
        _plot_confusion(evaluation, picture, title)
    except OSError as exc:
        raise DataError(f"cannot write the report in {out_dir}: {exc.strerror or exc}") from None
    return [metrics, picture, wrong]


def _plot_confusion(evaluation: Evaluation, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    labels, counts = evaluation.labels, evaluation.confusion
    size = max(6.0, 0.55 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    rows = counts.sum(axis=1, keepdims=True)
    ax.imshow(np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted reason")
    ax.set_ylabel("labelled reason")
    ax.set_title(f"{title}: accuracy {evaluation.accuracy:.3f}, n = {evaluation.n}", fontsize=10)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if counts[i, j]:
                colour = "white" if counts[i, j] > 0.5 * rows[i, 0] else "black"
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7, color=colour)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    n_train: int
    n_heldout: int
    train_seconds: float
    heldout: Evaluation | None


def train_model(
    frame: pd.DataFrame,
    taxonomy: Taxonomy,
    out: Path,
    heldout_fraction: float = 0.2,
    features: Features = Features(),
    notes: str = "",
) -> TrainedModel:
    """Fit on the training split of `frame`, evaluate on the held-out split, write the model, metrics.json and
    MODEL_CARD.md beside it. The shipped file is the one trained without the held-out rows, so the card's figures
    describe exactly that file."""
    if not 0 <= heldout_fraction <= MAX_HELDOUT:
        raise ConfigError(f"the held-out fraction must be from 0 to {MAX_HELDOUT}")
    train, heldout = split_heldout(frame, heldout_fraction) if heldout_fraction else (frame, frame.iloc[:0])
    missing = sorted(set(taxonomy.ids) - set(train["reason"]))
    if missing:
        raise DataError(f"no training examples for: {', '.join(missing)}")
    started = time.perf_counter()
    pipeline = fit(train, features)
    seconds = round(time.perf_counter() - started, 1)
    evaluation = evaluate_model(pipeline, heldout) if len(heldout) else None
    save_model(pipeline, out)
    trained = TrainedModel(out, len(train), len(heldout), seconds, evaluation)
    metrics = _metrics(trained, taxonomy, features)
    metrics_path, card_path = companion_files(out)
    try:
        metrics_path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
        card_path.write_text(_model_card(metrics, train, notes, out.name), "utf-8")
    except OSError as exc:
        raise DataError(f"cannot write the model card beside {out}: {exc.strerror or exc}") from None
    return trained


def companion_files(model: Path) -> tuple[Path, Path]:
    """(metrics, model card) written beside a model: metrics.json and MODEL_CARD.md for a folder's
    reason_model.skops, <name>.metrics.json and <name>.MODEL_CARD.md for any other name (two models, one folder)."""
    if model.name == MODEL_FILE:
        return model.parent / "metrics.json", model.parent / "MODEL_CARD.md"
    return model.with_name(f"{model.stem}.metrics.json"), model.with_name(f"{model.stem}.MODEL_CARD.md")


def _metrics(trained: TrainedModel, taxonomy: Taxonomy, features: Features) -> dict:
    import sklearn

    return {
        "taxonomy": taxonomy.name,
        "taxonomy_version": taxonomy.version,
        "trained_on": dt.date.today().isoformat(),
        "acw_speech_version": __version__,
        "sklearn_version": sklearn.__version__,
        "features": features.__dict__,
        "n_train": trained.n_train,
        "n_heldout": trained.n_heldout,
        "train_seconds": trained.train_seconds,
        "model_size_mb": round(trained.path.stat().st_size / 2**20, 2),
        "heldout": trained.heldout.as_dict() if trained.heldout else None,
    }


def _model_card(metrics: dict, train: pd.DataFrame, notes: str, file_name: str = MODEL_FILE) -> str:
    counts = pd.crosstab(
        train["reason"], train["source"] + "/" + train["language"], margins=True, margins_name="total"
    ).rename_axis(index="reason", columns="source/language")
    sources = "\n".join(
        f"| {source} | {', '.join(sorted(set(rows['licence']) - {''})) or 'not stated'} | {len(rows)} |"
        for source, rows in train.groupby("source")
    )
    heldout = metrics["heldout"]
    if heldout:
        by_language = ", ".join(
            f"{lang} {m['accuracy']:.3f} (n = {m['n']})" for lang, m in heldout["by_language"].items()
        )
        rows = "\n".join(
            f"| {r} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | {m['n']} |"
            for r, m in heldout["per_reason"].items()
        )
        evaluation = (
            f"Held-out split ({metrics['n_heldout']} statements, 20 % of every source and language, stratified, "
            f"never trained on): accuracy **{heldout['accuracy']:.3f}**, macro F1 {heldout['macro_f1']:.3f}; "
            f"by language: {by_language}.\n\n| reason | precision | recall | F1 | n |\n|---|---|---|---|---|\n{rows}"
        )
    else:
        evaluation = "No held-out split (trained on every row); evaluate it with `acw evaluate` on a separate set."
    return f"""# Contact-reason model: `{metrics["taxonomy"]}` taxonomy

Trained {metrics["trained_on"]} by acw-speech {metrics["acw_speech_version"]} with scikit-learn \
{metrics["sklearn_version"]}, on taxonomy version {metrics["taxonomy_version"]}. File: `{file_name}` \
({metrics["model_size_mb"]} MB), saved with skops and loaded with an explicit allow-list of types (never pickle).

## What it does
Given one customer statement (as transcribed from a call), a probability for each reason of
`models/{metrics["taxonomy"]}/taxonomy.yaml`. A whole call is classified from the customer's turns, the first
statements of the problem weighing most (`acw_speech.reasons.classify_call`); below `reasons.min_confidence` the
call goes to `other`, its confidence kept.

Pipeline: lower-case, append the pymorphy3 dictionary forms of Russian words → TF-IDF word 1-2 grams + TF-IDF
character 2-5 grams (accents stripped, so ё = е) → logistic regression (class weights balanced, \
C = {metrics["features"]["c"]}).
Training took {metrics["train_seconds"]} s on {metrics["n_train"]} statements.

## Training data
| source | licence | statements |
|---|---|---|
{sources}

Statements per reason and source/language:

```
{counts.to_string()}
```

## Evaluation
{evaluation}

{notes}
"""
