"""Dissatisfaction signals and score on hand-built English and Russian calls."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from conftest import WORD_KINDS

from acw_speech.config import DissatisfactionConfig
from acw_speech.dissatisfaction import combined_score, load_lexicon, score_dissatisfaction
from acw_speech.errors import ConfigError
from acw_speech.records import Signal, Transcript, Turn

CONFIG = DissatisfactionConfig()
DEV_SET = Path(__file__).resolve().parents[1] / "models" / "lexicons" / "dissatisfaction_dev.csv"


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


def one_turn(text: str, role: str = "customer", language: str = "en") -> Transcript:
    return Transcript((Turn(0, role, 0.0, 1.0, text, 1.0),), language, 1.0, "channels", 1.0)


def word_kinds(text: str, role: str = "customer", language: str = "en", **config) -> set[str]:
    return {kind for kind, _, _ in found(one_turn(text, role, language), **config)} & WORD_KINDS


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
        ("negative_sentiment", 3, "unacceptable"),
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
        ("negative_sentiment", 2, "безобразие"),
    }


def test_russian_lemmas_cover_other_cases_and_moods():
    assert kinds(said("соедините меня с руководителем")) == {"escalation_request"}
    assert kinds(said("отключите меня")) == {"cancellation_threat"}
    assert kinds(said("я уйду к другому провайдеру")) == {"cancellation_threat"}
    assert kinds(said("я очень недовольна обслуживанием")) == {"negative_sentiment"}


def test_past_tense_disconnection_is_history_not_a_threat():
    assert kinds(said("мне вчера отключили интернет")) == set()


def test_customer_words_said_by_the_agent_do_not_count():
    agent_only = said("My manager will call you back, and you can cancel any time.", role="agent")

    assert kinds(agent_only) == set()


def test_unknown_role_turns_count_as_customer_side():
    assert kinds(said("this is ridiculous", role="unknown")) == {"negative_sentiment"}


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

    expected = {"repeat_contact", "negative_sentiment", "escalation_request", "cancellation_threat"}
    assert {s.kind for s in result.signals} == expected
    assert result.score >= 0.8


def test_unreadable_lexicon_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        score_dissatisfaction(CALM_EN, DissatisfactionConfig(lexicon=str(tmp_path / "missing.yaml")))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I need to cancel a transfer I made this morning.", "en"),
        ("Can you cancel the standing order to my landlord?", "en"),
        ("Please cancel that payment, I sent it to the wrong person.", "en"),
        ("I'd like to cancel my appointment at the branch on Friday.", "en"),
        ("I'm calling to cancel my card because it was stolen.", "en"),
        ("Can I close my old savings account and move the money to my current account?", "en"),
        ("I'm not going to cancel, I just want it fixed.", "en"),
        ("Отмените, пожалуйста, перевод, я ошиблась реквизитами.", "ru"),
        ("Как отключить смс-уведомления?", "ru"),
        ("Хочу закрыть вклад, срок закончился, и открыть новый.", "ru"),
        ("Я не собираюсь закрывать счёт, просто верните деньги.", "ru"),
    ],
)
def test_cancelling_an_operation_or_a_spare_product_is_no_cancellation_threat(text, language):
    assert "cancellation_threat" not in word_kinds(text, language=language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'm moving my money elsewhere.", "en"),
        ("I'll take my business elsewhere then.", "en"),
        ("I'm switching to Barclays.", "en"),
        ("I want to cancel my contract.", "en"),
        ("Я ухожу в другой банк.", "ru"),
        ("Всё, закрою счёт и забуду про вас.", "ru"),
        ("Уйду к другому оператору, там хоть связь нормальная.", "ru"),
    ],
)
def test_leaving_in_many_wordings_is_a_cancellation_threat(text, language):
    assert word_kinds(text, language=language) == {"cancellation_threat"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Sorry, could you repeat that?", "en"),
        ("Sorry, I didn't catch that.", "en"),
        ("I'm sorry, the line is breaking up, can you say that again?", "en"),
        ("Извините, не могли бы вы повторить?", "ru"),
        ("Простите, я не расслышала.", "ru"),
        ("К сожалению, эта услуга недоступна в вашем регионе.", "ru"),
    ],
)
def test_sorry_asking_to_repeat_is_no_apology(text, language):
    assert word_kinds(text, role="agent", language=language) == set()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Sorry to keep you waiting.", "en"),
        ("I do apologise, you should have been told about the fee.", "en"),
        ("Sorry for the wait, can you confirm your date of birth?", "en"),  # kept: an apology for something
        ("Извините за ожидание, назовите, пожалуйста, ваш номер.", "ru"),
        ("Мне очень жаль, что так получилось.", "ru"),
        ("Простите за ошибку.", "ru"),
    ],
)
def test_apologies_for_the_problem_or_the_wait_are_agent_apologies(text, language):
    assert word_kinds(text, role="agent", language=language) == {"agent_apology"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'd like to speak to my personal manager, Olga, about my mortgage.", "en"),
        ("I need a letter for my manager at work confirming the payment.", "en"),
        ("I'd like to order a second card for my wife.", "en"),
        ("Соедините меня с моим персональным менеджером, Ириной.", "ru"),
        ("Старший сын пользуется моей картой, можно ему выпустить свою?", "ru"),
        ("Хочу заказать вторую карту для жены.", "ru"),
    ],
)
def test_look_alikes_of_escalation_and_repeat_contact_fire_nothing(text, language):
    assert word_kinds(text, language=language) == set()


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("I already called yesterday about the same thing.", "en", {"repeat_contact"}),
        ("Я писала в чат, мне никто не ответил.", "ru", {"repeat_contact", "complaint"}),
        ("You blocked my card without any warning.", "en", {"complaint"}),
        ("Деньги списали два раза, и никто не реагирует.", "ru", {"complaint"}),
        ("I'm so fed up with this.", "en", {"negative_sentiment"}),
        ("Я в шоке от вашего обслуживания.", "ru", {"negative_sentiment"}),
        ("Is there someone above you I can talk to?", "en", {"escalation_request"}),
    ],
)
def test_kinds_in_everyday_wordings(text, language, expected):
    assert word_kinds(text, language=language) == expected


def test_lexicon_syntax_classes_choices_spellings_tags_and_exclusions(tmp_path):
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(
        """
classes:
  rival: [acme, globex]
kinds:
  cancellation_threat:
    weight: 0.5
    phrases:
      en: [switch|switching to @rival, cancel]
      ru: ["=я ... звонить{past}"]
    not_followed_by:
      en: ["cancel ... transfer*"]
    not_in_sentence:
      en: [stolen]
""",
        encoding="utf-8",
    )
    config = {"lexicon": str(lexicon)}

    assert word_kinds("I'm switching to Globex", **config) == {"cancellation_threat"}
    assert word_kinds("I'm switching to paperless", **config) == set()
    assert word_kinds("Please cancel the transfer", **config) == set()
    assert word_kinds("Cancel it. My card was stolen last year", **config) == {"cancellation_threat"}
    assert word_kinds("Cancel my card, it was stolen", **config) == set()
    assert word_kinds("я вчера звонила", language="ru", **config) == {"cancellation_threat"}
    assert word_kinds("я вчера позвоню", language="ru", **config) == set()  # not past
    assert word_kinds("мне вчера звонили", language="ru", **config) == set()  # "мне" is not "я" as spelled


@pytest.mark.parametrize("phrase", ["switch to @nobody", "cancel|", "... cancel", "cancel ..."])
def test_malformed_lexicon_phrases_are_a_config_error(tmp_path, phrase):
    lexicon = tmp_path / f"bad{abs(hash(phrase))}.yaml"
    lexicon.write_text(f"kinds:\n  complaint:\n    phrases:\n      en: [{phrase!r}]\n", encoding="utf-8")

    with pytest.raises(ConfigError):
        load_lexicon(lexicon)


def test_development_set_keeps_precision_and_recall_per_language():
    """The lexicon's own development set (models/lexicons/dissatisfaction_dev.csv): P and R >= 0.9 per language."""
    counts: dict[str, Counter] = {}
    with DEV_SET.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            gold = {kind for kind in row["signals"].split("|") if kind}
            got = word_kinds(row["text"], row["role"], row["language"], score_roles=["customer", "agent"])
            tally = counts.setdefault(row["language"], Counter())
            tally.update(tp=len(gold & got), fp=len(got - gold), fn=len(gold - got))

    assert set(counts) == {"en", "ru"}
    for language, tally in counts.items():
        assert tally["tp"] / (tally["tp"] + tally["fp"]) >= 0.9, language
        assert tally["tp"] / (tally["tp"] + tally["fn"]) >= 0.9, language
