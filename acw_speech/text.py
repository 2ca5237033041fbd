"""Words as the text stages match them: tokens with their dictionary form (Russian through pymorphy3).

Shared by the contact-reason model, the dissatisfaction signals and the ACW draft, so a Russian word is parsed
by one analyser, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"\w[\w'’]*(?:-\w+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    """One word of a turn: where it is in the text, its dictionary form and (Russian) grammar tags."""

    text: str
    start: int
    end: int
    lemma: str
    grammar: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3  # loaded on first Russian word only: ~0.1 s and a few MB of dictionaries

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=50_000)
def russian_form(word: str) -> tuple[str, frozenset[str]]:
    parse = _morph().parse(word)[0]
    return parse.normal_form.replace("ё", "е"), frozenset(parse.tag.grammemes)


def _analyse(word: str, spellings: dict[str, str]) -> tuple[str, frozenset[str]]:
    word = word.lower().replace("’", "'")
    word = spellings.get(word, word)
    return russian_form(word) if _CYRILLIC.search(word) else (word, frozenset())


def script_language(text: str) -> str:
    """ "ru" for text in Cyrillic, else "en": the two languages acw-speech's text models know."""
    return "ru" if _CYRILLIC.search(text) else "en"


def dictionary_form(word: str, spellings: dict[str, str] | None = None) -> str:
    """The lemma used for matching: pymorphy3's normal form for Russian, the lower-cased word otherwise."""
    return _analyse(word, spellings or {})[0]


def tokenize(text: str, spellings: dict[str, str] | None = None) -> list[Token]:
    """Split a turn into words, each with its character span, dictionary form and Russian grammar tags."""
    return [
        Token(match.group(), match.start(), match.end(), *_analyse(match.group(), spellings or {}))
        for match in _WORD.finditer(text)
    ]
