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


def test_language_is_chosen_among_the_allowed_ones_only():
    from conftest import SAMPLE_AUDIO

    from acw_speech.asr import SpeechRecognizer
    from acw_speech.audio import load_audio
    from acw_speech.config import AsrConfig, AudioConfig

    audio = load_audio(SAMPLE_AUDIO / "pisets_ru.wav", AudioConfig())
    assert SpeechRecognizer(AsrConfig(), ["en", "ru"]).recognize(audio).language == "ru"
    restricted = SpeechRecognizer(AsrConfig(), ["en", "de"]).recognize(audio)
    assert restricted.language in ("en", "de")


def test_asr_model_option_takes_a_local_ctranslate2_folder(tmp_path):
    from conftest import SAMPLE_AUDIO, acw, calls_of

    from acw_speech.asr_model import assemble_bundled_model

    folder = assemble_bundled_model()  # the cache folder is an ordinary CTranslate2 model folder
    out = tmp_path / "out"
    proc = acw("run", str(SAMPLE_AUDIO / "stereo_diarization.wav"), "--out", str(out), "--asr-model", str(folder))
    assert proc.returncode == 0, proc.stderr
    calls = calls_of(out)
    assert calls.asr_model.iloc[0] == str(folder) and calls.n_turns.iloc[0] == 2
