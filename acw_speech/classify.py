"""Text without audio -> reason and dissatisfaction: for analysts trying a taxonomy or a model on statements or chats.

Each statement is classified on its own, as a one-turn call by its speaker (the customer unless a role column says
otherwise); with a call column, the rows of one call are its turns, in file order, and the whole call is classified
the way a transcribed call would be.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from acw_speech.errors import AcwError
from acw_speech.records import CUSTOMER, ROLES, Transcript, Turn, stored_text
from acw_speech.text import script_language

RESULT_COLUMNS = [
    "call",
    "text",
    "reason",
    "reason_name",
    "confidence",
    "dissatisfaction",
    "signals",
]


class TextInputError(AcwError):
    """Texts to classify that cannot be read."""


def read_texts(path: Path, text_column: str = "text", role_column: str | None = None, call_column: str | None = None):
    """A CSV or Parquet file of texts -> a frame with `text`, `role` and `call` columns.

    Without `role_column` / `call_column`, columns named `role` and `call` are used when the file has them."""
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise TextInputError(f"file not found: {path}") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TextInputError(f"cannot read {path}: {exc}") from None
    role_column = role_column or ("role" if "role" in frame.columns else None)
    call_column = call_column or ("call" if "call" in frame.columns else None)
    for wanted, column in (("text", text_column), ("role", role_column), ("call", call_column)):
        if column is not None and column not in frame.columns:
            raise TextInputError(f"{path} has no {wanted} column {column!r} (columns: {', '.join(map(str, frame))})")
    roles = frame[role_column].fillna(CUSTOMER).astype(str).str.strip().str.lower() if role_column else CUSTOMER
    texts = pd.DataFrame({"text": frame[text_column].fillna("").astype(str).map(stored_text), "role": roles})
    if call_column:
        calls = frame[call_column].astype("string").str.strip()
        blank = frame.index[calls.isna() | (calls == "")]
        if len(blank):
            rows = ", ".join(str(i + 2) for i in blank[:10])
            raise TextInputError(f"{path}: the call column {call_column!r} is blank in rows {rows}")
        texts["call"] = calls.astype(str).to_numpy()
    else:
        texts["call"] = [str(i + 1) for i in range(len(frame))]
    wrong = texts.loc[~texts["role"].isin(ROLES), "role"]
    if len(wrong):
        raise TextInputError(f"roles must be {', '.join(ROLES)}; found {', '.join(sorted(set(wrong)))}")
    return texts


def classify_texts(texts: pd.DataFrame, analyzer) -> pd.DataFrame:
    """One row per call of `texts` (text, role, call): its reason, confidence, dissatisfaction and signals.

    `analyzer` is a `CallAnalyzer` (its `analyze` gives reason and dissatisfaction of a transcript)."""
    rows = []
    for call, group in texts.groupby("call", sort=False):
        turns = tuple(
            Turn(index=i, role=role, start=float(i), end=float(i + 1), text=text, asr_confidence=1.0)
            for i, (text, role) in enumerate(zip(group["text"], group["role"]))
        )
        transcript = Transcript(turns, None, None, "given", 1.0)
        found = analyzer.analyze(transcript)
        reason, unhappy = found["reason"], found["dissatisfaction"]
        language = script_language(" ".join(group["text"]))
        names = analyzer.reason_names.get(reason.reason, {})
        rows.append(
            {
                "call": call,
                "text": " ".join(group["text"]),
                "reason": reason.reason,
                "reason_name": names.get(language, reason.reason),
                "confidence": reason.confidence,
                "dissatisfaction": unhappy.score if unhappy else None,
                "signals": [
                    {"kind": s.kind, "turn": s.turn_index, "role": s.role, "words": s.words}
                    for s in (unhappy.signals if unhappy else ())
                ],
            }
        )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)
