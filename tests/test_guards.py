"""Recogniser output guards: loops, broken timestamps and invented text, on the shared fixtures and on edge cases."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from acw_speech.guards import (
    Segment,
    collapse_repeated_segments,
    drop_invented_text,
    guard_segments,
    invented_text_suspected,
    repair_timestamps,
    segment_from_dict,
    segment_from_whisper,
)
from acw_speech.records import Word

GENERATOR = Path(__file__).resolve().parent.parent.parent / "shared" / "cases" / "generate.py"
STAGES = ("post_asr", "timestamp_validator")


@pytest.fixture(scope="module")
def shared_cases(tmp_path_factory) -> Path:
    """The shared BL-04 and BL-17 cases, generated afresh (they include the fixtures these guards are for)."""
    if not GENERATOR.exists():
        pytest.fail(f"the shared test cases are missing: expected {GENERATOR} (the shared/ folder beside the checkout)")
    out = tmp_path_factory.mktemp("cases")
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), str(out), "--only", "BL-04,BL-17"], capture_output=True, text=True
    )
    assert proc.returncode == 0, f"generate.py failed:\n{proc.stderr}"
    return out


def _fixture_entries(cases: Path) -> list[dict]:
    entries = json.loads((cases / "expected.json").read_text(encoding="utf-8"))
    return [e for e in entries if e["expect"].get("fixture_stage") in STAGES]


def _normalised(text: str) -> str:
    """As the shared cases compare text: lower case, no punctuation, single spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _text(segments) -> str:
    return _normalised(" ".join(s.text for s in segments))


def _longest_identical_run(segments) -> int:
    longest, run = 0, 0
    for i, segment in enumerate(segments):
        run = run + 1 if i and _normalised(segment.text) == _normalised(segments[i - 1].text) else 1
        longest = max(longest, run)
    return longest


def _check(key, wanted, segments, flags, repairs):
    """One key of an `expect` entry against what the guards returned."""
    checks = {
        "status": lambda: "ok" in ([wanted] if isinstance(wanted, str) else wanted),  # the stage ran: rows are ok
        "fixture_stage": lambda: wanted in STAGES,
        "flags_any": lambda: any(f in flags for f in wanted),
        "flags_all": lambda: all(f in flags for f in wanted),
        "flags_none": lambda: not any(f in flags for f in wanted),
        "segment_count": lambda: len(segments) == wanted,
        "max_segments": lambda: len(segments) <= wanted,
        "max_consecutive_identical_segments": lambda: _longest_identical_run(segments) <= wanted,
        "summary_not_contains": lambda: not any(_normalised(p) in _text(segments) for p in wanted),
        "text_not_contains": lambda: not any(_normalised(p) in _text(segments) for p in wanted),
        "text_contains": lambda: all(_normalised(p) in _text(segments) for p in wanted),
        "timestamp_repairs_min": lambda: repairs >= wanted,
        "max_segment_end_s": lambda: max(s.end for s in segments) <= wanted,
        "min_segment_start_s": lambda: min(s.start for s in segments) >= wanted,
        "segments_sorted": lambda: [s.start for s in segments] == sorted(s.start for s in segments) or not wanted,
        "no_inverted_pairs": lambda: (
            not wanted or all(s.start <= s.end and all(w.start <= w.end for w in s.words) for s in segments)
        ),
    }
    assert key in checks, f"expected.json has a key these tests do not check yet: {key!r}"
    assert checks[key](), f"{key} = {wanted!r} does not hold"


def test_every_fixture_expectation_holds(shared_cases):
    entries = _fixture_entries(shared_cases)
    assert {e["file"] for e in entries} >= {
        "fixtures/bl04_looped_segments.json",
        "fixtures/bl04_clean_segments.json",
        "fixtures/bl17_bad_timestamps.json",
    }
    for entry in entries:
        fixture = json.loads((shared_cases / entry["file"]).read_text(encoding="utf-8"))
        given = [segment_from_dict(s) for s in fixture["segments"]]
        segments, flags = guard_segments(given, fixture["audio_duration"])
        _, repairs = repair_timestamps(given, fixture["audio_duration"])
        for key, wanted in entry["expect"].items():
            _check(key, wanted, segments, flags, repairs)


def test_the_clean_control_comes_back_untouched(shared_cases):
    fixture = json.loads((shared_cases / "fixtures/bl04_clean_segments.json").read_text(encoding="utf-8"))
    given = tuple(segment_from_dict(s) for s in fixture["segments"])
    assert guard_segments(given, fixture["audio_duration"]) == (given, ())


def test_a_looped_segment_keeps_one_copy_of_its_phrase(shared_cases):
    fixture = json.loads((shared_cases / "fixtures/bl04_looped_segments.json").read_text(encoding="utf-8"))
    segments, found = collapse_repeated_segments(segment_from_dict(s) for s in fixture["segments"])
    assert found and [s.text for s in segments][-1] == " Sorry, one moment."


# --- people repeat themselves; the recogniser loops --------------------------------------------------------------


def _segment(text, start=0.0, end=None, probability=0.9, no_speech=None):
    """A segment whose words are the words of its text, spread evenly."""
    tokens = text.split()
    end = start + 0.4 * max(len(tokens), 1) if end is None else end
    step = (end - start) / max(len(tokens), 1)
    words = tuple(Word(t, start + i * step, start + (i + 1) * step, probability) for i, t in enumerate(tokens))
    return Segment(start, end, " " + text, words, no_speech)


def test_a_person_repeating_themselves_is_kept():
    said = (
        _segment("No, no, no.", 0.0),
        _segment("Thank you. Thank you.", 2.0),
        _segment("Hello?", 5.0, 5.5),
        _segment("Hello?", 6.0, 6.5),
        _segment("Да, да, я понял.", 8.0),
    )
    assert collapse_repeated_segments(said) == (said, False)


def test_the_same_sentence_far_apart_in_time_is_kept_every_time():
    said = tuple(_segment("I am still waiting.", 27.0 * i, 27.0 * i + 2.0) for i in range(8))  # as in BL-04 audio
    assert collapse_repeated_segments(said) == (said, False)


def test_identical_segments_back_to_back_are_cut_to_two():
    looped = tuple(_segment("I just want the money back.", 2.0 * i, 2.0 * i + 2.0) for i in range(5))
    segments, found = collapse_repeated_segments((*looped, _segment("Okay.", 10.5)))
    assert found and [s.start for s in segments] == [0.0, 2.0, 10.5]


def test_a_phrase_said_four_times_in_a_segment_is_cut_in_text_and_words():
    (segment,), found = collapse_repeated_segments([_segment("Алло, вы меня слышите? " * 4 + "Хорошо.")])
    assert found and segment.text == " Алло, вы меня слышите? Хорошо."
    assert [w.text for w in segment.words] == ["Алло,", "вы", "меня", "слышите?", "Хорошо."]


def test_a_number_read_out_is_not_a_loop():
    said = (_segment("my card ends 4 4 4 4 4"),)
    assert collapse_repeated_segments(said) == (said, False)


def test_a_loop_inside_one_word_is_cut():
    (segment,), found = collapse_repeated_segments([Segment(0.0, 9.0, " ха-" * 1 + "ха-" * 30 + "ха")])
    assert found and len(segment.text) < 10


# --- timestamps ---------------------------------------------------------------------------------------------------


def test_rounding_past_the_end_is_clamped_without_counting_as_a_repair():
    segments, repairs = repair_timestamps([_segment("bye now", 28.0, 30.97)], audio_duration=30.96)
    assert segments[0].end == 30.96 and repairs == 0


def test_words_keep_their_spoken_order_and_stay_inside_their_segment():
    words = (Word("one", 1.0, 1.2, 0.9), Word("two", 0.5, 0.7, 0.9), Word("three", 1.4, 9.0, 0.9))
    (segment,), repairs = repair_timestamps([Segment(1.0, 2.0, " one two three", words)], audio_duration=10.0)
    assert [w.text for w in segment.words] == ["one", "two", "three"] and repairs == 3
    assert all(1.0 <= w.start <= w.end <= 2.0 for w in segment.words)
    assert [w.start for w in segment.words] == sorted(w.start for w in segment.words)


def test_segments_wholly_outside_the_audio_are_dropped_and_nothing_else_changes():
    good = _segment("hello", 1.0, 2.0)
    segments, repairs = repair_timestamps([Segment(-3.0, -1.0, " before"), good, Segment(12.0, 13.0, " after")], 10.0)
    assert segments == (good,) and segments[0] is good and repairs == 2


def test_an_unknown_audio_length_checks_everything_but_the_end():
    segments, repairs = repair_timestamps([Segment(5.0, 4.0, " late"), Segment(100.0, 101.0, " later")], None)
    assert [(s.start, s.end) for s in segments] == [(4.0, 5.0), (100.0, 101.0)] and repairs == 1


# --- invented text ------------------------------------------------------------------------------------------------


def test_stock_video_phrases_are_dropped_in_english_and_russian():
    segments = [
        _segment("Thanks for watching!"),
        _segment("Продолжение следует..."),
        _segment("Субтитры создавал DimaTorzok"),
    ]
    assert invented_text_suspected(segments) == (0, 1, 2)


def test_a_stock_phrase_inside_real_speech_is_kept():
    said = [_segment("Thank you for watching my account so closely."), _segment("Редактор сказал, что субтитров нет.")]
    assert drop_invented_text(said) == (tuple(said), False)


def test_thank_you_is_dropped_only_where_whisper_heard_no_speech_and_doubts_the_words():
    real = [
        _segment("Thank you.", no_speech=0.05, probability=0.5),
        _segment("Спасибо.", no_speech=0.1, probability=0.5),
        _segment("Thank you.", no_speech=0.74, probability=0.9),  # real speech in a mostly quiet window
    ]
    assert invented_text_suspected(real) == ()
    invented = [
        _segment("Thank you.", no_speech=0.8, probability=0.5),
        _segment("Спасибо.", no_speech=0.7, probability=0.3),
    ]
    assert invented_text_suspected(invented) == (0, 1)


def test_unsure_words_over_no_speech_are_dropped_but_either_alone_is_kept():
    quiet_and_unsure = _segment("the the shop and", probability=0.2, no_speech=0.9)
    unsure_only = _segment("my bill is wrong", probability=0.2, no_speech=0.1)
    quiet_only = _segment("my bill is wrong", probability=0.9, no_speech=0.9)
    assert invented_text_suspected([quiet_and_unsure, unsure_only, quiet_only]) == (0,)


def test_a_segment_with_no_words_is_judged_on_the_video_list_only():
    segments = [Segment(0.0, 1.0, " Hello?", (), 0.95), Segment(1.0, 2.0, " Thank you.", (), 0.95)]
    assert invented_text_suspected([*segments, Segment(2.0, 3.0, " Продолжение следует...", (), 0.95)]) == (2,)


def test_a_faster_whisper_segment_becomes_a_segment():
    from faster_whisper.transcribe import Segment as WhisperSegment
    from faster_whisper.transcribe import Word as WhisperWord

    words = [
        WhisperWord(0.5, 0.9, " Hello,", 0.91234),
        WhisperWord(0.9, 0.9, " ", 0.1),
        WhisperWord(1.0, 1.4, " Sam", 0.8),
    ]
    heard = WhisperSegment(0, 0, 0.5, 1.4, " Hello, Sam", [], -0.2, 1.1, 0.05, words, 0.0)
    assert segment_from_whisper(heard, channel=1) == Segment(
        0.5, 1.4, " Hello, Sam", (Word("Hello,", 0.5, 0.9, 0.9123, 1), Word("Sam", 1.0, 1.4, 0.8, 1)), 0.05, -0.2
    )


def test_empty_input_gives_nothing_and_no_flags():
    assert guard_segments([], 10.0) == ((), ())
    assert collapse_repeated_segments([]) == ((), False)
    assert repair_timestamps([], 10.0) == ((), 0)
    assert invented_text_suspected([]) == ()


def test_all_three_flags_from_one_call():
    given = [
        _segment("Thanks for watching!", 0.0),
        *(_segment("Wait.", 2.0 + i, 3.0 + i) for i in range(4)),
        Segment(9.0, 8.0, " Sorry."),
    ]
    segments, flags = guard_segments(given, audio_duration=20.0)
    assert set(flags) == {"timestamps_repaired", "hallucination_suspected", "repetition_suspected"}
    assert [s.text for s in segments] == [" Wait.", " Wait.", " Sorry."]
