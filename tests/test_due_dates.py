"""Due dates: each phrase resolved against fixed call times, the expected dates worked out by hand on a calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from acw_speech.acw import Sentence, find_follow_ups, load_acw_words
from acw_speech.config import AcwConfig
from acw_speech.due_dates import resolve_due_date
from acw_speech.records import AGENT

UTC = timezone.utc
FRI = datetime(2024, 1, 5, 10, 30, tzinfo=UTC)  # Friday
FRI_LATE = datetime(2024, 1, 5, 23, 40, tzinfo=UTC)  # Friday, late evening
SAT = datetime(2024, 1, 6, 11, 0, tzinfo=UTC)
SUN = datetime(2024, 1, 7, 16, 0, tzinfo=UTC)
WED = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
SAT_20 = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)
JAN31_2023 = datetime(2023, 1, 31, 14, 0, tzinfo=UTC)  # Tuesday
JAN31_2024 = datetime(2024, 1, 31, 14, 0, tzinfo=UTC)  # Wednesday, leap year
FEB28_2023 = datetime(2023, 2, 28, 9, 15, tzinfo=UTC)  # Tuesday, not a leap year
FEB28_2024 = datetime(2024, 2, 28, 9, 15, tzinfo=UTC)  # Wednesday, leap year
DEC31 = datetime(2024, 12, 31, 10, 0)  # Tuesday, naive

# (phrase, call time, due date): English. Weekdays: 2024-01-05 Fri, 01-08 Mon, 01-12 Fri, 01-19 Fri; 2025-01-01 Wed.
ENGLISH = [
    ("today", FRI, date(2024, 1, 5)),
    ("tonight", FRI_LATE, date(2024, 1, 5)),
    ("this afternoon", FRI, date(2024, 1, 5)),
    ("later today", SAT, date(2024, 1, 6)),
    ("tomorrow", FRI, date(2024, 1, 6)),
    ("tomorrow morning", FRI_LATE, date(2024, 1, 6)),
    ("tomorrow", DEC31, date(2025, 1, 1)),
    ("the day after tomorrow", FEB28_2024, date(2024, 3, 1)),
    ("the day after tomorrow", FEB28_2023, date(2023, 3, 2)),
    ("in 3 days", FRI, date(2024, 1, 8)),
    ("in three days", DEC31, date(2025, 1, 3)),
    ("within 5 days", JAN31_2024, date(2024, 2, 5)),
    ("within five business days", FRI, date(2024, 1, 12)),
    ("within 3 business days", SAT, date(2024, 1, 10)),
    ("within 1 working day", SUN, date(2024, 1, 8)),
    ("within 3-5 business days", FRI, date(2024, 1, 12)),
    ("within 10 working days", DEC31, date(2025, 1, 14)),
    ("in a couple of days", FRI, date(2024, 1, 7)),
    ("in a few days", FEB28_2023, date(2023, 3, 3)),
    ("in a day or two", SAT, date(2024, 1, 8)),
    ("in twenty-one days", JAN31_2024, date(2024, 2, 21)),
    ("in two weeks", FRI, date(2024, 1, 19)),
    ("in a week", SUN, date(2024, 1, 14)),
    ("within a fortnight", FRI, date(2024, 1, 19)),
    ("within the next week", WED, date(2024, 1, 17)),
    ("in one month", JAN31_2023, date(2023, 2, 28)),
    ("in a month", JAN31_2024, date(2024, 2, 29)),
    ("in 2 months", DEC31, date(2025, 2, 28)),
    ("within 24 hours", FRI_LATE, date(2024, 1, 6)),
    ("in 2 hours", FRI_LATE, date(2024, 1, 6)),
    ("in 2 hours", FRI, date(2024, 1, 5)),
    ("within the next 48 hours", DEC31, date(2025, 1, 2)),
    ("within half an hour", FRI_LATE, date(2024, 1, 6)),
    ("by Friday", FRI, date(2024, 1, 12)),
    ("on Monday", FRI, date(2024, 1, 8)),
    ("next Tuesday", FRI, date(2024, 1, 9)),
    ("next Monday", SUN, date(2024, 1, 8)),
    ("next Friday", WED, date(2024, 1, 19)),
    ("this Thursday", FRI, date(2024, 1, 11)),
    ("Saturday", SUN, date(2024, 1, 13)),
    ("by the end of the day", FRI, date(2024, 1, 5)),
    ("by close of business", SAT, date(2024, 1, 6)),
    ("by the end of the week", WED, date(2024, 1, 12)),
    ("by the end of the week", FRI, date(2024, 1, 5)),
    ("by the end of the week", SAT, date(2024, 1, 7)),
    ("by the end of next week", FRI, date(2024, 1, 12)),
    ("this week", SUN, date(2024, 1, 7)),
    ("next week", FRI, date(2024, 1, 12)),
    ("next week", SUN, date(2024, 1, 12)),
    ("by the end of the month", FEB28_2024, date(2024, 2, 29)),
    ("by the end of the month", FEB28_2023, date(2023, 2, 28)),
    ("this month", DEC31, date(2024, 12, 31)),
    ("next month", JAN31_2024, date(2024, 2, 29)),
    ("next month", DEC31, date(2025, 1, 31)),
    ("by the 15th", FRI, date(2024, 1, 15)),
    ("by the 15th", SAT_20, date(2024, 2, 15)),
    ("by the 5th", FRI, date(2024, 1, 5)),
    ("by the 30th", JAN31_2024, date(2024, 3, 30)),
]

RUSSIAN = [
    ("сегодня", SUN, date(2024, 1, 7)),
    ("вечером", FRI, date(2024, 1, 5)),
    ("сегодня вечером", FRI_LATE, date(2024, 1, 5)),
    ("завтра", SAT, date(2024, 1, 7)),
    ("завтра утром", FEB28_2023, date(2023, 3, 1)),
    ("послезавтра", DEC31, date(2025, 1, 2)),
    ("послезавтра", FEB28_2024, date(2024, 3, 1)),
    ("через три дня", JAN31_2023, date(2023, 2, 3)),
    ("через 3 дня", FRI, date(2024, 1, 8)),
    ("через неделю", SUN, date(2024, 1, 14)),
    ("через две недели", DEC31, date(2025, 1, 14)),
    ("через месяц", JAN31_2023, date(2023, 2, 28)),
    ("через месяц", JAN31_2024, date(2024, 2, 29)),
    ("в течение пяти рабочих дней", FRI, date(2024, 1, 12)),
    ("в течение трёх рабочих дней", FRI, date(2024, 1, 10)),
    ("в течение трех рабочих дней", SUN, date(2024, 1, 10)),
    ("в течение 10 рабочих дней", DEC31, date(2025, 1, 14)),
    ("в течение трёх-пяти рабочих дней", SAT, date(2024, 1, 12)),
    ("за два дня", FEB28_2023, date(2023, 3, 2)),
    ("через пару дней", FRI, date(2024, 1, 7)),
    ("в течение нескольких дней", FRI, date(2024, 1, 8)),
    ("через два-три дня", FRI, date(2024, 1, 8)),
    ("в течение двадцати одного дня", FRI, date(2024, 1, 26)),
    ("в ближайшие три дня", DEC31, date(2025, 1, 3)),
    ("в течение суток", FRI_LATE, date(2024, 1, 6)),
    ("через час", FRI_LATE, date(2024, 1, 6)),
    ("через полчаса", FRI, date(2024, 1, 5)),
    ("в течение дня", FRI, date(2024, 1, 5)),
    ("до пятницы", FRI, date(2024, 1, 12)),
    ("к пятнице", WED, date(2024, 1, 12)),
    ("в понедельник", SAT, date(2024, 1, 8)),
    ("в среду", WED, date(2024, 1, 17)),
    ("в пятницу вечером", WED, date(2024, 1, 12)),
    ("в следующий вторник", FRI, date(2024, 1, 9)),
    ("в следующий понедельник", SUN, date(2024, 1, 8)),
    ("в следующую среду", WED, date(2024, 1, 17)),
    ("до конца дня", SAT, date(2024, 1, 6)),
    ("до конца недели", WED, date(2024, 1, 12)),
    ("до конца недели", SUN, date(2024, 1, 7)),
    ("на этой неделе", WED, date(2024, 1, 12)),
    ("на следующей неделе", FRI, date(2024, 1, 12)),
    ("на следующей неделе", SAT, date(2024, 1, 12)),
    ("до конца месяца", FEB28_2024, date(2024, 2, 29)),
    ("до конца месяца", DEC31, date(2024, 12, 31)),
    ("в этом месяце", JAN31_2023, date(2023, 1, 31)),
    ("в следующем месяце", DEC31, date(2025, 1, 31)),
    ("до 15-го", SAT_20, date(2024, 2, 15)),
    ("к 15 числу", FRI, date(2024, 1, 15)),
]

TABLE = [("en", *row) for row in ENGLISH] + [("ru", *row) for row in RUSSIAN]
UNPINNED = [
    ("en", "soon"),
    ("en", "later"),
    ("en", "as soon as possible"),
    ("en", "in days"),
    ("en", "by the 32nd"),
    ("en", ""),
    ("ru", "скоро"),
    ("ru", "в ближайшее время"),
    ("ru", "как только сможем"),
    ("ru", "в течение дней"),
]


def _row_id(row) -> str:
    language, phrase, call_time, _ = row
    return f"{language}-{phrase}-{call_time:%Y-%m-%d-%a-%H%M}"


@pytest.mark.parametrize(("language", "phrase", "call_time", "expected"), TABLE, ids=[_row_id(r) for r in TABLE])
def test_phrase_resolves_to_the_hand_worked_date(language, phrase, call_time, expected):
    assert resolve_due_date(phrase, language, call_time) == expected


@pytest.mark.parametrize(("language", "phrase"), UNPINNED)
def test_phrases_that_pin_no_date_give_none(language, phrase):
    assert resolve_due_date(phrase, language, FRI) is None


@pytest.mark.parametrize(("language", "phrase", "call_time", "expected"), TABLE, ids=[_row_id(r) for r in TABLE])
def test_due_patterns_find_the_whole_phrase_in_a_promise(language, phrase, call_time, expected):
    opening = "I'll call you back" if language == "en" else "Я перезвоню вам"
    words = load_acw_words(AcwConfig().lexicon_path())[language]

    (follow_up,) = find_follow_ups([Sentence(0, AGENT, f"{opening} {phrase}.")], words)

    assert follow_up.due_text.lower() == phrase.lower()


def test_date_is_taken_in_the_call_time_s_own_zone():
    moscow = timezone(timedelta(hours=3))
    late_utc = datetime(2024, 1, 5, 22, 30, tzinfo=UTC)  # Friday in UTC, already Saturday 01:30 in Moscow

    assert resolve_due_date("tomorrow", "en", late_utc) == date(2024, 1, 6)
    assert resolve_due_date("tomorrow", "en", late_utc.astimezone(moscow)) == date(2024, 1, 7)


def test_language_falls_back_to_the_alphabet():
    assert resolve_due_date("завтра", "", FRI) == date(2024, 1, 6)
    assert resolve_due_date("tomorrow", "de", FRI) == date(2024, 1, 6)
