"""Due dates for follow-ups: the words that say when ("tomorrow", "через неделю") resolved against the call's start.

`resolve_due_date` reads one `FollowUp.due_text`, as the `due:` patterns in `models/lexicons/acw.yaml` found it, and
gives the calendar date by which the follow-up is due, or None when the words pin no date ("soon", "позже"). Dates
are in `call_time`'s own zone: pass `call_time.astimezone(zone)` for the centre's local calendar, since a call at
23:30 UTC is already tomorrow in Moscow. The rules, one for every reading that could go two ways:

- A due date is the last day of the window the words open. "Within five days" and "in five days" are both the
  fifth day after the call; a range ("3-5 days", "в течение трёх-пяти дней") is due at its upper end.
- Days count from the call's date: "tomorrow" is the next calendar date even for a call at 23:50, a weekend
  day included. Minutes and hours are added to the call's time, so "within 2 hours" at 23:00 is tomorrow.
- Months follow the calendar and clamp to the month's end: 31 January + one month is 28 or 29 February.
- Business (working) days skip Saturdays and Sundays and not the call's date itself: five business days from a
  Friday is the next Friday. Public holidays are not known: 1 January counts as a working day.
- "a couple of" / "пара" is 2; "a few", "several" and "несколько" are 3. "a day or two" is 2. A Russian unit with
  no number ("через неделю", "в течение месяца") is one of it; an English one needs a number, "a" or "the
  next" ("within the next week"), and "in days" pins nothing.
- A weekday on its own, or with "on", "by", "this", "до", "к", "в", "эту", is its next occurrence after the
  call's date; the call's own weekday means the one a week later ("by Friday" said on a Friday is 7 days on).
  "до пятницы" is read as "by Friday" (due on Friday), as it is meant in speech.
- "next <weekday>" / "в следующий <weekday>" is that weekday in the calendar week after the call's week, weeks
  running Monday to Sunday. Said on a Sunday, "next Monday" is the following day; said on a Monday, "next
  Tuesday" is 8 days on, not tomorrow.
- A week ends on its Friday, the last working day: "by the end of the week", "this week", "до конца недели",
  "на этой неделе" are the call week's Friday, or its Sunday when the call is on a Saturday or Sunday (no working
  day is left in that week). "next week" / "на следующей неделе" is the next week's Friday. "in the next week" and
  "в течение недели" are seven days, a span rather than a calendar week.
- A month ends on its last calendar day: "by the end of the month", "this month", "в этом месяце" are the call
  month's last day; "next month" / "в следующем месяце" the next month's last day.
- "today", "tonight", "this afternoon", "end of day", "сегодня", "вечером", "до конца дня", "в течение дня" are
  the call's date ("в течение суток", 24 hours, is the next one).
- "by the 15th" / "до 15-го" / "к 15 числу" is the first date on or after the call's date with that day number,
  skipping months too short to have it ("by the 30th" on 31 January is 30 March).

Why not `dateparser` (1.5.0, tried with RELATIVE_BASE on Friday 2024-01-05 and PREFER_DATES_FROM="future"): it
returned None for "within five business days", "within 5 days", "in a couple of days", "by the end of the week",
"by the end of the month", "в течение пяти рабочих дней", "за два дня", "до пятницы", "к пятнице", "в следующий
вторник", "до конца недели" and "вечером"; it read "next week" and "на следующей неделе" as the call's date + 7
days and "в этом месяце" as the call's date, not as the windows' ends; and "by the 15th" said on 20 January gave
15 January, a date already past. What it got right (today, tomorrow, "in three days", "через месяц", a plain
weekday, 31 January + one month) is the easy part of the rules below, so using it would have split one rule set
over two places that disagree; it would also add `regex` and `tzlocal` to the install.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from acw_speech.text import dictionary_form, script_language

_SATURDAY = 5
_BUSINESS_WEEK = 5

_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RU_WEEKDAYS = ("понедельник", "вторник", "сред[аыуе]", "четверг", "пятниц", "суббот", "воскресень")

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "couple": 2, "few": 3, "several": 3,
}  # fmt: skip
_RU_NUMBERS = {  # dictionary forms, so any case reads the same: "пяти", "пятью" -> "пять"
    "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20,
    "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "пара": 2, "несколько": 3,
}  # fmt: skip
_EN_UNITS = {"minute": "minutes", "hour": "hours", "day": "days", "week": "weeks", "fortnight": "fortnights",
             "month": "months"}  # fmt: skip
_RU_UNITS = {"минута": "minutes", "час": "hours", "полчаса": "half_hours", "сутки": "days", "день": "days",
             "неделя": "weeks", "месяц": "months"}  # fmt: skip
_RU_PLURAL_UNITS = {"дней", "недель", "месяцев", "часов", "минут"}  # "в течение дней": no number, no date
_RU_BUSINESS = {"рабочий", "будний"}

Rule = Callable[[re.Match, str, datetime], date | None]


def resolve_due_date(due_text: str, language: str, call_time: datetime) -> date | None:
    """The date a follow-up is due by, from the words that said when and the call's start, or None if unpinned."""
    text = re.sub(r"\s+", " ", due_text.lower().replace("ё", "е").replace("’", "'")).strip()
    language = (language or "").lower()[:2]
    if language not in ("en", "ru"):  # like the drafter, read an unknown language by its alphabet
        language = script_language(text)
    for pattern, rule in _RUSSIAN_RULES if language == "ru" else _ENGLISH_RULES:
        if match := pattern.search(text):
            try:
                return rule(match, text, call_time)
            except OverflowError:  # a call in the year 9999: no calendar date after it
                return None
    return None


def _days(n: int) -> Rule:
    return lambda match, text, call_time: call_time.date() + timedelta(days=n)


def _week_end(match: re.Match, text: str, call_time: datetime) -> date:
    """The Friday of the call's week ("next": of the week after); at a weekend with no working day left, Sunday."""
    day = call_time.date()
    monday = day - timedelta(days=day.weekday())
    if match.group("next"):
        return monday + timedelta(days=7 + 4)
    return monday + timedelta(days=4 if day.weekday() < _SATURDAY else 6)


def _month_end(match: re.Match, text: str, call_time: datetime) -> date:
    months = 1 if match.group("next") else 0
    return call_time.date().replace(day=1) + relativedelta(months=months, day=31)


def _weekday(names: tuple[str, ...]) -> Rule:
    def resolve(match: re.Match, text: str, call_time: datetime) -> date:
        day = call_time.date()
        target = next(i for i, name in enumerate(names) if re.match(name, match.group("day")))
        if match.group("next"):  # that weekday in next Monday-to-Sunday week
            return day + timedelta(days=7 - day.weekday() + target)
        return day + timedelta(days=(target - day.weekday() - 1) % 7 + 1)

    return resolve


def _day_of_month(match: re.Match, text: str, call_time: datetime) -> date | None:
    number = int(match.group("number"))
    if not 1 <= number <= 31:
        return None
    month = call_time.date().replace(day=1)
    for _ in range(3):  # a month with a 29th, 30th or 31st is never more than two months away
        last = (month + relativedelta(day=31)).day
        if number <= last and month.replace(day=number) >= call_time.date():
            return month.replace(day=number)
        month += relativedelta(months=1)
    return None


def _english_span(match: re.Match, text: str, call_time: datetime) -> date | None:
    words = re.findall(r"[a-z]+|\d+", text[match.start() :])
    unit = _EN_UNITS[match.group("unit")]
    if "half" in words:
        return (call_time + timedelta(minutes=30)).date() if unit == "hours" else None
    amount = _amount([int(w) if w.isdigit() else _EN_NUMBERS.get(w) for w in words])
    if amount is None:
        if "next" not in words:
            return None  # "in days" pins nothing
        amount = 1  # "within the next week"
    return _after(call_time, amount, unit, business=bool({"business", "working"} & set(words)))


def _russian_span(match: re.Match, text: str, call_time: datetime) -> date | None:
    words = re.findall(r"\w+", text[match.end() :])
    lemmas = [w if w.isdigit() else dictionary_form(w) for w in words]
    unit_at = next((i for i, lemma in enumerate(lemmas) if lemma in _RU_UNITS), None)
    if unit_at is None:
        return None
    amount = _amount([int(lemma) if lemma.isdigit() else _RU_NUMBERS.get(lemma) for lemma in lemmas])
    if amount is None:
        if words[unit_at] in _RU_PLURAL_UNITS:
            return None
        amount = 1  # "через неделю", "в течение месяца": Russian says no "one"
    return _after(call_time, amount, _RU_UNITS[lemmas[unit_at]], business=bool(_RU_BUSINESS & set(lemmas)))


def _amount(numbers: list[int | None]) -> int | None:
    """The largest number said, "twenty one" read as 21: a range or "a day or two" is due at its upper end."""
    found: list[int] = []
    previous = None
    for number in numbers:
        if number is not None and previous is not None and previous >= 20 and previous % 10 == 0 and number < 10:
            found[-1] += number
        elif number is not None:
            found.append(number)
        previous = number
    return max(found, default=None)


def _after(call_time: datetime, amount: int, unit: str, business: bool) -> date:
    day = call_time.date()
    if unit in ("minutes", "hours", "half_hours"):
        minutes = {"minutes": 1, "hours": 60, "half_hours": 30}[unit]
        return (call_time + timedelta(minutes=amount * minutes)).date()
    if business and unit in ("days", "weeks"):
        return _add_business_days(day, amount * (_BUSINESS_WEEK if unit == "weeks" else 1))
    if unit == "months":
        return day + relativedelta(months=amount)
    return day + timedelta(days=amount * {"days": 1, "weeks": 7, "fortnights": 14}[unit])


def _add_business_days(day: date, count: int) -> date:
    """`count` weekdays after `day`; public holidays are not known, so they count as working days."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < _SATURDAY:
            count -= 1
    return day


def _rules(*rules: tuple[str, Rule]) -> tuple[tuple[re.Pattern, Rule], ...]:
    return tuple((re.compile(pattern), rule) for pattern, rule in rules)


# First match wins, so the narrower reading comes first ("end of the day" before a span of days).
_ENGLISH_RULES = _rules(
    (r"\b(?:end of (?:the )?(?:business |working )?day|close of business|eod)\b", _days(0)),
    (r"\bend of (?:the |this )?(?P<next>next )?week\b", _week_end),
    (r"\bend of (?:the |this )?(?P<next>next )?month\b", _month_end),
    (r"\bday after tomorrow\b", _days(2)),
    (r"\btomorrow\b", _days(1)),
    (r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", _days(0)),
    (r"(?<!the )\b(?:this|(?P<next>next)) week\b", _week_end),
    (r"(?<!the )\b(?:this|(?P<next>next)) month\b", _month_end),
    (r"\b(?:in|within|over)\b.*?\b(?P<unit>minute|hour|day|week|fortnight|month)s?\b", _english_span),
    (rf"\b(?:(?P<next>next|the following) )?(?P<day>{'|'.join(_EN_WEEKDAYS)})\b", _weekday(_EN_WEEKDAYS)),
    (r"\b(?P<number>\d{1,2})(?:st|nd|rd|th)\b", _day_of_month),
)
_RUSSIAN_RULES = _rules(
    (r"(?<!\w)(?:до|к|в) конц[еуа] (?:этой |текущей )?(?P<next>следующей )?(?:рабочей )?недели\b", _week_end),
    (r"(?<!\w)(?:до|к|в) конц[еуа] (?:этого |текущего )?(?P<next>следующего )?месяца\b", _month_end),
    (r"(?<!\w)послезавтра\b", _days(2)),
    (r"(?<!\w)завтра\b", _days(1)),
    (rf"(?<!\w)(?:(?P<next>следующ)\w* )?(?P<day>(?:{'|'.join(_RU_WEEKDAYS)})\w*)", _weekday(_RU_WEEKDAYS)),
    (r"(?<!\w)(?:сегодня|вечером|(?:до|к) вечер[уа]|(?:до конца|в течение) (?:рабочего )?дня)\b", _days(0)),
    (r"(?<!\w)(?:на|в течение) (?:этой|текущей|(?P<next>следующей)) недел[еи]\b", _week_end),
    (r"(?<!\w)(?:в|в течение) (?:этом|этого|текущем|текущего|(?P<next>следующ\w+)) месяц[еа]\b", _month_end),
    (r"(?<!\w)(?:через|в течение|за|в ближайшие)(?!\w)", _russian_span),
    (r"(?<!\w)(?:до|к) (?P<number>\d{1,2})(?:-?(?:го|му)\b| числ[ау]\b)", _day_of_month),
)
