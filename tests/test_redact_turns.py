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


def test_a_sentence_in_the_other_language_is_redacted_with_that_language_s_rules():
    mixed = Transcript(
        (Turn(0, "customer", 0, 2, "Добрый день. My name is John Smith, I live at 221 Baker Street. Спасибо", 0.9),),
        "ru",
        0.9,
        "channels",
        1.0,
    )
    assert redact_transcript(mixed, "ru").turns[0].text == (
        "Добрый день. My name is [PERSON_NAME], I live at [STREET_ADDRESS]. Спасибо"
    )


def test_lower_case_names_after_a_name_cue_are_redacted():
    from acw_speech.redaction import redact

    assert redact("hi my name is john smith and I need help", "en") == "hi my name is [PERSON_NAME] and I need help"
    assert redact("меня зовут иван петров, хочу узнать баланс", "ru") == "меня зовут [PERSON_NAME], хочу узнать баланс"


def test_a_long_run_of_spoken_digits_is_redacted_in_time_proportional_to_its_length():
    import time

    from acw_speech.redaction import find_personal_data

    started = time.monotonic()
    find_personal_data("my number is " + "four " * 30000, "en")  # 150 KB: quadratic patterns took minutes
    assert time.monotonic() - started < 10


def test_the_reason_model_reads_neither_placeholders_nor_the_caller_s_own_details():
    from acw_speech.reasons import about_the_call

    assert about_the_call("hi my name is [PERSON_NAME] and my phone number is [PHONE_NUMBER]") == "hi and"
    assert about_the_call("меня зовут [PERSON_NAME], хочу перевыпустить карту") == ", хочу перевыпустить карту"
