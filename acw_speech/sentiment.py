"""Turns -> sentiment: how positive or negative each side sounds, turn by turn and in each quarter of the call.

English turns are scored with VADER (a rule-based sentiment lexicon, MIT licence, shipped in its PyPI wheel);
Russian turns with the project's lexicon `models/lexicons/sentiment_ru.yaml` on the same -1..1 scale. A quarter's
value for one side is the word-weighted mean of its turns whose middle falls in that quarter of the call (first
word to last); a side that says nothing in a quarter has no value there (None).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from acw_speech.config import MODELS_DIR, DissatisfactionConfig, read_lexicon
from acw_speech.dissatisfaction import combined_score
from acw_speech.records import AGENT, CUSTOMER, UNKNOWN, Dissatisfaction, Signal, Transcript, Turn
from acw_speech.text import script_language, tokenize

RU_LEXICON = MODELS_DIR / "lexicons" / "sentiment_ru.yaml"
QUARTERS = 4
NEGATION_REACH = 2  # a negator this many words before a sentiment word flips it
NEGATED_SHARE = 0.5  # ... and keeps this much of its strength ("не плохо" is mildly positive, not "хорошо")
INTENSIFIED = 1.3
# "I'd like to ..." opens half the requests in a call; VADER would read its "like" as liking something
_WANT = re.compile(r"\b(?:would|'d|’d) like\b", re.IGNORECASE)
VADER_ALPHA = 15  # VADER's normalisation: sum / sqrt(sum^2 + alpha), so both languages share one curve


@dataclass(frozen=True)
class RussianLexicon:
    valence: dict[str, float]
    negators: frozenset[str]
    intensifiers: frozenset[str]


def turn_sentiment(text: str, language: str | None = None) -> float:
    """From -1 (very negative) to 1 (very positive); 0 for neutral text."""
    language = language if language in ("en", "ru") else script_language(text)
    if language == "ru" or script_language(text) == "ru":
        return _russian(text)
    return round(float(_vader().polarity_scores(_WANT.sub("want", text))["compound"]), 4)


def quarter_sentiment(turns: tuple[Turn, ...] | list[Turn], role: str, language: str | None = None):
    """Four values (None where `role` said nothing in that quarter), each -1..1."""
    spoken = [t for t in turns if t.text.strip()]
    if not spoken:
        return (None,) * QUARTERS
    begin, end = min(t.start for t in spoken), max(t.end for t in spoken)
    length = max(end - begin, 1e-6)
    sums, weights = [0.0] * QUARTERS, [0.0] * QUARTERS
    for turn in spoken:
        if turn.role != role:
            continue
        quarter = _quarter(turn, begin, length)
        words = max(1, len(turn.text.split()))
        sums[quarter] += words * turn_sentiment(turn.text, language)
        weights[quarter] += words
    return tuple(round(s / w, 3) if w else None for s, w in zip(sums, weights))


def with_sentiment(dissatisfaction: Dissatisfaction, transcript: Transcript, config: DissatisfactionConfig):
    """`dissatisfaction` with both sides' sentiment per quarter, and a negative_trend signal (which counts in the
    score) when the customer's sentiment falls by `config.trend_drop` from their first quarter that has words to
    their last, ending at or below `config.trend_end`. The signal points to the customer's most negative turn of
    that last quarter."""
    language = transcript.language
    customer = quarter_sentiment(transcript.turns, CUSTOMER, language)
    agent = quarter_sentiment(transcript.turns, AGENT, language)
    signals = list(dissatisfaction.signals)
    heard = [(q, v) for q, v in enumerate(customer) if v is not None]
    if len(heard) >= 2 and heard[-1][1] - heard[0][1] <= -config.trend_drop and heard[-1][1] <= config.trend_end:
        worst = min(_turns_in(transcript.turns, CUSTOMER, heard[-1][0]), key=lambda t: turn_sentiment(t.text, language))
        words = " ".join(worst.text.split()[:TREND_QUOTE_WORDS])
        signals.append(Signal("negative_trend", worst.index, CUSTOMER, words, config.negative_trend_weight))
        signals.sort(key=lambda s: (s.turn_index, s.kind))
    scored = [s for s in signals if s.role in config.score_roles or s.role == UNKNOWN]
    return Dissatisfaction(combined_score(scored, config.repeat_decay), tuple(signals), customer, agent)


TREND_QUOTE_WORDS = 8


def _turns_in(turns, role: str, quarter: int) -> list[Turn]:
    spoken = [t for t in turns if t.text.strip()]
    begin, end = min(t.start for t in spoken), max(t.end for t in spoken)
    length = max(end - begin, 1e-6)
    return [t for t in spoken if t.role == role and _quarter(t, begin, length) == quarter]


def _quarter(turn: Turn, begin: float, length: float) -> int:
    """The quarter of the call (0..3) in which the middle of `turn` falls."""
    return min(QUARTERS - 1, int(((turn.start + turn.end) / 2 - begin) / length * QUARTERS))


def _russian(text: str) -> float:
    lexicon = load_russian_lexicon(RU_LEXICON)
    tokens = tokenize(text)
    total = 0.0
    for i, token in enumerate(tokens):
        value = lexicon.valence.get(token.lemma)
        if value is None:
            continue
        before = [t.lemma for t in tokens[max(0, i - NEGATION_REACH) : i]]
        if any(word in lexicon.negators for word in before):
            value = -value * NEGATED_SHARE
        if i and tokens[i - 1].lemma in lexicon.intensifiers:
            value *= INTENSIFIED
        total += value
    return round(total / math.sqrt(total * total + VADER_ALPHA), 4) if total else 0.0


@lru_cache(maxsize=4)
def load_russian_lexicon(path: Path) -> RussianLexicon:
    return read_lexicon(
        path,
        "Russian sentiment lexicon",
        lambda raw: RussianLexicon(
            valence={str(k).replace("ё", "е"): float(v) for k, v in raw["valence"].items()},
            negators=frozenset(raw["negators"]),
            intensifiers=frozenset(raw["intensifiers"]),
        ),
    )


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()
