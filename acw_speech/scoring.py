"""How we measure recognition: word error rate after one written-down normalisation.

Normalisation, applied to both the reference and the hypothesis before comparing:
1. lower-case (Unicode-aware, so Cyrillic too) and replace "ё" with "е";
2. numbers written in digits become English words (10 -> "ten", 25 -> "twenty five"), so "10 days" and
   "ten days" match; a thousands comma or a percent sign is read as part of the number;
3. hyphens become spaces; every other character that is not a letter, a digit or an apostrophe is dropped;
4. runs of whitespace collapse to one space.
Then WER = (substitutions + deletions + insertions) / reference words, computed with jiwer.
"""

from __future__ import annotations

import re

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split()
)
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_in_words(n: int) -> str:
    """English words for 0 <= n < 1,000,000 (digits beyond that are spelled digit by digit)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_in_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return number_in_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + number_in_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def normalize_for_wer(text: str) -> str:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"\d+", lambda m: f" {number_in_words(int(m.group()))} ", text)
    text = text.replace("%", " percent ").replace("-", " ")
    text = re.sub(r"[^\w\s']|_", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER of `hypothesis` against `reference`, both normalised as described above."""
    import jiwer

    ref, hyp = normalize_for_wer(reference), normalize_for_wer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return jiwer.wer(ref, hyp or "<empty>")
