"""Turns -> customer feedback: what the customer suggested the company should do or change, in their own words.

Found by cue phrases (`models/lexicons/feedback.yaml`, regular expressions per language) in the customer's turns;
each piece of feedback is the sentence the cue sits in, with its turn, so a QA analyst or product team reads the
suggestion itself ("it would help if the app showed pending payments").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from acw_speech.config import MODELS_DIR, read_lexicon
from acw_speech.records import AGENT, Feedback, Turn

LEXICON = MODELS_DIR / "lexicons" / "feedback.yaml"
_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")


@dataclass(frozen=True)
class FeedbackCues:
    suggest: tuple[re.Pattern, ...]
    not_feedback: tuple[re.Pattern, ...]


def find_feedback(turns: tuple[Turn, ...] | list[Turn], path: Path = LEXICON) -> tuple[Feedback, ...]:
    """Every sentence of a customer (or unknown speaker) turn that carries a suggestion cue."""
    cues = load_cues(path)
    found = []
    for turn in turns:
        if turn.role == AGENT:
            continue
        for sentence in _SENTENCE.findall(turn.text):
            sentence = sentence.strip()
            lowered = sentence.lower()
            if any(p.search(lowered) for p in cues.suggest) and not any(p.search(lowered) for p in cues.not_feedback):
                found.append(Feedback(turn_index=turn.index, text=sentence))
    return tuple(found)


@lru_cache(maxsize=4)
def load_cues(path: Path) -> FeedbackCues:
    def build(raw: dict) -> FeedbackCues:
        def compile_all(key: str) -> tuple[re.Pattern, ...]:
            return tuple(re.compile(p) for language in raw[key].values() for p in language)

        return FeedbackCues(suggest=compile_all("suggest"), not_feedback=compile_all("not_feedback"))

    return read_lexicon(path, "feedback cues", build)
