"""Personal-data detection and redaction (acw_speech.redaction) on unit cases and on tests/data/personal_data.csv.

How the set is scored (benchmarks/redaction.py, `score`): a found span matches a labelled span when both have the
same kind and share at least one character, so a found span that covers the labelled one fully, or a little more
("221 Baker Street, London" for "221 Baker Street"), counts. Recall is the share of labelled spans matched by some
found span; precision the share of found spans that match some labelled span (a span found in a look-alike utterance,
which has none, is always wrong). "Leaked" is the share of the labelled spans' letters and digits that no found span
of any kind covers, i.e. what would still be readable after `redact`.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from acw_speech.redaction import PLACEHOLDERS, find_personal_data, redact

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


benchmark = _load("redaction_benchmark", ROOT / "benchmarks" / "redaction.py")
generator = _load("make_personal_data_set", ROOT / "tools" / "make_personal_data_set.py")


def kinds(text: str, language: str) -> list[tuple[str, str]]:
    return [(found.kind, found.text) for found in find_personal_data(text, language)]


def test_card_number_needs_a_valid_luhn_digit():
    assert kinds("My card number is 4111 1111 1111 1111.", "en") == [("card_number", "4111 1111 1111 1111")]
    assert kinds("My card number is 4111 1111 1111 1112.", "en") == []  # fails Luhn: not a card
    # ... but with "account" said it is an account number, Luhn or not
    assert kinds("My account number is 4111 1111 1111 1112.", "en") == [("account_number", "4111 1111 1111 1112")]
    assert kinds("Номер карты 5500-0000-0000-0004.", "ru") == [("card_number", "5500-0000-0000-0004")]


def test_iban_needs_a_valid_mod_97_check():
    assert kinds("My IBAN is GB82 WEST 1234 5698 7654 32.", "en") == [("iban", "GB82 WEST 1234 5698 7654 32")]
    assert kinds("Мой IBAN DE89370400440532013000.", "ru") == [("iban", "DE89370400440532013000")]
    assert [k for k, _ in kinds("My IBAN is GB83 WEST 1234 5698 7654 32.", "en")] != ["iban"]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("It's four one one one one one one one one one one one one one one one.", "en", "card_number"),
        ("Card is 4111, one one one one, one one one one, one one one one.", "en", "card_number"),
        ("четыре один один один один один один один один один один один один один один один", "ru", "card_number"),
        ("Reach me on seven one five one three nine zero seven eight seven.", "en", "phone_number"),
        ("Call me back on oh seven seven double oh nine double oh one two three.", "en", "phone_number"),
        ("My number is 715-139-0787, thanks.", "en", "phone_number"),
        ("Телефон восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь.", "ru", "phone_number"),
        ("Мой номер +7 (916) 123-45-67.", "ru", "phone_number"),
        ("Мой номер плюс семь девять один шесть один два три четыре пять шесть семь.", "ru", "phone_number"),
        ("my email is john dot smith at gmail dot com", "en", "email"),
        ("It's j.smith84@outlook.co.uk", "en", "email"),
        ("почта ivan.petrov собака yandex точка ру", "ru", "email"),
        ("почта иван точка петров собака яндекс точка ру", "ru", "email"),
        ("My account number is three one nine two six eight one nine.", "en", "account_number"),
        ("Мой лицевой счёт 40817810099910004312.", "ru", "account_number"),
    ],
)
def test_numbers_and_emails_in_written_and_spoken_forms(text, language, expected):
    found = find_personal_data(text, language)
    assert [f.kind for f in found] == [expected]
    assert text[found[0].start : found[0].end] == found[0].text


def test_spoken_span_covers_the_whole_number():
    text = "You can reach me on seven one five one three nine zero seven eight seven, thanks."
    assert redact(text, "en") == "You can reach me on [PHONE_NUMBER], thanks."


def test_names_and_addresses():
    assert kinds("Hi, my name is John Smith and I live at 221 Baker Street.", "en") == [
        ("person_name", "John Smith"),
        ("street_address", "221 Baker Street"),
    ]
    assert kinds("The address is 001 Main Street, Forest Ranch, CA 70023.", "en") == [
        ("street_address", "001 Main Street, Forest Ranch, CA 70023")
    ]
    assert kinds("Thank you, Mr. Okonkwo, this is Priya from Northwind Bank.", "en") == [
        ("person_name", "Okonkwo"),
        ("person_name", "Priya"),
    ]
    assert kinds("Меня зовут Анна Петрова, живу на улице Ленина, дом 5, квартира 12.", "ru") == [
        ("person_name", "Анна Петрова"),
        ("street_address", "улице Ленина, дом 5, квартира 12"),
    ]
    assert kinds("Адрес: ул. Пушкина д. 10", "ru") == [("street_address", "ул. Пушкина д. 10")]
    assert kinds("Дом пять, квартира двенадцать.", "ru") == [("street_address", "Дом пять, квартира двенадцать")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My order number is 48213.", "en"),
        ("I was charged $113 instead of 135 dollars.", "en"),
        ("The delivery is on June 3rd at 11 am.", "en"),
        ("Your reference is AB-12345678, please keep it.", "en"),
        ("The tracking number is 12345678901.", "en"),
        ("I'm in Chicago for three days with the Galaxy S24.", "en"),
        ("It was one hundred and thirty five dollars.", "en"),
        ("Thanks for calling Northwind Energy.", "en"),
        ("It's the card ending in 4821.", "en"),
        ("Сумма 1 500 рублей, доставка 03.12.2026.", "ru"),
        ("Номер заказа 5544332211, оплатил картой.", "ru"),
        ("Номер обращения четыре восемь два один три.", "ru"),
        ("Я сейчас в Казани, буду через три дня.", "ru"),
        ("Звоню из компании Ромашка Телеком по поводу роутера.", "ru"),
        ("Приезжайте на площадь Победы к семи часам.", "ru"),
    ],
)
def test_look_alikes_are_left_alone(text, language):
    assert find_personal_data(text, language) == []
    assert redact(text, language) == text


def test_redact_uses_one_placeholder_per_kind():
    text = "Hello, this is Marisol Quillborne, my number is 07700 900123, card 4111111111111111."
    assert redact(text, "en") == "Hello, this is [PERSON_NAME], my number is [PHONE_NUMBER], card [CARD_NUMBER]."
    assert set(PLACEHOLDERS) == {
        "card_number", "phone_number", "email", "account_number", "iban", "person_name", "street_address"
    }  # fmt: skip


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        find_personal_data("hello", "de")


def test_the_committed_set_is_what_the_generator_writes():
    rows = generator.utterances()
    with benchmark.SET.open(encoding="utf-8") as file:
        committed = list(csv.DictReader(file))
    assert [(r["id"], r["text"], r["spans"]) for r in rows] == [
        (r["id"], r["text"], json.loads(r["spans"])) for r in committed
    ]
    assert len(rows) >= 320 and sum(not r["spans"] for r in rows) >= 80
    assert {(r["language"], s[0]) for r in rows for s in r["spans"]} == {
        (language, kind) for language in ("en", "ru") for kind in PLACEHOLDERS
    }


def test_precision_and_recall_on_the_labelled_set():
    rows = benchmark.read_set()
    counts = benchmark.score(rows, benchmark.detect(rows))["counts"]
    print("\n" + benchmark.report(counts))
    overall = benchmark.figures(counts)
    assert overall["recall"] >= 0.98
    assert overall["precision"] >= 0.90
    assert overall["leaked"] <= 0.02
    for language in ("en", "ru"):
        assert benchmark.figures(counts, language=language)["recall"] >= 0.95
