"""Sentiment per turn and per quarter of the call (English with VADER, Russian with the project's lexicon), and
customer feedback found in the customer's words."""

from __future__ import annotations

import pytest

from acw_speech.feedback import find_feedback
from acw_speech.records import Turn
from acw_speech.sentiment import quarter_sentiment, turn_sentiment


def _turn(index, role, text, start=None):
    start = float(index) if start is None else start
    return Turn(index, role, start, start + 1.0, text, 1.0)


@pytest.mark.parametrize(
    "text, sign",
    [
        ("Thank you so much, that was really helpful", 1),
        ("This is ridiculous, I am fed up with your service", -1),
        ("I'd like to check the balance of my savings account", 0),
        ("спасибо большое, вы мне очень помогли", 1),
        ("это безобразие, я очень недоволен", -1),
        ("не плохо", 1),  # a negated negative word is mildly positive
        ("здравствуйте, хочу узнать остаток по счёту", 0),
    ],
)
def test_turn_sentiment_has_the_sign_a_reader_would_give(text, sign):
    value = turn_sentiment(text)
    assert -1 <= value <= 1
    assert (value > 0.05) - (value < -0.05) == sign, value


def test_quarters_follow_the_customer_from_calm_to_angry_and_leave_silent_quarters_empty():
    turns = [
        _turn(0, "agent", "Thank you for calling, how can I help?", 0),
        _turn(1, "customer", "Hi, thanks, I have a question about my bill", 10),
        _turn(2, "agent", "Let me look at that", 30),
        _turn(3, "customer", "What? That is terrible, this is absolutely unacceptable", 70),
        _turn(4, "agent", "I understand", 79),
    ]
    customer = quarter_sentiment(turns, "customer")
    assert len(customer) == 4 and customer[0] > 0 and customer[3] < -0.5
    assert customer[1] is None and customer[2] is None
    agent = quarter_sentiment(turns, "agent")
    assert agent[0] > 0 and agent[1] == 0 and agent[2] is None and agent[3] == 0


def test_feedback_is_the_customers_suggestion_sentence_with_its_turn():
    turns = [
        _turn(0, "agent", "You should add the payee first, then it works."),
        _turn(1, "customer", "Okay. It would really help if the app showed pending payments. Anyway, thanks."),
        _turn(2, "customer", "вам стоило бы сделать уведомления о списаниях"),
        _turn(3, "customer", "it would help if you could tell me my balance"),
        _turn(4, "customer", "why dont you just send a text when a payment fails"),
    ]
    found = find_feedback(turns)
    assert [(f.turn_index, f.text) for f in found] == [
        (1, "It would really help if the app showed pending payments."),
        (2, "вам стоило бы сделать уведомления о списаниях"),
        (4, "why dont you just send a text when a payment fails"),
    ]


def test_a_customer_who_turns_angry_gets_a_negative_trend_signal_that_counts_in_the_score():
    from acw_speech.config import DissatisfactionConfig
    from acw_speech.records import Dissatisfaction, Transcript
    from acw_speech.sentiment import with_sentiment

    def call(*customer_texts):
        turns = []
        for i, text in enumerate(customer_texts):
            turns += [
                _turn(2 * i, "agent", "Okay, let me check", 20 * i),
                _turn(2 * i + 1, "customer", text, 20 * i + 5),
            ]
        return Transcript(tuple(turns), "en", 1.0, "channels", 1.0)

    config = DissatisfactionConfig()
    souring = call("Hi, thanks for picking up, great", "Fine", "Hm, no", "This is terrible and useless, awful service")
    found = with_sentiment(Dissatisfaction(0.0), souring, config)
    trend = [s for s in found.signals if s.kind == "negative_trend"]
    assert len(trend) == 1 and trend[0].turn_index == 7 and trend[0].words.startswith("This is terrible")
    assert found.score == config.negative_trend_weight
    assert found.customer_sentiment[0] > 0 > found.customer_sentiment[3] and len(found.agent_sentiment) == 4

    steady = call("Hi, I have a question about my card", "Yes", "The debit one", "Thanks, that helps, bye")
    assert not [s for s in with_sentiment(Dissatisfaction(0.0), steady, config).signals if s.kind == "negative_trend"]
