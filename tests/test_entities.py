"""Entities for the CRM record: number words read, patterns and the agent's questions filling slots, EN and RU."""

from __future__ import annotations

import pytest

from acw_speech.entities import find_entities, numbers_as_digits
from acw_speech.records import Turn


def turns(*rows: tuple[str, str]) -> list[Turn]:
    return [Turn(i, role, 2.0 * i, 2.0 * i + 2, text, 0.9) for i, (role, text) in enumerate(rows)]


def found(rows, language="en") -> list[tuple[str, str, int]]:
    return [(e.kind, e.value, e.turn_index) for e in find_entities(turns(*rows), language)]


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("the amount is one hundred and thirty five dollars", "en", "the amount is 135 dollars"),
        ("сто тридцать пять рублей", "ru", "135 рублей"),
        ("две тысячи пятьсот рублей через три дня", "ru", "2500 рублей через 3 дня"),
        ("номер заказа четыре пять два один", "ru", "номер заказа 4 5 2 1"),
        ("двадцать один", "ru", "21"),
    ],
)
def test_number_words_become_digits(text, language, expected):
    assert numbers_as_digits(text, language) == expected


def test_a_transfer_fills_amount_source_and_destination_from_the_agent_s_questions():
    rows = [
        ("agent", "what is the transfer amount"),
        ("customer", "uh the amount is one hundred and thirty five dollars"),
        ("agent", "okay what is the source of the account"),
        ("customer", "savings"),
        ("agent", "and what is the destination account"),
        ("customer", "checking"),
    ]
    assert found(rows) == [
        ("amount", "135", 1),
        ("source_account", "savings", 3),
        ("destination_account", "checking", 5),
    ]


def test_stated_values_and_personal_data_placeholders():
    rows = [
        ("customer", "My order number is 48213 and I paid $45.99 with my debit card on Friday at 3 pm."),
        ("customer", "Call me on [PHONE_NUMBER], reference AB-12345."),
    ]
    assert found(rows) == [  # in the order they were said
        ("order_number", "48213", 0),
        ("amount", "45.99", 0),
        ("card_type", "debit", 0),
        ("date", "friday", 0),
        ("time", "15:00", 0),
        ("reference", "AB-12345", 1),
        ("phone_number", "[PHONE_NUMBER]", 1),
    ]


def test_russian_entities_and_a_company_named_in_answer():
    rows = [
        ("customer", "хочу перевести две тысячи рублей с текущего счёта на сберегательный в пятницу"),
        ("agent", "назовите, пожалуйста, получателя платежа"),
        ("customer", "компания Теплосеть"),
    ]
    assert found(rows, "ru") == [
        ("amount", "2000", 0),
        ("source_account", "current", 0),
        ("destination_account", "savings", 0),
        ("date", "friday", 0),
        ("organisation", "теплосеть", 2),
    ]


def test_a_long_answer_to_a_name_question_is_not_taken_for_a_name():
    rows = [
        ("agent", "what is the name of the company"),
        ("customer", "hold on let me look for the paper bill it is here"),
    ]
    assert found(rows) == []


@pytest.mark.parametrize(
    "text, language, amounts",
    [
        ("списали 99,90 руб и ещё 1 200,50 рублей", "ru", ["99.90", "1200.50"]),
        ("за доставку 12,5 рублей, итого 150 руб 30 коп", "ru", ["12.5", "150.30"]),
        ("it was forty nine dollars and ninety nine cents, then $1,200.50", "en", ["49.99", "1200.50"]),
    ],
)
def test_amounts_keep_their_decimals_whatever_the_separators(text, language, amounts):
    assert [value for kind, value, _ in found([("customer", text)], language) if kind == "amount"] == amounts


def test_codes_said_digit_by_digit_and_times_found_once():
    rows = [("customer", "My order number is seven eight four five one two and I called at 2:15 pm.")]
    assert found(rows) == [("order_number", "784512", 0), ("time", "14:15", 0)]
