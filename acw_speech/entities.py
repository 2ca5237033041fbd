"""Turns -> entities: the amounts, accounts, card types, days, times, order and reference numbers a CRM record needs.

Calls say numbers in words ("one hundred and thirty five dollars", "сто тридцать пять рублей"), so number words
become digits first: English through text2num, Russian by the small reader below (text2num has no Russian).
Then two ways find a value, both with the turn it was said in:

- patterns per kind (`models/lexicons/entities.yaml`): "$113", "savings account", "eleven a m";
- the agent's question: contact-centre calls are slot filling ("what is the source account?" - "savings"), so a
  customer's answer fills the slot the agent's previous turn asked about, even when it is one bare word.

Personal data is redacted before this stage; its placeholders ("[PHONE_NUMBER]") are kept as entities of that
kind, so the draft shows that a number was given without showing the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from acw_speech.config import MODELS_DIR, read_lexicon
from acw_speech.records import AGENT, CUSTOMER, Entity, Turn
from acw_speech.redaction import PLACEHOLDER
from acw_speech.text import russian_form

LEXICON = MODELS_DIR / "lexicons" / "entities.yaml"
TYPED_SLOTS = ("source_account", "destination_account", "account", "card_type", "amount", "date", "time")


@dataclass(frozen=True)
class EntityWords:
    """One language's entity patterns and the agent questions that ask for each slot."""

    patterns: dict[str, tuple[re.Pattern, ...]]
    bare: dict[str, tuple[re.Pattern, ...]]  # slot kind -> the value said on its own
    source: re.Pattern
    destination: re.Pattern
    normal: dict[str, str]
    asked: dict[str, re.Pattern]
    answer_lead: re.Pattern


def find_entities(turns: tuple[Turn, ...] | list[Turn], language: str, path: Path = LEXICON) -> tuple[Entity, ...]:
    """Every entity said in the call, in turn order, each value once per kind (its first mention)."""
    words = load_entity_words(path).get(language) or load_entity_words(path)["en"]
    found: list[Entity] = []
    asked: str | None = None
    for turn in turns:
        text = numbers_as_digits(turn.text, language)
        if turn.role == CUSTOMER and asked:
            found += _answer(asked, text, turn, words)
        found += _said(text, turn, words)
        if turn.role == AGENT:
            asked = next((slot for slot, cue in words.asked.items() if cue.search(text)), None)
        elif turn.role != CUSTOMER:
            asked = None
    return _first_mentions(found)


def _said(text: str, turn: Turn, words: EntityWords) -> list[Entity]:
    """Entities a turn states outright: by pattern, accounts moved between, and personal-data placeholders."""
    matches = [(kind, m) for kind, patterns in words.patterns.items() for p in patterns for m in p.finditer(text)]
    matches += [(kind, m) for kind, p in (("source_account", words.source), ("destination_account", words.destination))
                for m in p.finditer(text)]  # fmt: skip
    kept = [(kind, m) for kind, m in matches if not any(k == kind and _inside(m, o) for k, o in matches)]
    found = [Entity(kind, _value(kind, m, words), _said_words(m), turn.index) for kind, m in _in_order(kept)]
    for m in PLACEHOLDER.finditer(turn.text):
        found.append(Entity(m.group()[1:-1].lower(), m.group(), m.group(), turn.index))
    return found


def _in_order(matches: list[tuple[str, re.Match]]) -> list[tuple[str, re.Match]]:
    return sorted(matches, key=lambda pair: pair[1].start())


def _inside(m: re.Match, other: re.Match) -> bool:
    """Whether match `m` lies within the longer match `other` ("2:15" within "2:15 pm")."""
    return other.start() <= m.start() and m.end() <= other.end() and other.end() - other.start() > m.end() - m.start()


def _said_words(m: re.Match) -> str:
    return m.group().strip().rstrip(".,")


def _answer(slot: str, text: str, turn: Turn, words: EntityWords) -> list[Entity]:
    """The customer's answer to the agent's question about `slot`: a typed value (by its patterns, or said on its
    own: "savings", "debit"), or for a name the answer without its lead-in ("the company is ...")."""
    if slot in TYPED_SLOTS:
        kind = {"source_account": "account", "destination_account": "account"}.get(slot, slot)
        patterns = (*words.patterns.get(kind, ()), *words.bare.get(kind, ()))
        match = next((m for p in patterns if (m := p.search(text))), None)
        return [Entity(slot, _value(kind, match, words), text.strip(), turn.index)] if match else []
    value = words.answer_lead.sub("", text.strip().rstrip(".!?")).strip(" ,.")
    if not value or len(value.split()) > 6 or PLACEHOLDER.fullmatch(value):
        return []  # a long answer is no name, and a redacted one is already an entity
    return [Entity(slot, value.lower(), text.strip(), turn.index)]


def _value(kind: str, m: re.Match, words: EntityWords) -> str:
    """The stored value of a match: an amount with its decimals ("99,90" -> "99.90"), a code as said without spaces
    ("ab-12 345" -> "AB-12345"), a time on the 24-hour clock, a word in its normal form ("текущего" -> "current")."""
    value = m.group("value")
    if kind == "amount":
        cents = m.groupdict().get("cents")
        return _amount(value) + (f".{int(cents):02d}" if cents else "")
    if kind in ("order_number", "reference"):
        return re.sub(r"\s+", "", value).upper()
    return _normal(value, words)


def _amount(said: str) -> str:
    """Digits with thousands separators (",", ".", " ") and a decimal part of one or two digits after "," or "."."""
    whole, decimals = re.fullmatch(r"([\d ,.]*?)(?:[.,](\d{1,2}))?", said.strip()).groups()
    whole = re.sub(r"[ ,.]", "", whole)
    return f"{whole}.{decimals}" if decimals else whole


def _normal(value: str, words: EntityWords) -> str:
    value = re.sub(r"\s+", " ", value.strip().lower()).replace("ё", "е")
    if value in words.normal:
        return words.normal[value]
    for stem, normal in words.normal.items():
        if value.startswith(stem) and not stem.isascii():
            return normal
    time = re.fullmatch(r"(\d{1,2})(?::(\d\d))?\s?([ap])\.?\s?m\.?", value)
    if time:
        hour = int(time.group(1)) % 12 + (12 if time.group(3) == "p" else 0)
        return f"{hour:02d}:{time.group(2) or '00'}"
    return value


def _first_mentions(found: list[Entity]) -> tuple[Entity, ...]:
    """One entity per (kind, value), the first said; an account that is a transfer's source or destination is
    not listed again as a plain account."""
    roles = {e.value for e in found if e.kind in ("source_account", "destination_account")}
    seen, kept = set(), []
    for entity in sorted(found, key=lambda e: e.turn_index):
        key = (entity.kind, entity.value)
        if key in seen or (entity.kind == "account" and entity.value in roles):
            continue
        seen.add(key)
        kept.append(entity)
    return tuple(kept)


# Number words -> digits -------------------------------------------------------------------------------------------

_RU_NUMBERS = {
    "ноль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8,
    "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20,
    "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
    "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_RU_SCALES = {"тысяча": 1000, "миллион": 1_000_000}
_RU_WORD = re.compile(r"[а-яё]+", re.IGNORECASE)


def numbers_as_digits(text: str, language: str) -> str:
    """`text` with its number words written as digits ("сто тридцать пять" -> "135")."""
    if language == "ru":
        return _russian_numbers_as_digits(text)
    from text_to_num import alpha2digit

    return alpha2digit(text, "en")


def _russian_numbers_as_digits(text: str) -> str:
    out, last, run = [], 0, []  # run: (start, end, value) of consecutive number words

    def flush():
        nonlocal last
        if run:
            out.append(text[last : run[0][0]] + str(_russian_value([v for _, _, v in run])))
            last = run[-1][1]
            run.clear()

    for m in _RU_WORD.finditer(text):
        lemma = russian_form(m.group().lower())[0]
        value = _RU_NUMBERS.get(lemma, _RU_SCALES.get(lemma))
        if value is None or (run and text[run[-1][1] : m.start()].strip() or not _continues(run, value)):
            flush()
        if value is not None:
            run.append((m.start(), m.end(), value))
    flush()
    out.append(text[last:])
    return "".join(out)


def _continues(run: list, value: int) -> bool:
    """Whether a number word extends the number so far ("сто" + "тридцать"), not starts another ("два" "три")."""
    if not run:
        return True
    previous = run[-1][2]
    if value in _RU_SCALES.values():
        return previous < 1000
    tens_then_unit = previous >= 20 and previous % 10 == 0 and value < 10
    return previous >= 1000 or (previous >= 100 and value < 100) or tens_then_unit


def _russian_value(values: list[int]) -> int:
    total, current = 0, 0
    for value in values:
        if value in _RU_SCALES.values():
            total += max(current, 1) * value
            current = 0
        else:
            current += value
    return total + current


@lru_cache(maxsize=4)
def load_entity_words(path: Path = LEXICON) -> dict[str, EntityWords]:
    """The entity lexicon, compiled once; a bad entry is a ConfigError."""
    return read_lexicon(path, "entity lexicon", lambda raw: {lang: _language_words(e) for lang, e in raw.items()})


def _language_words(entry: dict) -> EntityWords:
    def compiled(pattern: str) -> re.Pattern:
        return re.compile(pattern, re.IGNORECASE)

    return EntityWords(
        patterns={kind: tuple(compiled(p) for p in patterns) for kind, patterns in entry["patterns"].items()},
        bare={kind: (compiled(p),) for kind, p in (entry.get("bare") or {}).items()},
        source=compiled(entry["source"]),
        destination=compiled(entry["destination"]),
        normal={str(k).replace("ё", "е"): str(v) for k, v in (entry.get("normal") or {}).items()},
        asked={slot: compiled(p) for slot, p in entry["asked"].items()},
        answer_lead=compiled(entry["answer_lead"]),
    )
