"""Dissatisfaction: find signals of an unhappy customer in the turns, and combine them into a 0..1 score.

Signals come from words (a lexicon in `models/lexicons/dissatisfaction.yaml`, matched on dictionary forms so
Russian inflections match) and from timings (long silences, interruptions). A kind's phrases can be cancelled by a
negation ("no complaints") or by the kind's exclusions around the match ("cancel the transfer", "sorry, could you
repeat that", "my personal manager"); the lexicon's header describes its phrase syntax.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from acw_speech.config import DissatisfactionConfig, read_lexicon
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
NEGATION_AFTER_WORDS = 3  # words after a phrase searched for a trailing negation ("претензий к вам нет")
CONTEXT_WORDS = 4  # default reach of a kind's not_followed_by / not_preceded_by exclusions
INTERRUPTION_QUOTE_WORDS = 5
_CLAUSE_BREAK = re.compile(r"[.,;:!?…]")
_SENTENCE_BREAK = re.compile(r"[.!?…]")


@dataclass(frozen=True)
class Slot:
    """The words one token of a phrase may be: dictionary forms or spellings, "prefix*", "=spelling", "form{tag}"."""

    words: frozenset[str]  # a token matches when its dictionary form or its spelling is one of these
    prefixes: tuple[str, ...] = ()
    spellings: frozenset[str] = frozenset()
    tagged: tuple[tuple[str, str], ...] = ()  # (dictionary form or "*", grammar tag)

    @classmethod
    def of(cls, patterns: set[str]) -> Slot:
        return cls(
            words=frozenset(p for p in patterns if not (p.startswith("=") or p.endswith(("*", "}")))),
            prefixes=tuple(sorted(p[:-1] for p in patterns if p.endswith("*"))),
            spellings=frozenset(p[1:] for p in patterns if p.startswith("=")),
            tagged=tuple(sorted(tuple(p[:-1].split("{", 1)) for p in patterns if p.endswith("}"))),
        )


Phrase = tuple["Slot | str", ...]  # slots, or GAP


@dataclass(frozen=True)
class PhraseSet:
    """Phrases, indexed by the words their first slot takes, so a token only tries the phrases it can start."""

    phrases: tuple[Phrase, ...] = ()
    by_word: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)
    always: tuple[Phrase, ...] = ()  # first slot with a prefix, a spelling or a tag: tried at every token

    @classmethod
    def of(cls, phrases: list[Phrase]) -> PhraseSet:
        by_word: dict[str, list[Phrase]] = defaultdict(list)
        always = []
        for phrase in phrases:
            first = phrase[0]
            if not isinstance(first, Slot):
                raise ValueError(f"phrase {phrase!r} starts with a gap")
            for word in first.words:
                by_word[word].append(phrase)
            if first.prefixes or first.spellings or first.tagged:
                always.append(phrase)
        return cls(tuple(phrases), {w: tuple(ps) for w, ps in by_word.items()}, tuple(always))

    def ends(self, tokens: list[Token], start: int) -> list[int]:
        """Where each phrase matching at `start` ends (token index just past it)."""
        token = tokens[start]
        text = _spelling(token)
        candidates = {*self.by_word.get(token.lemma, ()), *self.by_word.get(text, ()), *self.always}
        return [end for phrase in candidates if (end := _match_phrase(phrase, tokens, start)) is not None]


@dataclass(frozen=True)
class KindRules:
    """How one signal kind is found and weighed."""

    weight: float
    speaker: str  # customer | agent
    negatable: bool
    threat: bool
    phrases: PhraseSet
    # a match does not count with one of these starting at it, in its gaps or within context_words after it,
    not_followed_by: PhraseSet = PhraseSet()  # ("cancel the standing order", "sorry, could you repeat that")
    not_preceded_by: PhraseSet = PhraseSet()  # ... or ending at its first word ("my personal manager")
    not_in_sentence: PhraseSet = PhraseSet()  # ... or anywhere in its sentence ("cancel my card, it was stolen")
    context_words: int = CONTEXT_WORDS
    # a match these follow straight away counts whatever the exclusions say ("sorry for the wait, can you confirm")
    kept_when_followed_by: PhraseSet = PhraseSet()


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
            if not rules.phrases.phrases or not _speaker_counts(rules.speaker, turn.role):
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
        for end in sorted(rules.phrases.ends(tokens, start), reverse=True):
            if rules.threat and any("past" in t.grammar for t in tokens[start:end]):
                continue
            if rules.negatable and _negated(tokens, text, start, end, lexicon, negation_window):
                continue
            if _excluded(tokens, text, start, end, rules):
                continue
            return start, _extend(rules.phrases, tokens, start, end)
    return None


def _excluded(tokens: list[Token], text: str, start: int, end: int, rules: KindRules) -> bool:
    """One of the kind's exclusions sits within `context_words` words of the match (or, for not_in_sentence,
    anywhere), in the same sentence.

    not_followed_by may also start at the match or inside its gaps ("cancel the standing order", "close my old
    savings account", "leaving for"); not_preceded_by must end before or at the match's first word ("my personal
    manager"). A match that kept_when_followed_by follows with no punctuation in between is never excluded.
    """
    if (
        rules.kept_when_followed_by.phrases
        and end < len(tokens)
        and not _CLAUSE_BREAK.search(text[tokens[end - 1].end : tokens[end].start])
        and rules.kept_when_followed_by.ends(tokens, end)
    ):
        return False
    if rules.not_in_sentence.phrases:
        first, last = _sentence_span(tokens, text, start, end)
        for position in range(first, last):
            if any(e <= last for e in rules.not_in_sentence.ends(tokens, position)):
                return True
    reach = rules.context_words
    for position in range(start, min(len(tokens), end + reach)):
        if position > start and _SENTENCE_BREAK.search(text[tokens[position - 1].end : tokens[position].start]):
            break
        if rules.not_followed_by.ends(tokens, position):
            return True
    for position in range(start - 1, max(-1, start - 1 - reach), -1):
        if _SENTENCE_BREAK.search(text[tokens[position].end : tokens[position + 1].start]):
            break
        if any(e <= start + 1 for e in rules.not_preceded_by.ends(tokens, position)):
            return True
    return False


def _sentence_span(tokens: list[Token], text: str, start: int, end: int) -> tuple[int, int]:
    """The token span [first, last) of the sentence around the match [start, end)."""
    first = start
    while first > 0 and not _SENTENCE_BREAK.search(text[tokens[first - 1].end : tokens[first].start]):
        first -= 1
    last = end
    while last < len(tokens) and not _SENTENCE_BREAK.search(text[tokens[last - 1].end : tokens[last].start]):
        last += 1
    return first, last


def _extend(phrases: PhraseSet, tokens: list[Token], start: int, end: int) -> int:
    """Grow a match over touching matches of the same kind: "звоню уже" + "третий раз" -> "звоню уже третий раз"."""
    position = start + 1
    while position <= end and position < len(tokens):
        end = max([end, *phrases.ends(tokens, position)])
        position += 1
    return end


def _match_phrase(phrase: Phrase, tokens: list[Token], start: int) -> int | None:
    """The token index just past a match of `phrase` starting at `start`, or None."""
    if not phrase:
        return start
    head, rest = phrase[0], phrase[1:]
    if isinstance(head, str):  # GAP
        for skip in range(MAX_GAP_WORDS + 1):
            end = _match_phrase(rest, tokens, start + skip)
            if end is not None:
                return end
        return None
    if start >= len(tokens) or not _word_matches(head, tokens[start]):
        return None
    return _match_phrase(rest, tokens, start + 1)


def _spelling(token: Token) -> str:
    return token.text.lower().replace("’", "'").replace("ё", "е")


def _word_matches(slot: Slot, token: Token) -> bool:
    text = _spelling(token)
    if token.lemma in slot.words or text in slot.words or text in slot.spellings:
        return True
    if any(token.lemma.startswith(p) or text.startswith(p) for p in slot.prefixes):
        return True
    return any(lemma in ("*", token.lemma) and tag in token.grammar for lemma, tag in slot.tagged)


def _negated(tokens: list[Token], text: str, start: int, end: int, lexicon: Lexicon, window: int) -> bool:
    """A negation word within `window` words before the phrase, or "нет"/"никаких" just after it, in one clause.

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
    return read_lexicon(path, "dissatisfaction lexicon", _lexicon)


def _lexicon(raw: dict) -> Lexicon:
    spellings = {str(k).lower(): str(v).lower() for k, v in (raw.get("spellings") or {}).items()}
    classes = _word_classes(raw.get("classes") or {}, spellings)
    return Lexicon(
        kinds={kind: _kind_rules(entry or {}, spellings, classes) for kind, entry in (raw.get("kinds") or {}).items()},
        negators=_word_set(raw.get("negators"), spellings),
        negators_after=_word_set(raw.get("negators_after"), spellings),
        negation_stops=_word_set(raw.get("negation_stops"), spellings),
        spellings=spellings,
    )


def _kind_rules(entry: dict, spellings: dict[str, str], classes: dict[str, set[str]]) -> KindRules:
    def patterns(key: str) -> PhraseSet:
        by_language = entry.get(key) or {}
        return PhraseSet.of(
            [_phrase_pattern(str(p), spellings, classes) for words in by_language.values() for p in words]
        )

    return KindRules(
        weight=float(entry.get("weight", 0.0)),
        speaker=AGENT if entry.get("speaker") == AGENT else CUSTOMER,
        negatable=bool(entry.get("negatable", False)),
        threat=bool(entry.get("threat", False)),
        phrases=patterns("phrases"),
        not_followed_by=patterns("not_followed_by"),
        not_preceded_by=patterns("not_preceded_by"),
        not_in_sentence=patterns("not_in_sentence"),
        context_words=int(entry.get("context_words", CONTEXT_WORDS)),
        kept_when_followed_by=patterns("kept_when_followed_by"),
    )


def _word_classes(raw: dict, spellings: dict[str, str]) -> dict[str, set[str]]:
    """Named word lists a phrase can use as "@name" (each word as a phrase word: a form, "prefix*", ...)."""
    return {str(name): {_word_form(str(w), spellings) for w in words} for name, words in raw.items()}


def _phrase_pattern(phrase: str, spellings: dict[str, str], classes: dict[str, set[str]] | None = None) -> Phrase:
    """A phrase's slots: "..." is a gap, "a|b" either word, "@name" any word of a class, "word*" a prefix,
    "=word" this spelling only, "word{past}" the word with a grammar tag (pymorphy3's, for Russian)."""
    pattern: list[Slot | str] = []
    for word in phrase.split():
        if word == GAP:
            pattern.append(GAP)
            continue
        alternatives: set[str] = set()
        for choice in word.split("|"):
            if choice.startswith("@"):
                if choice[1:] not in (classes or {}):
                    raise ValueError(f"phrase {phrase!r} uses an unknown word class {choice!r}")
                alternatives |= classes[choice[1:]]
            elif choice:
                alternatives.add(_word_form(choice, spellings))
            else:
                raise ValueError(f"phrase {phrase!r} has an empty choice in {word!r}")
        pattern.append(Slot.of(alternatives))
    if not pattern or isinstance(pattern[0], str) or isinstance(pattern[-1], str):
        raise ValueError(f"phrase {phrase!r} is empty, or starts or ends with '...'")
    return tuple(pattern)


def _word_form(word: str, spellings: dict[str, str]) -> str:
    if word.startswith("=") or word.endswith("*"):
        return word.lower().replace("ё", "е")
    if word.endswith("}") and "{" in word:
        base, _, tag = word[:-1].partition("{")
        return f"{base if base == '*' else dictionary_form(base, spellings)}{{{tag}}}"
    return dictionary_form(word, spellings)


def _word_set(by_language: dict | None, spellings: dict[str, str]) -> frozenset[str]:
    return frozenset(dictionary_form(str(w), spellings) for words in (by_language or {}).values() for w in words)
