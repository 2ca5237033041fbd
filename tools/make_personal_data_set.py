"""Write tests/data/personal_data.csv: invented call-centre utterances with their personal data labelled.

    python tools/make_personal_data_set.py            # same seed, same file, byte for byte

One row per utterance, columns:
  id        en-001, ru-001, ... (look-alikes: en-x01, ru-x01, ...)
  language  en | ru
  text      the utterance as an ASR transcript would read: digits grouped as Whisper writes them, or spoken as words
  spans     a JSON list of [kind, start, end, text]: each piece of personal data and its character span in `text`;
            [] for a look-alike utterance that holds none (order numbers, amounts, dates, references, models)

Everything is invented: names and streets come from the lists and syllables below (some made up outright, so a
detector cannot pass by knowing the names), card numbers are random with a valid Luhn digit, IBANs random with
valid mod-97 check digits, phone numbers random in the usual US, UK and Russian shapes. The detector
(acw_speech/redaction.py) shares no list with this file.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "personal_data.csv"
SEED = 20260503
PER_LANGUAGE = 130  # utterances with personal data, per language
LOOK_ALIKES = 50  # per language

EN_DIGITS = "zero one two three four five six seven eight nine".split()
RU_DIGITS = "ноль один два три четыре пять шесть семь восемь девять".split()
RU_TEENS = "десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать".split()
RU_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
RU_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]

EN_FIRST = [
    "Marisol",
    "Tobias",
    "Keziah",
    "Dorian",
    "Ingrid",
    "Caspian",
    "Wilhelmina",
    "Anselm",
    "Rosalind",
    "Thaddeus",
    "Liesel",
    "Obadiah",
    "Philippa",
    "Ezekiel",
    "Henrietta",
    "Lorcan",
    "Saoirse",
    "Barnaby",
    "Imogen",
    "Desmond",
]
EN_LAST = [
    "Featherstonehaugh",
    "Quillborne",
    "Ashcombe",
    "Pemberton",
    "Winterbourne",
    "Okafor",
    "Lindqvist",
    "Castellano",
    "Hargreaves",
    "Nakamura",
    "Blackwood",
    "Fairweather",
    "Montgomery",
    "Adeyemi",
    "Kowalczyk",
]
RU_FIRST_M = ["Ярополк", "Всеволод", "Мирон", "Святослав", "Любомир", "Тихон", "Радим", "Елисей", "Прохор", "Добрыня"]
RU_FIRST_F = [
    "Агафья",
    "Милослава",
    "Евдокия",
    "Забава",
    "Ульяна",
    "Василиса",
    "Есения",
    "Таисия",
    "Любава",
    "Серафима",
]
RU_LAST = [
    "Кочетыгов",
    "Зябликов",
    "Сухомлинов",
    "Барабанщиков",
    "Переверзев",
    "Лихачёв",
    "Оглоблин",
    "Чепурнов",
    "Голованов",
    "Штукатуров",
    "Вертелецкий",
    "Ежевикин",
]
RU_PATRONYMIC = ["Аркадьевич", "Тимофеевич", "Всеволодович", "Аркадьевна", "Тимофеевна", "Всеволодовна"]
SYLLABLES = ["ka", "vor", "len", "dra", "mi", "tho", "zel", "ru", "bas", "quin", "oth", "fen", "ly", "mar", "gis"]
RU_SYLLABLES = ["ва", "ро", "зи", "ме", "лу", "да", "ко", "ри", "ше", "та", "бо", "ны"]

EN_STREETS = [
    "Quillfeather",
    "Marrowdale",
    "Baker",
    "Juniper",
    "Old Mill",
    "Kestrel",
    "Harrowgate",
    "Larkspur",
    "Main",
    "Copperbeech",
    "Saint Aldric",
    "Windermere",
    "Blythe",
    "Ravensworth",
]
EN_SUFFIX = ["Street", "Road", "Avenue", "Lane", "Drive", "Close", "Crescent", "Way", "Terrace", "Boulevard", "Court"]
US_CITIES = [
    ("Forest Ranch", "CA"),
    ("Millbrook", "NY"),
    ("Cedar Falls", "IA"),
    ("Port Aldous", "OR"),
    ("Sweetwater", "TX"),
    ("Granite Bay", "NH"),
]
UK_CITIES = ["Leeds", "Harrogate", "Bristol", "Little Thornbury", "Norwich"]
RU_STREETS = [
    "Ленина",
    "Пушкина",
    "Садовая",
    "Берёзовая",
    "Гончарова",
    "Маршала Жукова",
    "Заречная",
    "Кленовая",
    "Светлогорская",
    "Тополиная",
    "Профсоюзная",
    "Академика Зябликова",
]
RU_STREET_WORD = ["улица", "ул.", "проспект", "переулок", "бульвар", "шоссе"]

EMAIL_DOMAINS_EN = [
    ("gmail", "com"),
    ("outlook", "com"),
    ("yahoo", "co.uk"),
    ("hotmail", "com"),
    ("proton", "me"),
    ("btinternet", "com"),
    ("icloud", "com"),
]
EMAIL_DOMAINS_RU = [("mail", "ru"), ("yandex", "ru"), ("inbox", "ru"), ("gmail", "com"), ("rambler", "ru")]
RU_SPOKEN_DOMAINS = {"mail": "мейл", "yandex": "яндекс", "inbox": "инбокс", "gmail": "джимейл", "rambler": "рамблер"}
RU_SPOKEN_TLD = {"ru": "ру", "com": "ком"}
IBAN_SHAPES = {
    "GB": "AAAA" + "9" * 14,
    "DE": "9" * 18,
    "NL": "AAAA" + "9" * 10,
    "IE": "AAAA" + "9" * 14,
    "FR": "9" * 23,
    "AT": "9" * 16,
}


class Maker:
    """Random personal data and its spoken forms, from one seeded generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def choice(self, items):
        return self.rng.choice(items)

    def digits(self, n: int, first: str = "123456789") -> str:
        return self.choice(first) + "".join(self.choice("0123456789") for _ in range(n - 1))

    # -- spoken forms --
    def spoken_en(self, digits: str) -> str:
        words, i = [], 0
        while i < len(digits):
            zero = self.choice(["oh", "zero"]) if digits[i] == "0" else EN_DIGITS[int(digits[i])]
            if i + 1 < len(digits) and digits[i + 1] == digits[i] and self.rng.random() < 0.4:
                words.append(f"double {zero if digits[i] == '0' else EN_DIGITS[int(digits[i])]}")
                i += 2
            else:
                words.append(zero)
                i += 1
        return " ".join(words)

    def spoken_ru(self, digits: str, pairs: bool) -> str:
        if not pairs:
            return " ".join(RU_DIGITS[int(d)] for d in digits)
        return " ".join(self.ru_pair(digits[i : i + 2]) for i in range(0, len(digits), 2))

    @staticmethod
    def ru_pair(pair: str) -> str:
        if len(pair) == 1 or pair[0] == "0":
            return " ".join(RU_DIGITS[int(d)] for d in pair)
        if pair[0] == "1":
            return RU_TEENS[int(pair[1])]
        return RU_TENS[int(pair[0])] + ("" if pair[1] == "0" else " " + RU_DIGITS[int(pair[1])])

    @staticmethod
    def ru_number(n: int) -> str:
        """A house or flat number in words, up to 999: 125 -> сто двадцать пять."""
        words = [RU_HUNDREDS[n // 100]] if n >= 100 else []
        rest = n % 100
        if 10 <= rest < 20:
            words.append(RU_TEENS[rest - 10])
        else:
            words += [RU_TENS[rest // 10]] if rest >= 20 else []
            words += [RU_DIGITS[rest % 10]] if rest % 10 or not words else []
        return " ".join(w for w in words if w)

    def spoken(self, digits: str, language: str) -> str:
        if language == "en":
            return self.spoken_en(digits)
        return self.spoken_ru(digits, pairs=self.rng.random() < 0.5)

    def grouped(self, digits: str, sizes: list[int], sep: str = " ") -> str:
        parts, i = [], 0
        for size in sizes:
            parts.append(digits[i : i + size])
            i += size
        return sep.join(p for p in parts if p)

    # -- values --
    def card(self, language: str) -> str:
        prefix = self.choice(["4", "51", "55", "2221", "6011", "2200"])
        body = prefix + "".join(self.choice("0123456789") for _ in range(15 - len(prefix)))
        number = body + luhn_digit(body)
        form = self.rng.random()
        if form < 0.35:
            return self.grouped(number, [4, 4, 4, 4])
        if form < 0.45:
            return self.grouped(number, [4, 4, 4, 4], "-")
        if form < 0.55:
            return number
        if form < 0.65:  # mixed: Whisper writes the first group as digits, the rest as heard
            return number[:4] + " " + self.spoken(number[4:], language)
        return self.spoken(number, language)

    def phone(self, language: str) -> str:
        form = self.rng.random()
        if language == "ru":
            number = self.choice(["9", "4"]) + self.digits(9, "0123456789")
            if form < 0.25:
                return f"+7 ({number[:3]}) {number[3:6]}-{number[6:8]}-{number[8:]}"
            if form < 0.45:
                return f"8 {number[:3]} {number[3:6]} {number[6:8]} {number[8:]}"
            if form < 0.55:
                return f"8-{number[:3]}-{number[3:6]}-{number[6:8]}-{number[8:]}"
            if form < 0.8:
                return " ".join(
                    [
                        self.choice(["восемь", "плюс семь"]),
                        self.ru_number(int(number[:3])),
                        self.ru_number(int(number[3:6])),
                        self.ru_pair(number[6:8]),
                        self.ru_pair(number[8:]),
                    ]
                )
            return self.choice(["восемь ", "плюс семь "]) + self.spoken_ru(number, pairs=False)
        if self.rng.random() < 0.6:  # US
            number = self.digits(3, "23456789") + self.digits(3, "0123456789") + self.digits(4, "0123456789")
            if form < 0.3:
                return f"{number[:3]}-{number[3:6]}-{number[6:]}"
            if form < 0.45:
                return f"({number[:3]}) {number[3:6]}-{number[6:]}"
            if form < 0.55:
                return f"{number[:3]}.{number[3:6]}.{number[6:]}"
            if form < 0.6:
                return f"+1 {number[:3]} {number[3:6]} {number[6:]}"
            return self.spoken_en(number)
        number = "07" + self.digits(9, "0123456789") if self.rng.random() < 0.7 else "020" + self.digits(8)
        if form < 0.35:
            return f"{number[:5]} {number[5:]}" if number[1] == "7" else f"{number[:3]} {number[3:7]} {number[7:]}"
        if form < 0.5:
            return f"+44 {number[1:5]} {number[5:]}"
        return self.spoken_en(number)

    def account(self, language: str) -> str:
        if language == "ru" and self.rng.random() < 0.6:
            number = self.choice(["40817", "40820", "42301"]) + "810" + self.digits(12, "0123456789")
            form = self.rng.random()
            if form < 0.5:
                return number
            if form < 0.8:
                return self.grouped(number, [5, 3, 1, 4, 7])
            return self.spoken_ru(number, pairs=True)
        number = self.digits(self.choice([8, 9, 10, 12]))
        return number if self.rng.random() < 0.55 else self.spoken(number, language)

    def iban(self, language: str) -> str:
        country = self.choice(list(IBAN_SHAPES))
        bban = "".join(
            self.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if c == "A" else self.choice("0123456789")
            for c in IBAN_SHAPES[country]
        )
        number = country + iban_check(country, bban) + bban
        form = self.rng.random()
        if form < 0.6:
            return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        if form < 0.8:
            return number
        head = " ".join(number[i : i + 4] for i in range(0, 8, 4))
        return head + " " + self.spoken(re.sub(r"\D", "", number[8:]), language) if number[8:].isdigit() else number

    def invented(self, syllables: list[str], parts: int) -> str:
        return "".join(self.choice(syllables) for _ in range(parts)).capitalize()

    def name_en(self, full: bool = True) -> str:
        first = self.choice(EN_FIRST) if self.rng.random() < 0.6 else self.invented(SYLLABLES, 2)
        last = self.choice(EN_LAST) if self.rng.random() < 0.6 else self.invented(SYLLABLES, 3)
        return f"{first} {last}" if full else last

    def name_ru(self, full: bool = True) -> str:
        female = self.rng.random() < 0.5
        first = self.choice(RU_FIRST_F if female else RU_FIRST_M)
        last = self.choice(RU_LAST) if self.rng.random() < 0.6 else self.invented(RU_SYLLABLES, 3) + "ов"
        if female:
            last = last[:-1] + "ая" if last.endswith("ий") else last + "а"
        if not full:
            return f"{first} {self.choice(RU_PATRONYMIC[3:] if female else RU_PATRONYMIC[:3])}"
        return f"{first} {last}"

    def name_ru_instrumental(self) -> str:
        """A woman's name after "с": с Агафьей Зябликовой."""
        first = self.choice(RU_FIRST_F)
        last = self.choice(RU_LAST) if self.rng.random() < 0.6 else self.invented(RU_SYLLABLES, 3) + "ов"
        first = first[:-1] + ("ей" if first[-2] in "жшчщц" or first.endswith("я") else "ой")
        return f"{first} {last[:-1] + 'ой' if last.endswith('ий') else last + 'ой'}"

    def address_en(self) -> str:
        number = str(self.rng.randint(1, 999)).zfill(self.choice([1, 1, 1, 3]))
        house = number if self.rng.random() < 0.7 else self.spoken_en(number)
        street = self.choice(EN_STREETS) if self.rng.random() < 0.7 else self.invented(SYLLABLES, 3)
        line = f"{house} {street} {self.choice(EN_SUFFIX)}"
        form = self.rng.random()
        if form < 0.35:
            city, state = self.choice(US_CITIES)
            return f"{line}, {city}, {state} {self.digits(5)}"
        if form < 0.55:
            return f"Flat {self.rng.randint(1, 30)}, {line}, {self.choice(UK_CITIES)}"
        if form < 0.7:
            return f"{line}, apartment {self.rng.randint(1, 90)}"
        return line

    def address_ru(self) -> str:
        street = self.choice(RU_STREETS) if self.rng.random() < 0.7 else self.invented(RU_SYLLABLES, 3) + "ская"
        word = self.choice(RU_STREET_WORD)
        spoken = self.rng.random() < 0.4
        house, flat = self.rng.randint(1, 140), self.rng.randint(1, 300)
        house_text = self.ru_number(house) if spoken else str(house)
        flat_text = self.ru_number(flat) if spoken else str(flat)
        form = self.rng.random()
        if word == "ул." or form < 0.2:
            return f"ул. {street} д. {house} кв. {flat}" if form < 0.5 else f"ул. {street}, д. {house}"
        if word in ("проспект", "переулок", "бульвар", "шоссе") and form < 0.5:
            return f"{street} {word}, дом {house_text}"
        if form < 0.75:
            return f"{word} {street}, дом {house_text}, квартира {flat_text}"
        return f"{word} {street}, {house}"


def luhn_digit(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


TEMPLATES = {
    "en": [
        "Yes, my card number is {card_number}.",
        "The long number on the front is {card_number}, expiry June next year.",
        "Okay, it's {card_number}.",
        "Can you take the card {card_number} for the payment?",
        "My phone number is {phone_number}.",
        "You can reach me on {phone_number} any time after five.",
        "The best number to call back is {phone_number}.",
        "Sure, it's {phone_number}, that's my mobile.",
        "My email is {email}.",
        "Please send the confirmation to {email}, thanks.",
        "The e-mail on file should be {email}.",
        "My account number is {account_number}.",
        "It's the savings account {account_number}.",
        "I'm calling about account {account_number}, the one in joint names.",
        "My IBAN is {iban}.",
        "I want to send it to this IBAN: {iban}.",
        "Hi, my name is {person_name} and I'm calling about my bill.",
        "This is {person_name} speaking, I had a call from you yesterday.",
        "The account holder is {person_name}.",
        "Thank you, Mr. {surname}, I'll check that for you now.",
        "Good afternoon, you're speaking with {person_name}, how can I help?",
        "Sorry, the name was {person_name}, with two Ls.",
        "I live at {street_address}.",
        "My address is {street_address}.",
        "We moved to {street_address} in March.",
        "The parcel should go to {street_address}, not the old place.",
        "Hello, this is {person_name}, my number is {phone_number}.",
        "My name is {person_name} and the card is {card_number}.",
        "It's {person_name}, {street_address}.",
        "Email me at {email} or call {phone_number}.",
        "Could you pay it into {iban}? That's my account in Europe.",
        "The account is {account_number}, under my wife's name.",
        "Right, {person_name}, I can see two payments on your side.",
        "I spoke to {person_name} last week and she said it was sorted.",
    ],
    "ru": [
        "Номер карты {card_number}.",
        "Да, моя карта {card_number}.",
        "Спишите, пожалуйста, с карты {card_number}.",
        "Цифры на карте такие: {card_number}.",
        "Мой телефон {phone_number}.",
        "Перезвоните мне по номеру {phone_number}.",
        "Мой номер {phone_number}, это мобильный.",
        "Контактный телефон {phone_number}, звоните после шести.",
        "Моя почта {email}.",
        "Отправьте, пожалуйста, на электронную почту {email}.",
        "Адрес почты {email}, записали?",
        "Мой лицевой счёт {account_number}.",
        "Номер счёта {account_number}.",
        "Деньги должны прийти на счёт {account_number}.",
        "Перевод по IBAN {iban}.",
        "Реквизиты получателя: IBAN {iban}.",
        "Здравствуйте, меня зовут {person_name}, я по поводу карты.",
        "Моё имя {person_name}.",
        "Спасибо, {patronymic}, сейчас проверю.",
        "С вами говорит {person_name}, чем могу помочь?",
        "Карта оформлена на имя {person_name}.",
        "Владелец счёта {person_name}.",
        "Я живу по адресу {street_address}.",
        "Адрес доставки: {street_address}.",
        "Мы переехали, теперь {street_address}.",
        "Запишите адрес: {street_address}, подъезд второй.",
        "Меня зовут {person_name}, телефон {phone_number}.",
        "Это {person_name}, карта {card_number}.",
        "Мой адрес {street_address}, почта {email}.",
        "Звоните на {phone_number} или пишите на {email}.",
        "Мой IBAN {iban}, банк в Германии.",
        "Лицевой счёт {account_number}, оформлен на маму.",
        "Так, {person_name}, вижу у вас два платежа.",
        "Я на прошлой неделе говорила с {person_name_instr}, она обещала перезвонить.",
    ],
}
# Every kind must appear in both languages; the first templates per kind repeat until each has enough rows.
KINDS = ["card_number", "phone_number", "email", "account_number", "iban", "person_name", "street_address"]

LOOK_ALIKE_TEMPLATES = {
    "en": [
        "My order number is {order}.",
        "It was order {spoken_order}, placed last Tuesday.",
        "I was charged ${amount} instead of {amount2} dollars.",
        "That's {spoken_amount} dollars for the upgrade.",
        "The delivery is booked for June {day}th at {hour} am.",
        "Your reference is {ref}, please keep it.",
        "The ticket number is {ticket}.",
        "I've got the {model} and it keeps restarting.",
        "I'm in Chicago for {count} days next week.",
        "I've called Northwind Energy {count} times about this.",
        "The tracking number is {tracking}.",
        "It's the card ending in {four}.",
        "The bill was {amount} pounds in {year}.",
        "Your case number is {ticket}, and it should be fixed within {count} days.",
        "It's about the invoice {tracking} from March.",
        "We have {count} accounts with you and {count2} cards.",
        "The payment of {amount}.50 went through on {date}.",
        "Press {one_digit} for billing or {one_digit2} for sales.",
        "I'm calling from Contoso Mobile about the 5G plan.",
        "The confirmation code is {ref}, valid for {count} minutes.",
    ],
    "ru": [
        "Номер заказа {order}.",
        "Заказ {spoken_order_ru}, оформлял в понедельник.",
        "С меня списали {amount} рублей вместо {amount_ru_spaced} рублей.",
        "Сумма {spoken_amount_ru} рублей.",
        "Доставка назначена на {date} в {hour}:00.",
        "Номер обращения {ticket}.",
        "Ваша заявка {ref}, сохраните её.",
        "У меня {model}, он постоянно перезагружается.",
        "Я сейчас в Казани, буду через {count} дня.",
        "Трек-номер посылки {tracking}.",
        "Карта заканчивается на {four}.",
        "Звонила уже {count} раза, никто не помог.",
        "Платёж {amount} рублей прошёл {date}.",
        "Тариф стоит {amount} рублей в месяц, это с {year} года.",
        "Нажмите {one_digit}, чтобы связаться с оператором.",
        "У нас {count} счета и {count2} карты.",
        "Код подтверждения {four}, действует {count} минут.",
        "Звоню из компании Ромашка Телеком по поводу роутера.",
        "Номер накладной {tracking}, посылка в Екатеринбурге.",
        "Скидка {count} процентов действует до {date}.",
    ],
}


def fill(template: str, values: dict[str, tuple[str, str | None]]) -> tuple[str, list]:
    """The template with its slots filled, and the labelled spans of the slots that are personal data."""
    text, spans, cursor = "", [], 0
    for slot in re.finditer(r"\{(\w+)\}", template):
        text += template[cursor : slot.start()]
        value, kind = values[slot.group(1)]
        if kind:
            spans.append([kind, len(text), len(text) + len(value), value])
        text += value
        cursor = slot.end()
    return text + template[cursor:], spans


def personal_values(maker: Maker, language: str) -> dict[str, tuple[str, str | None]]:
    name = maker.name_ru if language == "ru" else maker.name_en
    return {
        "card_number": (maker.card(language), "card_number"),
        "phone_number": (maker.phone(language), "phone_number"),
        "email": (email(maker, language), "email"),
        "account_number": (maker.account(language), "account_number"),
        "iban": (maker.iban(language), "iban"),
        "person_name": (name(), "person_name"),
        "surname": (maker.name_en(full=False), "person_name"),
        "patronymic": (maker.name_ru(full=False), "person_name"),
        "person_name_instr": (maker.name_ru_instrumental(), "person_name"),
        "street_address": (maker.address_ru() if language == "ru" else maker.address_en(), "street_address"),
    }


def email(maker: Maker, language: str) -> str:
    first = maker.choice(["anna", "tom", "k", "vera", "max", "liesel", "oleg", "dmitry", "sam", "zora"])
    last = maker.choice(["kowalczyk", "petrova", "blackwood", "zyablikov", "quill", "m", "fenwick", "orlov"])
    sep = maker.choice([".", "_", ""])
    digits = maker.choice(["", "", str(maker.rng.randint(1, 99))])
    domain, tld = maker.choice(EMAIL_DOMAINS_RU if language == "ru" else EMAIL_DOMAINS_EN)
    form = maker.rng.random()
    if form < 0.4:
        return f"{first}{sep}{last}{digits}@{domain}.{tld}"
    if language == "en":
        spoken_sep = {".": " dot ", "_": " underscore ", "": ""}[sep]
        spoken_tld = tld.replace(".", " dot ")
        return (
            f"{first}{spoken_sep}{last}{' ' + maker.spoken_en(digits) if digits else ''} at {domain} dot {spoken_tld}"
        )
    spoken_sep = {".": " точка ", "_": " нижнее подчёркивание ", "": ""}[sep]
    if form < 0.7:
        return f"{first}{spoken_sep}{last}{digits} собака {domain} точка {tld}"
    return f"{first}{spoken_sep}{last}{digits} собака {RU_SPOKEN_DOMAINS[domain]} точка {RU_SPOKEN_TLD[tld]}"


def look_alike_values(maker: Maker, language: str) -> dict[str, tuple[str, None]]:
    rng = maker.rng
    amount = rng.randint(20, 4000)
    values = {
        "order": str(rng.randint(10000, 999999)),
        "spoken_order": maker.spoken_en(str(rng.randint(10000, 99999))),
        "spoken_order_ru": maker.spoken_ru(str(rng.randint(10000, 99999)), pairs=False),
        "amount": f"{amount:,}" if language == "en" else str(amount),
        "amount2": str(rng.randint(20, 999)),
        "amount_ru_spaced": f"{rng.randint(1, 9)} {rng.randint(100, 999)}",
        "spoken_amount": f"{maker.choice(EN_DIGITS[1:])} hundred and {maker.choice(['twenty', 'forty', 'sixty'])}",
        "spoken_amount_ru": f"{maker.choice(RU_HUNDREDS[1:])} {maker.choice(RU_TENS[2:])} {maker.choice(RU_DIGITS[1:])}",
        "day": str(rng.randint(4, 20)),
        "hour": str(rng.randint(8, 11)),
        "date": f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.choice([2025, 2026])}",
        "ref": f"{maker.choice(['AB', 'QX', 'RF', 'ZK'])}-{rng.randint(10000, 99999999)}",
        "ticket": f"{maker.choice(['CS', 'INC', 'T'])}{rng.randint(100000, 9999999)}",
        "model": maker.choice(["Galaxy S24", "iPhone 15 Pro", "XR-500", "ThinkPad T14", "Pixel 8a", "MX-3000"]),
        "count": str(rng.randint(2, 9)) if rng.random() < 0.5 else maker.choice(["three", "four", "три", "пять"]),
        "count2": str(rng.randint(2, 4)),
        "tracking": f"{maker.choice(['RR', 'LP', '1Z'])}{rng.randint(10**8, 10**9 - 1)}{maker.choice(['CN', 'RU', 'GB'])}",
        "four": str(rng.randint(1000, 9999)),
        "year": str(rng.choice([2019, 2021, 2024])),
        "one_digit": str(rng.randint(1, 4)),
        "one_digit2": str(rng.randint(5, 9)),
    }
    return {key: (value, None) for key, value in values.items()}


def utterances(seed: int = SEED) -> list[dict]:
    maker = Maker(seed)
    rows = []
    for language in ("en", "ru"):
        templates = TEMPLATES[language]
        for i in range(PER_LANGUAGE):
            text, spans = fill(templates[i % len(templates)], personal_values(maker, language))
            rows.append({"id": f"{language}-{i + 1:03d}", "language": language, "text": text, "spans": spans})
        look_alikes = LOOK_ALIKE_TEMPLATES[language]
        for i in range(LOOK_ALIKES):
            text, spans = fill(look_alikes[i % len(look_alikes)], look_alike_values(maker, language))
            rows.append({"id": f"{language}-x{i + 1:02d}", "language": language, "text": text, "spans": spans})
    return rows


def main() -> None:
    rows = utterances()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=["id", "language", "text", "spans"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "spans": json.dumps(row["spans"], ensure_ascii=False)})
    kinds = {}
    for row in rows:
        for kind, *_ in row["spans"]:
            kinds[(row["language"], kind)] = kinds.get((row["language"], kind), 0) + 1
    print(f"{len(rows)} utterances ({sum(not r['spans'] for r in rows)} look-alikes) -> {OUT}")
    for (language, kind), count in sorted(kinds.items()):
        print(f"  {language} {kind:15} {count}")


if __name__ == "__main__":
    main()
