"""ACW draft: the structured after-call work an agent would otherwise type, each field with the turns it came from.

A draft only restates what was said: the customer's issue in their own words (from the turns that decided the
contact reason), what the agent did and promised in theirs, the outcome and the CRM request the cues in the call
point to, the entities named (`acw_speech.entities`), follow-ups with due dates resolved against the call's start
(`acw_speech.due_dates`), and a suggested disposition (the reason's CRM code and the outcome). The summary is
rendered from the pipeline's template for the reason (`acw.templates`), in the call's language; cue phrases and
the words the drafter adds live in `models/lexicons/acw.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from acw_speech.config import AcwConfig, read_lexicon, template_fields
from acw_speech.due_dates import resolve_due_date
from acw_speech.entities import find_entities
from acw_speech.feedback import find_feedback
from acw_speech.outcome import OutcomeWords, agent_actions, call_outcome, outcome_words, request_type
from acw_speech.records import (
    AGENT,
    COMPANY,
    CUSTOMER,
    AcwDraft,
    Dissatisfaction,
    DraftLine,
    FollowUp,
    ReasonPrediction,
    Transcript,
    Turn,
)
from acw_speech.text import tokenize

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
    """One language's words for the draft and the cues for issues, promises, due dates and outcomes."""

    kind_words: dict[str, str]
    outcome_names: dict[str, str]
    request_names: dict[str, str]
    owner_names: dict[str, str]
    unspecified: str
    filler: re.Pattern
    opener: re.Pattern
    not_an_issue: tuple[str, ...]
    issue_cue: re.Pattern
    commitments: dict[str, tuple[tuple[str, re.Pattern], ...]]  # said by -> (owner, pattern)
    follow_up_verbs: re.Pattern | None
    follow_up_lemmas: frozenset[str]
    due: tuple[re.Pattern, ...]
    outcome: OutcomeWords


def draft_acw(
    transcript: Transcript,
    reason: ReasonPrediction,
    dissatisfaction: Dissatisfaction,
    config: AcwConfig,
    taxonomy=None,
    call_time: datetime | None = None,
) -> AcwDraft:
    """Draft the after-call work for one call, in the call's language, from its turns and analysis.

    `taxonomy` (an `acw_speech.taxonomy.Taxonomy`) gives the reason's name, CRM code and usual request type;
    `call_time` is when the call started, to turn "tomorrow" into a date (no date without it)."""
    language = call_language(transcript)
    words = _words_for(load_acw_words(config.lexicon_path()), language)
    sentences = [s for turn in transcript.turns for s in _sentences(turn)]
    follow_ups = [_with_due_date(f, language, call_time) for f in find_follow_ups(sentences, words)]
    issue = customer_issue(sentences, reason.evidence_turns, words, config)
    actions = agent_actions(sentences, words.outcome)
    outcome = call_outcome(sentences, actions, follow_ups, words.outcome)
    known = _known_reason(taxonomy, reason.reason)
    request = request_type(sentences, reason, known.request_type if known else "none", words.outcome)
    dissatisfied = dissatisfaction.score >= config.dissatisfied_threshold
    feedback = find_feedback(transcript.turns)
    statement = _agent_statement(sentences, actions, follow_ups, words)
    fields = {
        "reason": _reason_name(known, reason.reason, language),
        "issue": _quote(_trim(issue.text, words), config.quote_max_words) if issue else "",
        "action": _quote(_trim(statement.text, words), config.quote_max_words) if statement else "",
        "outcome": words.outcome_names.get(outcome.text, outcome.text),
        "next_steps": _next_steps(follow_ups, _trim(statement.text, words) if statement else "", words, config),
        "request": words.request_names.get(request.text, request.text) if request.text != "none" else "",
        "dissatisfaction": _dissatisfied_kinds(dissatisfaction, words) if dissatisfied else "",
        "feedback": _quote(feedback[0].text, config.quote_max_words) if feedback else "",
    }
    summary = _truncate(render_summary(config.template(reason.reason, language), fields), config.summary_max_chars)
    signal_turns = {s.turn_index for s in dissatisfaction.signals if dissatisfied and s.kind in words.kind_words}
    entities = find_entities(transcript.turns, language)
    issue_line = DraftLine(_trim(issue.text, words), (issue.turn_index,)) if issue else None
    lines = [issue_line, outcome, request, *actions]
    evidence = {t for line in lines if line for t in line.turns} | signal_turns
    evidence |= {f.turn_index for f in follow_ups} | {e.turn_index for e in entities}
    evidence |= {f.turn_index for f in feedback}
    return AcwDraft(
        summary=summary,
        tags=_tags(reason, dissatisfaction, dissatisfied, follow_ups, language),
        follow_ups=tuple(follow_ups),
        evidence_turns=tuple(sorted(evidence)),
        customer_feedback=feedback,
        issue=issue_line,
        actions=tuple(DraftLine(_trim(a.text, words), a.turns) for a in actions),
        outcome=outcome,
        request_type=request,
        entities=entities,
        disposition=f"{known.crm_code if known else reason.reason.upper()}/{outcome.text.upper()}",
    )


def render_summary(sentences: list[str], fields: dict[str, str]) -> str:
    """The template's sentences with the draft's fields; a sentence naming a field without a value is left out."""
    kept = []
    for sentence in sentences:
        if all(fields.get(f) for f in template_fields(sentence)):
            kept.append(sentence.format(**fields))
    return " ".join(kept)


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


def customer_issue(
    sentences: list[Sentence], evidence_turns: tuple[int, ...], words: LanguageWords, config: AcwConfig
) -> Sentence | None:
    """The customer's issue in one sentence, their own words: the first that states a need ("I'd like to...",
    "у меня не работает"), from that cue on, else the first that says something beyond a greeting or their name;
    looked for in the turns that decided the contact reason first, then wherever the customer spoke."""
    customer = [s for s in sentences if s.role == CUSTOMER]
    decisive = [s for s in customer if s.turn_index in evidence_turns]
    for group in (decisive, customer):
        for sentence in group:
            cue = words.issue_cue.search(_normalise(sentence.text))
            if cue and len(sentence.text[cue.start() :].split()) >= config.min_issue_words:
                lead = sentence.text[: cue.start()].split()  # "Мне не пришёл заказ": keep a short lead-in
                return sentence if len(lead) <= 2 else replace(sentence, text=sentence.text[cue.start() :])
    stated = [s for group in (decisive, customer) for s in group if _states_something(s, words, config)]
    return stated[0] if stated else None


def _states_something(sentence: Sentence, words: LanguageWords, config: AcwConfig) -> bool:
    trimmed = _trim(sentence.text, words)
    return len(trimmed.split()) >= config.min_issue_words and not trimmed.lower().startswith(words.not_an_issue)


def _agent_statement(
    sentences: list[Sentence], actions: tuple[DraftLine, ...], follow_ups: list[FollowUp], words: LanguageWords
) -> Sentence | None:
    """What the summary quotes of the agent: the first action or promise; failing that, any commitment."""
    promised = {(f.turn_index, f.action) for f in follow_ups if f.owner != CUSTOMER}
    done = {(t, a.text) for a in actions for t in a.turns}
    agent_sentences = [s for s in sentences if s.role == AGENT]
    for sentence in agent_sentences:
        key = (sentence.turn_index, sentence.text)
        if key in done or (sentence.turn_index, _trim(sentence.text, words)) in promised:
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


def _known_reason(taxonomy, reason_id: str):
    try:
        return taxonomy.reason(reason_id) if taxonomy is not None else None
    except KeyError:
        return None


def _reason_name(known, reason_id: str, language: str) -> str:
    names = known.display_name if known else {}
    return names.get(language) or names.get(DEFAULT_LANGUAGE) or reason_id.replace("_", " ")


def _dissatisfied_kinds(dissatisfaction: Dissatisfaction, words: LanguageWords) -> str:
    """The kinds of dissatisfaction found, in the lexicon's words and order ("escalation requested, ...")."""
    present = {s.kind for s in dissatisfaction.signals}
    return ", ".join(text for kind, text in words.kind_words.items() if kind in present) or words.unspecified


def _with_due_date(follow_up: FollowUp, language: str, call_time: datetime | None) -> FollowUp:
    if not follow_up.due_text or call_time is None:
        return follow_up
    return replace(follow_up, due_date=resolve_due_date(follow_up.due_text, language, call_time))


def _next_steps(follow_ups: list[FollowUp], quoted: str, words: LanguageWords, config: AcwConfig) -> str:
    """ "agent: call you back tomorrow (2026-12-05); customer: ..." for the summary, without the promise the
    summary already quotes."""
    steps = []
    for f in follow_ups:
        if f.action == quoted:
            continue
        due = f" ({f.due_date.isoformat()})" if f.due_date else ""
        steps.append(f"{words.owner_names.get(f.owner, f.owner)}: {_quote(f.action, config.step_max_words)}{due}")
    return "; ".join(steps)


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
    return read_lexicon(path, "ACW lexicon", lambda raw: {lang: _language_words(e) for lang, e in raw.items()})


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
        kind_words=dict(entry.get("kinds") or {}),
        outcome_names=dict(entry.get("outcome_names") or {}),
        request_names=dict(entry.get("request_names") or {}),
        owner_names=dict(entry.get("owner_names") or {}),
        unspecified=str(entry.get("unspecified") or ""),
        filler=any_of(entry.get("fillers"), ""),
        opener=any_of(entry.get("openers"), "^"),
        not_an_issue=tuple(str(s).lower() for s in entry.get("not_an_issue") or ()),
        issue_cue=re.compile(entry.get("issue_cues") or "(?!)", re.IGNORECASE),
        commitments=commitments,
        follow_up_verbs=re.compile(verbs, re.IGNORECASE) if verbs else None,
        follow_up_lemmas=frozenset(entry.get("follow_up_lemmas") or ()),
        due=compile_all(entry.get("due")),
        outcome=outcome_words(entry, compile_all),
    )
