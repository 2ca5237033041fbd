"""Dissatisfaction: find signals of an unhappy customer in the turns, and combine them into a 0..1 score.

Signals come from words (a lexicon in `models/lexicons/dissatisfaction.yaml`, matched on dictionary forms so
Russian inflections match) and from timings (long silences, interruptions).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from acw_speech.config import DissatisfactionConfig
from acw_speech.errors import ConfigError
from acw_speech.records import (
    AGENT,
    CUSTOMER,
    UNKNOWN,
    Dissatisfaction,
    Signal,
    Transcript,
    Turn,
)
from acw_speech.text import Token, dictionary_form, tokenize

GAP = "..."  # in a lexicon phrase: up to MAX_GAP_WORDS other words may sit here
MAX_GAP_WORDS = 3
NEGATION_AFTER_WORDS = 2  # words after a phrase searched for a trailing negation ("претензий нет")
INTERRUPTION_QUOTE_WORDS = 5
_CLAUSE_BREAK = re.compile(r"[.,;:!?…]")


@dataclass(frozen=True)
class KindRules:
    """How one signal kind is found and weighed."""

    weight: float
    speaker: str  # customer | agent
    negatable: bool
    threat: bool
    phrases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Lexicon:
    kinds: dict[str, KindRules]
    negators: frozenset[str]
    negators_after: frozenset[str]
    negation_stops: frozenset[str]
    spellings: dict[str, str]


def score_dissatisfaction(transcript: Transcript, config: DissatisfactionConfig) -> Dissatisfaction:
    """Find dissatisfaction signals in a call and combine them into a score from 0 (calm) to 1.

    Score = 1 - prod(1 - w) over all signals, where w is the signal's kind weight from the lexicon, halved
    (config.repeat_decay) for each earlier signal of the same kind, so repeating one complaint adds less than a
    new kind of evidence. With default weights an escalation request (0.5), a cancellation threat (0.5), a repeat
    contact (0.3) and a complaint (0.4) give 0.895.

    Only signals of `config.score_roles` (default: the customer) and of unknown speakers (a long silence, a mono
    turn whose speaker was not found) make the score; the others, such as an agent's "sorry", are still listed
    as evidence for QA, so the score says how unhappy the customer was, never how polite the agent was.
    """
    lexicon = load_lexicon(config.lexicon_path())
    signals = [*_word_signals(transcript.turns, lexicon, config), *_timing_signals(transcript.turns, lexicon, config)]
    signals.sort(key=lambda s: (s.turn_index, s.kind))
    scored = [s for s in signals if s.role in config.score_roles or s.role == UNKNOWN]
    return Dissatisfaction(score=combined_score(scored, config.repeat_decay), signals=tuple(signals))


def combined_score(signals: list[Signal], repeat_decay: float) -> float:
    """1 - prod(1 - w), each further signal of a kind weighted by repeat_decay ** (how many came before)."""
    seen: dict[str, int] = defaultdict(int)
    calm = 1.0
    for signal in sorted(signals, key=lambda s: -s.weight):
        calm *= 1.0 - min(1.0, signal.weight) * repeat_decay ** seen[signal.kind]
        seen[signal.kind] += 1
    return round(1.0 - calm, 4)


def _word_signals(turns: tuple[Turn, ...], lexicon: Lexicon, config: DissatisfactionConfig) -> list[Signal]:
    signals = []
    for turn in turns:
        tokens = tokenize(turn.text, lexicon.spellings)
        for kind, rules in lexicon.kinds.items():
            if not rules.phrases or not _speaker_counts(rules.speaker, turn.role):
                continue
            span = _first_match(tokens, turn.text, rules, lexicon, config.negation_window)
            if span:
                words = turn.text[tokens[span[0]].start : tokens[span[1] - 1].end]
                signals.append(Signal(kind, turn.index, turn.role, words, rules.weight))
    return signals


def _speaker_counts(speaker: str, role: str) -> bool:
    return role == AGENT if speaker == AGENT else role in (CUSTOMER, UNKNOWN)


def _first_match(
    tokens: list[Token], text: str, rules: KindRules, lexicon: Lexicon, negation_window: int
) -> tuple[int, int] | None:
    """The earliest (then longest) phrase match that is not negated, as a token span [start, end)."""
    for start in range(len(tokens)):
        ends = [end for phrase in rules.phrases if (end := _match_phrase(phrase, tokens, start)) is not None]
        for end in sorted(ends, reverse=True):
            if rules.threat and any("past" in t.grammar for t in tokens[start:end]):
                continue
            if rules.negatable and _negated(tokens, text, start, end, lexicon, negation_window):
                continue
            return start, _extend(rules.phrases, tokens, start, end)
    return None


def _extend(phrases: tuple[tuple[str, ...], ...], tokens: list[Token], start: int, end: int) -> int:
    """Grow a match over touching matches of the same kind: "звоню уже" + "третий раз" -> "звоню уже третий раз"."""
    position = start + 1
    while position <= end:
        ends = [e for phrase in phrases if (e := _match_phrase(phrase, tokens, position)) is not None]
        end = max([end, *ends])
        position += 1
    return end


def _match_phrase(phrase: tuple[str, ...], tokens: list[Token], start: int) -> int | None:
    """The token index just past a match of `phrase` starting at `start`, or None."""
    if not phrase:
        return start
    head, rest = phrase[0], phrase[1:]
    if head == GAP:
        for skip in range(MAX_GAP_WORDS + 1):
            end = _match_phrase(rest, tokens, start + skip)
            if end is not None:
                return end
        return None
    if start >= len(tokens) or not _word_matches(head, tokens[start]):
        return None
    return _match_phrase(rest, tokens, start + 1)


def _word_matches(pattern: str, token: Token) -> bool:
    if pattern.endswith("*"):
        return token.lemma.startswith(pattern[:-1]) or token.text.lower().startswith(pattern[:-1])
    return token.lemma == pattern or token.text.lower().replace("’", "'") == pattern


def _negated(tokens: list[Token], text: str, start: int, end: int, lexicon: Lexicon, window: int) -> bool:
    """A negation word within `window` words before the phrase, or "нет" right after it, in the same clause.

    The look-back stops at punctuation and at a new subject or clause word ("if not, I will cancel").
    """
    for i in range(start - 1, max(-1, start - 1 - window), -1):
        if _CLAUSE_BREAK.search(text[tokens[i].end : tokens[i + 1].start]) or tokens[i].lemma in lexicon.negation_stops:
            break
        if tokens[i].lemma in lexicon.negators:
            return True
    for i in range(end, min(len(tokens), end + NEGATION_AFTER_WORDS)):
        if _CLAUSE_BREAK.search(text[tokens[i - 1].end : tokens[i].start]):
            break
        if tokens[i].lemma in lexicon.negators_after:
            return True
    return False


def _timing_signals(turns: tuple[Turn, ...], lexicon: Lexicon, config: DissatisfactionConfig) -> list[Signal]:
    """Long silences between turns and one side starting to talk over the other."""
    signals = []
    silence_weight = _timing_weight(lexicon, "long_silence")
    interruption_weight = _timing_weight(lexicon, "interruption")
    last_end = turns[0].end if turns else 0.0
    for i in range(1, len(turns)):
        turn = turns[i]
        gap = turn.start - last_end
        last_end = max(last_end, turn.end)
        if gap >= config.long_silence_s:
            signals.append(Signal("long_silence", turn.index, UNKNOWN, f"silence {gap:.1f} s", silence_weight))
        other = next((t for t in reversed(turns[:i]) if t.role != turn.role), None)
        if other and other.end - turn.start > config.interruption_overlap_s and turn.start >= other.start:
            words = " ".join(turn.text.split()[:INTERRUPTION_QUOTE_WORDS])
            signals.append(Signal("interruption", turn.index, turn.role, words, interruption_weight))
    return signals


def _timing_weight(lexicon: Lexicon, kind: str) -> float:
    rules = lexicon.kinds.get(kind)
    return rules.weight if rules else 0.0


@lru_cache(maxsize=8)
def load_lexicon(path: Path) -> Lexicon:
    """Read a dissatisfaction lexicon YAML once; phrases are stored as dictionary forms, ready to match."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read dissatisfaction lexicon {path}: {exc}") from None
    spellings = {str(k).lower(): str(v).lower() for k, v in (raw.get("spellings") or {}).items()}
    try:
        kinds = {kind: _kind_rules(entry or {}, spellings) for kind, entry in (raw.get("kinds") or {}).items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"invalid dissatisfaction lexicon {path}: {exc}") from None
    return Lexicon(
        kinds=kinds,
        negators=_word_set(raw.get("negators"), spellings),
        negators_after=_word_set(raw.get("negators_after"), spellings),
        negation_stops=_word_set(raw.get("negation_stops"), spellings),
        spellings=spellings,
    )


def _kind_rules(entry: dict, spellings: dict[str, str]) -> KindRules:
    phrases = [p for by_language in (entry.get("phrases") or {}).values() for p in by_language]
    return KindRules(
        weight=float(entry.get("weight", 0.0)),
        speaker=AGENT if entry.get("speaker") == AGENT else CUSTOMER,
        negatable=bool(entry.get("negatable", False)),
        threat=bool(entry.get("threat", False)),
        phrases=tuple(_phrase_pattern(str(p), spellings) for p in phrases),
    )


def _phrase_pattern(phrase: str, spellings: dict[str, str]) -> tuple[str, ...]:
    pattern = []
    for word in phrase.split():
        if word == GAP or word.endswith("*"):
            pattern.append(word.lower().replace("ё", "е"))
        else:
            pattern.append(dictionary_form(word, spellings))
    if not pattern or pattern[0] == GAP:
        raise ValueError(f"phrase {phrase!r} is empty or starts with '...'")
    return tuple(pattern)


def _word_set(by_language: dict | None, spellings: dict[str, str]) -> frozenset[str]:
    return frozenset(dictionary_form(str(w), spellings) for words in (by_language or {}).values() for w in words)
