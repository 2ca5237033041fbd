"""Speech recognition: loops cut from one segment's words, language choice, local model folders."""

from acw_speech.asr import Stretch, decoded_better, plan_languages
from acw_speech.guards import Segment, collapse_repeated_segments
from acw_speech.records import Word


def _collapse(text):
    words = tuple(Word(t, i * 0.5, i * 0.5 + 0.4, 0.9) for i, t in enumerate(text.split()))
    (segment,), looped = collapse_repeated_segments((Segment(0.0, len(words) * 0.5, text, words),))
    assert segment.text == " ".join(w.text for w in segment.words)  # text and word timings stay in step
    return segment.text, looped


def test_a_looping_word_is_kept_once_and_flagged():
    text, looped = _collapse("Когда вы вернёте? Вьем -дем -дем -дем -дем -дем -дем Хорошо")
    assert text == "Когда вы вернёте? Вьем -дем Хорошо" and looped


def test_a_looping_phrase_is_kept_once():
    text, looped = _collapse("thank you thank you thank you thank you. Bye")
    assert text == "thank you Bye" and looped


def test_natural_repetition_is_left_alone():
    said = "no no no, I said no. Yes yes, that's right"
    text, looped = _collapse(said)
    assert text == said and not looped


def _stretch(start, end, ru, en):
    return Stretch(start, end, "", {"ru": ru, "en": en})


def test_a_sure_stretch_in_the_other_language_is_planned_in_it_and_the_rest_in_the_calls():
    detected = {
        0: [_stretch(0, 5, 0.9, 0.05), _stretch(5.5, 8.5, 0.02, 0.95), _stretch(9, 9.5, 0.05, 0.9)],
        1: [_stretch(0, 4, 0.6, 0.3), _stretch(4.5, 6, 0.25, 0.7)],  # English likeliest but not sure enough
    }
    language, plans = plan_languages(detected, ["en", "ru"])

    assert language == "ru"  # 9 s most likely Russian against 5 s English
    assert [s.language for s in plans[0]] == ["ru", "en", "ru"]  # the last English one is under 1 s
    assert [s.language for s in plans[1]] == ["ru", "ru"]


def _heard(*probabilities):
    words = tuple(Word(f"w{i}", i, i + 0.5, p) for i, p in enumerate(probabilities))
    return (Segment(0, len(words), " ".join(w.text for w in words), words),)


def test_a_switch_is_kept_only_when_its_words_are_sure_and_surer_than_the_calls_language():
    unsure_ours = list(_heard(0.4, 0.5)[0].words)
    assert decoded_better(_heard(0.9, 0.85), unsure_ours)
    assert not decoded_better(_heard(0.7, 0.7), unsure_ours)  # not sure enough on its own
    assert not decoded_better(_heard(0.8, 0.8), list(_heard(0.9, 0.9)[0].words))  # the call's language heard better
    assert not decoded_better((), unsure_ours)


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
