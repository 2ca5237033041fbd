"""ACW drafts: summary language and faithfulness, tags, follow-ups and evidence on hand-built calls."""

from __future__ import annotations

import re

import pytest

from acw_speech.acw import draft_acw, load_acw_words
from acw_speech.config import TEMPLATE_FIELDS, AcwConfig, DissatisfactionConfig
from acw_speech.dissatisfaction import score_dissatisfaction
from acw_speech.records import (
    AcwDraft,
    Dissatisfaction,
    ReasonPrediction,
    Transcript,
    Turn,
)
from acw_speech.taxonomy import Reason, Taxonomy

CONFIG = AcwConfig()
TAXONOMY = Taxonomy(
    name="test",
    version="1",
    languages=["en", "ru"],
    reasons=[
        Reason(
            id="billing_dispute",
            crm_code="BIL-DSP",
            request_type="complaint",
            display_name={"en": "Billing dispute", "ru": "Спор по счёту"},
            description="a charge the customer disputes",
        ),
        Reason(id="other", crm_code="OTH", display_name={"en": "Other", "ru": "Другое"}, description="anything else"),
    ],
)
REASON_NAMES = TAXONOMY.display_names()


def call(language: str | None, *turns: tuple[str, str]) -> Transcript:
    """A transcript from (role, text) rows, two seconds a turn."""
    rows = tuple(Turn(i, role, 2.0 * i, 2.0 * i + 2, text, 0.9) for i, (role, text) in enumerate(turns))
    return Transcript(rows, language, 0.99, "channels", 1.0)


def draft(transcript: Transcript, reason: str = "billing_dispute", **config) -> AcwDraft:
    dissatisfaction = score_dissatisfaction(transcript, DissatisfactionConfig())
    prediction = ReasonPrediction(reason, 0.8, (1,))
    return draft_acw(transcript, prediction, dissatisfaction, CONFIG.model_copy(update=config), TAXONOMY)


def content_words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower().replace("ё", "е")))


def template_words() -> set[str]:
    """Every word the drafter may add itself: the summary templates, and the lexicon's words for signal kinds,
    outcomes, requests and owners, in every language."""
    words = set()
    for sentences in CONFIG.templates["default"].values():
        words |= content_words(" ".join(sentences).format(**dict.fromkeys(TEMPLATE_FIELDS, "")))
    for language in load_acw_words(CONFIG.lexicon_path()).values():
        added = [language.kind_words, language.outcome_names, language.request_names, language.owner_names]
        for text in [t for names in added for t in names.values()] + [language.unspecified]:
            words |= content_words(text)
    for names in REASON_NAMES.values():
        words |= content_words(" ".join(names.values()))
    return words | {str(n) for n in range(10)}  # due dates are written as digits (2026-12-05)


ENGLISH_TEMPLATE_WORDS = {"contact", "reason", "customer", "said", "agent", "was", "dissatisfied"}

ANGRY_EN = call(
    "en",
    ("agent", "Thank you for calling Northwind, how can I help?"),
    ("customer", "yeah hi um I was charged twice for my March bill and this is the third time I'm calling."),
    ("agent", "I'm sorry about that. I've raised a refund request for the second charge."),
    ("customer", "This is unacceptable, I want a manager, otherwise I will cancel my account."),
    ("agent", "I understand. You will receive the refund within five business days. I'll call you back tomorrow."),
    ("customer", "Okay. I'll send the receipt by email tonight."),
)

POLITE_RU = call(
    "ru",
    ("agent", "Здравствуйте, компания Связь, меня зовут Анна, чем могу помочь?"),
    ("customer", "ну эээ здравствуйте. у меня третий день не работает домашний интернет"),
    ("agent", "Сейчас проверю. Я создам заявку на выезд мастера. Я перезвоню вам завтра."),
    ("customer", "хорошо, спасибо"),
)

NO_PROMISES_EN = call(
    "en",
    ("agent", "Hello, how can I help?"),
    ("customer", "hi I just wanted to check the balance on my account"),
    ("agent", "Sure, your balance is twenty dollars."),
    ("customer", "great thanks bye"),
)


def test_english_summary_is_english_and_quotes_the_customer_issue():
    summary = draft(ANGRY_EN).summary

    assert summary.startswith("Contact reason: Billing dispute.")
    assert "I was charged twice for my March bill" in summary
    assert "um" not in summary.split() and "yeah" not in summary.lower()
    assert "I've raised a refund request for the second charge" in summary
    assert "Customer was dissatisfied (escalation requested, cancellation threatened" in summary


def test_russian_summary_is_russian_with_no_english_template_words():
    summary = draft(POLITE_RU).summary

    assert re.search(r"[а-яё]", summary, re.IGNORECASE)
    assert not content_words(summary) & ENGLISH_TEMPLATE_WORDS
    assert "у меня третий день не работает домашний интернет" in summary
    assert "эээ" not in summary


@pytest.mark.parametrize("transcript", [ANGRY_EN, POLITE_RU, NO_PROMISES_EN], ids=["angry_en", "polite_ru", "calm_en"])
def test_summary_adds_no_words_beyond_the_transcript_and_templates(transcript):
    summary_words = content_words(draft(transcript).summary)

    assert summary_words - template_words() <= content_words(transcript.text)


def test_refund_promise_is_owned_by_the_company_with_its_due_time():
    follow_ups = draft(ANGRY_EN).follow_ups

    refund = next(f for f in follow_ups if "refund" in f.action)
    assert (refund.owner, refund.turn_index, refund.due_text) == ("company", 4, "within five business days")
    assert refund.action == "You will receive the refund within five business days"


def test_agent_and_customer_promises_get_their_owners():
    owners = {(f.owner, f.due_text) for f in draft(ANGRY_EN).follow_ups}

    assert owners == {("company", "within five business days"), ("agent", "tomorrow"), ("customer", "tonight")}


def test_russian_call_back_promise_is_the_agent_s_due_tomorrow():
    follow_ups = draft(call("ru", ("agent", "Я перезвоню вам завтра"))).follow_ups

    assert [(f.owner, f.action, f.due_text) for f in follow_ups] == [("agent", "Я перезвоню вам завтра", "завтра")]


def test_russian_company_promises_and_requests():
    transcript = call(
        "ru",
        ("agent", "Деньги вернутся в течение 10 дней. Пришлите, пожалуйста, номер договора."),
        ("customer", "я пришлю фото чека через неделю"),
    )

    follow_ups = [(f.owner, f.turn_index, f.due_text) for f in draft(transcript).follow_ups]

    assert follow_ups == [("company", 0, "в течение 10 дней"), ("customer", 0, None), ("customer", 1, "через неделю")]


@pytest.mark.parametrize(
    ("sentence", "owner", "due_text"),
    [
        ("We will send you an email in three days.", "company", "in three days"),
        ("A technician will come on Tuesday.", "company", "on Tuesday"),
        ("I'll call you back.", "agent", None),
    ],
)
def test_english_promise_phrasings(sentence, owner, due_text):
    follow_ups = draft(call("en", ("agent", sentence))).follow_ups

    assert [(f.owner, f.due_text) for f in follow_ups] == [(owner, due_text)]


def test_no_follow_up_is_invented_on_a_call_without_promises():
    result = draft(NO_PROMISES_EN)

    assert result.follow_ups == ()
    assert "follow_up" not in result.tags


def test_questions_and_in_call_checks_are_not_follow_ups():
    transcript = call("en", ("agent", "Shall I call you back tomorrow?"), ("agent", "I'll check that for you now."))

    assert draft(transcript).follow_ups == ()


def test_tags_name_reason_dissatisfaction_signal_kinds_follow_up_and_language():
    tags = draft(ANGRY_EN).tags

    assert tags[0] == "billing_dispute"
    assert {"dissatisfied", "escalation_request", "cancellation_threat", "repeat_contact", "complaint"} <= set(tags)
    assert tags[-2:] == ("follow_up", "en")
    assert len(tags) == len(set(tags))


def test_calm_call_is_not_tagged_or_summarised_as_dissatisfied():
    result = draft(NO_PROMISES_EN, reason="balance_enquiry")

    assert result.tags == ("balance_enquiry", "en")
    assert result.summary == (
        'Contact reason: balance enquiry. Customer said: "I just wanted to check the balance on my account". '
        "Outcome: resolved."
    )


def test_evidence_turns_are_the_quoted_and_promising_turns():
    assert draft(POLITE_RU).evidence_turns == (1, 2)


def test_summary_is_cut_at_a_word_boundary():
    full = draft(ANGRY_EN).summary
    short = draft(ANGRY_EN, summary_max_chars=80).summary

    assert len(short) <= 80 and short.endswith("…")
    kept = short[:-1]
    assert full.startswith(kept) and full[len(kept)] in ' .,"'


def test_language_is_guessed_from_the_alphabet_when_the_recogniser_gave_none():
    result = draft(call(None, ("customer", "у меня не работает интернет уже неделю")))

    assert result.summary.startswith("Причина обращения: Спор по счёту.")
    assert result.tags[-1] == "ru"


def test_dissatisfied_summary_without_nameable_kinds_says_so_plainly():
    transcript = call("en", ("customer", "my card was blocked when I tried to pay"))
    prediction = ReasonPrediction("card_blocked", 0.9)

    result = draft_acw(transcript, prediction, Dissatisfaction(0.6), CONFIG)

    assert result.summary.endswith("Customer was dissatisfied (reasons not stated). Outcome: not resolved.")
    assert "dissatisfied" in result.tags


def test_whisper_style_lowercase_run_on_turns_still_give_issue_and_follow_up():
    transcript = call(
        "en",
        ("customer", "um yeah hi so my internet keeps dropping every evening and i called yesterday already"),
        ("agent", "ok i'm sorry about that i'll book an engineer visit and they should arrive within 2 working days"),
    )

    result = draft(transcript, reason="technical_issue")

    assert 'Customer said: "my internet keeps dropping every evening' in result.summary
    assert [(f.owner, f.due_text) for f in result.follow_ups] == [("agent", "within 2 working days")]


@pytest.mark.parametrize(
    ("sentence", "due_text"),
    [
        ("Of course, I have started the cancellation, and my supervisor will call you back today.", "today"),
        ("It will be back on your card within 5 business days.", "within 5 business days"),
        ("The money will be back within 5 business days.", "within 5 business days"),
        ("The refund will reach your account in three to five days.", "in three to five days"),
        ("You will get it back within five business days.", "within five business days"),
        ("Someone from the billing team will call you tomorrow morning.", "tomorrow morning"),
    ],
)
def test_third_party_and_refund_promises_are_the_company_s(sentence, due_text):
    follow_ups = draft(call("en", ("agent", sentence))).follow_ups

    assert [(f.owner, f.due_text) for f in follow_ups] == [("company", due_text)]


def test_supervisor_call_back_after_a_done_deed_keeps_the_promise_in_the_action():
    sentence = "Of course, I have started the cancellation, and my supervisor will call you back today."

    (follow_up,) = draft(call("en", ("agent", sentence))).follow_ups

    assert "my supervisor will call you back today" in follow_up.action
    assert not follow_up.action.startswith("Of course")


def test_refund_said_as_it_after_the_refund_is_done():
    transcript = call(
        "en",
        ("customer", "I was charged twice this month."),
        (
            "agent",
            "I can see the duplicate payment, and I have refunded it now. It will be back within 5 business days",
        ),
    )

    follow_ups = [(f.owner, f.turn_index, f.action, f.due_text) for f in draft(transcript).follow_ups]

    assert follow_ups == [("company", 1, "It will be back within 5 business days", "within 5 business days")]


@pytest.mark.parametrize(
    ("sentence", "due_text"),
    [
        ("Руководитель перезвонит вам сегодня", "сегодня"),
        ("Деньги вернутся на вашу карту в течение десяти дней", "в течение десяти дней"),
        ("Техник приедет завтра утром", "завтра утром"),
        ("Деньги вернутся в течение трёх-пяти рабочих дней", "в течение трёх-пяти рабочих дней"),
    ],
)
def test_russian_third_party_and_refund_promises_are_the_company_s(sentence, due_text):
    follow_ups = draft(call("ru", ("agent", sentence))).follow_ups

    assert [(f.owner, f.action, f.due_text) for f in follow_ups] == [("company", sentence, due_text)]


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "I called you yesterday."),
        ("en", "The technician came last week."),
        ("en", "The refund was processed yesterday."),
        ("en", "The money will not be back today."),
        ("en", "Will the money be back within 5 days?"),
        ("en", "It will be cheaper next month."),
        ("en", "I'll check that for you now."),
        ("ru", "Я звонил вам вчера"),
        ("ru", "Техник приходил на прошлой неделе"),
        ("ru", "Деньги вернулись вчера"),
        ("ru", "Руководитель не перезвонит сегодня"),
        ("ru", "Техник приедет завтра утром?"),
    ],
)
def test_past_negated_and_questioned_statements_are_not_follow_ups(language, sentence):
    assert draft(call(language, ("agent", sentence))).follow_ups == ()


@pytest.mark.parametrize(
    "transcript, outcome",
    [
        (
            call(
                "en",
                ("customer", "I want to cancel, let me speak to your manager."),
                ("agent", "Of course, my supervisor will call you back today."),
            ),
            "escalated",
        ),
        (
            call(
                "ru",
                ("customer", "Хочу пожаловаться на списание."),
                ("agent", "Я передаю ваш вопрос старшему специалисту."),
            ),
            "escalated",
        ),
        (
            call(
                "en",
                ("customer", "My phone arrived broken and I need a new one."),
                ("agent", "We will send a replacement by Friday."),
            ),
            "resolved",
        ),
        (
            call(
                "en",
                ("customer", "Can you waive the late fee on my account?"),
                ("agent", "Unfortunately I can't waive that fee."),
            ),
            "unresolved",
        ),
        (
            call("en", ("customer", "My internet keeps dropping."), ("agent", "I'll call you back tomorrow.")),
            "callback_promised",
        ),
    ],
    ids=["supervisor_calls_back", "ru_handed_to_senior", "replacement_arranged", "refused", "callback"],
)
def test_outcome_of_the_call(transcript, outcome):
    assert draft(transcript).outcome.text == outcome


def test_a_reason_with_its_own_template_is_summarised_with_it():
    own = {"billing_dispute": {"en": ["Dispute: {reason}, create {request}."]}}
    templates = {**CONFIG.templates, **own}

    assert draft(ANGRY_EN, templates=templates).summary == "Dispute: Billing dispute, create refund."
    assert draft(NO_PROMISES_EN, reason="balance_enquiry", templates=templates).summary.startswith("Contact reason:")
