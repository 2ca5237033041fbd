"""ACW draft: the summary, tags and follow-ups an agent would otherwise type after the call.

The summary only restates what was said: the contact reason, the customer's own words for their issue, the
agent's own words for what they will do, and the dissatisfaction signals found. Wording and cue phrases per
language live in `models/lexicons/acw.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from acw_speech.config import AcwConfig
from acw_speech.errors import ConfigError
from acw_speech.feedback import find_feedback
from acw_speech.records import (
    AGENT,
    CUSTOMER,
    AcwDraft,
    Dissatisfaction,
    FollowUp,
    ReasonPrediction,
    Transcript,
    Turn,
)
from acw_speech.text import tokenize

COMPANY = "company"
DEFAULT_LANGUAGE = "en"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_EDGE_PUNCTUATION = " \t,.;:—–-"


@dataclass(frozen=True)
class Sentence:
    turn_index: int
    role: str
    text: str


@dataclass(frozen=True)
class LanguageWords:
    """One language's summary wording and the cues for issues, promises and due dates."""

    summary: dict[str, str]
    kind_words: dict[str, str]
    filler: re.Pattern
    opener: re.Pattern
    not_an_issue: tuple[str, ...]
    commitments: dict[str, tuple[tuple[str, re.Pattern], ...]]  # said by -> (owner, pattern)
    done: tuple[re.Pattern, ...]
    follow_up_verbs: re.Pattern | None
    follow_up_lemmas: frozenset[str]
    due: tuple[re.Pattern, ...]


def draft_acw(
    transcript: Transcript,
    reason: ReasonPrediction,
    dissatisfaction: Dissatisfaction,
    config: AcwConfig,
    reason_names: Mapping[str, Mapping[str, str]] | None = None,
) -> AcwDraft:
    """Draft the after-call work for one call, in the call's language, from its turns and analysis."""
    language = call_language(transcript)
    words = _words_for(load_acw_words(config.lexicon_path()), language)
    sentences = [s for turn in transcript.turns for s in _sentences(turn)]
    follow_ups = find_follow_ups(sentences, words)
    dissatisfied = dissatisfaction.score >= config.dissatisfied_threshold
    reason_name = _reason_name(reason.reason, language, reason_names)
    unhappy = dissatisfaction if dissatisfied else None
    summary, evidence = _summary(sentences, reason_name, unhappy, follow_ups, words, config)
    feedback = find_feedback(transcript.turns)
    return AcwDraft(
        summary=summary,
        tags=_tags(reason, dissatisfaction, dissatisfied, follow_ups, language),
        follow_ups=tuple(follow_ups),
        evidence_turns=tuple(sorted(evidence | {f.turn_index for f in follow_ups})),
        customer_feedback=feedback,
    )


def _summary(
    sentences: list[Sentence],
    reason_name: str,
    dissatisfaction: Dissatisfaction | None,
    follow_ups: list[FollowUp],
    words: LanguageWords,
    config: AcwConfig,
) -> tuple[str, set[int]]:
    """The summary from the templates (reason, customer's issue, agent's action, dissatisfaction) and its turns."""
    parts = [words.summary["reason"].format(reason=reason_name)]
    evidence: set[int] = set()
    issue = _customer_issue(sentences, words, config)
    action = _agent_action(sentences, words, follow_ups)
    for key, found in (("issue", issue), ("action", action)):
        if found:
            parts.append(words.summary[key].format(text=_quote(_trim(found.text, words), config.quote_max_words)))
            evidence.add(found.turn_index)
    if dissatisfaction is not None:
        parts.append(_dissatisfied_phrase(dissatisfaction, words))
        evidence.update(s.turn_index for s in dissatisfaction.signals if s.kind in words.kind_words)
    return _truncate(" ".join(parts), config.summary_max_chars), evidence


def call_language(transcript: Transcript) -> str:
    """The recogniser's language, or a guess from the alphabet when it gave none."""
    if transcript.language:
        return transcript.language
    text = transcript.text
    cyrillic = len(re.findall(r"[а-яё]", text, re.IGNORECASE))
    return "ru" if cyrillic > len(re.findall(r"[a-z]", text, re.IGNORECASE)) else DEFAULT_LANGUAGE


def find_follow_ups(sentences: list[Sentence], words: LanguageWords) -> list[FollowUp]:
    """Promises and requests for after the call: a future commitment with a follow-up verb or a due time."""
    follow_ups = []
    for sentence in sentences:
        owner = _commitment_owner(sentence, words)
        if owner is None or sentence.text.rstrip().endswith("?"):
            continue
        due = _due_text(sentence.text, words)
        if due is None and not _has_follow_up_verb(sentence.text, words):
            continue
        action = _trim(sentence.text, words)
        if all(f.action != action for f in follow_ups):
            follow_ups.append(FollowUp(owner, action, sentence.turn_index, due))
    return follow_ups


def _sentences(turn: Turn) -> list[Sentence]:
    return [Sentence(turn.index, turn.role, s.strip()) for s in _SENTENCE_END.split(turn.text) if s.strip()]


def _customer_issue(sentences: list[Sentence], words: LanguageWords, config: AcwConfig) -> Sentence | None:
    """The customer's first sentence that says something beyond a greeting or their name."""
    for sentence in sentences:
        if sentence.role != CUSTOMER:
            continue
        trimmed = _trim(sentence.text, words)
        if len(trimmed.split()) >= config.min_issue_words and not trimmed.lower().startswith(words.not_an_issue):
            return sentence
    return None


def _agent_action(sentences: list[Sentence], words: LanguageWords, follow_ups: list[FollowUp]) -> Sentence | None:
    """The agent's first follow-up or done-deed sentence; failing that, their first commitment of any kind."""
    promised = {(f.turn_index, f.action) for f in follow_ups if f.owner != CUSTOMER}
    agent_sentences = [s for s in sentences if s.role == AGENT]
    for sentence in agent_sentences:
        is_follow_up = (sentence.turn_index, _trim(sentence.text, words)) in promised
        if is_follow_up or any(p.search(_normalise(sentence.text)) for p in words.done):
            return sentence
    return next((s for s in agent_sentences if _commitment_owner(s, words) is not None), None)


def _commitment_owner(sentence: Sentence, words: LanguageWords) -> str | None:
    """Who a promise in this sentence binds (agent | company | customer), from the earliest cue, or None."""
    side = AGENT if sentence.role == AGENT else CUSTOMER if sentence.role == CUSTOMER else None
    if side is None:
        return None  # unknown speaker: we cannot say whose promise it is
    text = _normalise(sentence.text)
    cues = [(m.start(), owner) for owner, p in words.commitments.get(side, ()) if (m := p.search(text))]
    cues += _russian_promises(text, side, words.follow_up_lemmas)
    return min(cues)[1] if cues else None


def _russian_promises(text: str, side: str, follow_up_lemmas: frozenset[str]) -> list[tuple[int, str]]:
    """Russian promises by grammar: "перезвоню" (I will), "вернём" (we will), "деньги вернутся", "пришлите"."""
    tokens = tokenize(text)
    promises = []
    for i, token in enumerate(tokens):
        grammar = token.grammar
        if "VERB" not in grammar or (i and tokens[i - 1].lemma == "не"):
            continue
        future = {"futr", "perf"} <= grammar
        owner = None
        if future and "1per" in grammar:
            owner = CUSTOMER if side == CUSTOMER else AGENT if "sing" in grammar else COMPANY
        elif side == AGENT and token.lemma in follow_up_lemmas:
            owner = COMPANY if future else CUSTOMER if "impr" in grammar else None
        if owner:
            promises.append((token.start, owner))
    return promises


def _has_follow_up_verb(text: str, words: LanguageWords) -> bool:
    if words.follow_up_verbs and words.follow_up_verbs.search(_normalise(text)):
        return True
    return any(t.lemma in words.follow_up_lemmas for t in tokenize(text))


def _due_text(text: str, words: LanguageWords) -> str | None:
    """The words that say when ("tomorrow", "within five business days", "через неделю"), earliest first."""
    matches = [m for p in words.due if (m := p.search(text))]
    if not matches:
        return None
    first = min(matches, key=lambda m: (m.start(), -len(m.group())))
    return first.group().strip()


def _trim(text: str, words: LanguageWords) -> str:
    """The sentence without fillers ("um", "эээ"), openers ("yeah hi", "ну") or edge punctuation."""
    text = words.filler.sub("", text)
    text = words.opener.sub("", text.strip(_EDGE_PUNCTUATION))
    return re.sub(r"\s+", " ", text).strip(_EDGE_PUNCTUATION)


def _quote(text: str, max_words: int) -> str:
    tokens = text.split()
    return text if len(tokens) <= max_words else " ".join(tokens[:max_words]) + "…"


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut.rstrip(_EDGE_PUNCTUATION) + "…"


def _reason_name(reason: str, language: str, reason_names: Mapping[str, Mapping[str, str]] | None) -> str:
    names = (reason_names or {}).get(reason) or {}
    return names.get(language) or reason.replace("_", " ")


def _dissatisfied_phrase(dissatisfaction: Dissatisfaction, words: LanguageWords) -> str:
    """ "Customer was dissatisfied (escalation requested, ...)", naming the kinds the lexicon has words for."""
    present = {s.kind for s in dissatisfaction.signals}
    listed = [text for kind, text in words.kind_words.items() if kind in present]
    if not listed:
        return words.summary["dissatisfied_plain"]
    return words.summary["dissatisfied"].format(kinds=", ".join(listed))


def _tags(
    reason: ReasonPrediction,
    dissatisfaction: Dissatisfaction,
    dissatisfied: bool,
    follow_ups: list[FollowUp],
    language: str,
) -> tuple[str, ...]:
    tags = [reason.reason]
    if dissatisfied:
        tags.append("dissatisfied")
    tags += [s.kind for s in dissatisfaction.signals]
    if follow_ups:
        tags.append("follow_up")
    tags.append(language)
    return tuple(dict.fromkeys(tags))  # deduplicated, first mention first


def _normalise(text: str) -> str:
    return text.lower().replace("’", "'")


def _words_for(by_language: dict[str, LanguageWords], language: str) -> LanguageWords:
    return by_language.get(language) or by_language[DEFAULT_LANGUAGE]


@lru_cache(maxsize=8)
def load_acw_words(path: Path) -> dict[str, LanguageWords]:
    """Read the ACW wording and cue YAML once, compiling its patterns; a bad entry is a ConfigError."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return {language: _language_words(entry) for language, entry in raw.items()}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read ACW lexicon {path}: {exc}") from None
    except (re.error, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"invalid ACW lexicon {path}: {exc!r}") from None


def _language_words(entry: dict) -> LanguageWords:
    def compile_all(patterns) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in patterns or ())

    def any_of(items, anchor: str) -> re.Pattern:
        alternatives = "|".join(items or ()) or "(?!)"
        return re.compile(anchor + rf"(?:(?<!\w)(?:{alternatives})(?!\w)[\s,.!—–-]*)+", re.IGNORECASE)

    commitments = {
        side: tuple((owner, p) for owner, patterns in (by_owner or {}).items() for p in compile_all(patterns))
        for side, by_owner in (entry.get("commitments") or {}).items()
    }
    verbs = entry.get("follow_up_verbs")
    return LanguageWords(
        summary=dict(entry["summary"]),
        kind_words=dict(entry.get("kinds") or {}),
        filler=any_of(entry.get("fillers"), ""),
        opener=any_of(entry.get("openers"), "^"),
        not_an_issue=tuple(str(s).lower() for s in entry.get("not_an_issue") or ()),
        commitments=commitments,
        done=compile_all(entry.get("done")),
        follow_up_verbs=re.compile(verbs, re.IGNORECASE) if verbs else None,
        follow_up_lemmas=frozenset(entry.get("follow_up_lemmas") or ()),
        due=compile_all(entry.get("due")),
    )
