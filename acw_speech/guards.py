"""Checks on what the recogniser returned, before turns are built: loops, broken timestamps, invented text.

Whisper has three known ways of going wrong that the rest of the pipeline cannot see: it loops (the same sentence
again and again), it writes timestamps that are negative, inverted, out of order or past the end of the audio, and
it invents text over silence ("Thank you for watching", "Продолжение следует"). Each check here takes the
segments of one channel and returns them cleaned, plus what it found, so the call's row can carry a flag:
`repetition_suspected`, `timestamps_repaired`, `hallucination_suspected`. `guard_segments` runs all three.

The checks work on `Segment`, a plain record: `segment_from_whisper` builds one from faster-whisper's output and
`segment_from_dict` from the JSON form (faster-whisper's segment as a dict; the shared test fixtures).
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from acw_speech.config import MODELS_DIR, read_lexicon
from acw_speech.records import Word

REPETITION_FLAG = "repetition_suspected"
TIMESTAMPS_FLAG = "timestamps_repaired"
HALLUCINATION_FLAG = "hallucination_suspected"

# Loops. People do say "no, no, no" or "thank you. thank you."; they do not say the same phrase four times
# running, and they do not say the same sentence three times in a row as separate sentences without a pause.
LOOP_MIN_REPEATS = 4  # a 1..LOOP_MAX_PHRASE_WORDS word phrase said this many times back to back is a loop
LOOP_MAX_PHRASE_WORDS = 8
MAX_IDENTICAL_SEGMENTS = 2  # identical segments in a row beyond this many are dropped ...
IDENTICAL_MAX_GAP_S = 1.0  # ... when each starts within this long of the previous one's end (loops abut)
# Whisper's own test for a failed decode (compression_ratio_threshold): text that compresses this well repeats
# itself. Ordinary speech stays under 2 even over a full 30 s window; a short segment is well under 1.5.
COMPRESSION_RATIO_LIMIT = 2.4

# Timestamps. Whisper times are multiples of 20 ms, so an end 10 ms past the audio is rounding, not a fault:
# such small changes are still made, but not counted as repairs (they would flag nearly every call).
TIME_TOLERANCE_S = 0.02

# Invented text. The first two figures are Whisper's own defaults: no_speech_threshold 0.6, and log_prob_threshold
# -1.0 (a mean token probability of about 0.37, so 0.4 for the mean word probability). Whisper's no-speech
# probability belongs to a whole 30 s window, so real speech in a mostly quiet window can score 0.7: high no-speech
# alone never drops anything.
NO_SPEECH_PROBABILITY = 0.6
LOW_WORD_PROBABILITY = 0.4
STOCK_PHRASE_LOW_WORD_PROBABILITY = 0.6  # a "common" stock phrase needs less doubt than other text
STOCK_PHRASE_EXTRA_WORDS = 6  # how many words may follow a "phrase *" entry (names in subtitle credits)
STOCK_PHRASES_PATH = MODELS_DIR / "lexicons" / "hallucinations.yaml"


@dataclass(frozen=True)
class Segment:
    """One stretch of recognised speech on one channel, as the recogniser returned it (times in seconds)."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    no_speech_prob: float | None = None  # Whisper's probability that its window held no speech; None if unknown
    avg_logprob: float | None = None  # Whisper's mean log-probability per token of the window's decode


def segment_from_whisper(segment, channel: int = 0) -> Segment:
    """A faster-whisper segment as a `Segment`; words are stripped and rounded as `asr.py` always did."""
    words = tuple(
        Word(w.word.strip(), round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 4), channel)
        for w in segment.words or ()
        if w.word.strip()
    )
    return Segment(
        float(segment.start), float(segment.end), segment.text, words, segment.no_speech_prob, segment.avg_logprob
    )


def segment_from_dict(item: dict, channel: int = 0) -> Segment:
    """A segment in faster-whisper's dict form (`word` or `text` per word); a missing word probability is 1."""
    words = tuple(
        Word((w.get("word") or w.get("text") or "").strip(), w["start"], w["end"], w.get("probability", 1.0), channel)
        for w in item.get("words") or ()
    )
    return Segment(item["start"], item["end"], item["text"], words, item.get("no_speech_prob"))


def guard_segments(
    segments, audio_duration: float | None, phrases: StockPhrases | None = None
) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """Run the three checks in order (timestamps, invented text, loops); return the segments kept and the flags."""
    segments, repairs = repair_timestamps(segments, audio_duration)
    segments, invented = drop_invented_text(segments, phrases)
    segments, looped = collapse_repeated_segments(segments)
    found = ((TIMESTAMPS_FLAG, repairs > 0), (HALLUCINATION_FLAG, invented), (REPETITION_FLAG, looped))
    return segments, tuple(flag for flag, present in found if present)


# --- loops -------------------------------------------------------------------------------------------------------


def collapse_repeated_segments(segments) -> tuple[tuple[Segment, ...], bool]:
    """Cut recogniser loops: inside a segment to one copy of the phrase, across segments to two in a row.

    Returns the segments and whether a loop was found. A segment's text is cut when a 1-8 word phrase repeats
    4 or more times back to back, and further while it still compresses like a loop (ratio above 2.4). A run of
    segments with the same text (case and punctuation ignored), each starting within 1 s of the previous one's
    end, keeps its first two. Nothing is lengthened; segments without a loop come back as they were.
    """
    cut = [_cut_loops_in_segment(s) for s in segments]
    found = any(new is not old for new, old in zip(cut, segments))
    kept, run = [], 0
    for previous, segment in zip((None, *cut), cut):
        run = run + 1 if previous is not None and _same_and_adjacent(previous, segment) else 1
        if run <= MAX_IDENTICAL_SEGMENTS:
            kept.append(segment)
        else:
            found = True
    return tuple(kept), found


def _same_and_adjacent(previous: Segment, segment: Segment) -> bool:
    """Whether two segments in a row say the same (non-empty) thing with no real pause between them."""
    key = _key(segment.text)
    return bool(key) and key == _key(previous.text) and segment.start - previous.end <= IDENTICAL_MAX_GAP_S


def compression_ratio(text: str) -> float:
    """How well the text compresses (bytes / zlib bytes), as Whisper measures it; loops score high."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def loop_mask(
    keys: list[str], max_phrase_words: int = LOOP_MAX_PHRASE_WORDS, min_repeats: int = LOOP_MIN_REPEATS
) -> list[bool]:
    """For each word key, whether to keep it: of a phrase repeated `min_repeats`+ times back to back, only the first.

    Phrases made only of digits are left alone (a card number read out as "4 4 4 4" is not a loop).
    """
    keep = [True] * len(keys)
    i = 0
    while i < len(keys):
        for size in range(1, max_phrase_words + 1):
            phrase = keys[i : i + size]
            if len(phrase) < size or not any(phrase) or all(k.isdigit() for k in phrase):
                continue
            repeats = 1
            while keys[i + repeats * size : i + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats >= min_repeats:
                keep[i + size : i + repeats * size] = [False] * ((repeats - 1) * size)
                i += repeats * size - 1
                break
        i += 1
    return keep


def _cut_loops_in_segment(segment: Segment) -> Segment:
    """The segment with loops in its text and words cut; the same object when there is none."""
    text_tokens = segment.text.split()
    text_keep = _loop_keep(text_tokens)
    word_keep = _loop_keep([w.text for w in segment.words])
    if all(text_keep) and all(word_keep):
        return _cut_character_loops(segment)
    leading = segment.text[: len(segment.text) - len(segment.text.lstrip())]
    text = leading + " ".join(t for t, k in zip(text_tokens, text_keep) if k)
    words = tuple(w for w, k in zip(segment.words, word_keep) if k)
    return _cut_character_loops(replace(segment, text=text, words=words))


def _loop_keep(tokens: list[str]) -> list[bool]:
    """Cut obvious loops (4+ repeats); while the text still compresses like a loop, cut any phrase said twice."""
    keys = [_key(t) for t in tokens]
    keep = loop_mask(keys)
    if compression_ratio(" ".join(t for t, k in zip(tokens, keep) if k)) > COMPRESSION_RATIO_LIMIT:
        kept = [i for i, k in enumerate(keep) if k]
        second = loop_mask([keys[i] for i in kept], max_phrase_words=max(1, len(kept) // 2), min_repeats=2)
        for i, k in zip(kept, second):
            keep[i] = k
    return keep


_CHARACTER_LOOP = re.compile(r"([^\s\d]{1,20}?)\1{3,}")  # digits excluded: "4444" is a card number


def _cut_character_loops(segment: Segment) -> Segment:
    """Inside one word a loop has no spaces to cut at ("ха-ха-ха-ха-ха-ха..."): keep one copy of the unit."""
    if compression_ratio(segment.text) <= COMPRESSION_RATIO_LIMIT:
        return segment
    words = tuple(replace(w, text=_CHARACTER_LOOP.sub(r"\1", w.text)) for w in segment.words)
    return replace(segment, text=_CHARACTER_LOOP.sub(r"\1", segment.text), words=words)


def _key(text: str) -> str:
    """Text as loops and stock phrases are compared: lower case, ё as е, no punctuation, single spaces."""
    return " ".join(re.findall(r"\w+", text.lower().replace("ё", "е")))


# --- timestamps --------------------------------------------------------------------------------------------------


def repair_timestamps(segments, audio_duration: float | None) -> tuple[tuple[Segment, ...], int]:
    """Make every time possible: inside the audio, start before end, segments in order, words inside their segment.

    Inverted start/end pairs are swapped, negative times become 0, ends past the audio end become the audio end
    (`audio_duration` None: not checked), a segment starting at or after the end of the audio (or ending before
    0) is dropped, and segments are sorted by start. Words keep their spoken order: each is moved inside its
    segment and to start no earlier than the word before it. Returns the segments and the number of repairs
    (every change larger than TIME_TOLERANCE_S counts once; a wrong order counts once).
    """
    repaired, repairs = [], 0
    for segment in segments:
        fixed, n = _repair_segment(segment, audio_duration)
        repairs += n
        if fixed is not None:
            repaired.append(fixed)
    in_order = sorted(repaired, key=lambda s: (s.start, s.end))
    if in_order != repaired:
        repairs += 1
    return tuple(in_order), repairs


def _repair_segment(segment: Segment, audio_duration: float | None) -> tuple[Segment | None, int]:
    """The segment with its own and its words' times repaired (None: it lies outside the audio), and the count."""
    start, end, repairs = _ordered(segment.start, segment.end)
    if end < 0 or (audio_duration is not None and start >= audio_duration) or math.isnan(start + end):
        return None, 1
    limit = audio_duration if audio_duration is not None else math.inf
    new_start, new_end = _clamp(start, 0.0, limit), _clamp(end, 0.0, limit)
    repairs += _changed(start, new_start) + _changed(end, new_end)
    words, previous_start = [], new_start
    for word in segment.words:
        w_start, w_end, n = _ordered(word.start, word.end)
        fixed_start = _clamp(w_start, previous_start, new_end)
        fixed_end = _clamp(w_end, fixed_start, new_end)
        repairs += n + _changed(w_start, fixed_start) + _changed(w_end, fixed_end)
        same = (fixed_start, fixed_end) == (word.start, word.end)
        words.append(word if same else replace(word, start=fixed_start, end=fixed_end))
        previous_start = fixed_start
    if repairs == 0 and (new_start, new_end) == (segment.start, segment.end) and tuple(words) == segment.words:
        return segment, 0
    return replace(segment, start=new_start, end=new_end, words=tuple(words)), repairs


def _ordered(start: float, end: float) -> tuple[float, float, int]:
    """Start and end the right way round, and 1 if they had to be swapped (0 within the tolerance)."""
    if start <= end:
        return start, end, 0
    return end, start, int(start - end > TIME_TOLERANCE_S)


def _clamp(value: float, low: float, high: float) -> float:
    if math.isnan(value):
        return low
    return min(max(value, low), high)


def _changed(before: float, after: float) -> int:
    return int(math.isnan(before) or abs(after - before) > TIME_TOLERANCE_S)


# --- invented text -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockPhrases:
    """Whisper's stock phrases, as keys: `video` ones are never a whole sentence on a call, `common` ones can be."""

    video: tuple[str, ...]
    common: tuple[str, ...]


@lru_cache(maxsize=4)
def load_stock_phrases(path: Path = STOCK_PHRASES_PATH) -> StockPhrases:
    """Read the stock-phrase lexicon (models/lexicons/hallucinations.yaml); all languages are used together."""
    return read_lexicon(
        path, "stock-phrase lexicon", lambda raw: StockPhrases(*(_phrase_keys(raw[k]) for k in ("video", "common")))
    )


def _phrase_keys(by_language: dict[str, list[str]]) -> tuple[str, ...]:
    """Phrases of every language as keys; a trailing " *" is kept as the marker for "more words may follow"."""
    phrases = [p for language_phrases in by_language.values() for p in language_phrases]
    return tuple(_key(p) + (" *" if p.rstrip().endswith("*") else "") for p in phrases)


def invented_text_suspected(segments, phrases: StockPhrases | None = None) -> tuple[int, ...]:
    """Indices of segments that are probably text Whisper invented over silence or noise, not speech.

    A segment is suspected when either
    - Whisper says its window is probably not speech (no-speech probability at least 0.6) and its words are
      guesses (mean word probability under 0.4); or
    - its whole text is a `video` stock phrase ("Thank you for watching", "Продолжение следует"); or
    - its whole text is a `common` stock phrase ("Thank you.", "Спасибо."), Whisper says its window is probably
      not speech (at least 0.6) and is not sure of the words (mean word probability under 0.6).
    A stock phrase inside a longer sentence never counts, so ordinary speech is kept. Segments without a
    no-speech probability or without words (other recognisers, fixtures) are judged on the `video` list only.
    """
    phrases = phrases or load_stock_phrases()
    return tuple(i for i, segment in enumerate(segments) if _invented(segment, phrases))


def drop_invented_text(segments, phrases: StockPhrases | None = None) -> tuple[tuple[Segment, ...], bool]:
    """The segments without those `invented_text_suspected` names, and whether any were dropped."""
    segments = tuple(segments)
    suspected = set(invented_text_suspected(segments, phrases))
    return tuple(s for i, s in enumerate(segments) if i not in suspected), bool(suspected)


def _invented(segment: Segment, phrases: StockPhrases) -> bool:
    key = _key(segment.text)
    silent = segment.no_speech_prob is not None and segment.no_speech_prob >= NO_SPEECH_PROBABILITY
    probabilities = [w.probability for w in segment.words]
    mean = sum(probabilities) / len(probabilities) if probabilities else 1.0  # no words: nothing to doubt
    if _is_stock(key, phrases.video):
        return True
    if _is_stock(key, phrases.common):
        return silent and mean < STOCK_PHRASE_LOW_WORD_PROBABILITY
    return silent and mean < LOW_WORD_PROBABILITY


def _is_stock(key: str, phrases: tuple[str, ...]) -> bool:
    """Whether the text is one of the phrases (a "phrase *" entry allows a few more words after it)."""
    for phrase in phrases:
        if phrase.endswith(" *"):
            head = phrase[:-2]
            extra = key[len(head) :].split()
            if key == head or (key.startswith(head + " ") and len(extra) <= STOCK_PHRASE_EXTRA_WORDS):
                return True
        elif key == phrase:
            return True
    return False
