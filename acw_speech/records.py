"""Plain records passed between the stages: recording -> audio -> words -> turns -> analysis -> ACW draft.

Every stage takes and returns these frozen dataclasses; `acw_speech.tables` is the one place that turns them
into Arrow tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime

AGENT = "agent"
CUSTOMER = "customer"
UNKNOWN = "unknown"
COMPANY = "company"  # a follow-up owned by the company as a whole ("we will refund you")
ROLES = (AGENT, CUSTOMER, UNKNOWN)


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing (seconds from the start of the recording)."""

    text: str
    start: float
    end: float
    probability: float
    channel: int = 0
    speaker: str = ""  # channel role, or a cluster label on mono ("spk0", "spk1") before roles are assigned


@dataclass(frozen=True)
class Turn:
    """What one side said without the other side speaking in between."""

    index: int
    role: str  # agent | customer | unknown
    start: float
    end: float
    text: str
    asr_confidence: float  # mean word probability, 0..1
    channel: int = 0
    raw_text: str | None = None  # the words before personal data was redacted, kept only when the pipeline asks


@dataclass(frozen=True)
class Transcript:
    """The call as text: turns in the order they were said, plus what the recogniser told us."""

    turns: tuple[Turn, ...]
    language: str | None
    language_probability: float | None
    role_source: str  # "channels" (stereo map from config) | "inferred" (mono) | "single_speaker"
    role_confidence: float | None  # confidence of the mono agent guess; 1.0 for channel maps
    flags: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.turns)

    def text_of(self, role: str) -> str:
        return " ".join(t.text for t in self.turns if t.role == role)


@dataclass(frozen=True)
class ReasonPrediction:
    """The contact reason for a whole call, with how sure the model is and which turns decided it."""

    reason: str
    confidence: float
    evidence_turns: tuple[int, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)  # reason -> probability, for QA review


@dataclass(frozen=True)
class Signal:
    """One piece of evidence of dissatisfaction: what kind, in which turn, which words."""

    kind: str  # escalation_request | cancellation_threat | repeat_contact | complaint | negative_sentiment | ...
    turn_index: int
    role: str
    words: str
    weight: float


@dataclass(frozen=True)
class Dissatisfaction:
    """How unhappy the customer was, 0 (not at all) to 1, and the signals behind the score; with each side's
    sentiment (-1 negative .. 1 positive) in each quarter of the call (None: that side said nothing there)."""

    score: float
    signals: tuple[Signal, ...] = ()
    customer_sentiment: tuple[float | None, ...] = ()
    agent_sentiment: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class Feedback:
    """A suggestion or piece of feedback the customer gave, in their words, with its turn."""

    turn_index: int
    text: str


@dataclass(frozen=True)
class FollowUp:
    """Something promised or asked for after the call, with the turn it came from."""

    owner: str  # agent | customer | company
    action: str
    turn_index: int
    due_text: str | None = None  # the words that said when ("tomorrow", "within three days")
    due_date: date | None = None  # those words resolved against the call's start time


@dataclass(frozen=True)
class DraftLine:
    """One drafted statement (the customer's issue, an action the agent took, the outcome) and its turns."""

    text: str
    turns: tuple[int, ...]


@dataclass(frozen=True)
class Entity:
    """A thing named in the call that the CRM record needs: an amount, an account, a day, an order number..."""

    kind: str  # amount | account | source_account | destination_account | card_type | date | time | organisation | ...
    value: str  # normalised ("135", "checking", "monday", "11:00"); a redacted placeholder for personal data
    text: str  # the words that name it, number words as digits ("135 dollars"); redacted where personal
    turn_index: int


@dataclass(frozen=True)
class AcwDraft:
    """The after-call work an agent would otherwise type: structured fields, each with the turns it came from."""

    summary: str
    tags: tuple[str, ...]
    follow_ups: tuple[FollowUp, ...] = ()  # the next steps, with owner and due date
    evidence_turns: tuple[int, ...] = ()  # every turn the summary and the fields below came from
    customer_feedback: tuple[Feedback, ...] = ()
    issue: DraftLine | None = None  # the customer's issue in one sentence, their own words
    actions: tuple[DraftLine, ...] = ()  # what the agent did during the call
    outcome: DraftLine | None = None  # resolved | unresolved | escalated | callback_promised, and why
    request_type: DraftLine | None = None  # the CRM request to create: order | return | refund | complaint | ...
    entities: tuple[Entity, ...] = ()
    disposition: str | None = None  # suggested disposition code: the reason's CRM code and the outcome


@dataclass(frozen=True)
class CallDetails:
    """What the telephony system knows about a call, as it lands in the call's row."""

    source_call_id: str | None = None
    call_start_time: datetime | None = None
    agent_id: str | None = None
    queue: str | None = None
    direction: str | None = None
    customer_phone_hash: str | None = None
    language_hint: str | None = None
    channel_roles: tuple[str, str] | None = None


OK_STATUSES = {"ok", "no_speech", "too_short", "empty_audio"}  # exit 0; anything else makes the run "partly failed"


@dataclass(frozen=True)
class CallResult:
    """Everything known about one recording after the pipeline ran on it, whatever happened."""

    call_id: str
    source_path: str
    status: str
    processed_at: datetime
    version: str
    error_message: str | None = None
    flags: tuple[str, ...] = ()
    duration_decoded_s: float | None = None
    codec: str | None = None
    detected_format: str | None = None
    source_sample_rate: int | None = None
    source_channels: int | None = None
    channel_layout: str | None = None
    transcript: Transcript | None = None
    reason: ReasonPrediction | None = None
    dissatisfaction: Dissatisfaction | None = None
    draft: AcwDraft | None = None
    asr_model: str | None = None
    taxonomy: str | None = None
    processing_s: float | None = None
    duplicate_of: str | None = None
    analyzed_at: datetime | None = None  # when `acw analyze` last re-ran the analysis on stored turns
    details: CallDetails | None = (
        None  # from the manifest, when one was given  # another file with the same bytes, transcribed once for both
    )


def path_text(path) -> str:
    """A path as it is stored and shown: a name that is not valid UTF-8 keeps its odd bytes as \\xNN escapes."""
    return stored_text(os.fsdecode(path))


def stored_text(text: str) -> str:
    """Text that Parquet (UTF-8 only) can hold: bytes a file name smuggled in as surrogates become \\xNN escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
