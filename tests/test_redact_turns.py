"""Redaction of whole calls: numbers spelled across turns, raw text kept only on request, and the run's tables."""

from __future__ import annotations

from acw_speech.records import Transcript, Turn
from acw_speech.redact_turns import REDACTED_FLAG, redact_transcript


def call(*rows: tuple[str, str]) -> Transcript:
    turns = tuple(Turn(i, role, 2.0 * i, 2.0 * i + 2, text, 0.9) for i, (role, text) in enumerate(rows))
    return Transcript(turns, "en", 0.99, "channels", 1.0)


PHONE_OVER_THREE_TURNS = call(
    ("agent", "okay what is your phone number"),
    ("customer", "seven one five"),
    ("customer", "one three nine"),
    ("customer", "zero seven eight seven"),
    ("agent", "thank you, the order 48213 is on its way"),
)


def test_a_number_spelled_over_three_turns_is_redacted_in_each():
    redacted = redact_transcript(PHONE_OVER_THREE_TURNS, "en")

    assert [t.text for t in redacted.turns] == [
        "okay what is your phone number",
        "[PHONE_NUMBER]",
        "[PHONE_NUMBER]",
        "[PHONE_NUMBER]",
        "thank you, the order 48213 is on its way",
    ]
    assert REDACTED_FLAG in redacted.flags and all(t.raw_text is None for t in redacted.turns)


def test_raw_text_is_kept_only_when_asked():
    redacted = redact_transcript(PHONE_OVER_THREE_TURNS, "en", keep_raw=True)

    assert [t.raw_text for t in redacted.turns] == [t.text for t in PHONE_OVER_THREE_TURNS.turns]


def test_a_call_without_personal_data_is_unchanged_and_not_flagged():
    plain = call(("customer", "my internet has been down since Monday"), ("agent", "I'll send an engineer tomorrow"))

    assert redact_transcript(plain, "en") == plain
