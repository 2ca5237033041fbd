"""Turns -> redacted turns: the personal data of a whole call replaced by placeholders before anything else reads it.

Callers spell numbers across turns ("seven one five" / "one three nine" / "zero seven eight seven" as three
segments), so consecutive turns of one speaker are read as one text; each turn then gets a placeholder for its part
of a piece of personal data. Detection itself is `acw_speech.redaction`.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from acw_speech.records import Transcript, Turn
from acw_speech.redaction import LANGUAGES, PLACEHOLDERS, find_personal_data

REDACTED_FLAG = "personal_data_redacted"


def redact_transcript(transcript: Transcript, language: str | None, keep_raw: bool = False) -> Transcript:
    """The transcript with every turn's personal data replaced, flagged when anything was; with `keep_raw`, each
    turn keeps its unredacted words in `raw_text`."""
    language = language if language in LANGUAGES else "en"
    turns: list[Turn] = []
    for _, run in groupby(transcript.turns, key=lambda t: t.role):
        turns += redact_run(list(run), language)
    if keep_raw:
        turns = [replace(new, raw_text=old.text) for new, old in zip(turns, transcript.turns)]
    changed = any(a.text != b.text for a, b in zip(turns, transcript.turns))
    flags = transcript.flags + ((REDACTED_FLAG,) if changed and REDACTED_FLAG not in transcript.flags else ())
    return replace(transcript, turns=tuple(turns), flags=flags)


def redact_run(turns: list[Turn], language: str) -> list[Turn]:
    """Consecutive turns of one speaker, redacted as one text (joined by spaces)."""
    starts, position = [], 0
    for turn in turns:
        starts.append(position)
        position += len(turn.text) + 1
    found = find_personal_data(" ".join(t.text for t in turns), language)
    redacted = []
    for turn, start in zip(turns, starts):
        end = start + len(turn.text)
        text = turn.text
        for piece in reversed([f for f in found if f.start < end and f.end > start]):
            a, b = max(piece.start, start) - start, min(piece.end, end) - start
            text = text[:a] + PLACEHOLDERS[piece.kind] + text[b:]
        redacted.append(replace(turn, text=text) if text != turn.text else turn)
    return redacted
