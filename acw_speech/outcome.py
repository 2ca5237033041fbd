"""Turns -> what the call achieved: the agent's actions, the outcome and the CRM request to create.

Each is a `DraftLine` with the turns it came from, found by cue phrases per language in
`models/lexicons/acw.yaml` (`done`, `outcome`, `requests`):

- actions: the agent's sentences saying what was done ("I've raised a refund request", "перевод выполнен");
- outcome: escalated (the agent hands the call on) before callback_promised (the agent or company will call back)
  before unresolved (the agent's last words say it cannot be done) before resolved (something was done or
  arranged, the agent closes with "anything else?" or the customer ends with thanks); with none, unresolved;
- request: refund, return, complaint or order when the call says so, else what the taxonomy gives the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from acw_speech.records import AGENT, COMPANY, CUSTOMER, DraftLine, FollowUp, ReasonPrediction

REQUEST_TYPES = ("order", "return", "refund", "complaint", "service_request", "none")
OUTCOMES = ("resolved", "unresolved", "escalated", "callback_promised")


@dataclass(frozen=True)
class OutcomeWords:
    done: tuple[re.Pattern, ...]
    escalated: re.Pattern
    callback: re.Pattern
    resolved: re.Pattern
    unresolved: re.Pattern
    thanks: re.Pattern
    requests: dict[str, tuple[re.Pattern, ...]]  # request type -> cues, in the order they are checked


def agent_actions(sentences, words: OutcomeWords) -> tuple[DraftLine, ...]:
    """The agent's sentences that report something done during the call, in order."""
    return tuple(
        DraftLine(s.text, (s.turn_index,))
        for s in sentences
        if s.role == AGENT and any(p.search(_lower(s.text)) for p in words.done)
    )


def call_outcome(
    sentences, actions: tuple[DraftLine, ...], follow_ups: list[FollowUp], words: OutcomeWords
) -> DraftLine:
    """How the call ended (one of OUTCOMES) and the turns that say so."""
    agent = [s for s in sentences if s.role == AGENT]
    escalated = [s.turn_index for s in agent if words.escalated.search(_lower(s.text))]
    if escalated:
        return DraftLine("escalated", tuple(escalated))
    callbacks = [
        f.turn_index for f in follow_ups if f.owner in (AGENT, COMPANY) and words.callback.search(_lower(f.action))
    ]
    if callbacks:
        return DraftLine("callback_promised", tuple(callbacks))
    last_agent_turns = sorted({s.turn_index for s in agent})[-2:]
    refused = [
        s.turn_index for s in agent if s.turn_index in last_agent_turns and words.unresolved.search(_lower(s.text))
    ]
    done = [t for a in actions for t in a.turns]
    if refused and max(refused) >= max(done, default=-1):
        return DraftLine("unresolved", tuple(dict.fromkeys(refused)))
    closing = [s.turn_index for s in agent if words.resolved.search(_lower(s.text))]
    customer = [s for s in sentences if s.role == CUSTOMER]
    last = max((s.turn_index for s in customer), default=None)
    thanked = [s.turn_index for s in customer if s.turn_index == last and words.thanks.search(_lower(s.text))]
    arranged = [f.turn_index for f in follow_ups if f.owner in (AGENT, COMPANY)]  # "we will send a replacement"
    if done or closing or thanked or arranged:
        return DraftLine("resolved", tuple(sorted(set(done + closing + thanked + arranged))))
    return DraftLine("unresolved", ())


def request_type(sentences, reason: ReasonPrediction, default: str, words: OutcomeWords) -> DraftLine:
    """The CRM request the call needs: the first request kind whose cue the call contains, else `default` (the
    taxonomy's for the reason, from its evidence turns)."""
    for kind, cues in words.requests.items():
        turns = [s.turn_index for s in sentences if any(c.search(_lower(s.text)) for c in cues)]
        if turns:
            return DraftLine(kind, tuple(dict.fromkeys(turns)))
    return DraftLine(default, reason.evidence_turns if default != "none" else ())


def outcome_words(entry: dict, compile_all) -> OutcomeWords:
    """The outcome cues of one language's lexicon entry; an unknown request kind is refused."""
    outcome = entry.get("outcome") or {}
    never = "(?!)"
    requests = {}
    for kind, cues in (entry.get("requests") or {}).items():
        if kind not in REQUEST_TYPES:
            raise KeyError(f"unknown request type {kind!r} (known: {', '.join(REQUEST_TYPES)})")
        requests[kind] = compile_all(cues)
    return OutcomeWords(
        done=compile_all(entry.get("done")),
        escalated=re.compile(outcome.get("escalated") or never, re.IGNORECASE),
        callback=re.compile(outcome.get("callback") or never, re.IGNORECASE),
        resolved=re.compile(outcome.get("resolved") or never, re.IGNORECASE),
        unresolved=re.compile(outcome.get("unresolved") or never, re.IGNORECASE),
        thanks=re.compile(outcome.get("thanks") or never, re.IGNORECASE),
        requests=requests,
    )


def _lower(text: str) -> str:
    return text.lower().replace("’", "'")
