"""Speech recognition guards that need no model: repetition loops."""

from acw_speech.asr import drop_repetition_loops
from acw_speech.records import Word


def _words(text):
    return tuple(Word(t, i * 0.5, i * 0.5 + 0.4, 0.9) for i, t in enumerate(text.split()))


def _text(words):
    return " ".join(w.text for w in words)


def test_a_looping_word_is_kept_once_and_flagged():
    words, looped = drop_repetition_loops(_words("Когда вы вернёте? Вьем -дем -дем -дем -дем -дем -дем Хорошо"))
    assert _text(words) == "Когда вы вернёте? Вьем -дем Хорошо" and looped


def test_a_looping_phrase_is_kept_once():
    words, looped = drop_repetition_loops(_words("thank you thank you thank you thank you. Bye"))
    assert _text(words) == "thank you Bye" and looped


def test_natural_repetition_is_left_alone():
    text = "no no no, I said no. Yes yes, that's right"
    words, looped = drop_repetition_loops(_words(text))
    assert _text(words) == text and not looped
