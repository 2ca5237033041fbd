"""Dissatisfaction signals and score on hand-built English and Russian calls."""

from __future__ import annotations

import pytest

from acw_speech.config import DissatisfactionConfig
from acw_speech.dissatisfaction import combined_score, score_dissatisfaction
from acw_speech.errors import ConfigError
from acw_speech.records import Signal, Transcript, Turn

CONFIG = DissatisfactionConfig()


def call(language: str, *turns: tuple[str, float, float, str]) -> Transcript:
    """A transcript from (role, start, end, text) rows."""
    rows = tuple(Turn(i, role, start, end, text, 0.9) for i, (role, start, end, text) in enumerate(turns))
    return Transcript(rows, language, 0.99, "channels", 1.0)


def said(*texts: str, role: str = "customer") -> Transcript:
    """One side speaking, one short turn per text, no gaps or overlaps."""
    return call("en", *((role, 2.0 * i, 2.0 * i + 2, text) for i, text in enumerate(texts)))


def found(transcript: Transcript, **config) -> set[tuple[str, int, str]]:
    result = score_dissatisfaction(transcript, CONFIG.model_copy(update=config))
    return {(s.kind, s.turn_index, s.words) for s in result.signals}


def kinds(transcript: Transcript) -> set[str]:
    return {kind for kind, _, _ in found(transcript)}


ANGRY_EN = call(
    "en",
    ("agent", 0, 3, "Thank you for calling Northwind, how can I help?"),
    ("customer", 3.5, 8, "This is the third time I'm calling about the same charge."),
    ("agent", 8.5, 10, "I'm sorry about that, let me have a look."),
    ("customer", 10.5, 15, "Honestly this is unacceptable, I want to speak to a manager."),
    ("customer", 15.5, 22, "If you don't fix it today I will cancel my account and switch to another provider."),
)

CALM_EN = call(
    "en",
    ("agent", 0, 3, "Good morning, you're through to Northwind, how can I help?"),
    ("customer", 3.5, 8, "Hi, I'd like to update the address on my account please."),
    ("agent", 8.5, 12, "Of course, sorry for the short wait. I have updated it now."),
    ("customer", 12.5, 16, "Great, thank you so much, no complaints at all, that was quick."),
)


def test_angry_cancellation_with_manager_request_finds_each_signal_in_its_turn():
    result = score_dissatisfaction(ANGRY_EN, CONFIG)

    customer_signals = {(s.kind, s.turn_index, s.words) for s in result.signals if s.role == "customer"}
    assert customer_signals == {
        ("repeat_contact", 1, "third time"),
        ("complaint", 3, "unacceptable"),
        ("escalation_request", 3, "manager"),
        ("cancellation_threat", 4, "cancel"),
    }
    assert result.score >= 0.8


def test_calm_polite_call_scores_near_zero_with_no_customer_signals():
    result = score_dissatisfaction(CALM_EN, CONFIG)

    assert [s for s in result.signals if s.role != "agent"] == []
    assert result.score <= 0.15
    assert {s.kind for s in result.signals} <= {"agent_apology"}


@pytest.mark.parametrize(
    "text",
    [
        "no complaints at all",
        "I'm not angry, it's not a problem",
        "I don't want to cancel anything",
        "Претензий нет",
        "я не злюсь",
    ],
)
def test_negated_words_do_not_fire(text):
    assert kinds(said(text)) == set()


def test_the_same_words_fire_without_negation():
    assert kinds(said("I want to make a complaint")) == {"complaint"}
    assert kinds(said("I'm angry")) == {"negative_sentiment"}
    assert kinds(said("If not, I will cancel")) == {"cancellation_threat"}


def test_russian_inflected_forms_fire_the_right_signals():
    signals = found(said("Позовите руководителя!", "Хочу отключить услугу.", "Звоню уже третий раз, это безобразие."))

    assert signals == {
        ("escalation_request", 0, "руководителя"),
        ("cancellation_threat", 1, "отключить"),
        ("repeat_contact", 2, "Звоню уже третий раз"),
        ("complaint", 2, "безобразие"),
    }


def test_russian_lemmas_cover_other_cases_and_moods():
    assert kinds(said("соедините меня с руководителем")) == {"escalation_request"}
    assert kinds(said("отключите меня")) == {"cancellation_threat"}
    assert kinds(said("я уйду к другому провайдеру")) == {"cancellation_threat"}
    assert kinds(said("я очень недовольна обслуживанием")) == {"complaint"}


def test_past_tense_disconnection_is_history_not_a_threat():
    assert kinds(said("мне вчера отключили интернет")) == set()


def test_customer_words_said_by_the_agent_do_not_count():
    agent_only = said("My manager will call you back, and you can cancel any time.", role="agent")

    assert kinds(agent_only) == set()


def test_unknown_role_turns_count_as_customer_side():
    assert kinds(said("this is ridiculous", role="unknown")) == {"complaint"}


def test_agent_apology_is_evidence_but_not_in_the_customer_score():
    result = score_dissatisfaction(said("Приносим извинения за неудобства", role="agent"), CONFIG)

    assert [(s.kind, s.role, s.words) for s in result.signals] == [("agent_apology", "agent", "извинения")]
    assert result.score == 0.0
    agent_counts = CONFIG.model_copy(update={"score_roles": ["customer", "agent"]})
    assert score_dissatisfaction(said("Приносим извинения за неудобства", role="agent"), agent_counts).score == 0.05


def test_long_silence_fires_on_a_30_second_gap_only():
    transcript = call(
        "en",
        ("agent", 0, 5, "Let me put you on hold."),
        ("agent", 35, 38, "Thanks for waiting."),
        ("customer", 40, 42, "No worries."),
    )

    result = score_dissatisfaction(transcript, CONFIG)

    assert [(s.kind, s.turn_index, s.role, s.words) for s in result.signals] == [
        ("long_silence", 1, "unknown", "silence 30.0 s")
    ]


def test_interruption_needs_more_than_half_a_second_of_overlap():
    transcript = call(
        "en",
        ("agent", 0, 6, "So what I can offer you is a discount on"),
        ("customer", 5, 8, "no no listen to me"),
        ("agent", 7.8, 10, "Okay."),
    )

    signals = found(transcript)

    assert signals == {("interruption", 1, "no no listen to me")}


def test_repeating_one_kind_adds_less_than_a_new_kind():
    twice = [Signal("complaint", 0, "customer", "a", 0.4), Signal("complaint", 1, "customer", "b", 0.4)]
    two_kinds = [Signal("complaint", 0, "customer", "a", 0.4), Signal("repeat_contact", 1, "customer", "b", 0.4)]

    assert combined_score(twice, 0.5) == pytest.approx(1 - 0.6 * 0.8)
    assert combined_score(two_kinds, 0.5) == pytest.approx(1 - 0.6 * 0.6)
    assert combined_score([], 0.5) == 0.0


def test_escalating_russian_call_scores_high():
    transcript = said("Звоню опять по тому же вопросу", "Это возмутительно, дайте старшего", "Я расторгну договор")

    result = score_dissatisfaction(transcript, CONFIG)

    expected = {"repeat_contact", "complaint", "escalation_request", "cancellation_threat"}
    assert {s.kind for s in result.signals} == expected
    assert result.score >= 0.8


def test_unreadable_lexicon_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        score_dissatisfaction(CALM_EN, DissatisfactionConfig(lexicon=str(tmp_path / "missing.yaml")))
