"""Decoding: rates, channels, dual mono, windows of a long recording, and the status each broken file gets."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import SAMPLE_AUDIO

from acw_speech.audio import WINDOW_CUT_SEARCH_S, load_audio, read_audio
from acw_speech.config import AudioConfig
from acw_speech.errors import RecordingError

CONFIG = AudioConfig()


def test_stereo_call_keeps_both_channels_at_16k():
    audio = load_audio(SAMPLE_AUDIO / "stereo_diarization.wav", CONFIG)
    assert audio.channels.shape == (2, 80000)
    assert audio.layout == "stereo" and audio.source_channels == 2
    assert audio.duration_s == pytest.approx(5.0, abs=0.01)


def test_mu_law_8k_telephony_wav_is_decoded_at_the_right_rate():
    audio = load_audio(SAMPLE_AUDIO / "internet_not_working.wav", CONFIG)
    assert audio.codec == "pcm_mulaw" and audio.source_sample_rate == 8000
    soxi = subprocess.run(
        ["soxi", "-D", str(SAMPLE_AUDIO / "internet_not_working.wav")], capture_output=True, text=True
    )
    assert audio.duration_s == pytest.approx(float(soxi.stdout), abs=0.05)
    assert audio.layout == "stereo"


def test_dual_mono_is_one_channel():
    audio = load_audio(SAMPLE_AUDIO / "jfk.flac", CONFIG)  # two identical channels
    assert audio.layout == "dual_mono" and "dual_mono" in audio.flags
    assert audio.channels.shape[0] == 1


def test_nearly_identical_channels_are_still_dual_mono(tmp_path):
    rng = np.random.default_rng(0)
    voice = np.sin(np.linspace(0, 2000, 32000)) * 0.3 * (rng.random(32000) > 0.2)
    noisy = voice + rng.normal(0, 0.003, voice.size)  # a recorder's own noise: not bit-identical
    path = tmp_path / "dual.wav"
    _write_wav(path, np.stack([voice, noisy]), 16000)
    assert load_audio(path, CONFIG).layout == "dual_mono"


def test_silent_channel_is_reported(tmp_path):
    voice = np.sin(np.linspace(0, 2000, 32000)) * 0.3
    path = tmp_path / "one_side.wav"
    _write_wav(path, np.stack([voice, np.zeros_like(voice)]), 16000)
    assert load_audio(path, CONFIG).silent_channels == (1,)


@pytest.mark.parametrize(
    "name, content, status, words",
    [
        ("zero.wav", b"", "decode_error", "0 bytes"),
        ("text.wav", b"this is a text file, not audio\n" * 20, "decode_error", "not a readable audio file"),
    ],
)
def test_broken_files_get_a_status_and_a_message(tmp_path, name, content, status, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordingError) as caught:
        load_audio(path, CONFIG)
    assert caught.value.status == status and words in str(caught.value)


def test_truncated_wav_is_a_decode_error(tmp_path):
    whole = (SAMPLE_AUDIO / "double_charge_refund.wav").read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RecordingError) as caught:
        load_audio(path, CONFIG)
    assert caught.value.status == "decode_error" and "truncated" in str(caught.value)


@pytest.mark.parametrize("extension", ["flac", "mp3", "ogg"])
def test_a_compressed_recording_cut_in_half_is_a_decode_error_and_the_whole_one_decodes(tmp_path, extension):
    whole = tmp_path / f"whole.{extension}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(SAMPLE_AUDIO / "double_charge_refund.wav"), "-ac", "1", str(whole)],
        check=True,
    )
    assert load_audio(whole, CONFIG).duration_s > 10
    cut = tmp_path / f"cut.{extension}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(RecordingError) as caught:
        load_audio(cut, CONFIG)
    assert caught.value.status == "decode_error"
    assert str(caught.value).startswith("truncated"), str(caught.value)


def test_header_only_wav_is_empty_audio(tmp_path):
    path = tmp_path / "header.wav"
    _write_wav(path, np.zeros((1, 0)), 16000)
    with pytest.raises(RecordingError) as caught:
        load_audio(path, CONFIG)
    assert caught.value.status == "empty_audio"


def test_very_short_recording_is_too_short(tmp_path):
    path = tmp_path / "blip.wav"
    _write_wav(path, np.full((1, 1600), 0.1), 16000)  # 0.1 s
    with pytest.raises(RecordingError) as caught:
        load_audio(path, CONFIG)
    assert caught.value.status == "too_short"


def _write_wav(path, samples: np.ndarray, rate: int) -> None:
    import wave

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").T.tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


def test_a_long_recording_comes_in_windows_cut_in_pauses_that_add_up_to_the_whole(tmp_path):
    call = SAMPLE_AUDIO / "double_charge_refund.wav"  # 28 s stereo; four copies make 114 s
    long_call = tmp_path / "long.wav"
    subprocess.run(["sox", *[str(call)] * 4, str(long_call)], check=True)
    whole = load_audio(long_call, CONFIG)
    windows = list(read_audio(long_call, CONFIG.model_copy(update={"window_s": 60})))

    assert len(windows) == 2
    assert windows[0].offset_s == 0 and windows[1].offset_s == pytest.approx(windows[0].duration_s)
    assert abs(windows[0].duration_s - 60) <= WINDOW_CUT_SEARCH_S
    assert np.array_equal(np.concatenate([w.channels for w in windows], axis=1), whole.channels)
    cut = int(windows[0].duration_s * whole.sample_rate)
    around_cut = whole.channels[:, cut - 1600 : cut + 1600]  # 0.2 s: the quietest stretch near 60 s
    assert np.sqrt(np.mean(np.square(around_cut))) < 0.1 * np.sqrt(np.mean(np.square(whole.channels)))
    assert all(w.layout == "stereo" for w in windows)
